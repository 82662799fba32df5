"""Security: admin-only actions, no secrets in logs, events or diagnostics,
HTTPS-only cloud URLs and bad action input refused before any request."""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.quectel_iot.api import (
    DataCenter,
    InvalidBaseUrlError,
    check_base_url,
)
from custom_components.quectel_iot.api.const import Endpoint
from custom_components.quectel_iot.const import (
    DEVICE_SCAN_INTERVAL,
    DOMAIN,
    EVENT_DEVICE_SHARED,
    EVENT_SHARE_REVOKED,
    EVENT_SHARE_UPDATED,
)
from custom_components.quectel_iot.diagnostics import (
    async_get_config_entry_diagnostics,
)
from simulator import Simulator
from simulator.models import TokenKind

from .conftest import (
    GUEST_EMAIL,
    GUEST_PHONE,
    GUEST_UID,
    OTHER_EMAIL,
    OWNER_PASSWORD,
    cloud_device,
)

ACTIONS = ["share_device", "list_shares", "unshare_device", "set_share_expiry"]


def device_id(hass: HomeAssistant, dk: str = "DEV-1", pk: str = "pTest") -> str:
    """The registry id of a simulated device."""
    device = cloud_device(hass, pk, dk)
    assert device is not None
    return device.id


async def call(
    hass: HomeAssistant, service: str, data: dict[str, Any], context: Context | None
) -> Any:
    """Call an action of ours and return its response."""
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True, context=context
    )


async def action_data(hass: HomeAssistant, service: str) -> dict[str, Any]:
    """Valid data for ``service``; makes the share it needs."""
    if service in ("unshare_device", "set_share_expiry"):
        response = await call(
            hass,
            "share_device",
            {"device_id": [device_id(hass)], "uid": GUEST_UID},
            None,
        )
        code = response["shares"][0]["share_code"]
        if service == "unshare_device":
            return {"share_code": code}
        return {"share_code": code, "duration": {"days": 3}}
    if service == "list_shares":
        return {"device_id": [device_id(hass)]}
    return {"device_id": [device_id(hass)], "uid": GUEST_UID}


# --- admin only ---------------------------------------------------------------


@pytest.mark.parametrize("service", ACTIONS)
async def test_actions_are_for_administrators(  # noqa: PLR0917
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    hass_admin_user: User,
    hass_read_only_user: User,
    service: str,
) -> None:
    data = await action_data(hass, service)
    simulator.clear_requests()
    with pytest.raises(Unauthorized):
        await call(hass, service, data, Context(user_id=hass_read_only_user.id))
    with pytest.raises(UnknownUser):
        await call(hass, service, data, Context(user_id="no-such-user"))
    # Refused before anything reached the cloud.
    assert simulator.requests == []

    assert await call(hass, service, data, Context(user_id=hass_admin_user.id))
    if service == "unshare_device":
        data = await action_data(hass, service)
    # Automations and scripts run without a user.
    assert await call(hass, service, data, Context())


# --- no secrets in logs, events or diagnostics -----------------------------------


