"""The daily request quota: 4026 once an account's requests of the day are spent."""

from __future__ import annotations

from simulator import Simulator
from simulator.docs import Endpoint
from tests.simulator.sim_client import Client

DAY_MS = 86_400_000
QUOTA_ENVELOPE = {
    "code": 4026,
    "msg": "Insufficient resources in the manufacturer's account",
    "data": None,
    "extMsg": None,
}


async def test_no_quota_by_default_but_requests_are_counted(client: Client) -> None:
    assert client.sim.daily_quota is None
    token = await client.token()
    for _ in range(5):
        assert (await client.request(Endpoint.USER_INFO, token=token)).code == 200
    assert client.sim.requests_today("U1") == 6  # the login, then five


async def test_quota_spent_answers_4026_until_midnight_utc(client: Client) -> None:
    sim = client.sim
    sim.daily_quota = 3
    sim.access_token_lifetime = 2 * 86_400  # outlives the day
    token = await client.token()  # 1
    assert (await client.request(Endpoint.USER_INFO, token=token)).code == 200  # 2
    listing = await client.request(Endpoint.DEVICE_LIST, token=token)  # 3
    assert listing.code == 200
    spent = await client.request(Endpoint.USER_INFO, token=token)
    assert spent.status == 200
    assert spent.json == QUOTA_ENVELOPE
    # A login of the same account is refused too; refusals do not count.
    login = await client.request(
        Endpoint.EMAIL_LOGIN, client.email_params("owner@example.test", "owner-pass")
    )
    assert login.json == QUOTA_ENVELOPE
    assert sim.requests_today("owner@example.test") == 3
    # Other accounts have their own quota.
    guest = await client.token("guest@example.test")
    assert (await client.request(Endpoint.USER_INFO, token=guest)).code == 200
    # Until 00:00 UTC on the simulator's clock.
    to_midnight_s = (DAY_MS - sim.now_ms() % DAY_MS) / 1000
    sim.advance_clock(to_midnight_s - 2)
    assert (await client.request(Endpoint.USER_INFO, token=token)).code == 4026
    sim.advance_clock(3)
    assert (await client.request(Endpoint.USER_INFO, token=token)).code == 200
    assert sim.requests_today("U1") == 1


async def test_refused_request_is_not_executed(client: Client) -> None:
    sim = client.sim
    token = await client.token()
    sim.daily_quota = 1
    reply = await client.request(
        Endpoint.SHARE_BY_UID,
        {"pk": "pTest", "dk": "DEV-1", "shareUid": "U3"},
        token=token,
    )
    assert reply.code == 4026
    assert sim.active_shares("pTest", "DEV-1") == []


async def test_quota_from_the_constructor(socket_enabled: None) -> None:
    sim = Simulator.from_scenario("test", daily_quota=0)
    assert sim.daily_quota == 0
