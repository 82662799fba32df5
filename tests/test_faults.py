"""Faults of the cloud, end to end: clear errors, no lost or doubled shares, no lockout.

Each fault the simulator can inject hits setup, polling and the actions. The
integration must give a translated error, keep running, never log an
unhandled exception, and recover by itself once the cloud does.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
import functools
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.quectel_iot import cloud
from custom_components.quectel_iot.api import QuectelClient
from custom_components.quectel_iot.api.const import Endpoint
from custom_components.quectel_iot.const import (
    CONF_PASSWORD,
    CONF_TOKENS,
    DEVICE_SCAN_INTERVAL,
    DOMAIN,
    SHARE_SCAN_INTERVAL,
)
from simulator import Fault, Simulator

from .conftest import GUEST_UID, advance, cloud_device

PACKAGE_LOGGER = "custom_components.quectel_iot"
# What the coordinators log, once, when the cloud fails or refuses the account.
EXPECTED_ERRORS = ("Error fetching ", "Authentication failed while fetching ")
TIMEOUT = 0.5

# Faults that make the cloud unusable while they last (endpoint: every one).
# The first ones fail the connection (an outage, logged once for all share
# lists); the others are answers the client cannot use, refusals of each
# device's share list (logged once per device).
REFUSALS = {Fault.MALFORMED_JSON, Fault.BAD_ENVELOPE, Fault.UNKNOWN_CODE}
OUTAGES = [
    Fault.HTTP_500,
    Fault.HTTP_502,
    Fault.HTTP_503,
    Fault.HTML_ERROR_PAGE,
    Fault.MALFORMED_JSON,
    Fault.BAD_ENVELOPE,
    Fault.UNKNOWN_CODE,
    Fault.DROP_CONNECTION,
    Fault.DROP_AFTER_EXECUTE,
    Fault.HANG,
]


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the integration's clients give up after half a second.

    Only for hangs: a loaded test machine may well take longer than that to
    answer an ordinary request.
    """
    monkeypatch.setattr(
        cloud,
        "QuectelClient",
        functools.partial(QuectelClient, request_timeout=TIMEOUT),
    )


@pytest.fixture(autouse=True)
def debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Capture our package's logs, debug included."""
    caplog.set_level(logging.DEBUG, logger=PACKAGE_LOGGER)


def assert_no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback, no unexpected error, no error outside the coordinators'."""
    for record in caplog.records:
        message = record.getMessage()
        assert "Traceback" not in message
        assert "Unexpected error" not in message
        assert "Task exception" not in message
        if record.levelno >= logging.ERROR:
            assert record.name == PACKAGE_LOGGER, (record.name, message)
            assert record.exc_info is None, message
            assert message.startswith(EXPECTED_ERRORS), message


def error_logs(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    """The coordinator ``name``'s error records."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and f"{DOMAIN} {name} data" in r.getMessage()
    ]


def recovery_logs(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    """The coordinator ``name``'s recovery records."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.getMessage() == f"Fetching {DOMAIN} {name} data recovered"
    ]


async def tick(hass: HomeAssistant, delta: timedelta = SHARE_SCAN_INTERVAL) -> None:
    """Let ``delta`` (and a bit) pass, so that every timer due fires.

    Only Home Assistant's timers move: enough for setup retries. Polls judge
    what is due by the clock, see `poll`.
    """
    async_fire_time_changed(hass, dt_util.utcnow() + delta + timedelta(seconds=5))
    await hass.async_block_till_done(wait_background_tasks=True)


async def poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    delta: timedelta = DEVICE_SCAN_INTERVAL,
) -> None:
    """Move the clock by ``delta`` (and a bit): the device list and every
    device's share list are due within `DEVICE_SCAN_INTERVAL`."""
    await advance(hass, freezer, delta + timedelta(seconds=5))


