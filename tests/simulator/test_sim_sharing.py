"""shareByUid: every documented rule and the coverMark semantics."""

from __future__ import annotations

from typing import Any

import pytest

from simulator import Simulator
from simulator.docs import CoverMark, Endpoint, ShareStatus
from tests.simulator.doc_messages import SHARE_BY_UID_MESSAGES
from tests.simulator.sim_client import Client

HOUR_MS = 3_600_000


async def _share(client: Client, token: str, **params: Any) -> Any:
    params = {"pk": "pTest", "dk": "DEV-1", **params}
    return await client.request(Endpoint.SHARE_BY_UID, params, token=token)


async def test_share_by_uid_creates_active_share(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    expire = sim.now_ms() + HOUR_MS
    reply = await _share(client, owner_token, shareUid="U3", sharingExpireAt=expire)
    assert reply.code == 200
    code = reply.data
    assert isinstance(code, str)
    assert code
    [share] = sim.active_shares("pTest", "DEV-1")
    assert share.share_code == code
    assert (share.owner_uid, share.share_uid) == ("U1", "U3")
    assert share.status == ShareStatus.ACTIVE
    assert share.accept_time_ms == share.share_time_ms
    assert share.expire_at_ms == expire
    assert share.cover_mark == CoverMark.OVERRIDE


@pytest.mark.parametrize(
    ("recipient", "uid"),
    [
        ({"shareUid": "U3"}, "U3"),
        ({"email": "GUEST@example.test"}, "U3"),
        ({"phone": "5550003"}, "U3"),
        ({"email": "other@example.test", "phone": "5550003"}, "U4"),
        ({"shareUid": "U4", "email": "guest@example.test"}, "U4"),
    ],
)
async def test_recipient_by_uid_email_or_phone(
    client: Client, owner_token: str, recipient: dict[str, str], uid: str
) -> None:
    reply = await _share(client, owner_token, **recipient)
    assert reply.code == 200
    [share] = client.sim.active_shares("pTest", "DEV-1")
    assert share.share_uid == uid


async def test_lifetime_share_without_expiry(client: Client, owner_token: str) -> None:
    assert (await _share(client, owner_token, shareUid="U3")).code == 200
    [share] = client.sim.active_shares("pTest", "DEV-1")
    assert share.expire_at_ms is None


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"pk": None}, 5066),
        ({"pk": ""}, 5066),
        ({"dk": None}, 5067),
        ({"shareUid": None}, 5891),
        ({"coverMark": "0"}, 5133),
        ({"coverMark": "4"}, 5133),
        ({"coverMark": "abc"}, 5133),
        ({"coverMark": "1.0"}, 5133),
        ({"sharingExpireAt": "tomorrow"}, 5145),
        ({"sharingExpireAt": "1.7e12"}, 5145),
        ({"sharingExpireAt": "1000"}, 5145),
        ({"sharingExpireAt": "-5"}, 5145),
        ({"dk": "NOPE"}, 5135),
        ({"pk": "pOther", "dk": "OTHER-1"}, 5135),
        ({"authKey": "wrong"}, 5135),
        ({"dk": "DEV-U"}, 5360),
        ({"shareUid": "U404"}, 5134),
        ({"shareUid": None, "email": "nobody@example.test"}, 5134),
        ({"shareUid": None, "phone": "000000"}, 5134),
        ({"shareUid": "U1"}, 5134),
        ({"shareUid": None, "email": "owner@example.test"}, 5134),
        ({"shareUid": "U2"}, 5864),
        ({"shareUid": None, "email": "family@example.test"}, 5864),
    ],
)
async def test_share_errors(
    client: Client, owner_token: str, params: dict[str, str | None], code: int
) -> None:
    all_params: dict[str, Any] = {"pk": "pTest", "dk": "DEV-1", "shareUid": "U3"}
    all_params.update(params)
    reply = await client.request(Endpoint.SHARE_BY_UID, all_params, token=owner_token)
    assert reply.json == {
        "code": code,
        "msg": SHARE_BY_UID_MESSAGES[code],
        "data": None,
        "extMsg": None,
    }
    assert client.sim.active_shares("pTest", "DEV-1") == []


async def test_expiry_in_the_past_is_5145(client: Client, owner_token: str) -> None:
    past = client.sim.now_ms() - 1
    reply = await _share(client, owner_token, shareUid="U3", sharingExpireAt=past)
    assert reply.code == 5145


async def test_right_auth_key_is_accepted(client: Client, owner_token: str) -> None:
    reply = await _share(client, owner_token, shareUid="U3", authKey="auth-1")
    assert reply.code == 200


