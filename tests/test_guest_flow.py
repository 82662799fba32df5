"""The Add guest / Edit guest flow: every check in the form, before any request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .conftest import GUEST_EMAIL, GUEST_PHONE, OWNER_EMAIL, OWNER_PHONE, OWNER_UID
from .guest_helpers import add_guest, change_requests, device_id, local, only_guest


async def test_create_with_two_devices_now(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    entry = init_integration
    dev1 = device_id(hass, entry, "DEV-1")
    dev3 = device_id(hass, entry, "DEV-3", "pTest2")
    simulator.clear_requests()

    result = await add_guest(
        hass,
        entry,
        {
            "name": "Cleaner",
            "recipient": {"email": GUEST_EMAIL},
            "devices": [dev1, dev3],
            "access": "forever",
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Cleaner"
    guest = only_guest(entry)
    assert guest.title == "Cleaner"
    requests = change_requests(simulator)
    assert [path for path, _ in requests] == [
        "/v2/binding/enduserapi/shareByUid",
        "/v2/binding/enduserapi/shareByUid",
    ]
    # Added next to whatever the owner shared in the app: never a replace.
    assert {query["coverMark"] for _, query in requests} == {"2"}
    assert {(s.pk, s.dk, s.share_uid) for s in simulator.active_shares()} >= {
        ("pTest", "DEV-1", "U3"),
        ("pTest2", "DEV-3", "U3"),
    }
    codes = {
        s.share_code for s in simulator.active_shares() if s.share_uid == "U3"
    }
    assert {r["share_code"] for r in guest.data["shares"].values()} == codes
