"""Devices shared with the account: kept apart from the owned ones.

No share list is ever read for them, no share action and no guest takes
them, and they leave when the device list stops showing them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot import async_remove_config_entry_device
from custom_components.quectel_iot.api.const import Endpoint
from custom_components.quectel_iot.const import DEVICE_SCAN_INTERVAL, DOMAIN
from custom_components.quectel_iot.coordinator import GONE_CONFIRM_AFTER
from simulator import Simulator

from .conftest import (
    GUEST_EMAIL,
    GUEST_UID,
    advance,
    advance_in_ticks,
    received_devices,
)
from .guest_helpers import add_guest
from .share_helpers import (
    access_ends_entity,
    call,
    device_id,
    invite,
    received_device_id,
)

SHARE_LIST = Endpoint.SHARE_USER_LIST.value
DEVICE_LIST = Endpoint.DEVICE_LIST.value
RECIPIENT_UNSHARE = Endpoint.RECIPIENT_UNSHARE.value


async def accepted(
    hass: HomeAssistant, entry: MockConfigEntry, code: str
) -> dict[str, Any]:
    response: dict[str, Any] = await call(
        hass, "accept_invite", {"config_entry_id": entry.entry_id, "share_code": code}
    )
    return response


async def test_no_share_list_is_read_for_a_received_device(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    init_integration: MockConfigEntry,
) -> None:
    """The owner's account also receives OTHER-1 (the test scenario)."""
    assert set(received_devices(hass, init_integration)) == {"OTHER-1"}
    await advance_in_ticks(hass, now, timedelta(hours=2))
    read = {request.query.get("dk") for request in simulator.requests_to(SHARE_LIST)}
    assert read == {"DEV-1", "DEV-2", "DEV-3", "DEV-U"}


async def test_its_sensor_says_when_access_ends_and_who_shared_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    entity_id = access_ends_entity(hass, init_integration, "OTHER-1", "pOther")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    end = simulator.share("OTHER-SHARE").expire_at_ms
    assert end is not None
    assert state.state == dt_text(end)
    assert state.attributes["shared_by"] == "U4"
    device = received_devices(hass, init_integration)["OTHER-1"]
    assert device.name == "Other's device (shared with this account)"
    # Not offered where the account's own products are (see the guest form).
    assert device.model_id is None