async def test_recipient_cannot_reshare(client: Client) -> None:
    token = await client.token("owner@example.test")
    # U1 received OTHER-1 from U4 but does not own it.
    reply = await _share(client, token, pk="pOther", dk="OTHER-1", shareUid="U3")
    assert reply.code == 5135


async def test_cover_mark_1_replaces(client: Client, owner_token: str) -> None:
    sim = client.sim
    first = (await _share(client, owner_token, shareUid="U3")).data
    # Another recipient's share is left alone.
    other = (await _share(client, owner_token, shareUid="U4")).data
    second = (await _share(client, owner_token, shareUid="U3", coverMark=1)).data
    third = (await _share(client, owner_token, shareUid="U3")).data  # default: 1
    assert len({first, second, third}) == 3
    by_code = {share.share_code: share for share in sim.shares}
    assert by_code[first].status == ShareStatus.CANCELLED
    assert by_code[first].delete_time_ms is not None
    assert by_code[second].status == ShareStatus.CANCELLED
    assert by_code[third].status == ShareStatus.ACTIVE
    assert by_code[other].status == ShareStatus.ACTIVE
    active = {s.share_code for s in sim.active_shares("pTest", "DEV-1")}
    assert active == {third, other}


async def test_cover_mark_2_adds(client: Client, owner_token: str) -> None:
    first = (await _share(client, owner_token, shareUid="U3")).data
    second = (await _share(client, owner_token, shareUid="U3", coverMark=2)).data
    assert first != second
    active = client.sim.active_shares("pTest", "DEV-1")
    assert {s.share_code for s in active} == {first, second}
    assert {s.cover_mark for s in active} == {CoverMark.OVERRIDE, CoverMark.ADD}