async def test_no_secret_in_logs_events_or_diagnostics(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[Event] = []
    for event_type in (EVENT_DEVICE_SHARED, EVENT_SHARE_REVOKED, EVENT_SHARE_UPDATED):
        hass.bus.async_listen(event_type, events.append)

    # Login (again), refresh, share by email and phone, list, change, revoke.
    simulator.revoke_tokens()
    await init_integration.runtime_data.devices.async_refresh()
    simulator.expire_access_tokens()
    async_fire_time_changed(hass, dt_util.utcnow() + DEVICE_SCAN_INTERVAL * 4)
    await hass.async_block_till_done()
    shared = []
    for recipient in ({"email": OTHER_EMAIL}, {"phone": GUEST_PHONE}):
        response = await call(
            hass,
            "share_device",
            {"device_id": [device_id(hass)], **recipient, "auth_key": "auth-1"},
            None,
        )
        shared.append(response["shares"][0]["share_code"])
    await call(hass, "list_shares", {"device_id": [device_id(hass)]}, None)
    await call(
        hass,
        "set_share_expiry",
        {"device_id": [device_id(hass)], "email": OTHER_EMAIL, "duration": "48:00:00"},
        None,
    )
    await call(
        hass,
        "unshare_device",
        {"device_id": [device_id(hass)], "phone": GUEST_PHONE},
        None,
    )
    await call(hass, "unshare_device", {"share_code": shared[0]}, None)
    assert simulator.requests_to(Endpoint.EMAIL_LOGIN.value)
    assert simulator.requests_to(Endpoint.REFRESH_TOKEN.value)
    assert len(events) == 5  # two shares, one change, two revocations

    login = simulator.requests_to(Endpoint.EMAIL_LOGIN.value)[-1]
    tokens = [
        token.token.removeprefix("Bearer ")
        for kind in TokenKind
        for token in simulator.tokens(kind)
    ]
    secrets = {
        "password": OWNER_PASSWORD,
        "encrypted password": login.query["pwd"],
        "signature": login.query["signature"],
        "user domain secret": simulator.user_domain_secret,
        "recipient email": OTHER_EMAIL,
        "recipient phone": GUEST_PHONE,
        **{f"token {n}": token for n, token in enumerate(tokens)},
        **{
            f"authKey {device.dk}": device.auth_key
            for device in simulator.devices.values()
        },
    }
    assert len(tokens) >= 6  # two logins and a refresh at least

    log_text = caplog.text
    # The client's debug logs were captured: the check below means something.
    assert "/shareByUid (" in log_text
    assert "emailPwdLogin" in log_text
    diagnostics = json.dumps(
        await async_get_config_entry_diagnostics(hass, init_integration)
    )
    event_text = json.dumps([event.data for event in events])
    states = json.dumps(
        [state.as_dict() for state in hass.states.async_all()], default=str
    )
    for what, secret in secrets.items():
        assert secret not in log_text, f"{what} in the log"
        assert secret not in diagnostics, f"{what} in diagnostics"
        assert secret not in event_text, f"{what} in an event"
        assert secret not in states, f"{what} in a state"


# --- untrusted cloud: HTTPS -------------------------------------------------------


@pytest.mark.parametrize("center", list(DataCenter))
def test_built_in_data_centers_are_https(center: DataCenter) -> None:
    url, insecure = check_base_url(center.value)
    assert url.startswith("https://")
    assert not insecure


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7:8080",
        "http://172.16.3.4",
        "http://192.168.1.20/api",
        "http://169.254.10.10",
        "http://[fd00::1]",
        "http://[::1]:8124",
        "http://localhost",
    ],
)
def test_plain_http_only_for_private_addresses_and_flagged(url: str) -> None:
    assert check_base_url(url)[1] is True