def share_outage_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The warnings that share lists cannot be read (an outage)."""
    return [
        r
        for r in caplog.records
        if r.getMessage().startswith("Cannot read share lists")
    ]


def share_outage_end_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The notes that share lists can be read again after an outage."""
    return [
        r for r in caplog.records if "answers share-list reads again" in r.getMessage()
    ]


def refused_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings that the cloud refused a device's share list."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("The cloud refused the share list of")
    ]


def refusal_end_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The notes that a device's share list can be read again."""
    return [
        r.getMessage() for r in caplog.records if "can be read again" in r.getMessage()
    ]


def device_id(hass: HomeAssistant, dk: str, pk: str = "pTest") -> str:
    """The registry id of a simulated device."""
    device = cloud_device(hass, pk, dk)
    assert device is not None
    return device.id


def sensor_ids(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The entity ids of the account's Shares sensors.

    The account's Cloud requests today sensor counts locally: it stays.
    """
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.domain == Platform.SENSOR and entity.translation_key == "shares"
    ]


def count(simulator: Simulator, endpoint: Endpoint) -> int:
    """Requests the simulator received for ``endpoint``."""
    return len(simulator.requests_to(endpoint.value))


def owner_shares(simulator: Simulator) -> list[Any]:
    """Every share the owner (U1) made, any status."""
    return [share for share in simulator.shares if share.owner_uid == "U1"]


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    """Reauthentication flows in progress for ``entry``."""
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def share(hass: HomeAssistant, **data: Any) -> Any:
    """Call share_device and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        "share_device",
        {"device_id": [device_id(hass, "DEV-1")], "uid": GUEST_UID, **data},
        blocking=True,
        return_response=True,
    )


# --- setup ------------------------------------------------------------------


@pytest.mark.parametrize("fault", OUTAGES)
async def test_fault_at_setup_retries_then_recovers(  # noqa: PLR0917
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    request: pytest.FixtureRequest,
) -> None:
    if fault is Fault.HANG:
        request.getfixturevalue("short_timeout")
    simulator.inject(fault)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass, config_entry) == []

    simulator.clear_faults()
    await tick(hass, timedelta(minutes=2))
    assert config_entry.state is ConfigEntryState.LOADED
    assert_no_unhandled_errors(caplog)


async def test_connection_refused_at_setup_retries_then_recovers(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = int(simulator.base_url.rsplit(":", 1)[1])
    await simulator.stop()
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY

    await simulator.start(port=port)
    await tick(hass, timedelta(minutes=2))
    assert config_entry.state is ConfigEntryState.LOADED
    assert_no_unhandled_errors(caplog)


async def test_wrong_password_at_setup_asks_for_reauth_and_never_retries(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.EMAIL_LOGIN.value, code=5586)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, config_entry)) == 1

    for _ in range(3):
        await tick(hass, timedelta(hours=1))
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert_no_unhandled_errors(caplog)


@pytest.mark.parametrize("lockout", [(5147, "is frozen"), (5325, "blocked access")])
async def test_lockout_at_setup_waits_without_asking_for_a_password(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    lockout: tuple[int, str],
) -> None:
    """The entry retries after the lockout, not before; no password form."""
    code, says = lockout
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.EMAIL_LOGIN.value, code=code)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    # The reason shown on the entry is the translated lockout message.
    assert config_entry.reason is not None
    assert says in config_entry.reason
    assert reauth_flows(hass, config_entry) == []

    # Home Assistant retries the setup; nothing is sent before the lockout ends.
    for _ in range(3):
        await tick(hass, timedelta(minutes=2))
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert reauth_flows(hass, config_entry) == []
    assert_no_unhandled_errors(caplog)


async def test_wrong_password_at_setup_asks_for_reauth(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    simulator.set_password("U1", "changed-elsewhere")
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, config_entry)) == 1
    await tick(hass, timedelta(hours=1))
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert simulator.user("U1").failed_logins == 1


# --- polling ----------------------------------------------------------------


