"""Sharing that tells the truth, and that no reading of coverMark can turn bad.

Every test runs under both readings of coverMark 1 and 3 that the docs allow
(the simulator's ``cover_mark_scope``): they override this recipient's
previous share, or the device's.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.quectel_iot.api import Endpoint, ShareStatus
from custom_components.quectel_iot.const import (
    DOMAIN,
    EVENT_DEVICE_SHARED,
    EVENT_SHARE_REVOKED,
)
from simulator import Fault, Simulator

from .conftest import GUEST_UID, OTHER_UID
from .share_helpers import EXPIRED_MS, LATER_MS, seed_share

DEVICE = {"product_key": "pTest", "device_key": "DEV-1"}
SOONER_MS = 4000000000000  # 2096-10-02, before LATER_MS


@pytest.fixture(params=["recipient", "device"], autouse=True)
def cover_mark_scope(request: pytest.FixtureRequest, simulator: Simulator) -> str:
    """Run each test under both readings of coverMark 1 and 3."""
    simulator.cover_mark_scope = request.param
    return str(request.param)


async def call(hass: HomeAssistant, service: str, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, {**DEVICE, **data}, blocking=True, return_response=True
    )


def share_requests(simulator: Simulator) -> list[Any]:
    return simulator.requests_to(Endpoint.SHARE_BY_UID.value)


def active_codes(simulator: Simulator, uid: str) -> set[str]:
    return {
        share.share_code
        for share in simulator.active_shares("pTest", "DEV-1")
        if share.share_uid == uid
    }


def shares_state(hass: HomeAssistant) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, _shares_unique_id(hass)
    )
    assert entity_id is not None
    return hass.states.get(entity_id)


def _shares_unique_id(hass: HomeAssistant) -> str:
    [entry] = hass.config_entries.async_entries(DOMAIN)
    [device] = [
        d
        for d in entry.runtime_data.devices.data.values()
        if (d.product_key, d.device_key) == ("pTest", "DEV-1")
    ]
    return f"{device.unique_id}_shares"


# --- coverMark under both readings -------------------------------------------------


async def test_replace_with_no_other_guest_uses_cover_mark_1(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-1", GUEST_UID, "OLD", expire_at_ms=LATER_MS)
    simulator.clear_requests()

    response = await call(hass, "share_device", uid=GUEST_UID)

    [request] = share_requests(simulator)
    assert request.query["coverMark"] == "1"
    [code] = active_codes(simulator, GUEST_UID)
    assert response["shares"][0]["share_code"] == code
    assert code != "OLD" or simulator.share("OLD").status == ShareStatus.ACTIVE


async def test_replace_never_ends_another_guests_share(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-1", OTHER_UID, "OTHER", expire_at_ms=LATER_MS)
    seed_share(simulator, "DEV-1", GUEST_UID, "OLD", expire_at_ms=LATER_MS)
    simulator.clear_requests()

    response = await call(hass, "share_device", uid=GUEST_UID, duration="01:00:00")

    [request] = share_requests(simulator)
    assert request.query["coverMark"] == "2"
    assert active_codes(simulator, OTHER_UID) == {"OTHER"}
    new_code = response["shares"][0]["share_code"]
    assert active_codes(simulator, GUEST_UID) == {new_code}
    assert simulator.share("OLD").status == ShareStatus.CANCELLED
    # The sensor shows it at once: the other guest and the new share.
    assert shares_state(hass).state == "2"


async def test_extend_keeps_a_longer_share_without_a_request_when_others_share(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-1", OTHER_UID, "OTHER", expire_at_ms=SOONER_MS)
    seed_share(simulator, "DEV-1", GUEST_UID, "LONG", expire_at_ms=LATER_MS)
    simulator.clear_requests()

    response = await call(
        hass, "share_device", uid=GUEST_UID, duration="01:00:00", mode="extend"
    )

    assert share_requests(simulator) == []
    assert response["shares"][0]["share_code"] == "LONG"
    assert response["shares"][0]["expires_at"] == "2099-01-02T03:04:05+00:00"
    assert active_codes(simulator, OTHER_UID) == {"OTHER"}


async def test_extend_with_others_replaces_a_shorter_share_by_adding(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-1", OTHER_UID, "OTHER", expire_at_ms=LATER_MS)
    seed_share(simulator, "DEV-1", GUEST_UID, "SHORT", expire_at_ms=SOONER_MS)
    simulator.clear_requests()

    response = await call(
        hass,
        "share_device",
        uid=GUEST_UID,
        expires_at="2099-01-02T03:04:05+00:00",
        mode="extend",
    )

    [request] = share_requests(simulator)
    assert request.query["coverMark"] == "2"
    assert active_codes(simulator, OTHER_UID) == {"OTHER"}
    assert active_codes(simulator, GUEST_UID) == {response["shares"][0]["share_code"]}


async def test_replace_never_ends_an_open_invitation(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    # Nobody holds it yet, but read per device coverMark 1 would end it too.
    simulator.add_invitation("pTest", "DEV-1", accept_by_ms=LATER_MS, share_code="INV")
    seed_share(simulator, "DEV-1", GUEST_UID, "OLD", expire_at_ms=LATER_MS)
    simulator.clear_requests()

    response = await call(hass, "share_device", uid=GUEST_UID)

    [request] = share_requests(simulator)
    assert request.query["coverMark"] == "2"
    assert simulator.share("INV").status == ShareStatus.PENDING
    assert simulator.share("OLD").status == ShareStatus.CANCELLED
    assert active_codes(simulator, GUEST_UID) == {response["shares"][0]["share_code"]}
    # An invitation is no share in force: the sensor counts the new share only.
    assert shares_state(hass).state == "1"


async def test_an_invitation_past_its_deadline_holds_nothing_back(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.add_invitation(
        "pTest", "DEV-1", accept_by_ms=EXPIRED_MS, share_code="TOO-LATE"
    )
    seed_share(simulator, "DEV-1", GUEST_UID, "OLD", expire_at_ms=LATER_MS)
    simulator.clear_requests()

    await call(hass, "share_device", uid=GUEST_UID)

    [request] = share_requests(simulator)
    assert request.query["coverMark"] == "1"
    assert simulator.share("TOO-LATE").status == ShareStatus.EXPIRED


async def test_add_never_touches_other_shares(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-1", OTHER_UID, "OTHER", expire_at_ms=LATER_MS)
    seed_share(simulator, "DEV-1", GUEST_UID, "OLD", expire_at_ms=LATER_MS)
    simulator.clear_requests()

    await call(hass, "share_device", uid=GUEST_UID, mode="add")

    assert [r.path for r in simulator.requests] == [Endpoint.SHARE_BY_UID.value]
    assert active_codes(simulator, OTHER_UID) == {"OTHER"}
    assert len(active_codes(simulator, GUEST_UID)) == 2


# --- lost answers are checked -------------------------------------------------------


@pytest.mark.parametrize("mode", ["add", "replace"])
async def test_a_lost_answer_to_a_share_that_was_made_is_a_success(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    mode: str,
) -> None:
    shared = async_capture_events(hass, EVENT_DEVICE_SHARED)
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_BY_UID, times=1)

    response = await call(hass, "share_device", uid=GUEST_UID, mode=mode)

    [code] = active_codes(simulator, GUEST_UID)
    assert response["shares"][0]["share_code"] == code
    assert [event.data["share_code"] for event in shared] == [code]
    # add is never sent twice; replace (coverMark 1, idempotent) is sent once
    # more after a connection lost, and still leaves one share.
    assert len(share_requests(simulator)) == (1 if mode == "add" else 2)


async def test_a_lost_answer_to_a_share_that_was_not_made_says_so(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    shared = async_capture_events(hass, EVENT_DEVICE_SHARED)
    simulator.inject(Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_BY_UID, times=1)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "share_device", uid=GUEST_UID, mode="add")

    assert err.value.translation_key == "not_done"
    assert active_codes(simulator, GUEST_UID) == set()
    assert shared == []


async def test_a_lost_answer_that_cannot_be_checked_is_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_BY_UID, times=1)
    simulator.inject(Fault.HTTP_503, endpoint=Endpoint.SHARE_USER_LIST)

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "share_device", uid=GUEST_UID, mode="add")

    assert err.value.translation_key == "outcome_unknown"
    assert len(share_requests(simulator)) == 1


async def test_a_revoke_whose_answer_was_lost_is_a_success(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    seed_share(simulator, "DEV-1", GUEST_UID, "GUEST", expire_at_ms=LATER_MS)
    await call(hass, "list_shares")
    revoked = async_capture_events(hass, EVENT_SHARE_REVOKED)
    # The cloud revokes, the answer is lost, the HTTP library sends the
    # DELETE again, and the second answer is 5142 (already revoked).
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.OWNER_UNSHARE, times=1)

    response = await hass.services.async_call(
        DOMAIN,
        "unshare_device",
        {"share_code": "GUEST"},
        blocking=True,
        return_response=True,
    )

    assert [share["share_code"] for share in response["revoked"]] == ["GUEST"]
    assert [event.data["share_code"] for event in revoked] == ["GUEST"]
    assert simulator.share("GUEST").status == ShareStatus.CANCELLED
    assert shares_state(hass).state == "0"


async def test_a_lost_answer_beside_another_guest_still_ends_the_old_share(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Replace falls back to add + revoke; the answer to the add is lost."""
    seed_share(simulator, "DEV-1", OTHER_UID, "OTHER", expire_at_ms=LATER_MS)
    seed_share(simulator, "DEV-1", GUEST_UID, "OLD", expire_at_ms=LATER_MS)
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_BY_UID, times=1)

    response = await call(hass, "share_device", uid=GUEST_UID, duration="01:00:00")

    [code] = active_codes(simulator, GUEST_UID)
    assert code != "OLD"
    assert response["shares"][0]["share_code"] == code
    assert simulator.share("OLD").status == ShareStatus.CANCELLED
    assert active_codes(simulator, OTHER_UID) == {"OTHER"}
    # The add was sent once: not repeated after the lost answer.
    assert len(share_requests(simulator)) == 1
