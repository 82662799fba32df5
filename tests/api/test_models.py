"""Parsing of the cloud's answers: lenient with fields, strict with shape."""

from datetime import UTC, datetime

import pytest

from custom_components.quectel_iot.api import (
    Device,
    QuectelMalformedResponseError,
    Share,
    Tokens,
    User,
)
from custom_components.quectel_iot.api.models import DevicePage

DOC_DEVICE = {
    "productKey": "p11pLZ",
    "deviceKey": "D001",
    "deviceName": "RGB light-1744780780714",
    "productName": "RGB light",
    "deviceType": 1,
    "authKey": "FUjktXJpwJ8d3OLZoHTYtA==",
    "verified": 1,
    "onlineStatus": 0,
    "someFutureField": {"nested": True},
}


def test_device_from_the_documented_example() -> None:
    device = Device.from_api(DOC_DEVICE)
    assert device == Device(
        product_key="p11pLZ",
        device_key="D001",
        name="RGB light-1744780780714",
        product_name="RGB light",
        device_type=1,
        auth_key="FUjktXJpwJ8d3OLZoHTYtA==",
        verified=True,
        online=False,
    )
    assert device.owned
    assert device.unique_id == "p11pLZ_D001"


# userDeviceList.md: a device shared with the account (deviceType 2) names
# its share code, its owner and the end of access (sharingExpireTimeTs).
SHARED_WITH_ME = DOC_DEVICE | {
    "deviceType": 2,
    "authKey": None,
    "shareCode": "SC-1",
    "ownerUid": "C9",
    "sharingExpireAt": "2023-11-14 22:13:20",
    "sharingExpireTimeTs": 1700000000000,
}


def test_device_shared_with_the_account() -> None:
    device = Device.from_api(SHARED_WITH_ME)

    assert device.shared_with_me
    assert not device.owned
    assert device.share_code == "SC-1"
    assert device.owner_uid == "C9"
    assert device.share_expires_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_device_shared_for_life_has_no_end() -> None:
    device = Device.from_api(SHARED_WITH_ME | {"sharingExpireTimeTs": None})
    assert device.share_code == "SC-1"
    assert device.share_expires_at is None


def test_device_shared_end_also_read_under_the_share_lists_name() -> None:
    # deviceShareUserList.md calls the same end sharingExpireAtTs.
    fields = {k: v for k, v in SHARED_WITH_ME.items() if k != "sharingExpireTimeTs"}
    device = Device.from_api(fields | {"sharingExpireAtTs": 1700000000000})
    assert device.share_expires_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


BEFORE_END = datetime(2023, 11, 14, 22, 0, tzinfo=UTC)
AFTER_END = datetime(2023, 11, 14, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "ended"),
    [
        ({"status": 1, "bindStatus": 1}, False),
        ({"status": 2, "bindStatus": 1}, True),
        ({"status": 1, "bindStatus": 2}, True),
        ({"status": "2"}, True),
        ({"status": None, "bindStatus": None}, False),
        # Not a number: unknown, not "expired", and the list stays readable.
        ({"status": "expired", "bindStatus": [2]}, False),
    ],
)
def test_binding_status_tells_an_ended_share(
    fields: dict[str, object], ended: bool
) -> None:
    # userDeviceList.md: status and bindStatus, "1-Normal 2-Expired".
    device = Device.from_api(SHARED_WITH_ME | fields)
    assert device.access_ended(BEFORE_END) is ended


def test_a_share_past_its_end_has_ended_whatever_its_status() -> None:
    device = Device.from_api(SHARED_WITH_ME | {"status": 1, "bindStatus": 1})
    assert device.access_ended(AFTER_END)
    for_life = Device.from_api(SHARED_WITH_ME | {"sharingExpireTimeTs": None})
    assert not for_life.access_ended(AFTER_END)


def test_binding_status_is_read_for_owned_devices_too() -> None:
    device = Device.from_api(DOC_DEVICE | {"status": 2, "bindStatus": 2})
    assert (device.status, device.bind_status) == (2, 2)


def test_owned_device_has_no_share_of_its_own() -> None:
    device = Device.from_api(
        DOC_DEVICE
        | {"shareCode": "STRAY", "ownerUid": "C9", "sharingExpireTimeTs": 17e11}
    )
    assert not device.shared_with_me
    assert (device.share_code, device.owner_uid, device.share_expires_at) == (
        None,
        None,
        None,
    )