@pytest.mark.freeze_time(tick=True)  # a running clock: hangs must time out
@pytest.mark.parametrize("fault", OUTAGES)
async def test_outage_while_running_marks_unavailable_then_recovers(  # noqa: PLR0917
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    request: pytest.FixtureRequest,
    freezer: FrozenDateTimeFactory,
) -> None:
    if fault is Fault.HANG:
        request.getfixturevalue("short_timeout")
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    init_integration = config_entry
    runtime = init_integration.runtime_data
    sensors = sensor_ids(hass, init_integration)
    assert len(sensors) == 4
    assert all(hass.states.get(s).state != STATE_UNAVAILABLE for s in sensors)
    caplog.clear()

    simulator.inject(fault)
    for _ in range(3):
        await poll(hass, freezer)
    # The device list fails as a whole; share lists fail per device, the
    # share coordinator itself carries on.
    assert not runtime.devices.last_update_success
    assert runtime.shares.last_update_success
    assert set(runtime.shares.failed) == set(runtime.devices.data)
    assert all(hass.states.get(s).state == STATE_UNAVAILABLE for s in sensors)
    # Logged once, however long the outage lasts: the device list once, and
    # the share lists once (a connection outage) or once per device (refused).
    assert len(error_logs(caplog, "devices")) == 1
    assert error_logs(caplog, "shares") == []
    if fault in REFUSALS:
        assert share_outage_logs(caplog) == []
        assert len(refused_logs(caplog)) == len(set(refused_logs(caplog))) == 4
    else:
        assert len(share_outage_logs(caplog)) == 1
        assert refused_logs(caplog) == []
    assert recovery_logs(caplog, "devices") == []
    assert init_integration.state is ConfigEntryState.LOADED

    simulator.clear_faults()
    await poll(hass, freezer)
    assert runtime.devices.last_update_success
    assert runtime.shares.last_update_success
    assert runtime.shares.failed == {}
    assert all(hass.states.get(s).state != STATE_UNAVAILABLE for s in sensors)
    assert len(recovery_logs(caplog, "devices")) == 1
    if fault in REFUSALS:
        assert share_outage_end_logs(caplog) == []
        assert len(refusal_end_logs(caplog)) == len(set(refusal_end_logs(caplog))) == 4
    else:
        assert len(share_outage_end_logs(caplog)) == 1
        assert refusal_end_logs(caplog) == []
    assert len(error_logs(caplog, "devices")) == 1
    assert reauth_flows(hass, init_integration) == []
    assert_no_unhandled_errors(caplog)


