"""Load: 200 concurrent shares across 50 devices, the token expiring midway."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api.const import MAX_CONCURRENT_REQUESTS, Endpoint
from custom_components.quectel_iot.const import CONF_TOKENS, DOMAIN
from simulator import LoggedRequest, Simulator

from .conftest import GUEST_UID, OWNER_UID, cloud_device

DEVICES = 50
CALLS = 200
# The access token expires once this many shareByUid requests have arrived.
EXPIRE_AFTER = 40


async def test_concurrent_shares_with_token_expiring_midway(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    for n in range(DEVICES):
        simulator.add_device("pLoad", f"LOAD-{n:02d}", OWNER_UID)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    device_ids = []
    for n in range(DEVICES):
        device = cloud_device(hass, "pLoad", f"LOAD-{n:02d}")
        assert device is not None
        device_ids.append(device.id)

    # Every request takes a moment, so that many overlap.
    simulator.latency = 0.01
    simulator.clear_requests()
    simulator.reset_max_in_flight()
    tokens_before = config_entry.data[CONF_TOKENS]

    def expire_midway(request: LoggedRequest) -> None:
        if len(simulator.requests_to(Endpoint.SHARE_BY_UID.value)) == EXPIRE_AFTER:
            simulator.expire_access_tokens()

    simulator.on_request(expire_midway)

    async def share(n: int) -> Any:
        return await hass.services.async_call(
            DOMAIN,
            "share_device",
            {"device_id": [device_ids[n % DEVICES]], "uid": GUEST_UID, "mode": "add"},
            blocking=True,
            return_response=True,
        )

    responses = await asyncio.gather(*(share(n) for n in range(CALLS)))

    # All 200 succeeded, each with its own share.
    codes = [response["shares"][0]["share_code"] for response in responses]
    assert len(set(codes)) == CALLS
    shares = [share for share in simulator.shares if share.pk == "pLoad"]
    assert sorted(share.share_code for share in shares) == sorted(codes)
    assert len(simulator.active_shares("pLoad")) == CALLS
    for n in range(DEVICES):
        assert (
            len(simulator.active_shares("pLoad", f"LOAD-{n:02d}")) == CALLS // DEVICES
        )

    # The expiry hit calls in flight: they were renewed once for all, and
    # repeated (a rejected token means the share was not made).
    share_requests = len(simulator.requests_to(Endpoint.SHARE_BY_UID.value))
    assert CALLS < share_requests <= CALLS + MAX_CONCURRENT_REQUESTS
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN.value)) == 1
    assert simulator.requests_to(Endpoint.EMAIL_LOGIN.value) == []
    assert config_entry.data[CONF_TOKENS] != tokens_before

    # Never more than 10 requests of the account at once, and the limit was used.
    assert simulator.max_in_flight_by_uid[OWNER_UID] == MAX_CONCURRENT_REQUESTS
    assert simulator.max_in_flight == MAX_CONCURRENT_REQUESTS
