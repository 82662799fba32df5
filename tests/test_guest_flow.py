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
    codes = {s.share_code for s in simulator.active_shares() if s.share_uid == "U3"}
    assert {r["share_code"] for r in guest.data["shares"].values()} == codes


# --- bad input: a translated error in the form, and no request at all ------------


def _translated(step_errors: dict[str, str]) -> None:
    """Every error key has an English and a Chinese message."""
    import json
    from pathlib import Path

    base = Path(__file__).parents[1] / "custom_components" / "quectel_iot"
    for language in ("en", "zh-Hans"):
        strings = json.loads(
            (base / "translations" / f"{language}.json").read_text(encoding="utf-8")
        )
        messages = strings["config_subentries"]["guest"]["error"]
        for key in step_errors.values():
            assert messages[key].strip()


@pytest.mark.parametrize(
    ("first", "errors"),
    [
        ({"devices": []}, {"devices": "no_devices"}),
        ({"recipient": {}}, {"recipient": "recipient_missing"}),
        (
            {"recipient": {"email": GUEST_EMAIL, "uid": "U3"}},
            {"recipient": "recipient_ambiguous"},
        ),
        ({"recipient": {"email": "not-an-email"}}, {"recipient": "invalid_email"}),
        ({"recipient": {"phone": "12ab"}}, {"recipient": "invalid_phone"}),
        ({"recipient": {"uid": OWNER_UID}}, {"recipient": "recipient_is_account"}),
        (
            {"recipient": {"email": OWNER_EMAIL.upper()}},
            {"recipient": "recipient_is_account"},
        ),
        ({"name": "   "}, {"name": "invalid_name"}),
    ],
)
async def test_first_step_refuses_bad_input(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    first: dict[str, Any],
    errors: dict[str, str],
) -> None:
    entry = init_integration
    base = {
        "name": "Cleaner",
        "recipient": {"email": GUEST_EMAIL},
        "devices": [device_id(hass, entry, "DEV-1")],
        "access": "forever",
    }
    simulator.clear_requests()

    result = await add_guest(hass, entry, {**base, **first})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    _translated(errors)
    assert simulator.requests == []
    assert entry.subentries == {}


async def test_recipient_phone_of_the_account_is_refused(
    hass: HomeAssistant,
    entry_data: dict[str, Any],
    simulator: Simulator,
) -> None:
    """An account signed in by phone: its number, with or without the code."""
    data = {**entry_data, "phone": OWNER_PHONE, "international_code": "1"}
    data.pop("email")
    entry = MockConfigEntry(domain="quectel_iot", unique_id=OWNER_UID, data=data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    simulator.clear_requests()

    for phone in (OWNER_PHONE, f"+1{OWNER_PHONE}"):
        result = await add_guest(
            hass,
            entry,
            {
                "name": "Me",
                "recipient": {"phone": phone},
                "devices": [device_id(hass, entry, "DEV-1")],
                "access": "forever",
            },
        )
        assert result["errors"] == {"recipient": "recipient_is_account"}
    # The guest's own number is fine.
    result = await add_guest(
        hass,
        entry,
        {
            "name": "Guest",
            "recipient": {"phone": GUEST_PHONE},
            "devices": [device_id(hass, entry, "DEV-1")],
            "access": "forever",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_devices_of_another_account_or_the_account_itself_are_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entry_data: dict[str, Any],
    simulator: Simulator,
) -> None:
    other = MockConfigEntry(
        domain="quectel_iot",
        unique_id="U4",
        title="other@example.test",
        data={**entry_data, "email": "other@example.test", "password": "other-pass"},
    )
    other.add_to_hass(hass)
    assert await hass.config_entries.async_setup(other.entry_id)
    await hass.async_block_till_done()
    others_device = device_id(hass, other, "OTHER-1", "pOther")
    [account_device] = [
        d
        for d in dr.async_entries_for_config_entry(
            dr.async_get(hass), init_integration.entry_id
        )
        if d.entry_type is dr.DeviceEntryType.SERVICE
    ]
    simulator.clear_requests()

    for devices in (
        [device_id(hass, init_integration, "DEV-1"), others_device],
        [account_device.id],
        ["no-such-device"],
    ):
        result = await add_guest(
            hass,
            init_integration,
            {
                "name": "Cleaner",
                "recipient": {"email": GUEST_EMAIL},
                "devices": devices,
                "access": "forever",
            },
        )
        assert result["errors"] == {"devices": "device_not_of_account"}
    assert simulator.requests == []


@pytest.mark.parametrize(
    "case",
    [
        ("window", {"starts_at": 120, "ends_at": 60}, "end_before_start"),
        ("window", {"starts_at": 60, "ends_at": 60}, "end_before_start"),
        ("until", {"ends_at": -60}, "expiry_in_past"),
        ("window", {"starts_at": -120, "ends_at": -60}, "expiry_in_past"),
        ("duration", {"duration": {"hours": 0}}, "duration_not_positive"),
    ],
)
async def test_window_step_refuses_bad_times(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    case: tuple[str, dict[str, Any], str],
) -> None:
    access, window, error = case
    entry = init_integration
    now = dt_util.utcnow()
    values = {
        key: local(now + timedelta(minutes=value)) if isinstance(value, int) else value
        for key, value in window.items()
    }
    simulator.clear_requests()

    result = await add_guest(
        hass,
        entry,
        {
            "name": "Cleaner",
            "recipient": {"email": GUEST_EMAIL},
            "devices": [device_id(hass, entry, "DEV-1")],
            "access": access,
        },
        values,
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "window"
    assert result["errors"] == {"base": error}
    _translated({"base": error})
    assert simulator.requests == []
    assert entry.subentries == {}


async def test_a_start_in_the_past_shares_now_and_says_so(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    entry = init_integration
    now = dt_util.utcnow()
    simulator.clear_requests()

    result = await add_guest(
        hass,
        entry,
        {
            "name": "Cleaner",
            "recipient": {"email": GUEST_EMAIL},
            "devices": [device_id(hass, entry, "DEV-1")],
            "access": "window",
        },
        {
            "starts_at": local(now - timedelta(hours=1)),
            "ends_at": local(now + timedelta(hours=2)),
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "started_now"
    assert only_guest(entry).data["starts_at"] is None
    [(path, query)] = change_requests(simulator)
    assert path == "/v2/binding/enduserapi/shareByUid"
    assert query["email"] == GUEST_EMAIL


async def test_edit_shows_the_guest_as_saved(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    entry = init_integration
    dev1 = device_id(hass, entry, "DEV-1")
    end = (dt_util.utcnow() + timedelta(days=2)).replace(microsecond=0)
    await add_guest(
        hass,
        entry,
        {
            "name": "Cleaner",
            "recipient": {"uid": "U3"},
            "devices": [dev1],
            "access": "until",
        },
        {"ends_at": local(end)},
    )
    guest = only_guest(entry)

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "guest"),
        context={"source": "reconfigure", "subentry_id": guest.subentry_id},
    )

    schema = result["data_schema"].schema
    defaults = {
        str(key): key.default() if callable(key.default) else None for key in schema
    }
    assert defaults["name"] == "Cleaner"
    assert defaults["devices"] == [dev1]
    assert defaults["access"] == "until"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": "Cleaner",
            "recipient": {"uid": "U3"},
            "devices": [dev1],
            "access": "until",
        },
    )
    assert result["step_id"] == "window"
    [ends_at] = [k for k in result["data_schema"].schema if str(k) == "ends_at"]
    assert ends_at.description == {"suggested_value": local(end)}