def test_device_tolerates_numbers_as_strings_and_nulls() -> None:
    device = Device.from_api(
        DOC_DEVICE
        | {"deviceType": "2", "verified": "0", "deviceName": None, "authKey": None}
    )
    assert device.device_type == 2
    assert not device.owned
    assert not device.verified
    assert device.name == "D001"
    assert device.auth_key is None


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "x",
        {"deviceKey": "D1"},
        DOC_DEVICE | {"deviceType": "one"},
        DOC_DEVICE | {"deviceKey": []},
    ],
)
def test_unreadable_devices_raise_the_clients_own_error(bad: object) -> None:
    with pytest.raises(QuectelMalformedResponseError):
        Device.from_api(bad)


def test_tokens_round_trip_through_storage() -> None:
    tokens = Tokens.from_api(
        {
            "accessToken": {"token": "Bearer a", "expirationTime": "1744787786"},
            "refreshToken": {"token": "Bearer r", "expirationTime": 1747372586},
        }
    )
    assert tokens.access.token == "Bearer a"
    assert tokens.access.expires_at == 1744787786
    assert Tokens.from_dict(tokens.as_dict()) == tokens
    assert Tokens.from_dict({"access_token": "x"}) is None


def test_token_expiry_margin() -> None:
    tokens = Tokens.from_api(
        {
            "accessToken": {"token": "Bearer a", "expirationTime": 1000},
            "refreshToken": {"token": "Bearer r", "expirationTime": 5000},
        }
    )
    assert tokens.access.expires_within(300, now=800)
    assert not tokens.access.expires_within(100, now=800)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {
            "accessToken": {"token": "Bearer a"},
            "refreshToken": {"token": "r", "expirationTime": 1},
        },
        {
            "accessToken": {"token": "", "expirationTime": 1},
            "refreshToken": {"token": "r", "expirationTime": 1},
        },
    ],
)
def test_incomplete_tokens_are_malformed(bad: object) -> None:
    with pytest.raises(QuectelMalformedResponseError):
        Tokens.from_api(bad)


def test_user_reads_the_documented_nickname_field() -> None:
    user = User.from_api({"uid": "C1", "email": "", "phone": "138", "nikeName": "Ann"})
    assert user == User(uid="C1", email=None, phone="138", nickname="Ann")


def test_share_combines_share_info_and_recipient() -> None:
    share = Share.from_api(
        {
            "shareInfo": {
                "shareCode": "S1",
                "pk": "p1",
                "dk": "d1",
                "shareStatus": 1,
                "shareTimeTs": 1700000000000,
                "acceptTimeTs": "1700000001000",
                "sharingExpireAtTs": 0,
                "shareUid": "C2",
            },
            "userInfo": None,
        }
    )
    assert share.share_code == "S1"
    assert share.recipient.uid == "C2"
    assert share.shared_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert share.expires_at is None
    assert share.is_active()


def test_share_activity_follows_status_and_expiry() -> None:
    base = {"shareCode": "S1", "shareStatus": 1, "sharingExpireAtTs": 1700000000000}
    share = Share.from_api({"shareInfo": base, "userInfo": {"uid": "C2"}})
    assert share.is_active(datetime(2023, 1, 1, tzinfo=UTC))
    assert not share.is_active(datetime(2024, 1, 1, tzinfo=UTC))
    cancelled = Share.from_api(
        {"shareInfo": base | {"shareStatus": 2, "sharingExpireAtTs": None}}
    )
    assert not cancelled.is_active()


# deviceShareUserList.md: a share code nobody has accepted yet has an
# acceptance deadline, no acceptTime and no recipient.
INVITATION_INFO = {
    "shareCode": "INV1",
    "pk": "p1",
    "dk": "d1",
    "shareStatus": 0,
    "shareTimeTs": 1700000000000,
    "acceptTime": None,
    "acceptTimeTs": None,
    "acceptingExpireAt": "2023-11-15 22:13:20",
    "acceptingExpireAtTs": 1700086400000,
    "sharingExpireAtTs": 1700172800000,
    "shareUid": None,
}
BEFORE_THE_DEADLINE = datetime(2023, 11, 15, tzinfo=UTC)
AFTER_THE_DEADLINE = datetime(2023, 11, 16, tzinfo=UTC)