async def test_connection_refused_while_running_then_recovers(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    runtime = init_integration.runtime_data
    sensors = sensor_ids(hass, init_integration)
    port = int(simulator.base_url.rsplit(":", 1)[1])
    await simulator.stop()
    await poll(hass, freezer)
    await poll(hass, freezer)
    assert not runtime.devices.last_update_success
    assert len(error_logs(caplog, "devices")) == 1
    assert len(share_outage_logs(caplog)) == 1
    assert all(hass.states.get(s).state == STATE_UNAVAILABLE for s in sensors)

    await simulator.start(port=port)
    await poll(hass, freezer)
    assert runtime.devices.last_update_success
    assert len(recovery_logs(caplog, "devices")) == 1
    assert len(share_outage_end_logs(caplog)) == 1
    assert all(hass.states.get(s).state != STATE_UNAVAILABLE for s in sensors)
    assert_no_unhandled_errors(caplog)


@pytest.mark.parametrize(
    "break_tokens",
    [
        pytest.param(
            lambda sim: sim.inject(Fault.TOKEN_REVOKED, times=1), id="token_revoked"
        ),
        pytest.param(
            lambda sim: (sim.expire_access_tokens(), sim.expire_refresh_tokens()),
            id="refresh_token_expired",
        ),
        pytest.param(lambda sim: sim.revoke_tokens(), id="tokens_revoked"),
    ],
)
async def test_lost_tokens_are_replaced_without_an_outage(  # noqa: PLR0917
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    break_tokens: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    runtime = init_integration.runtime_data
    old_tokens = init_integration.data[CONF_TOKENS]
    simulator.clear_requests()
    break_tokens(simulator)
    await poll(hass, freezer)
    # Every share list was read with the new tokens (the clock stands still).
    assert runtime.shares.read_at == dict.fromkeys(
        runtime.devices.data, dt_util.utcnow()
    )
    assert runtime.devices.last_update_success
    assert runtime.shares.last_update_success
    assert runtime.shares.failed == {}
    # The password still works: one login, and the new tokens are stored.
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert init_integration.data[CONF_TOKENS] != old_tokens
    assert init_integration.data[CONF_TOKENS] == runtime.client.tokens.as_dict()
    assert error_logs(caplog, "devices") == []
    assert_no_unhandled_errors(caplog)


@pytest.mark.parametrize("code", [5147, 5325])
async def test_lockout_while_running_waits_without_asking_for_a_password(  # noqa: PLR0917
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    code: int,
    freezer: FrozenDateTimeFactory,
) -> None:
    simulator.revoke_tokens()
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.EMAIL_LOGIN.value, code=code)
    simulator.clear_requests()
    await poll(hass, freezer)
    assert reauth_flows(hass, init_integration) == []
    assert init_integration.state is ConfigEntryState.LOADED
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    # An action during the lockout is refused at once, without a login.
    with pytest.raises(ServiceValidationError) as info:
        await share(hass)
    assert info.value.translation_key in ("account_frozen", "account_blocked")
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert_no_unhandled_errors(caplog)


async def test_changed_password_logs_in_once_then_asks_for_reauth(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.set_password("U1", "changed-in-the-app")
    simulator.revoke_tokens()
    simulator.clear_requests()
    for _ in range(3):
        await tick(hass)
        with pytest.raises(HomeAssistantError) as info:
            await share(hass)
        assert info.value.translation_key == "invalid_auth"
        await init_integration.runtime_data.devices.async_refresh()
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert simulator.user("U1").failed_logins == 1
    assert len(reauth_flows(hass, init_integration)) == 1
    assert owner_shares(simulator) == []
    assert_no_unhandled_errors(caplog)

    # The user gives the new password: the account works again.
    flow = reauth_flows(hass, init_integration)[0]
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: "changed-in-the-app"}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    assert init_integration.state is ConfigEntryState.LOADED
    await share(hass)
    assert len(owner_shares(simulator)) == 1


# --- actions: errors are translated ----------------------------------------


# A lost answer (a 5xx, a gateway page, a timeout) is checked by reading the
# share list once: the change was not made. An unusable answer is not lost.
@pytest.mark.parametrize(
    ("fault", "key", "list_reads"),
    [
        (Fault.HTTP_500, "not_done", 2),
        (Fault.HTTP_503, "not_done", 2),
        (Fault.HTML_ERROR_PAGE, "not_done", 2),
        (Fault.MALFORMED_JSON, "malformed_response", 1),
        (Fault.BAD_ENVELOPE, "malformed_response", 1),
        (Fault.UNKNOWN_CODE, "unknown_error_code", 1),
        (Fault.HANG, "not_done", 2),
    ],
)
@pytest.mark.usefixtures("short_timeout")
async def test_action_faults_are_translated(  # noqa: PLR0917
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    key: str,
    list_reads: int,
) -> None:
    simulator.inject(
        fault, endpoint=Endpoint.SHARE_BY_UID.value, times=1, hang_seconds=5
    )
    simulator.clear_requests()
    with pytest.raises(HomeAssistantError) as info:
        await share(hass)
    assert info.value.translation_domain == DOMAIN
    assert info.value.translation_key == key
    assert count(simulator, Endpoint.SHARE_BY_UID) == 1
    # replace mode reads the list first; a lost answer is checked once more.
    assert count(simulator, Endpoint.SHARE_USER_LIST) == list_reads
    # The cloud is back: the same call works.
    await share(hass)
    assert len(simulator.active_shares("pTest", "DEV-1")) == 1
    assert_no_unhandled_errors(caplog)


# --- nothing lost, nothing duplicated -----------------------------------------


@pytest.mark.parametrize(
    ("fault", "created"),
    [
        (Fault.DROP_AFTER_EXECUTE, 1),
        (Fault.DROP_CONNECTION, 0),
        (Fault.HTTP_502, 0),
        (Fault.HTTP_500, 0),
    ],
)
async def test_ambiguous_add_is_verified_not_retried(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    fault: Fault,
    created: int,
) -> None:
    """A lost answer to an add: one share-list read tells done or not done."""
    simulator.inject(fault, endpoint=Endpoint.SHARE_BY_UID.value, times=1)
    simulator.clear_requests()
    if created:
        response = await share(hass, mode="add")
        [made] = owner_shares(simulator)
        assert response["shares"][0]["share_code"] == made.share_code
    else:
        with pytest.raises(HomeAssistantError) as info:
            await share(hass, mode="add")
        assert info.value.translation_key == "not_done"
    # Never sent twice; add mode reads the list only to check.
    assert count(simulator, Endpoint.SHARE_BY_UID) == 1
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 1
    assert len(owner_shares(simulator)) == created


@pytest.mark.parametrize("fault", [Fault.DROP_AFTER_EXECUTE, Fault.DROP_CONNECTION])
async def test_ambiguous_add_that_cannot_be_checked_is_reported_not_retried(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    fault: Fault,
) -> None:
    """The answer is lost and the share list cannot be read: outcome unknown."""
    simulator.inject(fault, endpoint=Endpoint.SHARE_BY_UID.value, times=1)
    simulator.inject(Fault.HTTP_502, endpoint=Endpoint.SHARE_USER_LIST.value, times=1)
    simulator.clear_requests()
    with pytest.raises(HomeAssistantError) as info:
        await share(hass, mode="add")
    assert info.value.translation_key == "outcome_unknown"
    assert "list_shares" in str(info.value)
    assert count(simulator, Endpoint.SHARE_BY_UID) == 1
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 1
    assert len(owner_shares(simulator)) == (fault is Fault.DROP_AFTER_EXECUTE)


@pytest.mark.usefixtures("short_timeout")
async def test_add_that_times_out_is_checked_not_retried(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    """Timed out: the list read right after does not show it yet: not done.

    The cloud carries the hung request out later: once, never twice.
    """
    simulator.inject(
        Fault.HANG, endpoint=Endpoint.SHARE_BY_UID.value, times=1, hang_seconds=2.0
    )
    simulator.clear_requests()
    with pytest.raises(HomeAssistantError) as info:
        await share(hass, mode="add")
    assert info.value.translation_key == "not_done"
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 1
    # The cloud carries the request out after the client gave up: once.
    for _ in range(200):
        if owner_shares(simulator):
            break
        await asyncio.sleep(0.05)
    assert len(owner_shares(simulator)) == 1
    assert count(simulator, Endpoint.SHARE_BY_UID) == 1


SOONER = "2098-01-01T00:00:00+00:00"
LATER = "2099-01-01T00:00:00+00:00"


@pytest.mark.parametrize("mode", ["replace", "extend"])
async def test_safe_share_is_retried_once_on_a_dropped_connection(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
    mode: str,
) -> None:
    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_BY_UID.value, times=1
    )
    response = await share(hass, mode=mode, expires_at=SOONER)
    assert count(simulator, Endpoint.SHARE_BY_UID) == 2
    codes = [s.share_code for s in simulator.active_shares("pTest", "DEV-1")]
    assert codes == [response["shares"][0]["share_code"]]

    # Dropped twice: not sent a third time; the list read after shows the
    # longer share was not made.
    simulator.clear_requests()
    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_BY_UID.value, times=2
    )
    with pytest.raises(HomeAssistantError) as info:
        await share(hass, mode=mode, expires_at=LATER)
    assert info.value.translation_key == "not_done"
    assert count(simulator, Endpoint.SHARE_BY_UID) == 2
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 2
    codes = [s.share_code for s in simulator.active_shares("pTest", "DEV-1")]
    assert codes == [response["shares"][0]["share_code"]]


