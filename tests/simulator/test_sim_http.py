"""HTTP behaviour: methods, unknown paths, the request log, latency, concurrency."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from simulator import LoggedRequest, Simulator
from simulator.docs import METHODS, Endpoint
from tests.simulator.sim_client import Client


@pytest.mark.parametrize("endpoint", list(Endpoint))
async def test_wrong_method_is_405(client: Client, endpoint: Endpoint) -> None:
    wrong = "PATCH" if METHODS[endpoint] != "PATCH" else "GET"
    reply = await client.request(endpoint, method=wrong)
    assert reply.status == 405


async def test_wrong_method_does_not_execute(client: Client, owner_token: str) -> None:
    reply = await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest", "dk": "DEV-1", "shareUid": "U3"},
        token=owner_token,
        method="GET",
    )
    assert reply.status == 405
    assert client.sim.active_shares("pTest", "DEV-1") == []


async def test_unknown_path_is_404_and_logged(client: Client) -> None:
    async with client.session.get(client.sim.base_url + "/v2/nope") as response:
        assert response.status == 404
    assert client.sim.requests[-1].path == "/v2/nope"


async def test_request_log(client: Client, owner_token: str) -> None:
    sim = client.sim
    sim.clear_requests()
    await client.request(Endpoint.DEVICE_LIST, {"page": 2}, token=owner_token)
    await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest"},
        token=owner_token,
        data={"dk": "DEV-1", "shareUid": "U3"},
    )
    assert [r.path for r in sim.requests] == [
        Endpoint.DEVICE_LIST,
        Endpoint.SHARE_BY_UID,
    ]
    listing, share = sim.requests
    assert isinstance(listing, LoggedRequest)
    assert listing.method == "GET"
    assert listing.query == {"page": "2"}
    assert listing.headers["Authorization"] == owner_token
    assert listing.body == ""
    assert share.method == "POST"
    assert share.query == {"pk": "pTest"}
    assert share.body == "dk=DEV-1&shareUid=U3"
    assert sim.requests_to(Endpoint.SHARE_BY_UID) == [share]
    assert sim.requests_to(Endpoint.USER_INFO) == []
    sim.clear_requests()
    assert sim.requests == []


async def test_repeated_query_parameter_keeps_first(
    client: Client, owner_token: str
) -> None:
    url = client.sim.base_url + Endpoint.DEVICE_LIST + "?dk=DEV-2&dk=DEV-1"
    async with client.session.get(url, headers={"Authorization": owner_token}) as resp:
        data = (await resp.json())["data"]
    assert [d["deviceKey"] for d in data["list"]] == ["DEV-2"]
    assert client.sim.requests[-1].query == {"dk": "DEV-2"}


async def test_latency(client: Client, owner_token: str) -> None:
    client.sim.latency = 0.1
    started = time.monotonic()
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).code == 200
    assert time.monotonic() - started >= 0.1


async def test_max_in_flight_overall_and_per_uid(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    guest = await client.token("guest@example.test")
    sim.reset_max_in_flight()
    assert sim.max_in_flight == 0
    assert sim.max_in_flight_by_uid == {}
    sim.latency = 0.1
    await asyncio.gather(
        *(client.request(Endpoint.USER_INFO, token=owner_token) for _ in range(4)),
        *(client.request(Endpoint.USER_INFO, token=guest) for _ in range(2)),
        client.request(
            Endpoint.EMAIL_LOGIN,
            client.email_params("guest@example.test", "guest-pass"),
        ),
        client.request(Endpoint.USER_INFO),
    )
    assert sim.max_in_flight == 8
    assert sim.max_in_flight_by_uid == {"U1": 4, "U3": 3}
    assert sim.in_flight_now == 0
    sim.latency = 0
    await client.request(Endpoint.USER_INFO, token=owner_token)
    assert sim.max_in_flight == 8
    sim.reset_max_in_flight()
    assert (sim.max_in_flight, sim.max_in_flight_by_uid) == (0, {})


async def test_uid_of_phone_login_and_refresh(client: Client) -> None:
    sim = client.sim
    data = await client.login("owner@example.test", "owner-pass")
    sim.reset_max_in_flight()
    await client.request(
        Endpoint.PHONE_LOGIN,
        client.phone_params("5550003", "guest-pass", international_code="1"),
    )
    await client.request(
        Endpoint.REFRESH_TOKEN, {"refreshToken": data["refreshToken"]["token"]}
    )
    await client.request(Endpoint.EMAIL_LOGIN, {"email": "nobody@example.test"})
    assert sim.max_in_flight_by_uid == {"U3": 1, "U1": 1}


async def test_stop_drops_delayed_requests(socket_enabled: None) -> None:
    sim = Simulator.from_scenario("test", latency=30)
    await sim.start()
    async with aiohttp.ClientSession() as session:
        pending = asyncio.ensure_future(
            Client(sim, session).request(Endpoint.USER_INFO)
        )
        async with asyncio.timeout(5):
            await sim.wait_in_flight(1)
        started = time.monotonic()
        await sim.stop()
        assert time.monotonic() - started < 1.5
        with pytest.raises(aiohttp.ClientConnectionError):
            await pending


async def test_start_stop_lifecycle(socket_enabled: None) -> None:
    sim = Simulator.from_scenario("test")
    with pytest.raises(RuntimeError, match="not started"):
        _ = sim.base_url
    await sim.stop()  # not started: nothing to do
    async with sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert not sim.base_url.endswith(":0")
        with pytest.raises(RuntimeError, match="already running"):
            await sim.start()
        port = int(sim.base_url.rsplit(":", 1)[1])
        # The port is taken: a second simulator cannot bind it.
        other = Simulator.from_scenario("test")
        with pytest.raises(OSError, match="in use"):
            await other.start(port=port)
    await sim.stop()  # stopping twice is harmless


async def test_on_request_sees_each_request_before_it_runs(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    seen: list[tuple[str, int, int]] = []

    def listener(request: LoggedRequest) -> None:
        # Logged already; the share it asks for is not made yet.
        seen.append((request.path, len(sim.requests), len(sim.shares)))

    remove = sim.on_request(listener)
    shares_before = len(sim.shares)
    logged_before = len(sim.requests)
    await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest", "dk": "DEV-1", "shareUid": "U3"},
        token=owner_token,
    )
    remove()
    await client.request(Endpoint.USER_INFO, token=owner_token)
    assert seen == [(Endpoint.SHARE_BY_UID, logged_before + 1, shares_before)]
    assert len(sim.shares) == shares_before + 1


async def test_share_lookup_by_code(client: Client) -> None:
    sim = client.sim
    sim.add_share("pTest", "DEV-1", "guest@example.test", share_code="LOOKUP-1")
    share = sim.share("LOOKUP-1")
    assert (share.pk, share.dk, share.share_uid) == ("pTest", "DEV-1", "U3")
    with pytest.raises(KeyError):
        sim.share("NO-SUCH-CODE")
