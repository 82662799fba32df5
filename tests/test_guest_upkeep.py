"""Keeping a guest's shares right when things go wrong.

A lost answer is looked for before anything is shared again, a quota hold
sends nothing, a switch to "for life" replaces the shares, the Extend button
refuses what it cannot do, and a device that left the account is reported.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api import Endpoint, QuectelQuotaError
from custom_components.quectel_iot.const import DEVICE_SCAN_INTERVAL, DOMAIN
from custom_components.quectel_iot.coordinator import GONE_CONFIRM_AFTER
from simulator import Fault, Simulator

from .conftest import GUEST_EMAIL, GUEST_UID, advance
from .guest_helpers import (
    NOW,
    NOW_MS,
    SHARE,
    UNSHARE,
    add_guest,
    change_requests,
    device_id,
    edit_guest,
    guest_entity_id,
    local,
    only_guest,
)


def first(hass: HomeAssistant, entry: MockConfigEntry, access: str) -> dict[str, Any]:
    return {
        "name": "Cleaner",
        "recipient": {"email": GUEST_EMAIL},
        "devices": [device_id(hass, entry, "DEV-1")],
        "access": access,
    }


def guest_shares(simulator: Simulator) -> list[tuple[str, int | None]]:
    return sorted(
        (share.dk, share.expire_at_ms)
        for share in simulator.active_shares()
        if share.share_uid == GUEST_UID
    )


async def add_until(hass: HomeAssistant, entry: MockConfigEntry, end: datetime) -> str:
    result = await add_guest(
        hass, entry, first(hass, entry, "until"), {"ends_at": local(end)}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    return only_guest(entry).subentry_id


async def retry(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    flows = hass.data[REPAIRS_DOMAIN]["flow_manager"]
    result = await flows.async_init(DOMAIN, data={"issue_id": issue_id})
    result = await flows.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    return dict(result)


async def press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id}, blocking=True
    )


async def test_a_lost_answer_is_found_before_anything_is_shared_again(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    # The cloud makes the share, the answer is lost, and the check read fails.
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=Endpoint.SHARE_BY_UID, times=1)
    simulator.inject(Fault.HTTP_503, endpoint=Endpoint.SHARE_USER_LIST, times=1)
    subentry_id = await add_until(hass, init_integration, NOW + timedelta(hours=3))
    issue_id = f"guest_failed_{subentry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert len(guest_shares(simulator)) == 1

    # The retry reads the list first, finds that share, and keeps it.
    simulator.clear_requests()
    result = await retry(hass, issue_id)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert change_requests(simulator) == []
    assert guest_shares(simulator) == [("DEV-1", NOW_MS + 3 * 3600 * 1000)]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    access = guest_entity_id(hass, "sensor", subentry_id, "access")
    assert hass.states.get(access).state == "active"  # type: ignore[union-attr]


async def test_nothing_is_sent_while_the_quota_is_used_up(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    # A 4026 was just answered.
    init_integration.runtime_data.budget.answer_received(
        QuectelQuotaError("quota", code=4026)
    )
    simulator.clear_requests()
    subentry_id = await add_until(hass, init_integration, NOW + timedelta(hours=3))

    assert change_requests(simulator) == []
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"guest_failed_{subentry_id}")
    assert issue is not None
    assert "4026" in issue.translation_placeholders["devices"]


async def test_switching_to_for_life_replaces_the_share(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_until(hass, init_integration, NOW + timedelta(hours=3))
    [old] = [s for s in simulator.active_shares() if s.share_uid == GUEST_UID]
    simulator.clear_requests()

    result = await edit_guest(
        hass, init_integration, subentry_id, first(hass, init_integration, "forever")
    )

    assert result["type"] is FlowResultType.ABORT
    # setShareTime cannot remove an end: a new share, then the old one goes.
    assert [path for path, _ in change_requests(simulator)] == [SHARE, UNSHARE]
    assert guest_shares(simulator) == [("DEV-1", None)]
    assert simulator.share(old.share_code).status != 1


async def test_extend_refuses_a_guest_for_life_and_a_revoked_one(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    result = await add_guest(
        hass, init_integration, first(hass, init_integration, "forever")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry_id = only_guest(init_integration).subentry_id
    extend = guest_entity_id(hass, "button", subentry_id, "extend")
    revoke = guest_entity_id(hass, "button", subentry_id, "revoke")

    with pytest.raises(ServiceValidationError) as err:
        await press(hass, extend)
    assert err.value.translation_key == "guest_for_life"

    await press(hass, revoke)
    with pytest.raises(ServiceValidationError) as err:
        await press(hass, extend)
    assert err.value.translation_key == "guest_revoked"


async def test_a_device_that_left_the_account_is_reported(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    subentry_id = await add_until(hass, init_integration, NOW + timedelta(hours=3))
    # The device leaves the account: two device lists apart in time say so.
    simulator.remove_device("pTest", "DEV-1")
    await advance(hass, now, DEVICE_SCAN_INTERVAL)
    await advance(hass, now, GONE_CONFIRM_AFTER)
    extend = guest_entity_id(hass, "button", subentry_id, "extend")

    with pytest.raises(HomeAssistantError) as err:
        await press(hass, extend)
    assert err.value.translation_key == "guest_failed"
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"guest_failed_{subentry_id}")
