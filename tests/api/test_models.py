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