async def test_share_management_is_retried_once_on_a_dropped_connection(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    response = await share(hass)
    code = response["shares"][0]["share_code"]
    later = (dt_util.utcnow() + timedelta(days=30)).isoformat()

    # A read fails; a change whose answer was lost is checked in the list.
    calls: list[tuple[str, dict[str, Any], Endpoint, str]] = [
        (
            "list_shares",
            {"device_id": [device_id(hass, "DEV-1")]},
            Endpoint.SHARE_USER_LIST,
            "cannot_connect",
        ),
        (
            "set_share_expiry",
            {"share_code": code, "expires_at": later},
            Endpoint.SET_SHARE_TIME,
            "not_done",
        ),
        ("unshare_device", {"share_code": code}, Endpoint.OWNER_UNSHARE, "not_done"),
    ]
    for service, data, endpoint, key in calls:
        simulator.clear_requests()
        simulator.inject(Fault.DROP_CONNECTION, endpoint=endpoint.value, times=2)
        with pytest.raises(HomeAssistantError) as info:
            await hass.services.async_call(
                DOMAIN, service, data, blocking=True, return_response=True
            )
        assert info.value.translation_key == key, service
        assert count(simulator, endpoint) == 2, service
        if endpoint is not Endpoint.SHARE_USER_LIST:
            assert count(simulator, Endpoint.SHARE_USER_LIST) == 1, service

        simulator.clear_requests()
        simulator.inject(Fault.DROP_CONNECTION, endpoint=endpoint.value, times=1)
        await hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=True
        )
        assert count(simulator, endpoint) == 2, service
    assert simulator.active_shares("pTest", "DEV-1") == []


