"""Helpers of the guest tests: devices, the guest flow, entities and requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api import Endpoint
from custom_components.quectel_iot.const import DOMAIN
from simulator import Simulator

from .conftest import GUEST_UID

# A fixed "now" for the guest tests (UTC; Home Assistant's zone is US/Pacific).
NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
NOW_MS = 1906538400000  # NOW in epoch milliseconds

SHARE = Endpoint.SHARE_BY_UID.value
UNSHARE = Endpoint.OWNER_UNSHARE.value
SET_TIME = Endpoint.SET_SHARE_TIME.value
SHARE_LIST = Endpoint.SHARE_USER_LIST.value
CHANGES = (SHARE, UNSHARE, SET_TIME)


def device_id(
    hass: HomeAssistant, entry: MockConfigEntry, dk: str, pk: str = "pTest"
) -> str:
    """Return the registry id of a device of the scenario, by its cloud keys."""
    [device] = [
        d
        for d in entry.runtime_data.devices.data.values()
        if (d.product_key, d.device_key) == (pk, dk)
    ]
    [registered] = [
        e
        for e in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, device.unique_id) in e.identifiers
    ]
    return registered.id


def guest_shares(simulator: Simulator) -> set[tuple[str, str, int | None]]:
    """The guest's active shares in the cloud: (pk, dk, end in ms)."""
    return {
        (share.pk, share.dk, share.expire_at_ms)
        for share in simulator.active_shares()
        if share.share_uid == GUEST_UID
    }


def local(moment: datetime) -> str:
    """A moment as the date-time selector sends it: local time, no zone."""
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def change_requests(simulator: Simulator) -> list[tuple[str, dict[str, str]]]:
    """Every request that changes a share, in order: (path, query)."""
    return [
        (request.path, dict(request.query))
        for request in simulator.requests
        if request.path in CHANGES
    ]


async def add_guest(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    first: dict[str, Any],
    window: dict[str, Any] | None = None,
    *,
    second_step: str = "window",
) -> dict[str, Any]:
    """Run the Add guest flow to its end; return the last result.

    ``window`` fills the second step (``second_step``: "window" or "calendar").
    """
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "guest"), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], first
    )
    if window is not None:
        assert result["type"] is FlowResultType.FORM, result.get("errors")
        assert result["step_id"] == second_step
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], window
        )
    await hass.async_block_till_done(wait_background_tasks=True)
    return dict(result)


async def edit_guest(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    subentry_id: str,
    first: dict[str, Any],
    window: dict[str, Any] | None = None,
    *,
    second_step: str = "window",
) -> dict[str, Any]:
    """Run the Edit guest flow to its end; return the last result."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "guest"),
        context={"source": "reconfigure", "subentry_id": subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], first
    )
    if window is not None:
        assert result["type"] is FlowResultType.FORM, result.get("errors")
        assert result["step_id"] == second_step
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], window
        )
    await hass.async_block_till_done(wait_background_tasks=True)
    return dict(result)


def only_guest(entry: MockConfigEntry) -> ConfigSubentry:
    """Return the account's one guest."""
    [subentry] = [s for s in entry.subentries.values() if s.subentry_type == "guest"]
    return subentry


def guest_entity_id(
    hass: HomeAssistant, platform: str, subentry_id: str, key: str
) -> str:
    """Return the entity id of a guest's entity (by its unique id)."""
    entity_id = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"guest {subentry_id} {key}"
    )
    assert entity_id is not None
    return entity_id