def test_an_invitation_is_never_active() -> None:
    invitation = Share.from_api({"shareInfo": INVITATION_INFO, "userInfo": None})

    assert invitation.accept_by == datetime(2023, 11, 15, 22, 13, 20, tzinfo=UTC)
    assert invitation.accepted_at is None
    assert invitation.is_invitation
    assert invitation.is_open_invitation(BEFORE_THE_DEADLINE)
    assert not invitation.is_active(BEFORE_THE_DEADLINE)
    # A status the cloud may call active does not make it a share either.
    as_active = Share.from_api({"shareInfo": INVITATION_INFO | {"shareStatus": 1}})
    assert not as_active.is_active(BEFORE_THE_DEADLINE)
    assert as_active.is_open_invitation(BEFORE_THE_DEADLINE)


@pytest.mark.parametrize(
    ("changes", "now"),
    [
        ({}, AFTER_THE_DEADLINE),
        ({"shareStatus": 2}, BEFORE_THE_DEADLINE),
        ({"shareStatus": 3}, BEFORE_THE_DEADLINE),
        ({"sharingExpireAtTs": 1700000100000}, BEFORE_THE_DEADLINE),
    ],
    ids=["deadline-passed", "cancelled", "expired", "access-ended"],
)
def test_an_invitation_that_can_no_longer_be_accepted_is_not_open(
    changes: dict[str, object], now: datetime
) -> None:
    invitation = Share.from_api({"shareInfo": INVITATION_INFO | changes})
    assert invitation.is_invitation
    assert not invitation.is_open_invitation(now)


def test_an_invitation_without_a_deadline_stays_open_until_its_end() -> None:
    invitation = Share.from_api(
        {"shareInfo": INVITATION_INFO | {"acceptingExpireAtTs": None}}
    )
    assert invitation.accept_by is None
    assert invitation.is_open_invitation(AFTER_THE_DEADLINE)


def test_an_accepted_invitation_is_a_share_like_any_other() -> None:
    accepted = Share.from_api(
        {
            "shareInfo": INVITATION_INFO
            | {"shareStatus": 1, "acceptTimeTs": 1700050000000, "shareUid": "C3"},
            "userInfo": {"uid": "C3", "nikeName": "Guest"},
        }
    )
    assert not accepted.is_invitation
    assert not accepted.is_open_invitation(BEFORE_THE_DEADLINE)
    # The acceptance deadline no longer matters; the end of access does.
    assert accepted.is_active(AFTER_THE_DEADLINE)
    assert not accepted.is_active(datetime(2023, 11, 17, tzinfo=UTC))


def test_a_share_to_a_known_recipient_is_no_invitation() -> None:
    # shareByUid's shares: a recipient; acceptTime may be missing.
    by_uid = Share.from_api(
        {"shareInfo": {"shareCode": "S1", "shareStatus": 1, "shareUid": "C2"}}
    )
    by_email = Share.from_api(
        {
            "shareInfo": {"shareCode": "S2", "shareStatus": 1},
            "userInfo": {"email": "guest@example.com"},
        }
    )
    for share in (by_uid, by_email):
        assert not share.is_invitation
        assert share.is_active(BEFORE_THE_DEADLINE)


def test_out_of_range_timestamps_are_malformed() -> None:
    with pytest.raises(QuectelMalformedResponseError):
        Share.from_api({"shareInfo": {"shareCode": "S", "shareTimeTs": 10**20}})


def test_device_page_knows_when_to_stop() -> None:
    full = DevicePage.from_api(
        {"list": [DOC_DEVICE] * 2, "total": 5}, page=1, page_size=2
    )
    assert full.has_next_page
    last = DevicePage.from_api({"list": [DOC_DEVICE], "total": 5}, page=3, page_size=2)
    assert not last.has_next_page
    flagged = DevicePage.from_api({"list": [DOC_DEVICE], "hasNextPage": True}, 1, 1)
    assert flagged.has_next_page
    empty = DevicePage.from_api({"list": None, "hasNextPage": True}, 1, 1)
    assert not empty.has_next_page
    guessed = DevicePage.from_api({"list": [DOC_DEVICE]}, 1, 1)
    assert guessed.has_next_page
