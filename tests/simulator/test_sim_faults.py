"""Injected faults: each kind, endpoint matching, `times` and clear_faults."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from simulator import Fault, Simulator
from simulator.docs import Endpoint
from tests.simulator.sim_client import Client

SHARE = {"pk": "pTest", "dk": "DEV-1", "shareUid": "U3"}


async def test_http_500(client: Client, owner_token: str) -> None:
    client.sim.inject(Fault.HTTP_500)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert reply.status == 500
    assert "code" not in reply.json
    assert reply.json["status"] == 500
    assert reply.json["path"] == Endpoint.USER_INFO


@pytest.mark.parametrize(
    ("fault", "status"), [(Fault.HTTP_502, 502), (Fault.HTTP_503, 503)]
)
async def test_http_status_faults(
    client: Client, owner_token: str, fault: Fault, status: int
) -> None:
    client.sim.inject(fault)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert reply.status == status
    assert reply.json is None


async def test_html_error_page(client: Client) -> None:
    client.sim.inject(Fault.HTML_ERROR_PAGE)
    async with client.session.get(client.sim.base_url + Endpoint.USER_INFO) as response:
        assert response.status == 502
        assert response.content_type == "text/html"
        text = await response.text()
    assert "<center>nginx</center>" in text
    assert "502 Bad Gateway" in text


async def test_malformed_json(client: Client, owner_token: str) -> None:
    client.sim.inject(Fault.MALFORMED_JSON)
    async with client.session.get(
        client.sim.base_url + Endpoint.DEVICE_LIST,
        headers={"Authorization": owner_token},
    ) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        with pytest.raises(ValueError, match="Expecting"):
            await response.json()


async def test_bad_envelope_default_and_custom(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sim.inject(Fault.BAD_ENVELOPE, times=1)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert (reply.status, reply.json) == (200, {"data": 1})
    sim.inject(Fault.BAD_ENVELOPE, body={"code": "abc"}, times=1)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert reply.json == {"code": "abc"}
    sim.inject(Fault.BAD_ENVELOPE, body=[1, 2], times=1)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert reply.json == [1, 2]


async def test_unknown_code(client: Client, owner_token: str) -> None:
    client.sim.inject(Fault.UNKNOWN_CODE)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert reply.status == 200
    assert reply.code == 9999
    assert reply.data is None


async def test_error_code(client: Client) -> None:
    client.sim.inject(Fault.ERROR_CODE, code=5147, endpoint=Endpoint.EMAIL_LOGIN)
    reply = await client.request(
        Endpoint.EMAIL_LOGIN, client.email_params("owner@example.test", "owner-pass")
    )
    assert reply.json == {
        "code": 5147,
        # emailPwdLogin.md's description of 5147
        "msg": "Account frozen, please try again after 20 minutes",
        "data": None,
        "extMsg": None,
    }


async def test_error_code_outside_the_table(client: Client, owner_token: str) -> None:
    client.sim.inject(Fault.ERROR_CODE, code=1234)
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert (reply.code, reply.json["msg"]) == (1234, "")


async def test_drop_connection_before_executing(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    sim.inject(Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_BY_UID, times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.request(Endpoint.SHARE_BY_UID, SHARE, token=owner_token)
    assert sim.active_shares("pTest", "DEV-1") == []
    assert len(sim.requests_to(Endpoint.SHARE_BY_UID)) == 1
    reply = await client.request(Endpoint.SHARE_BY_UID, SHARE, token=owner_token)
    assert reply.code == 200


async def test_drop_after_execute(client: Client, owner_token: str) -> None:
    sim = client.sim
    sim.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_BY_UID, times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await client.request(Endpoint.SHARE_BY_UID, SHARE, token=owner_token)
    [share] = sim.active_shares("pTest", "DEV-1")
    assert share.share_uid == "U3"


async def test_hang_times_out_client_and_does_not_block_stop(
    socket_enabled: None,
) -> None:
    sim = Simulator.from_scenario("test")
    await sim.start()
    sim.inject(Fault.HANG)
    async with aiohttp.ClientSession() as session:
        client = Client(sim, session)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await client.request(Endpoint.USER_INFO)
        # A request still hanging on the server side when stop() is called.
        pending = asyncio.ensure_future(client.request(Endpoint.USER_INFO))
        async with asyncio.timeout(5):
            await sim.wait_in_flight(1)
        started = time.monotonic()
        await sim.stop()
        assert time.monotonic() - started < 1.5
        with pytest.raises(aiohttp.ClientConnectionError):
            await pending


async def test_short_hang_then_normal_answer(client: Client, owner_token: str) -> None:
    client.sim.inject(Fault.HANG, hang_seconds=0.05, times=1)
    started = time.monotonic()
    reply = await client.request(Endpoint.USER_INFO, token=owner_token)
    assert time.monotonic() - started >= 0.05
    assert reply.code == 200


async def test_token_revoked(client: Client) -> None:
    data = await client.login("owner@example.test", "owner-pass")
    access, refresh = data["accessToken"]["token"], data["refreshToken"]["token"]
    client.sim.inject(Fault.TOKEN_REVOKED, endpoint=Endpoint.DEVICE_LIST, times=1)
    assert (await client.request(Endpoint.DEVICE_LIST, token=access)).code == 5032
    assert (await client.request(Endpoint.USER_INFO, token=access)).code == 5032
    reply = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": refresh})
    assert reply.code == 5032
    # Logging in again works.
    assert (
        await client.request(Endpoint.DEVICE_LIST, token=await client.token())
    ).code == 200


async def test_times_are_consumed_per_matching_request(
    client: Client, owner_token: str
) -> None:
    sim = client.sim
    rule = sim.inject(Fault.HTTP_503, endpoint=Endpoint.DEVICE_LIST, times=2)
    # Other endpoints do not consume it.
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).status == 200
    assert rule.times == 2
    statuses = [
        (await client.request(Endpoint.DEVICE_LIST, token=owner_token)).status
        for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    assert sim.faults.rules == []


async def test_first_matching_rule_applies(client: Client, owner_token: str) -> None:
    sim = client.sim
    sim.inject(Fault.HTTP_500, endpoint=Endpoint.USER_INFO, times=1)
    sim.inject(Fault.HTTP_502, times=1)
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).status == 500
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).status == 502
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).status == 200


async def test_until_cleared(client: Client, owner_token: str) -> None:
    sim = client.sim
    sim.inject(Fault.UNKNOWN_CODE)
    for _ in range(3):
        assert (
            await client.request(Endpoint.USER_INFO, token=owner_token)
        ).code == 9999
    sim.clear_faults()
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).code == 200


def test_invalid_injections() -> None:
    sim = Simulator.from_scenario("test")
    with pytest.raises(ValueError, match="code"):
        sim.inject(Fault.ERROR_CODE)
    with pytest.raises(ValueError, match="times"):
        sim.inject(Fault.HTTP_500, times=0)
    assert sim.faults.rules == []


def test_fault_values_are_stable() -> None:
    assert json.dumps([fault.value for fault in Fault]) == json.dumps(
        [
            "http_500",
            "http_502",
            "http_503",
            "html_error_page",
            "malformed_json",
            "bad_envelope",
            "unknown_code",
            "error_code",
            "drop_connection",
            "drop_after_execute",
            "hang",
            "token_revoked",
        ]
    )
