"""Share codes: shareInfo, shareDevice and shareUserUnshareDevice."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.docs import CoverMark, Endpoint, ShareStatus
from tests.simulator.doc_messages import (
    RECIPIENT_UNSHARE_MESSAGES,
    SHARE_DEVICE_MESSAGES,
    SHARE_INFO_MESSAGES,
)
from tests.simulator.sim_client import Client

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
GUEST_EMAIL = "guest@example.test"
OTHER_EMAIL = "other@example.test"


async def _share_info(client: Client, token: str, **params: Any) -> Any:
    params = {
        "pk": "pTest",
        "dk": "DEV-1",
        "acceptingExpireAt": client.sim.now_ms() + HOUR_MS,
        "coverMark": 2,
        **params,
    }
    return await client.request(Endpoint.SHARE_INFO, params, token=token)


async def _invite(client: Client, token: str, **params: Any) -> str:
    reply = await _share_info(client, token, **params)
    assert reply.code == 200, reply.json
    assert isinstance(reply.data, str)
    return reply.data


async def _accept(
    client: Client, token: str, share_code: str | None, **params: Any
) -> Any:
    return await client.request(
        Endpoint.SHARE_DEVICE, {"shareCode": share_code, **params}, token=token
    )


async def _leave(client: Client, token: str, share_code: str | None) -> Any:
    return await client.request(
        Endpoint.RECIPIENT_UNSHARE, {"shareCode": share_code}, token=token
    )


async def _share_list(client: Client, token: str) -> list[dict[str, Any]]:
    reply = await client.request(
        Endpoint.SHARE_USER_LIST, {"pk": "pTest", "dk": "DEV-1"}, token=token
    )
    assert reply.code == 200
    return reply.data  # type: ignore[no-any-return]


async def _device_list(client: Client, token: str) -> list[dict[str, Any]]:
    reply = await client.request(Endpoint.DEVICE_LIST, {}, token=token)
    assert reply.code == 200
    return reply.data["list"]  # type: ignore[no-any-return]


# --- shareInfo ---------------------------------------------------------------


async def test_share_info_makes_an_invitation(client: Client, owner_token: str) -> None:
    sim = client.sim
    accept_by = sim.now_ms() + HOUR_MS
    expire = sim.now_ms() + DAY_MS

    code = await _invite(
        client, owner_token, acceptingExpireAt=accept_by, sharingExpireAt=expire
    )

    share = sim.share(code)
    assert share.status == ShareStatus.PENDING
    assert (share.owner_uid, share.share_uid) == ("U1", None)
    assert share.accept_time_ms is None
    assert share.accepting_expire_at_ms == accept_by
    assert share.expire_at_ms == expire
    assert share.cover_mark == CoverMark.ADD
    # Nobody can use the device yet.
    assert sim.active_shares("pTest", "DEV-1") == []


async def test_share_info_for_life_with_the_right_auth_key(
    client: Client, owner_token: str
) -> None:
    code = await _invite(client, owner_token, authKey="auth-1")
    assert client.sim.share(code).expire_at_ms is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"pk": None}, 5066),
        ({"dk": None}, 5067),
        ({"acceptingExpireAt": None}, 5132),
        ({"acceptingExpireAt": ""}, 5132),
        ({"coverMark": "0"}, 5133),
        ({"coverMark": "4"}, 5133),
        ({"coverMark": "abc"}, 5133),
        ({"acceptingExpireAt": "tomorrow"}, 5145),
        ({"acceptingExpireAt": "1000"}, 5145),
        ({"sharingExpireAt": "1.7e12"}, 5145),
        ({"sharingExpireAt": "1000"}, 5145),
        ({"dk": "NOPE"}, 5135),
        ({"pk": "pOther", "dk": "OTHER-1"}, 5135),
        ({"authKey": "wrong"}, 5135),
        ({"dk": "DEV-U"}, 5360),
    ],
)
async def test_share_info_errors(
    client: Client, owner_token: str, params: dict[str, Any], code: int
) -> None:
    reply = await _share_info(client, owner_token, **params)
    assert reply.code == code
    assert reply.json["msg"] == SHARE_INFO_MESSAGES[code]
    assert reply.data is None
    assert client.sim.shares == [client.sim.share("OTHER-SHARE")]


@pytest.mark.parametrize("after_deadline_ms", [0, -1])
async def test_share_info_use_must_end_after_the_accept_deadline(
    client: Client, owner_token: str, after_deadline_ms: int
) -> None:
    accept_by = client.sim.now_ms() + HOUR_MS
    reply = await _share_info(
        client,
        owner_token,
        acceptingExpireAt=accept_by,
        sharingExpireAt=accept_by + after_deadline_ms,
    )
    assert reply.code == 5153
    assert reply.json["msg"] == SHARE_INFO_MESSAGES[5153]


async def test_share_info_cover_mark_2_adds(client: Client, owner_token: str) -> None:
    first = await _invite(client, owner_token)
    second = await _invite(client, owner_token)
    assert first != second
    assert client.sim.share(first).status == ShareStatus.PENDING
    assert client.sim.share(second).status == ShareStatus.PENDING


async def test_share_info_cover_mark_1_overrides_the_previous_code(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    holder = sim.add_share("pTest", "DEV-1", "U3")
    previous = await _invite(client, owner_token)

    await _invite(client, owner_token, coverMark=1)

    assert sim.share(previous).status == ShareStatus.CANCELLED
    # Read per recipient (the default), a share in use is no share code.
    assert holder.status == ShareStatus.ACTIVE


async def test_share_info_cover_mark_1_device_wide_ends_every_share(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sim.cover_mark_scope = "device"
    holder = sim.add_share("pTest", "DEV-1", "U3")
    elsewhere = sim.add_share("pTest", "DEV-2", "U3")

    code = await _invite(client, owner_token, coverMark=1)

    assert holder.status == ShareStatus.CANCELLED
    assert elsewhere.status == ShareStatus.ACTIVE
    assert sim.share(code).status == ShareStatus.PENDING


async def test_share_info_cover_mark_3_overrides_only_a_shorter_code(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sooner = sim.now_ms() + DAY_MS
    later = sooner + DAY_MS
    previous = await _invite(client, owner_token, sharingExpireAt=later)

    kept = await _invite(client, owner_token, coverMark=3, sharingExpireAt=sooner)
    assert kept == previous
    assert sim.share(previous).status == ShareStatus.PENDING

    longer = await _invite(client, owner_token, coverMark=3)  # for life
    assert longer != previous
    assert sim.share(previous).status == ShareStatus.CANCELLED
    assert sim.share(longer).status == ShareStatus.PENDING


async def test_share_by_uid_cover_mark_1_device_wide_ends_open_invitations(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    code = await _invite(client, owner_token)
    recipient_wide = await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest", "dk": "DEV-1", "shareUid": "U4", "coverMark": 1},
        token=owner_token,
    )
    assert recipient_wide.code == 200
    assert sim.share(code).status == ShareStatus.PENDING

    sim.cover_mark_scope = "device"
    device_wide = await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest", "dk": "DEV-1", "shareUid": "U3", "coverMark": 1},
        token=owner_token,
    )
    assert device_wide.code == 200
    assert sim.share(code).status == ShareStatus.CANCELLED


# --- deviceShareUserList before and after acceptance -------------------------


async def test_share_list_shows_the_invitation_then_its_recipient(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    accept_by = sim.now_ms() + HOUR_MS
    expire = sim.now_ms() + DAY_MS
    code = await _invite(
        client, owner_token, acceptingExpireAt=accept_by, sharingExpireAt=expire
    )

    [before] = await _share_list(client, owner_token)
    info = before["shareInfo"]
    assert info["shareCode"] == code
    assert info["shareStatus"] == ShareStatus.PENDING
    assert info["acceptingExpireAtTs"] == accept_by
    assert isinstance(info["acceptingExpireAt"], str)
    assert info["acceptTime"] is None
    assert info["acceptTimeTs"] is None
    assert info["shareUid"] is None
    assert info["sharingExpireAtTs"] == expire
    assert info["coverMark"] == 2
    assert before["userInfo"] is None

    sim.advance_clock(60)
    guest = await client.token(GUEST_EMAIL)
    assert (await _accept(client, guest, code)).code == 200

    [after] = await _share_list(client, owner_token)
    info = after["shareInfo"]
    assert info["shareStatus"] == ShareStatus.ACTIVE
    assert info["acceptTimeTs"] == sim.share(code).accept_time_ms
    assert info["acceptTimeTs"] >= info["shareTimeTs"] + 60_000
    assert info["acceptingExpireAtTs"] == accept_by
    assert info["shareUid"] == "U3"
    assert after["userInfo"]["uid"] == "U3"
    assert after["userInfo"]["email"] == GUEST_EMAIL


# --- shareDevice -------------------------------------------------------------


async def test_accepting_shares_the_device_with_the_recipient(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    expire = sim.now_ms() + DAY_MS
    code = await _invite(client, owner_token, sharingExpireAt=expire)
    guest = await client.token(GUEST_EMAIL)
    assert await _device_list(client, guest) == []

    reply = await _accept(client, guest, code, deviceName="Hall light")

    assert reply.json == {"code": 200, "msg": "", "data": None, "extMsg": None}
    share = sim.share(code)
    assert (share.status, share.share_uid) == (ShareStatus.ACTIVE, "U3")
    assert share.accept_time_ms is not None
    [device] = await _device_list(client, guest)
    assert (device["productKey"], device["deviceKey"]) == ("pTest", "DEV-1")
    assert device["deviceType"] == 2
    assert device["deviceName"] == "Hall light"
    assert device["shareCode"] == code
    assert device["ownerUid"] == "U1"
    assert device["authKey"] is None
    assert device["sharingExpireTimeTs"] == expire
    assert isinstance(device["sharingExpireAt"], str)


async def test_accepted_share_ends_at_its_expiry(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    accept_by = sim.now_ms() + HOUR_MS
    code = await _invite(
        client, owner_token, acceptingExpireAt=accept_by, sharingExpireAt=accept_by + 1
    )
    guest = await client.token(GUEST_EMAIL)
    assert (await _accept(client, guest, code)).code == 200
    [device] = await _device_list(client, guest)
    assert device["deviceName"] == "Device 1"  # no name given: the owner's

    sim.advance_clock(HOUR_MS / 1000 + 1)

    assert sim.share(code).status == ShareStatus.EXPIRED
    assert await _device_list(client, await client.token(GUEST_EMAIL)) == []


async def test_the_accept_deadline_is_enforced(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    code = await _invite(client, owner_token, acceptingExpireAt=sim.now_ms() + 1000)
    sim.advance_clock(2)
    guest = await client.token(GUEST_EMAIL)

    reply = await _accept(client, guest, code)

    assert reply.code == 5137
    assert reply.json["msg"] == SHARE_DEVICE_MESSAGES[5137]
    share = sim.share(code)
    assert (share.status, share.share_uid) == (ShareStatus.EXPIRED, None)
    assert await _device_list(client, guest) == []


async def test_share_device_errors(client: Client, owner_token: str) -> None:
    sim = client.sim
    guest = await client.token(GUEST_EMAIL)
    other = await client.token(OTHER_EMAIL)
    withdrawn = await _invite(client, owner_token)
    unshared = await client.request(
        Endpoint.OWNER_UNSHARE, {"shareCode": withdrawn}, token=owner_token
    )
    assert unshared.code == 200
    used = await _invite(client, owner_token)
    assert (await _accept(client, other, used)).code == 200
    sim.add_share("pTest", "DEV-2", "U3")
    open_on_dev_2 = await _invite(client, owner_token, dk="DEV-2")
    code = await _invite(client, owner_token)

    async def accept(token: str, share_code: str | None, **params: Any) -> int:
        reply = await _accept(client, token, share_code, **params)
        if reply.code != 200:
            assert reply.json["msg"] == SHARE_DEVICE_MESSAGES[reply.code]
        return reply.code  # type: ignore[no-any-return]

    assert await accept(guest, None) == 5136
    assert await accept(guest, "NO-SUCH-CODE") == 5137
    assert await accept(guest, withdrawn) == 5137
    assert await accept(guest, used) == 5137
    # A share by uid is no share code to accept.
    assert await accept(guest, "OTHER-SHARE") == 5137
    assert await accept(owner_token, code) == 5049
    assert await accept(guest, open_on_dev_2) == 5049
    assert await accept(guest, code, deviceName="x" * 65) == 5333
    assert sim.share(code).status == ShareStatus.PENDING
    assert await accept(guest, code, deviceName="x" * 64) == 200


# --- shareUserUnshareDevice --------------------------------------------------


async def test_leaving_a_share(client: Client, owner_token: str) -> None:
    sim = client.sim
    code = await _invite(client, owner_token)
    guest = await client.token(GUEST_EMAIL)
    assert (await _accept(client, guest, code)).code == 200

    reply = await _leave(client, guest, code)

    assert reply.json == {"code": 200, "msg": "", "data": None, "extMsg": None}
    assert sim.share(code).status == ShareStatus.CANCELLED
    assert await _device_list(client, guest) == []
    again = await _leave(client, guest, code)
    assert again.code == 5142
    assert again.json["msg"] == RECIPIENT_UNSHARE_MESSAGES[5142]


async def test_leaving_a_share_by_uid(client: Client) -> None:
    owner = await client.token()
    assert (await _leave(client, owner, "OTHER-SHARE")).code == 200
    assert client.sim.share("OTHER-SHARE").status == ShareStatus.CANCELLED


async def test_leave_errors(client: Client, owner_token: str) -> None:
    sim = client.sim
    guest = await client.token(GUEST_EMAIL)
    other = await client.token(OTHER_EMAIL)
    held = sim.add_share("pTest", "DEV-1", "U3").share_code
    expired = sim.add_share(
        "pTest", "DEV-2", "U3", expire_at_ms=sim.now_ms() + 1000
    ).share_code
    invitation = await _invite(client, owner_token)
    sim.advance_clock(2)

    async def leave(token: str, share_code: str | None) -> int:
        reply = await _leave(client, token, share_code)
        assert reply.json["msg"] == RECIPIENT_UNSHARE_MESSAGES[reply.code]
        return reply.code  # type: ignore[no-any-return]

    assert await leave(guest, None) == 5136
    assert await leave(guest, "NO-SUCH-CODE") == 5041
    assert await leave(other, held) == 5041
    # The owner revokes with ownerUserUnshareDevice; leaving is the recipient's.
    assert await leave(owner_token, held) == 5041
    # Nobody holds an invitation yet.
    assert await leave(guest, invitation) == 5041
    assert await leave(guest, expired) == 5142
    assert sim.share(held).status == ShareStatus.ACTIVE
    assert sim.share(invitation).status == ShareStatus.PENDING


# --- controls ------------------------------------------------------------------


async def test_invitation_controls(client: Client, owner_token: str) -> None:
    sim = client.sim
    accept_by = sim.now_ms() + HOUR_MS
    invitation = sim.add_invitation(
        "pTest", "DEV-2", accept_by_ms=accept_by, share_code="INV"
    )
    assert (invitation.share_code, invitation.status) == ("INV", ShareStatus.PENDING)
    assert invitation.accepting_expire_at_ms == accept_by
    assert sim.active_shares("pTest", "DEV-2") == []

    accepted = sim.accept_invitation("INV", GUEST_EMAIL, device_name="Desk")

    assert accepted is invitation
    assert (accepted.share_uid, accepted.status) == ("U3", ShareStatus.ACTIVE)
    assert accepted.device_name == "Desk"
    assert sim.active_shares("pTest", "DEV-2") == [accepted]


async def test_removing_a_device_ends_its_invitations(
    client: Client, owner_token: str
) -> None:
    code = await _invite(client, owner_token)
    client.sim.remove_device("pTest", "DEV-1")
    assert client.sim.share(code).status == ShareStatus.CANCELLED