def dt_text(epoch_ms: int) -> str:
    """A timestamp sensor's state: UTC, to the second."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat(timespec="seconds")


SHARE_ACTIONS = [
    ("share_device", {"uid": GUEST_UID}),
    ("list_shares", {}),
    ("unshare_device", {"uid": GUEST_UID}),
    ("set_share_expiry", {"uid": GUEST_UID, "duration": {"hours": 1}}),
]


@pytest.mark.parametrize(("action", "more"), SHARE_ACTIONS)
async def test_share_actions_refuse_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    action: str,
    more: dict[str, Any],
) -> None:
    received = received_device_id(hass, init_integration, "OTHER-1")
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, action, {"device_id": received, **more})
    assert err.value.translation_key == "device_received"
    assert "is shared with this account, not owned by it" in str(err.value)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, action, {"product_key": "pOther", "device_key": "OTHER-1", **more}
        )
    assert err.value.translation_key == "device_received"
    assert simulator.requests == []


@pytest.mark.parametrize(
    "data",
    [
        {"share_code": "OTHER-SHARE"},
        {"share_code": "OTHER-SHARE", "expires_at": "2099-01-01 00:00:00"},
    ],
)
async def test_its_share_code_is_not_the_owners_to_change(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, str],
) -> None:
    action = "set_share_expiry" if "expires_at" in data else "unshare_device"
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, action, data)
    assert err.value.translation_key == "device_received"
    assert simulator.requests == []


async def test_access_that_ended_goes_at_the_next_list_read(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
) -> None:
    invite(simulator, "HALF-HOUR", expire_at_ms=simulator.now_ms() + 1_800_000)
    await accepted(hass, recipient_entry, "HALF-HOUR")
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}

    # Its end passes: the sensor shows it in the past until the list is read.
    await advance(hass, now, timedelta(minutes=31))
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}
    budget = recipient_entry.runtime_data.budget
    spent = budget.spent_today()
    await advance(hass, now, DEVICE_SCAN_INTERVAL)
    # One list, no second one to confirm: its access has ended.
    assert budget.spent_today() == spent + 1
    assert received_devices(hass, recipient_entry) == {}
    assert access_ends_entity(hass, recipient_entry, "DEV-1") is None


@pytest.mark.parametrize("listing", ["status", "bindStatus", "both"])
async def test_an_expired_share_still_listed_goes_at_the_next_list_read(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    listing: str,
) -> None:
    """The cloud keeps listing it, with status and/or bindStatus 2 (Expired)."""
    simulator.keep_expired_received = listing
    invite(simulator, "90-MINUTES", expire_at_ms=simulator.now_ms() + 5_400_000)
    await accepted(hass, recipient_entry, "90-MINUTES")
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}

    # The cloud's clock runs 35 minutes ahead: at the next read (an hour on)
    # the share has ended there, while Home Assistant's clock is still
    # before its end, so only the listed status tells.
    simulator.advance_clock(35 * 60)
    budget = recipient_entry.runtime_data.budget
    spent = budget.spent_today()
    await advance(hass, now, DEVICE_SCAN_INTERVAL)

    # One list, no second one to confirm, and nothing given back.
    assert budget.spent_today() == spent + 1
    assert received_devices(hass, recipient_entry) == {}
    assert access_ends_entity(hass, recipient_entry, "DEV-1") is None
    assert simulator.requests_to(RECIPIENT_UNSHARE) == []
    # Still listed so at the next read: it does not come back.
    await advance(hass, now, DEVICE_SCAN_INTERVAL)
    assert received_devices(hass, recipient_entry) == {}


async def test_a_share_listed_past_its_end_goes_at_the_next_list_read(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
) -> None:
    """Still listed with both statuses 1 ("Normal"): its end has passed."""
    simulator.keep_expired_received = "neither"
    invite(simulator, "HALF-HOUR", expire_at_ms=simulator.now_ms() + 1_800_000)
    await accepted(hass, recipient_entry, "HALF-HOUR")

    await advance(hass, now, timedelta(minutes=31))
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}
    await advance(hass, now, DEVICE_SCAN_INTERVAL)

    assert received_devices(hass, recipient_entry) == {}
    assert simulator.requests_to(RECIPIENT_UNSHARE) == []


async def test_a_new_share_of_a_device_listed_as_expired_is_kept(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
) -> None:
    """The expired share still listed does not hide a live one of the device."""
    simulator.keep_expired_received = "both"
    invite(simulator, "HALF-HOUR", expire_at_ms=simulator.now_ms() + 1_800_000)
    await accepted(hass, recipient_entry, "HALF-HOUR")
    simulator.advance_clock(31 * 60)
    invite(simulator, "AGAIN")
    await accepted(hass, recipient_entry, "AGAIN")

    await advance(hass, now, DEVICE_SCAN_INTERVAL)

    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


async def test_an_owned_device_whose_binding_expired_stays(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    init_integration: MockConfigEntry,
) -> None:
    """Owned devices are kept whatever their status or bindStatus says."""
    simulator.devices[("pTest", "DEV-1")].binding_expired = True

    await advance(hass, now, DEVICE_SCAN_INTERVAL)
    await advance(hass, now, GONE_CONFIRM_AFTER)

    assert "pTest_DEV-1" in init_integration.runtime_data.devices.data
    assert device_id(hass, "DEV-1")


async def test_access_revoked_early_goes_when_two_lists_lack_it(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
) -> None:
    invite(simulator, "INVITE-1")
    await accepted(hass, recipient_entry, "INVITE-1")
    await call(hass, "unshare_device", {"share_code": "INVITE-1"})

    await advance(hass, now, DEVICE_SCAN_INTERVAL)
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}
    await advance(hass, now, GONE_CONFIRM_AFTER)
    assert received_devices(hass, recipient_entry) == {}


async def test_guest_form_does_not_offer_or_take_it(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (init_integration.entry_id, "guest"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    [selector] = [
        value
        for key, value in result["data_schema"].schema.items()
        if str(key) == "devices"
    ]
    # The owned products, by model id; a received device has none.
    assert selector.config["filter"] == [
        {"integration": DOMAIN, "model_id": "pTest"},
        {"integration": DOMAIN, "model_id": "pTest2"},
    ]
    owned_models = {
        device.model_id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), init_integration.entry_id
        )
    }
    assert None in owned_models  # the service devices and the received one

    received = received_device_id(hass, init_integration, "OTHER-1")
    simulator.clear_requests()
    result = await add_guest(
        hass,
        init_integration,
        {
            "name": "Cleaner",
            "recipient": {"email": GUEST_EMAIL},
            "devices": [received],
            "access": "forever",
        },
    )
    assert result["errors"] == {"devices": "device_not_of_account"}
    assert simulator.requests == []


async def test_an_account_owning_nothing_has_no_guest_form(
    hass: HomeAssistant, recipient_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.subentries.async_init(
        (recipient_entry.entry_id, "guest"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_owned_devices"


async def test_not_removable_by_hand_while_listed(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    device = received_devices(hass, init_integration)["OTHER-1"]
    assert not await async_remove_config_entry_device(hass, init_integration, device)