@pytest.mark.parametrize(
    "url",
    [
        "http://iot-api.acceleronix.io",
        "http://localhost.example.com",
        "http://127.0.0.1.nip.io",
        "http://8.8.8.8",
        "http://100.64.0.1",
        "http://[2001:4860::1]",
        "http://[::ffff:8.8.8.8]",
        "http://2130706433",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://user:secret@iot.example.com",
        "https://iot.example.com/#x",
        "",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidBaseUrlError):
        check_base_url(url)


# --- bad action input -------------------------------------------------------------

HUGE = "x" * 100_000
BAD_SHARE_INPUT: list[tuple[str, dict[str, Any]]] = [
    ("email wrong type", {"email": ["a@b.cd"]}),
    ("email dict", {"email": {"a": 1}}),
    ("email empty", {"email": ""}),
    ("email blank", {"email": "   "}),
    ("email huge", {"email": HUGE + "@example.com"}),
    ("email without domain", {"email": "guest@"}),
    ("email control character", {"email": "gu\x00est@example.test"}),
    ("phone letters", {"phone": "call-me"}),
    (
        "phone full-width digits",
        {"phone": "\uff15\uff15\uff15\uff10\uff10\uff10\uff13"},
    ),
    ("phone huge", {"phone": "1" * 10_000}),
    ("uid with space", {"uid": "U 3"}),
    ("uid huge", {"uid": HUGE}),
    ("uid control character", {"uid": "U3\x07"}),
    ("two recipients", {"uid": GUEST_UID, "email": GUEST_EMAIL}),
    ("no recipient", {}),
    ("expiry in the past", {"uid": GUEST_UID, "expires_at": "2001-01-01T00:00:00"}),
    ("expiry beyond 9999", {"uid": GUEST_UID, "expires_at": "10000-01-01T00:00:00"}),
    (
        "expiry at the end of 9999",
        {"uid": GUEST_UID, "expires_at": "9999-12-31T23:59:59"},
    ),
    ("expiry not a date", {"uid": GUEST_UID, "expires_at": "tomorrow"}),
    ("expiry a number", {"uid": GUEST_UID, "expires_at": 12}),
    ("duration zero", {"uid": GUEST_UID, "duration": 0}),
    ("duration negative", {"uid": GUEST_UID, "duration": "-01:00:00"}),
    ("duration huge", {"uid": GUEST_UID, "duration": {"days": 10**12}}),
    ("duration beyond 9999", {"uid": GUEST_UID, "duration": {"days": 3_000_000}}),
    (
        "duration and expiry",
        {"uid": GUEST_UID, "duration": 60, "expires_at": "2999-01-01"},
    ),
    ("unknown mode", {"uid": GUEST_UID, "mode": "merge"}),
    ("mode wrong type", {"uid": GUEST_UID, "mode": ["add"]}),
    ("auth key huge", {"uid": GUEST_UID, "auth_key": HUGE}),
    ("auth key empty", {"uid": GUEST_UID, "auth_key": ""}),
]
BAD_TARGETS: list[tuple[str, dict[str, Any]]] = [
    ("pk with space", {"product_key": "p Test", "device_key": "DEV-1"}),
    ("pk unicode", {"product_key": "pTést", "device_key": "DEV-1"}),
    ("dk slash", {"product_key": "pTest", "device_key": "DEV/1"}),
    ("dk query", {"product_key": "pTest", "device_key": "DEV-1&pk=x"}),
    ("dk huge", {"product_key": "pTest", "device_key": "D" * 65}),
    ("dk empty", {"product_key": "pTest", "device_key": ""}),
    ("dk wrong type", {"product_key": "pTest", "device_key": ["DEV-1"]}),
    ("dk bool", {"product_key": "pTest", "device_key": True}),
    ("pk alone", {"product_key": "pTest"}),
    ("unknown device", {"product_key": "pTest", "device_key": "DEV-404"}),
    ("unknown device id", {"device_id": ["no-such-device"]}),
    ("device id empty list", {"device_id": []}),
    ("no target", {}),
]


def with_target(hass: HomeAssistant, data: dict[str, Any]) -> dict[str, Any]:
    """Add the first owned device as the target."""
    return {"device_id": [device_id(hass)], **data}


@pytest.mark.parametrize(
    ("case", "data"), BAD_SHARE_INPUT, ids=[c for c, _ in BAD_SHARE_INPUT]
)
async def test_bad_share_input_is_refused_before_any_request(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    case: str,
    data: dict[str, Any],
) -> None:
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, "share_device", with_target(hass, data), None)
    assert info.value.translation_domain == DOMAIN
    assert info.value.translation_key
    assert simulator.requests == []


@pytest.mark.parametrize("service", ACTIONS)
@pytest.mark.parametrize(
    ("case", "target"), BAD_TARGETS, ids=[c for c, _ in BAD_TARGETS]
)
async def test_bad_targets_are_refused_before_any_request(  # noqa: PLR0917
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    service: str,
    case: str,
    target: dict[str, Any],
) -> None:
    extra: dict[str, Any] = {
        "share_device": {"uid": GUEST_UID},
        "list_shares": {},
        "unshare_device": {"uid": GUEST_UID},
        "set_share_expiry": {"uid": GUEST_UID, "duration": 60},
    }[service]
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, service, {**target, **extra}, None)
    assert info.value.translation_domain == DOMAIN
    assert info.value.translation_key
    assert simulator.requests == []


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("list_shares", {"include_inactive": "perhaps"}),
        ("unshare_device", {"share_code": ""}),
        ("unshare_device", {"share_code": HUGE}),
        ("unshare_device", {}),
        ("set_share_expiry", {"share_code": "S1"}),
        ("set_share_expiry", {"share_code": "S1", "duration": 0}),
        ("set_share_expiry", {"share_code": "S1", "expires_at": "2000-01-01"}),
        ("set_share_expiry", {"uid": GUEST_UID, "duration": "-00:10:00"}),
        ("set_share_expiry", {"email": "nope", "duration": 60}),
    ],
)
async def test_bad_share_management_input_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    service: str,
    data: dict[str, Any],
) -> None:
    if (
        "share_code" not in data and service != "unshare_device"
    ) or service == "list_shares":
        data = with_target(hass, data)
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as info:
        await call(hass, service, data, None)
    assert info.value.translation_key
    assert simulator.requests == []


async def test_far_but_valid_expiry_is_accepted(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    far = dt_util.utcnow() + timedelta(days=365 * 7000)
    response = await call(
        hass,
        "share_device",
        with_target(hass, {"uid": GUEST_UID, "expires_at": far.isoformat()}),
        None,
    )
    assert response["shares"][0]["expires_at"].startswith(str(far.year))