async def test_partial_failure_names_each_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    targets = [device_id(hass, dk) for dk in ("DEV-1", "DEV-U")]
    targets.append(device_id(hass, "DEV-3", "pTest2"))
    with pytest.raises(HomeAssistantError) as info:
        await hass.services.async_call(
            DOMAIN,
            "share_device",
            {"device_id": targets, "uid": GUEST_UID},
            blocking=True,
            return_response=True,
        )
    err = info.value
    assert err.translation_key == "partial_failure"
    placeholders = err.translation_placeholders
    assert placeholders["failed_count"] == "1"
    assert placeholders["total"] == "3"
    # Devices by their names, not by internal keys.
    assert placeholders["failed"].startswith("Unverified device: ")
    assert "not verified" in placeholders["failed"]
    assert placeholders["succeeded"] == "Device 1, Device 3"
    assert "pTest" not in placeholders["failed"] + placeholders["succeeded"]
    shared = sorted((s.pk, s.dk) for s in owner_shares(simulator))
    assert shared == [("pTest", "DEV-1"), ("pTest2", "DEV-3")]


async def test_tokens_refreshed_during_a_failed_call_are_kept(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Simulator,
) -> None:
    old = init_integration.data[CONF_TOKENS]
    simulator.expire_access_tokens()
    simulator.clear_requests()
    with pytest.raises(HomeAssistantError) as info:
        await hass.services.async_call(
            DOMAIN,
            "share_device",
            {"device_id": [device_id(hass, "DEV-U")], "uid": GUEST_UID},
            blocking=True,
        )
    assert info.value.translation_key == "device_unverified"
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    stored = init_integration.data[CONF_TOKENS]
    assert stored != old
    assert stored == init_integration.runtime_data.client.tokens.as_dict()
    # A restart reuses them: no new login.
    simulator.clear_requests()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 0