async def test_cover_mark_3_replaces_only_when_later(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    now = sim.now_ms()
    first = (
        await _share(client, owner_token, shareUid="U3", sharingExpireAt=now + HOUR_MS)
    ).data
    # Earlier or equal expiry: the share is kept and its code answered.
    for expire in (now + HOUR_MS // 2, now + HOUR_MS):
        reply = await _share(
            client, owner_token, shareUid="U3", coverMark=3, sharingExpireAt=expire
        )
        assert reply.code == 200
        assert reply.data == first
    [kept] = sim.active_shares("pTest", "DEV-1")
    assert kept.share_code == first
    assert kept.expire_at_ms == now + HOUR_MS
    # Later expiry: replaced.
    later = (
        await _share(
            client,
            owner_token,
            shareUid="U3",
            coverMark=3,
            sharingExpireAt=now + 2 * HOUR_MS,
        )
    ).data
    assert later != first
    [active] = sim.active_shares("pTest", "DEV-1")
    assert (active.share_code, active.expire_at_ms) == (later, now + 2 * HOUR_MS)
    # No expiry = for life = later than any expiry.
    lifetime = (await _share(client, owner_token, shareUid="U3", coverMark=3)).data
    assert lifetime != later
    [active] = sim.active_shares("pTest", "DEV-1")
    assert active.expire_at_ms is None
    # Nothing is later than for life.
    for params in ({}, {"sharingExpireAt": now + 100 * HOUR_MS}):
        reply = await _share(client, owner_token, shareUid="U3", coverMark=3, **params)
        assert reply.data == lifetime
    assert len(sim.active_shares("pTest", "DEV-1")) == 1


async def test_cover_mark_3_compares_with_latest_of_several(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    now = sim.now_ms()
    sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=now + HOUR_MS, share_code="S1")
    sim.add_share(
        "pTest", "DEV-1", "U3", expire_at_ms=now + 3 * HOUR_MS, share_code="S2"
    )
    reply = await _share(
        client,
        owner_token,
        shareUid="U3",
        coverMark=3,
        sharingExpireAt=now + 2 * HOUR_MS,
    )
    assert reply.data == "S2"
    reply = await _share(
        client,
        owner_token,
        shareUid="U3",
        coverMark=3,
        sharingExpireAt=now + 4 * HOUR_MS,
    )
    assert reply.data not in {"S1", "S2"}
    assert [s.share_code for s in sim.active_shares("pTest", "DEV-1")] == [reply.data]


@pytest.mark.parametrize("cover_mark", [1, 2, 3])
async def test_every_mode_creates_when_none_active(
    client: Client, owner_token: str, cover_mark: int
) -> None:
    sim = client.sim
    sim.add_share(
        "pTest", "DEV-1", "U3", share_code="OLD", status=ShareStatus.CANCELLED
    )
    reply = await _share(client, owner_token, shareUid="U3", coverMark=cover_mark)
    assert reply.code == 200
    assert reply.data != "OLD"
    [share] = sim.active_shares("pTest", "DEV-1")
    assert share.cover_mark == cover_mark


async def test_expired_share_does_not_count_as_active(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sim.add_share(
        "pTest", "DEV-1", "U3", expire_at_ms=sim.now_ms() + 1000, share_code="E"
    )
    sim.advance_clock(2)
    reply = await _share(client, owner_token, shareUid="U3", coverMark=3)
    assert reply.data != "E"
    assert sim.shares[-2].status == ShareStatus.EXPIRED


async def test_shares_from_the_form_body(client: Client, owner_token: str) -> None:
    reply = await client.request(
        Endpoint.SHARE_BY_UID,
        token=owner_token,
        data={"pk": "pTest", "dk": "DEV-1", "email": "guest@example.test"},
    )
    assert reply.code == 200
    [share] = client.sim.active_shares()[1:]
    assert share.share_uid == "U3"


async def test_query_wins_over_form(client: Client, owner_token: str) -> None:
    reply = await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest", "dk": "DEV-2", "shareUid": "U3"},
        token=owner_token,
        data={"pk": "pTest", "dk": "DEV-1", "shareUid": "U4"},
    )
    assert reply.code == 200
    [share] = client.sim.active_shares("pTest", "DEV-2")
    assert share.share_uid == "U3"


async def test_json_body_is_ignored(client: Client, owner_token: str) -> None:
    reply = await client.request(
        Endpoint.SHARE_BY_UID,
        token=owner_token,
        data='{"pk": "pTest", "dk": "DEV-1", "shareUid": "U3"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.code == 5066


async def test_demo_scenario_family_member_rule(socket_enabled: None) -> None:
    sim = Simulator.from_scenario("demo")
    owner, family = sim.user("owner@example.com"), sim.user("family@example.com")
    assert owner.family_id == family.family_id is not None
    assert not sim.devices[("pDemoLock", "DEMO-LOCK-01")].verified


# --- cover_mark_scope ----------------------------------------------------------


async def test_cover_mark_1_per_recipient_keeps_other_recipients(
    client: Client, owner_token: str
) -> None:
    assert client.sim.cover_mark_scope == "recipient"
    guest = (await _share(client, owner_token, shareUid="U3")).data
    other = (await _share(client, owner_token, shareUid="U4", coverMark=1)).data
    active = client.sim.active_shares("pTest", "DEV-1")
    assert sorted(s.share_code for s in active) == sorted([guest, other])


async def test_cover_mark_1_device_wide_ends_every_share_of_the_device(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sim.cover_mark_scope = "device"
    guest = (await _share(client, owner_token, shareUid="U3")).data
    added = (await _share(client, owner_token, shareUid="U3", coverMark=2)).data
    elsewhere = sim.add_share("pTest", "DEV-2", "U3", share_code="ELSEWHERE")
    other = (await _share(client, owner_token, shareUid="U4", coverMark=1)).data
    assert [s.share_code for s in sim.active_shares("pTest", "DEV-1")] == [other]
    assert sim.share(guest).status == ShareStatus.CANCELLED
    assert sim.share(added).status == ShareStatus.CANCELLED
    assert sim.share(elsewhere.share_code).status == ShareStatus.ACTIVE
    listing = (
        await client.request(
            Endpoint.SHARE_USER_LIST, {"pk": "pTest", "dk": "DEV-1"}, token=owner_token
        )
    ).data
    assert [
        (e["shareInfo"]["shareUid"], e["shareInfo"]["shareStatus"]) for e in listing
    ] == [
        ("U3", 2),
        ("U3", 2),
        ("U4", 1),
    ]


async def test_cover_mark_2_and_3_stay_per_recipient_device_wide(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sim.cover_mark_scope = "device"
    guest = (await _share(client, owner_token, shareUid="U3")).data
    in_a_day = sim.now_ms() + 86_400_000
    added = (
        await _share(
            client, owner_token, shareUid="U4", coverMark=2, sharingExpireAt=in_a_day
        )
    ).data
    # For life is later than in a day: U4's share is replaced, U3's stays.
    extended = (await _share(client, owner_token, shareUid="U4", coverMark=3)).data
    active = sim.active_shares("pTest", "DEV-1")
    assert sorted(s.share_code for s in active) == sorted([guest, extended])
    assert sim.share(added).status == ShareStatus.CANCELLED


async def test_cover_mark_scope_from_the_constructor(socket_enabled: None) -> None:
    async with Simulator.from_scenario("test", cover_mark_scope="device") as sim:
        assert sim.cover_mark_scope == "device"
    with pytest.raises(ValueError, match="cover_mark_scope"):
        Simulator.from_scenario("test", cover_mark_scope="family")
