"""``share_device`` with ``starts_at``: Home Assistant shares at the start.

Against the simulator over real HTTP; time moves with the freezer only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.quectel_iot.api.const import CoverMark
from custom_components.quectel_iot.const import DOMAIN
from simulator import Simulator

from ..conftest import GUEST_EMAIL, GUEST_UID, OWNER_EMAIL, advance
from ..guest_helpers import (
    NOW,
    NOW_MS,
    SHARE,
    change_requests,
    device_id,
    guest_shares,
    local,
    only_guest,
)

HOUR_MS = 3600 * 1000


async def _share(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "share_device", data, blocking=True, return_response=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert response is not None
    return dict(response)


async def test_a_future_start_shares_nothing_until_the_start(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    dev1 = device_id(hass, entry, "DEV-1")
    dev3 = device_id(hass, entry, "DEV-3", "pTest2")
    simulator.clear_requests()

    response = await _share(
        hass,
        {
            "device_id": [dev1, dev3],
            "email": GUEST_EMAIL,
            "starts_at": (NOW + timedelta(minutes=1)).isoformat(),
            "expires_at": (NOW + timedelta(hours=3)).isoformat(),
        },
    )

    guest = only_guest(entry)
    assert GUEST_EMAIL not in guest.title
    assert guest.title.startswith("Scheduled share email ")
    starts, ends = "2030-06-01T10:01:00+00:00", "2030-06-01T13:00:00+00:00"
    assert response == {
        "scheduled": [
            {
                "device_id": dev1,
                "product_key": "pTest",
                "device_key": "DEV-1",
                "starts_at": starts,
                "expires_at": ends,
                "guest": guest.title,
            },
            {
                "device_id": dev3,
                "product_key": "pTest2",
                "device_key": "DEV-3",
                "starts_at": starts,
                "expires_at": ends,
                "guest": guest.title,
            },
        ]
    }
    assert change_requests(simulator) == []

    await advance(hass, now, timedelta(seconds=59))
    assert change_requests(simulator) == []

    await advance(hass, now, timedelta(seconds=1))
    requests = change_requests(simulator)
    assert [path for path, _ in requests] == [SHARE, SHARE]
    assert {query["coverMark"] for _, query in requests} == {str(int(CoverMark.ADD))}
    assert guest_shares(simulator) == {
        ("pTest", "DEV-1", NOW_MS + 3 * HOUR_MS),
        ("pTest2", "DEV-3", NOW_MS + 3 * HOUR_MS),
    }

    # No polling and nothing at the end: the cloud ends the shares itself.
    await advance(hass, now, timedelta(hours=4))
    assert [path for path, _ in change_requests(simulator)] == [SHARE, SHARE]


async def test_a_restart_before_the_start_still_shares_on_time(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    await _share(
        hass,
        {
            "product_key": "pTest",
            "device_key": "DEV-1",
            "uid": GUEST_UID,
            "starts_at": (NOW + timedelta(minutes=10)).isoformat(),
            "duration": {"hours": 2},
        },
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, now, timedelta(minutes=1))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    simulator.clear_requests()

    await advance(hass, now, timedelta(minutes=8, seconds=59))
    assert change_requests(simulator) == []
    await advance(hass, now, timedelta(seconds=1))

    # The duration counts from the start.
    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    end_ms = NOW_MS + 10 * 60 * 1000 + 2 * HOUR_MS
    assert guest_shares(simulator) == {("pTest", "DEV-1", end_ms)}


async def test_a_start_in_the_past_shares_now(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    entry = init_integration
    dev1 = device_id(hass, entry, "DEV-1")
    simulator.clear_requests()

    response = await _share(
        hass,
        {
            "device_id": dev1,
            "email": GUEST_EMAIL,
            # Naive: Home Assistant's local time.
            "starts_at": local(NOW - timedelta(hours=1)),
            "expires_at": local(NOW + timedelta(hours=1)),
        },
    )

    [shared] = response["shares"]
    assert shared["expires_at"] == "2030-06-01T11:00:00+00:00"
    [(path, query)] = change_requests(simulator)
    assert path == SHARE
    assert query["coverMark"] == str(int(CoverMark.ADD))
    assert guest_shares(simulator) == {("pTest", "DEV-1", NOW_MS + HOUR_MS)}
    assert [s for s in entry.subentries.values() if s.subentry_type == "guest"] == []


@pytest.mark.parametrize(
    "case",
    [
        # An end before the start, in the future or the past.
        (
            {"starts_at": timedelta(hours=2), "expires_at": timedelta(hours=1)},
            "end_before_start",
        ),
        (
            {"starts_at": timedelta(hours=1), "expires_at": timedelta(hours=1)},
            "end_before_start",
        ),
        (
            {"starts_at": -timedelta(hours=1), "expires_at": -timedelta(hours=2)},
            "end_before_start",
        ),
        # A start with a share mode that is not "add", or an authKey.
        ({"starts_at": timedelta(hours=1), "mode": "replace"}, "starts_at_excludes"),
        ({"starts_at": timedelta(hours=1), "mode": "extend"}, "starts_at_excludes"),
        ({"starts_at": -timedelta(hours=1), "mode": "replace"}, "starts_at_excludes"),
        ({"starts_at": timedelta(hours=1), "auth_key": "k-1"}, "starts_at_excludes"),
        ({"starts_at": "tomorrow"}, "invalid_datetime"),
    ],
)
async def test_a_refused_window_sends_nothing(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    case: tuple[dict[str, Any], str],
) -> None:
    fields, key = case
    data: dict[str, Any] = {
        "device_id": device_id(hass, init_integration, "DEV-1"),
        "email": GUEST_EMAIL,
    }
    for name, value in fields.items():
        data[name] = (
            (NOW + value).isoformat() if isinstance(value, timedelta) else value
        )
    simulator.clear_requests()

    with pytest.raises(ServiceValidationError) as err:
        await _share(hass, data)

    assert err.value.translation_key == key
    assert simulator.requests == []
    assert len(init_integration.subentries) == 0
    await advance(hass, now, timedelta(hours=3))
    assert change_requests(simulator) == []


async def test_the_account_itself_is_refused(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await _share(
            hass,
            {
                "device_id": device_id(hass, init_integration, "DEV-1"),
                "email": OWNER_EMAIL,
                "starts_at": (NOW + timedelta(hours=1)).isoformat(),
            },
        )
    assert err.value.translation_key == "recipient_is_account"
    assert simulator.requests == []
    assert len(init_integration.subentries) == 0


async def test_mode_add_is_accepted_with_a_start(
    hass: HomeAssistant,
    now: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    response = await _share(
        hass,
        {
            "device_id": device_id(hass, init_integration, "DEV-1"),
            "email": GUEST_EMAIL,
            "mode": "add",
            "starts_at": (NOW + timedelta(hours=1)).isoformat(),
        },
    )
    [scheduled] = response["scheduled"]
    assert scheduled["expires_at"] is None  # for life, from the start
    simulator.clear_requests()
    await advance(hass, now, timedelta(hours=1))
    assert [path for path, _ in change_requests(simulator)] == [SHARE]
    assert guest_shares(simulator) == {("pTest", "DEV-1", None)}
