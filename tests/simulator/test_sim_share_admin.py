"""deviceShareUserList, ownerUserUnshareDevice and setShareTime."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.docs import Endpoint, ShareStatus
from tests.simulator.sim_client import Client

HOUR_MS = 3_600_000


async def _shares(client: Client, token: str, **params: Any) -> Any:
    params = {"pk": "pTest", "dk": "DEV-1", **params}
    return await client.request(Endpoint.SHARE_USER_LIST, params, token=token)


async def test_share_user_list_reports_every_share(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    now = sim.now_ms()
    active = sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=now + HOUR_MS)
    cancelled = sim.add_share("pTest", "DEV-1", "U4", status=ShareStatus.CANCELLED)
    expiring = sim.add_share("pTest", "DEV-1", "U4", expire_at_ms=now + 1000)
    sim.add_share("pTest", "DEV-2", "U3")  # another device
    sim.advance_clock(2)
    reply = await _shares(client, owner_token)
    assert reply.code == 200
    entries = reply.data
    assert [e["shareInfo"]["shareCode"] for e in entries] == [
        active.share_code,
        cancelled.share_code,
        expiring.share_code,
    ]
    statuses = [e["shareInfo"]["shareStatus"] for e in entries]
    assert statuses == [ShareStatus.ACTIVE, ShareStatus.CANCELLED, ShareStatus.EXPIRED]
    info = entries[0]["shareInfo"]
    assert info["pk"] == "pTest"
    assert info["dk"] == "DEV-1"
    assert info["ownerUid"] == "U1"
    assert info["shareUid"] == "U3"
    assert info["deviceName"] == "Device 1"
    assert info["sharingExpireAtTs"] == now + HOUR_MS
    assert isinstance(info["sharingExpireAt"], str)
    assert info["acceptTimeTs"] == info["shareTimeTs"] == active.share_time_ms
    assert info["shareId"] == active.share_id
    assert info["coverMark"] == 1
    assert info["deleteTimeTs"] is None
    assert entries[1]["shareInfo"]["deleteTimeTs"] is not None
    user = entries[0]["userInfo"]
    assert user["uid"] == "U3"
    assert user["email"] == "guest@example.test"
    assert user["nikeName"] == "Guest"
    assert user["userDomain"] == sim.user_domain
    assert entries[1]["userInfo"]["uid"] == "U4"


async def test_share_user_list_empty(client: Client, owner_token: str) -> None:
    reply = await _shares(client, owner_token, dk="DEV-3", pk="pTest2")
    assert reply.code == 200
    assert reply.data == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"pk": None}, 5066),
        ({"dk": None}, 5067),
        ({"dk": "NOPE"}, 5141),
        ({"pk": "pOther", "dk": "OTHER-1"}, 5141),
    ],
)
async def test_share_user_list_errors(
    client: Client, owner_token: str, params: dict[str, Any], code: int
) -> None:
    assert (await _shares(client, owner_token, **params)).code == code


async def test_unshare(client: Client, owner_token: str) -> None:
    sim = client.sim
    share = sim.add_share("pTest", "DEV-1", "U3")
    reply = await client.request(
        Endpoint.OWNER_UNSHARE, {"shareCode": share.share_code}, token=owner_token
    )
    assert reply.json == {"code": 200, "msg": "", "data": None, "extMsg": None}
    assert share.status == ShareStatus.CANCELLED
    assert share.delete_time_ms is not None
    again = await client.request(
        Endpoint.OWNER_UNSHARE, {"shareCode": share.share_code}, token=owner_token
    )
    assert again.code == 5142


async def test_unshare_errors(client: Client, owner_token: str) -> None:
    sim = client.sim
    expired = sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=sim.now_ms() + 10)
    sim.advance_clock(1)

    async def unshare(code: str | None) -> int:
        reply = await client.request(
            Endpoint.OWNER_UNSHARE, {"shareCode": code}, token=owner_token
        )
        return reply.code  # type: ignore[no-any-return]

    assert await unshare(None) == 5136
    assert await unshare("UNKNOWN") == 5041
    # U1 is the recipient of OTHER-SHARE, not its owner.
    assert await unshare("OTHER-SHARE") == 5041
    assert await unshare(expired.share_code) == 5142
    assert sim.active_shares("pOther") != []


async def test_set_share_time(client: Client, owner_token: str) -> None:
    sim = client.sim
    share = sim.add_share("pTest", "DEV-1", "U3")
    expire = sim.now_ms() + HOUR_MS
    reply = await client.request(
        Endpoint.SET_SHARE_TIME,
        {"shareCode": share.share_code, "sharingExpireAt": expire},
        token=owner_token,
    )
    assert reply.json == {"code": 200, "msg": "", "data": None, "extMsg": None}
    assert share.expire_at_ms == expire
    guest = await client.token("guest@example.test")
    listed = await client.request(Endpoint.DEVICE_LIST, token=guest)
    assert listed.data["list"][0]["sharingExpireTimeTs"] == expire
    # Shorten it again, then let it run out.
    sooner = sim.now_ms() + 5000
    reply = await client.request(
        Endpoint.SET_SHARE_TIME,
        {"shareCode": share.share_code, "sharingExpireAt": sooner},
        token=owner_token,
    )
    assert reply.code == 200
    sim.advance_clock(6)
    assert share.share_code not in {s.share_code for s in sim.active_shares()}


@pytest.mark.parametrize(
    ("share_code", "expire", "code"),
    [
        (None, "+1h", 5136),
        ("UNKNOWN", "+1h", 5041),
        ("OTHER-SHARE", "+1h", 5041),
        ("MINE", None, 5145),
        ("MINE", "soon", 5145),
        ("MINE", "-1h", 5145),
        ("CANCELLED", "+1h", 5142),
    ],
)
async def test_set_share_time_errors(
    client: Client,
    owner_token: str,
    share_code: str | None,
    expire: str | None,
    code: int,
) -> None:
    sim = client.sim
    sim.add_share("pTest", "DEV-1", "U3", share_code="MINE")
    sim.add_share(
        "pTest", "DEV-1", "U4", share_code="CANCELLED", status=ShareStatus.CANCELLED
    )
    value: Any = expire
    if expire in ("+1h", "-1h"):
        value = sim.now_ms() + (HOUR_MS if expire == "+1h" else -HOUR_MS)
    reply = await client.request(
        Endpoint.SET_SHARE_TIME,
        {"shareCode": share_code, "sharingExpireAt": value},
        token=owner_token,
    )
    assert reply.code == code
    mine = next(s for s in sim.shares if s.share_code == "MINE")
    assert mine.expire_at_ms is None


async def test_set_share_time_on_expired_share_is_5142(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    share = sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=sim.now_ms() + 10)
    sim.advance_clock(1)
    reply = await client.request(
        Endpoint.SET_SHARE_TIME,
        {"shareCode": share.share_code, "sharingExpireAt": sim.now_ms() + HOUR_MS},
        token=owner_token,
    )
    assert reply.code == 5142
    assert share.status == ShareStatus.EXPIRED


async def test_seeded_share_time_and_recipient_by_phone(
    client: Client, owner_token: str
) -> None:
    client.sim.add_share(
        "pTest",
        "DEV-1",
        "5550003",  # U3's phone
        share_code="SEEDED-1",
        status=ShareStatus.CANCELLED,
        share_time_ms=1735732800000,  # 2025-01-01 12:00:00 UTC
    )
    (entry,) = (await _shares(client, owner_token)).data
    info = entry["shareInfo"]
    assert info["shareCode"] == "SEEDED-1"
    assert info["shareUid"] == "U3"
    assert info["shareTimeTs"] == 1735732800000
    assert info["acceptTimeTs"] == 1735732800000
    assert info["deleteTimeTs"] == 1735732800000
    assert info["shareStatus"] == 2
