"""userInfo and userDeviceList: fields, owned/shared devices, paging, filters."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from simulator import Simulator
from simulator.docs import DeviceType, Endpoint
from tests.simulator.sim_client import Client


async def _list(client: Client, token: str, **params: Any) -> dict[str, Any]:
    reply = await client.request(Endpoint.DEVICE_LIST, params, token=token)
    assert reply.code == 200, reply.json
    return reply.data  # type: ignore[no-any-return]


async def test_user_info(client: Client, owner_token: str) -> None:
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert reply.code == 200
    data = reply.data
    assert data["uid"] == "U1"
    assert data["email"] == "owner@example.test"
    assert data["phone"] == "5550001"
    assert data["nikeName"] == "Owner"
    assert data["status"] == 1
    assert data["lastLoginTime"] == client.sim.users["U1"].last_login_time_ms
    assert isinstance(data["registerTimeTs"], int)
    for documented in ("address", "headimg", "lang", "timezone", "wechatUnionId"):
        assert documented in data


async def test_device_list_owned_and_shared(client: Client, owner_token: str) -> None:
    data = await _list(client, owner_token)
    devices = {d["deviceKey"]: d for d in data["list"]}
    assert list(devices) == ["DEV-1", "DEV-2", "DEV-3", "DEV-U", "OTHER-1"]
    own = devices["DEV-1"]
    assert own["productKey"] == "pTest"
    assert own["deviceName"] == "Device 1"
    assert own["productName"] == "Test product"
    assert own["deviceType"] == DeviceType.OWN
    assert own["authKey"] == "auth-1"
    assert own["verified"] == 1
    assert own["onlineStatus"] == 1
    assert own["uid"] == "U1"
    assert own["ownerUid"] is None
    assert own["shareCode"] is None
    assert own["sharingExpireAt"] is None
    assert own["sharingExpireTimeTs"] is None
    assert own["fid"] == "FAM1"
    assert devices["DEV-2"]["onlineStatus"] == 0
    assert devices["DEV-U"]["verified"] == 0
    shared = devices["OTHER-1"]
    assert shared["deviceType"] == DeviceType.SHARED
    assert shared["authKey"] is None
    assert shared["ownerUid"] == "U4"
    assert shared["uid"] == "U1"
    assert shared["shareCode"] == "OTHER-SHARE"
    share = client.sim.shares[0]
    assert shared["sharingExpireTimeTs"] == share.expire_at_ms
    assert isinstance(shared["sharingExpireAt"], str)
    assert data["total"] == 5


async def test_recipient_sees_device_only_while_shared(client: Client) -> None:
    sim = client.sim
    guest = await client.token("guest@example.test")
    assert (await _list(client, guest))["total"] == 0
    share = sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=sim.now_ms() + 60_000)
    data = await _list(client, guest)
    assert [d["deviceKey"] for d in data["list"]] == ["DEV-1"]
    assert data["list"][0]["shareCode"] == share.share_code
    sim.advance_clock(61)
    assert (await _list(client, guest))["total"] == 0


async def test_device_shared_twice_listed_once(client: Client) -> None:
    sim = client.sim
    sim.add_share("pTest", "DEV-1", "U3", share_code="A")
    sim.add_share("pTest", "DEV-1", "U3", share_code="B")
    data = await _list(client, await client.token("guest@example.test"))
    assert [(d["deviceKey"], d["shareCode"]) for d in data["list"]] == [("DEV-1", "B")]


@pytest.mark.parametrize(
    ("listing", "status", "bind_status"),
    [("status", 2, 1), ("bindStatus", 1, 2), ("both", 2, 2), ("neither", 1, 1)],
)
async def test_an_expired_share_may_stay_listed(
    client: Client, listing: str, status: int, bind_status: int
) -> None:
    sim = client.sim
    sim.keep_expired_received = listing
    guest = await client.token("guest@example.test")
    share = sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=sim.now_ms() + 60_000)
    [live] = (await _list(client, guest))["list"]
    assert (live["status"], live["bindStatus"]) == (1, 1)

    sim.advance_clock(61)

    [expired] = (await _list(client, guest))["list"]
    assert expired["shareCode"] == share.share_code
    assert expired["deviceType"] == DeviceType.SHARED
    assert expired["sharingExpireTimeTs"] == share.expire_at_ms
    assert (expired["status"], expired["bindStatus"]) == (status, bind_status)
    # The owner's own entry is not touched.
    owner = await client.token("owner@example.test")
    own = {d["deviceKey"]: d for d in (await _list(client, owner))["list"]}["DEV-1"]
    assert (own["status"], own["bindStatus"]) == (1, 1)


async def test_an_owned_device_whose_binding_expired(
    client: Client, owner_token: str
) -> None:
    client.sim.devices[("pTest", "DEV-1")].binding_expired = True

    devices = {d["deviceKey"]: d for d in (await _list(client, owner_token))["list"]}

    assert (devices["DEV-1"]["status"], devices["DEV-1"]["bindStatus"]) == (2, 2)
    assert (devices["DEV-2"]["status"], devices["DEV-2"]["bindStatus"]) == (1, 1)


async def test_an_active_share_wins_over_an_expired_one(client: Client) -> None:
    sim = client.sim
    sim.keep_expired_received = "both"
    sim.add_share("pTest", "DEV-1", "U3", share_code="OLD", expire_at_ms=1)
    sim.add_share("pTest", "DEV-1", "U3", share_code="NEW")

    data = await _list(client, await client.token("guest@example.test"))

    assert [(d["shareCode"], d["status"]) for d in data["list"]] == [("NEW", 1)]


async def test_keep_expired_received_takes_only_the_documented_choices() -> None:
    sim = Simulator.from_scenario("test", keep_expired_received="status")
    assert sim.keep_expired_received == "status"
    sim.keep_expired_received = None
    with pytest.raises(ValueError, match="keep_expired_received"):
        sim.keep_expired_received = "sometimes"


async def test_paging_across_pages(simulator: Simulator, client: Client) -> None:
    for n in range(20):
        simulator.add_device("pPage", f"P{n:02d}", "U1")
    token = await client.token()
    seen: list[str] = []
    page = 1
    while True:
        data = await _list(client, token, page=page, pageSize=10)
        assert data["pageNum"] == page
        assert data["pageSize"] == 10
        assert data["total"] == 25
        assert data["pages"] == 3
        assert data["size"] == len(data["list"])
        seen += [d["deviceKey"] for d in data["list"]]
        if not data["hasNextPage"]:
            assert data["isLastPage"]
            assert data["nextPage"] == 0
            break
        assert data["nextPage"] == page + 1
        page += 1
    assert page == 3
    assert len(seen) == len(set(seen)) == 25
    assert data["startRow"] == 21
    assert data["endRow"] == 25
    assert data["prePage"] == 2
    assert data["hasPreviousPage"]
    assert not data["isFirstPage"]
    assert data["navigatepageNums"] == [1, 2, 3]


async def test_paging_defaults_and_limits(simulator: Simulator, client: Client) -> None:
    for n in range(150):
        simulator.add_device("pPage", f"P{n:03d}", "U1")
    token = await client.token()
    default = await _list(client, token)
    assert (default["pageNum"], default["pageSize"], default["size"]) == (1, 10, 10)
    assert default["isFirstPage"]
    assert not default["hasPreviousPage"]
    assert default["prePage"] == 0
    assert default["startRow"] == 1
    assert default["navigatepageNums"] == [1, 2, 3, 4, 5, 6, 7, 8]
    big = await _list(client, token, pageSize=1000)
    assert big["pageSize"] == 100
    assert big["size"] == 100
    simulator.max_page_size = 200
    assert (await _list(client, token, pageSize=1000))["size"] == 155
    junk = await _list(client, token, page="x", pageSize="-3")
    assert (junk["pageNum"], junk["pageSize"]) == (1, 10)
    middle = await _list(client, token, page=8)
    assert middle["navigatepageNums"] == [4, 5, 6, 7, 8, 9, 10, 11]
    end = await _list(client, token, page=16)
    assert end["navigatepageNums"] == [9, 10, 11, 12, 13, 14, 15, 16]
    assert end["size"] == 5
    past = await _list(client, token, page=17)
    assert past["list"] == []
    assert (past["size"], past["startRow"], past["endRow"]) == (0, 0, 0)
    assert past["isLastPage"]
    assert not past["hasNextPage"]


async def test_empty_list(client: Client) -> None:
    data = await _list(client, await client.token("family@example.test"))
    assert data["total"] == 0
    assert data["pages"] == 0
    assert data["navigatepageNums"] == []
    assert data["navigateFirstPage"] == data["navigateLastPage"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"pkList": "pTest2,pOther"}, ["DEV-3", "OTHER-1"]),
        ({"dk": "DEV-2"}, ["DEV-2"]),
        ({"deviceName": "unverified"}, ["DEV-U"]),
        ({"pkList": "pTest", "deviceName": "device 1"}, ["DEV-1"]),
    ],
)
async def test_filters(
    client: Client, owner_token: str, params: dict[str, str], expected: list[str]
) -> None:
    data = await _list(client, owner_token, **params)
    assert [d["deviceKey"] for d in data["list"]] == expected


async def test_devices_appear_and_disappear(client: Client, owner_token: str) -> None:
    sim = client.sim
    device = sim.add_device("pNew", "NEW-1", "owner@example.test", name="New")
    assert device.owner_uid == "U1"
    keys = [d["deviceKey"] for d in (await _list(client, owner_token))["list"]]
    assert "NEW-1" in keys
    sim.remove_device("pNew", "NEW-1")
    keys = [d["deviceKey"] for d in (await _list(client, owner_token))["list"]]
    assert "NEW-1" not in keys


async def test_removed_device_ends_its_shares(client: Client) -> None:
    sim = client.sim
    share = sim.add_share("pTest", "DEV-1", "guest@example.test")
    sim.remove_device("pTest", "DEV-1")
    assert share.status.name == "CANCELLED"
    assert sim.active_shares("pTest", "DEV-1") == []
    guest = await client.token("guest@example.test")
    assert (await _list(client, guest))["total"] == 0


async def test_bench_scenario_pages_1000_devices(socket_enabled: None) -> None:
    async with Simulator.from_scenario("bench_1000") as sim:
        assert len(sim.devices) == 1000
        assert sum(not d.verified for d in sim.devices.values()) == 10
        assert sum(not d.online for d in sim.devices.values()) == 142
        assert sim.devices[("pBench", "BENCH0001")].auth_key == "bench-key-0001"
        async with aiohttp.ClientSession() as session:
            client = Client(sim, session)
            token = await client.token("bench@example.com")
            keys: list[str] = []
            for page in range(1, 11):
                data = await _list(client, token, page=page, pageSize=100)
                keys += [d["deviceKey"] for d in data["list"]]
            assert data["isLastPage"]
            assert len(set(keys)) == 1000


async def test_paging_fields_of_the_docs(simulator: Simulator, client: Client) -> None:
    # userDeviceList.md's PageInfo fields, all present by default.
    for n in range(12):
        simulator.add_device("pPage", f"F{n:02d}", "U1")
    data = await _list(client, await client.token(), pageSize=5)
    assert set(data) == {
        *("endRow", "hasNextPage", "hasPreviousPage", "isFirstPage", "isLastPage"),
        *("list", "navigateFirstPage", "navigateLastPage", "navigatePages"),
        *("navigatepageNums", "nextPage", "pageNum", "pageSize", "pages"),
        *("prePage", "size", "startRow", "total"),
    }
    # 12 added + DEV-1, DEV-2, DEV-3, DEV-U of U1 + OTHER-1 shared with U1.
    assert (data["total"], data["pages"], data["hasNextPage"]) == (17, 4, True)


async def test_paging_without_has_next_page_and_smaller_pages(
    simulator: Simulator, client: Client
) -> None:
    simulator.omit_has_next_page = True
    simulator.max_page_size = 2
    token = await client.token()
    first = await _list(client, token, pageSize=10)
    assert "hasNextPage" not in first
    assert (first["pageSize"], first["size"], first["pages"]) == (2, 2, 3)
    last = await _list(client, token, page=3, pageSize=10)
    assert (last["size"], last["isLastPage"]) == (1, True)
    simulator.omit_has_next_page = False
    assert (await _list(client, token))["hasNextPage"] is True


async def test_omit_has_next_page_from_the_constructor() -> None:
    sim = Simulator.from_scenario("test", omit_has_next_page=True)
    assert sim.omit_has_next_page is True
