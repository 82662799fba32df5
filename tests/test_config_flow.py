"""The config flow: adding, reauthenticating and reconfiguring an account.

Every flow runs against the simulator over real HTTP; cloud error codes come
from real wrong input where the simulator produces them, else are injected.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from yarl import URL

from custom_components.quectel_iot.api import DataCenter, Endpoint, QuectelClient
from custom_components.quectel_iot.const import (
    CONF_BASE_URL,
    CONF_DATA_CENTER,
    CONF_EMAIL,
    CONF_INTERNATIONAL_CODE,
    CONF_PASSWORD,
    CONF_PHONE,
    CONF_TOKENS,
    CONF_USER_DOMAIN,
    CONF_USER_DOMAIN_SECRET,
    DOMAIN,
    DataCenterOption,
)
from simulator import Fault, Simulator

from .conftest import (
    GUEST_EMAIL,
    GUEST_PASSWORD,
    OWNER_EMAIL,
    OWNER_INTERNATIONAL_CODE,
    OWNER_PASSWORD,
    OWNER_PHONE,
    OWNER_UID,
)

TRANSLATIONS = Path(__file__).parents[1] / "custom_components/quectel_iot/translations"
STRINGS: dict[str, Any] = json.loads((TRANSLATIONS / "en.json").read_text())["config"]

# How Home Assistant turns a form's schema into JSON for the frontend:
# voluptuous-serialize up to 2025, probatio since 2026.
try:
    from voluptuous_serialize import convert as to_field_list
except ImportError:
    from probatio import to_field_list


# --- helpers -----------------------------------------------------------------


def assert_translated(result: FlowResult) -> None:
    """Check every text the result shows exists in en.json and renders."""
    placeholders = result.get("description_placeholders") or {}
    if result["type"] is FlowResultType.ABORT:
        STRINGS["abort"][result["reason"]].format(**placeholders)
        return
    step = STRINGS["step"][result["step_id"]]
    step["title"].format(**placeholders)
    step["description"].format(**placeholders)
    if (schema := result["data_schema"]) is not None:
        for key in schema.schema:
            assert str(key) in step["data"], f"{key} has no label"
            assert str(key) in step["data_description"], f"{key} has no description"
    for field, error in (result["errors"] or {}).items():
        if field != "base":
            assert schema is not None
            assert field in {str(key) for key in schema.schema}, f"{field} hidden"
        STRINGS["error"][error].format(**placeholders)


def assert_form(
    result: FlowResult, step_id: str, errors: dict[str, str] | None = None
) -> None:
    """Check the result is the form ``step_id`` with exactly ``errors``."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == step_id
    assert (result["errors"] or {}) == (errors or {})
    assert_translated(result)


def sent_to_browser(result: FlowResult) -> str:
    """The form's schema as Home Assistant serializes it for the frontend."""
    return json.dumps(
        to_field_list(result["data_schema"], custom_serializer=cv.custom_serializer),
        default=str,
    )


def assert_no_secret_sent(result: FlowResult, *secrets: str) -> None:
    """Neither secret is in the form: not as a suggested value, not anywhere."""
    for key in result["data_schema"].schema:
        description = key.description or {}
        if str(key) in (CONF_PASSWORD, CONF_USER_DOMAIN_SECRET):
            assert "suggested_value" not in description, key
        for secret in secrets:
            assert secret not in json.dumps(description, default=str), key
    text = sent_to_browser(result)
    for secret in secrets:
        assert secret not in text


def form_fields(result: FlowResult) -> list[str]:
    """The names of the form's fields, in order."""
    return [str(key) for key in result["data_schema"].schema]


def owner_input(simulator: Simulator, **changes: Any) -> dict[str, Any]:
    """The user step's input for the scenario's owner; None drops a field."""
    data: dict[str, Any] = {
        CONF_DATA_CENTER: DataCenterOption.CUSTOM,
        CONF_BASE_URL: simulator.base_url,
        CONF_USER_DOMAIN: simulator.user_domain,
        CONF_USER_DOMAIN_SECRET: simulator.user_domain_secret,
        CONF_EMAIL: OWNER_EMAIL,
        CONF_PASSWORD: OWNER_PASSWORD,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


async def start_user_flow(hass: HomeAssistant) -> FlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert_form(result, "user")
    return result


async def configure(
    hass: HomeAssistant, result: FlowResult, user_input: dict[str, Any] | None = None
) -> FlowResult:
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def confirm_insecure_url(
    hass: HomeAssistant, result: FlowResult, simulator: Simulator
) -> FlowResult:
    """Pass the plain-HTTP warning and return the created entry's result."""
    assert_form(result, "insecure_url")
    assert result["description_placeholders"] == {"url": simulator.base_url}
    result = await configure(hass, result, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result


def assert_owner_entry(result: FlowResult, simulator: Simulator) -> MockConfigEntry:
    """Check the created entry holds the owner's account, secret and tokens."""
    entry = result["result"]
    assert entry.unique_id == OWNER_UID
    assert entry.data[CONF_PASSWORD] == OWNER_PASSWORD
    assert entry.data[CONF_USER_DOMAIN_SECRET] == simulator.user_domain_secret
    assert entry.data[CONF_USER_DOMAIN] == simulator.user_domain
    assert set(entry.data[CONF_TOKENS]) == {
        "access_token",
        "access_token_expires_at",
        "refresh_token",
        "refresh_token_expires_at",
    }
    return entry


# --- user step ---------------------------------------------------------------


async def test_user_form_fields(hass: HomeAssistant) -> None:
    """The form asks for the data center, URL, user domain, secret and account."""
    result = await start_user_flow(hass)
    assert form_fields(result) == [
        CONF_DATA_CENTER,
        CONF_BASE_URL,
        CONF_USER_DOMAIN,
        CONF_USER_DOMAIN_SECRET,
        CONF_EMAIL,
        CONF_PHONE,
        CONF_INTERNATIONAL_CODE,
        CONF_PASSWORD,
    ]
    assert set(STRINGS["error"]) >= {
        "invalid_auth",
        "invalid_auth_attempts",
        "account_frozen",
        "account_blocked",
        "user_domain_invalid",
        "user_domain_unknown",
        "user_domain_disabled",
        "signature_invalid",
        "cannot_connect",
        "invalid_url",
        "account_missing",
        "unknown",
    }


async def test_translations_load(hass: HomeAssistant) -> None:
    """Home Assistant reads our config strings (the JSON file is valid for it)."""
    strings = await async_get_translations(hass, "en", "config", {DOMAIN})
    prefix = f"component.{DOMAIN}.config"
    assert strings[f"{prefix}.error.invalid_auth_attempts"].format(attempts=2) == (
        "Wrong email, phone number or password. 2 attempts left before the "
        "account is frozen for 20 minutes."
    )
    assert f"{prefix}.step.user.data_description.user_domain_secret" in strings
    selector = await async_get_translations(hass, "en", "selector", {DOMAIN})
    for option in DataCenterOption:
        assert f"component.{DOMAIN}.selector.data_center.options.{option}" in selector


async def test_user_email_on_simulator(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Email login over plain HTTP: warning step, then the entry is set up."""
    result = await start_user_flow(hass)
    # A trailing slash and spaces are cleaned away.
    result = await configure(
        hass,
        result,
        owner_input(simulator, **{CONF_BASE_URL: f" {simulator.base_url}/ "}),
    )
    result = await confirm_insecure_url(hass, result, simulator)
    # Every user sees entry titles: the address is masked.
    assert result["title"] == "o***@example.test"
    entry = assert_owner_entry(result, simulator)
    assert entry.data[CONF_BASE_URL] == simulator.base_url
    assert entry.data[CONF_DATA_CENTER] == DataCenterOption.CUSTOM
    assert CONF_PHONE not in entry.data
    assert CONF_INTERNATIONAL_CODE not in entry.data
    # It logged in and read the user before creating the entry.
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN)) == 1
    assert simulator.requests_to(Endpoint.USER_INFO)
    assert entry.state is ConfigEntryState.LOADED
    # The stored tokens are the ones the simulator issued at that login.
    tokens = entry.data[CONF_TOKENS]
    user_info = simulator.requests_to(Endpoint.USER_INFO)[0]
    assert user_info.headers["Authorization"] == tokens["access_token"]
    assert simulator.token(tokens["refresh_token"]).uid == OWNER_UID


async def test_user_phone_on_simulator(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Phone login; a leading + of the international code is dropped."""
    result = await start_user_flow(hass)
    result = await configure(
        hass,
        result,
        owner_input(
            simulator,
            **{
                CONF_EMAIL: None,
                CONF_PHONE: OWNER_PHONE,
                CONF_INTERNATIONAL_CODE: "+1",
            },
        ),
    )
    result = await confirm_insecure_url(hass, result, simulator)
    assert result["title"] == "***0001"
    entry = assert_owner_entry(result, simulator)
    assert entry.data[CONF_PHONE] == OWNER_PHONE
    assert entry.data[CONF_INTERNATIONAL_CODE] == OWNER_INTERNATIONAL_CODE
    assert CONF_EMAIL not in entry.data
    assert len(simulator.requests_to(Endpoint.PHONE_LOGIN)) == 1
    assert not simulator.requests_to(Endpoint.EMAIL_LOGIN)


async def test_user_already_configured(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """The same cloud account (uid), even by phone, cannot be added twice."""
    result = await start_user_flow(hass)
    result = await configure(
        hass,
        result,
        owner_input(
            simulator,
            **{CONF_EMAIL: None, CONF_PHONE: OWNER_PHONE, CONF_INTERNATIONAL_CODE: "1"},
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert_translated(result)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.parametrize(
    ("option", "url"),
    [
        (DataCenterOption.CHINA, DataCenter.CHINA),
        (DataCenterOption.EUROPE, DataCenter.EUROPE),
        (DataCenterOption.NORTH_AMERICA, DataCenter.NORTH_AMERICA),
    ],
)
async def test_user_built_in_data_center(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    option: DataCenterOption,
    url: str,
) -> None:
    """A built-in data center is HTTPS: no warning, and no URL is stored."""
    tokens = {
        "accessToken": {"token": "Bearer access", "expirationTime": 4102444800},
        "refreshToken": {"token": "refresh", "expirationTime": 4102444800},
    }
    aioclient_mock.post(
        url + Endpoint.EMAIL_LOGIN, json={"code": 200, "msg": "", "data": tokens}
    )
    aioclient_mock.get(
        url + Endpoint.USER_INFO,
        json={"code": 200, "msg": "", "data": {"uid": "U-cloud", "email": "a@b.cd"}},
    )
    result = await start_user_flow(hass)
    with patch(
        "custom_components.quectel_iot.async_setup_entry", return_value=True
    ) as setup_entry:
        result = await configure(
            hass,
            result,
            {
                CONF_DATA_CENTER: option,
                # Ignored: only the custom data center uses it.
                CONF_BASE_URL: "https://ignored.example",
                CONF_USER_DOMAIN: "C.DM.1000.1",
                CONF_USER_DOMAIN_SECRET: "secret",
                CONF_EMAIL: "a@b.cd",
                CONF_PASSWORD: "pass-word",
            },
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert len(setup_entry.mock_calls) == 1
    assert result["result"].unique_id == "U-cloud"
    assert result["data"][CONF_DATA_CENTER] == option
    assert CONF_BASE_URL not in result["data"]
    assert result["data"][CONF_TOKENS]["access_token"] == "Bearer access"
    login_call = aioclient_mock.mock_calls[0]
    assert login_call[0] == "POST"
    assert URL(str(login_call[1])).origin() == URL(url)


# --- user step errors, each followed by a successful retry ---------------------


async def recover(
    hass: HomeAssistant, result: FlowResult, simulator: Simulator
) -> None:
    """Submit the owner's right input: the entry is created."""
    result = await configure(hass, result, owner_input(simulator))
    result = await confirm_insecure_url(hass, result, simulator)
    assert_owner_entry(result, simulator)


async def assert_error_then_recover(
    hass: HomeAssistant,
    simulator: Simulator,
    user_input: dict[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str] | None = None,
) -> FlowResult:
    result = await start_user_flow(hass)
    result = await configure(hass, result, user_input)
    assert_form(result, "user", errors)
    assert (result["description_placeholders"] or {}) == (placeholders or {})
    # The form keeps what was typed, so the user only fixes the wrong field.
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    for key in (CONF_USER_DOMAIN, CONF_EMAIL, CONF_PHONE):
        if key in user_input:
            assert suggested[key] == user_input[key]
    # ... but never the password or the user domain secret.
    assert_no_secret_sent(
        result, user_input[CONF_PASSWORD], user_input[CONF_USER_DOMAIN_SECRET]
    )
    await recover(hass, result, simulator)
    return result


async def test_wrong_password_counts_down(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A real wrong password: the error says how many attempts are left."""
    result = await start_user_flow(hass)
    for attempts in ("4", "3"):
        result = await configure(
            hass, result, owner_input(simulator, **{CONF_PASSWORD: "wrong-pass"})
        )
        assert_form(result, "user", {CONF_PASSWORD: "invalid_auth_attempts"})
        assert result["description_placeholders"] == {"attempts": attempts}
        assert attempts in STRINGS["error"]["invalid_auth_attempts"].format(
            **result["description_placeholders"]
        )
    await recover(hass, result, simulator)


@pytest.mark.parametrize(
    ("code", "attempts"), [(5586, "4"), (5585, "3"), (5584, "2"), (5583, "1")]
)
async def test_wrong_password_email_codes(
    hass: HomeAssistant, simulator: Simulator, code: int, attempts: str
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=code, endpoint=Endpoint.EMAIL_LOGIN, times=1
    )
    await assert_error_then_recover(
        hass,
        simulator,
        owner_input(simulator),
        {CONF_PASSWORD: "invalid_auth_attempts"},
        {"attempts": attempts},
    )


@pytest.mark.parametrize(
    ("code", "attempts"), [(5582, "4"), (5581, "3"), (5580, "2"), (5579, "1")]
)
async def test_wrong_password_phone_codes(
    hass: HomeAssistant, simulator: Simulator, code: int, attempts: str
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=code, endpoint=Endpoint.PHONE_LOGIN, times=1
    )
    phone = {CONF_EMAIL: None, CONF_PHONE: OWNER_PHONE, CONF_INTERNATIONAL_CODE: "1"}
    await assert_error_then_recover(
        hass,
        simulator,
        owner_input(simulator, **phone),
        {CONF_PASSWORD: "invalid_auth_attempts"},
        {"attempts": attempts},
    )


async def test_frozen_after_five_wrong_passwords(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The fifth wrong password freezes the account (5147); it thaws later."""
    result = await start_user_flow(hass)
    for _ in range(4):
        result = await configure(
            hass, result, owner_input(simulator, **{CONF_PASSWORD: "wrong-pass"})
        )
    result = await configure(
        hass, result, owner_input(simulator, **{CONF_PASSWORD: "wrong-pass"})
    )
    assert_form(result, "user", {"base": "account_frozen"})
    # Frozen even with the right password.
    result = await configure(hass, result, owner_input(simulator))
    assert_form(result, "user", {"base": "account_frozen"})
    simulator.advance_clock(simulator.freeze_seconds + 1)
    await recover(hass, result, simulator)


@pytest.mark.parametrize(
    ("code", "errors"),
    [
        (5028, {CONF_PASSWORD: "invalid_auth"}),
        (5056, {CONF_PASSWORD: "invalid_auth"}),
        (5147, {"base": "account_frozen"}),
        (5325, {"base": "account_blocked"}),
        (5013, {CONF_USER_DOMAIN: "user_domain_invalid"}),
        (5015, {CONF_USER_DOMAIN: "user_domain_unknown"}),
        (5104, {CONF_USER_DOMAIN: "user_domain_disabled"}),
        (5023, {CONF_USER_DOMAIN: "user_domain_unknown"}),
        (6084, {CONF_USER_DOMAIN: "user_domain_unknown"}),
        (5420, {CONF_USER_DOMAIN_SECRET: "signature_invalid"}),
        (5550, {CONF_USER_DOMAIN_SECRET: "signature_invalid"}),
        (5031, {CONF_EMAIL: "account_not_registered"}),
        (5032, {"base": "unknown"}),
    ],
)
async def test_injected_login_errors(
    hass: HomeAssistant, simulator: Simulator, code: int, errors: dict[str, str]
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, code=code, endpoint=Endpoint.EMAIL_LOGIN, times=1
    )
    await assert_error_then_recover(hass, simulator, owner_input(simulator), errors)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_USER_DOMAIN: "not-a-domain"}, {CONF_USER_DOMAIN: "user_domain_invalid"}),
        ({CONF_USER_DOMAIN: "C.DM.9999.1"}, {CONF_USER_DOMAIN: "user_domain_unknown"}),
        ({CONF_USER_DOMAIN: "C.DM.1000.2"}, {CONF_USER_DOMAIN: "user_domain_disabled"}),
        (
            {CONF_USER_DOMAIN_SECRET: "wrong-secret"},
            {CONF_USER_DOMAIN_SECRET: "signature_invalid"},
        ),
        ({CONF_EMAIL: "nobody@example.test"}, {CONF_EMAIL: "account_not_registered"}),
        (
            {CONF_EMAIL: None, CONF_PHONE: "5559999", CONF_INTERNATIONAL_CODE: "1"},
            {CONF_PHONE: "account_not_registered"},
        ),
    ],
)
async def test_real_login_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Wrong input the simulator itself rejects, with its real error code."""
    await assert_error_then_recover(
        hass, simulator, owner_input(simulator, **changes), errors
    )


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        # Neither email nor phone, or both.
        ({CONF_EMAIL: None}, {"base": "account_missing"}),
        ({CONF_EMAIL: "   "}, {"base": "account_missing"}),
        ({CONF_PHONE: OWNER_PHONE}, {"base": "account_missing"}),
        ({CONF_EMAIL: "not-an-email"}, {CONF_EMAIL: "invalid_email"}),
        (
            {CONF_EMAIL: None, CONF_PHONE: "12", CONF_INTERNATIONAL_CODE: "1"},
            {CONF_PHONE: "invalid_phone"},
        ),
        (
            {CONF_EMAIL: None, CONF_PHONE: OWNER_PHONE},
            {CONF_INTERNATIONAL_CODE: "international_code_missing"},
        ),
        # Digits of other scripts, and superscripts, are digits to str.isdigit.
        *(
            (
                {
                    CONF_EMAIL: None,
                    CONF_PHONE: OWNER_PHONE,
                    CONF_INTERNATIONAL_CODE: code,
                },
                {CONF_INTERNATIONAL_CODE: "invalid_international_code"},
            )
            for code in ("\u0664\u0664", "\u00b2", "\uff14\uff14", "12345")
        ),
        (
            {
                CONF_EMAIL: None,
                CONF_PHONE: "555\u200b0001",
                CONF_INTERNATIONAL_CODE: "1",
            },
            {CONF_PHONE: "invalid_phone"},
        ),
        ({CONF_EMAIL: "owner@exa\u202emple.test"}, {CONF_EMAIL: "invalid_email"}),
        ({CONF_EMAIL: "own\u200ber@example.test"}, {CONF_EMAIL: "invalid_email"}),
        ({CONF_EMAIL: "o" * 250 + "@example.test"}, {CONF_EMAIL: "invalid_email"}),
        ({CONF_USER_DOMAIN: "C.DM\u202e.1"}, {CONF_USER_DOMAIN: "user_domain_invalid"}),
        ({CONF_USER_DOMAIN: "C" * 65}, {CONF_USER_DOMAIN: "user_domain_invalid"}),
        (
            {CONF_USER_DOMAIN_SECRET: "sec\x00ret"},
            {CONF_USER_DOMAIN_SECRET: "invalid_secret"},
        ),
        (
            {CONF_USER_DOMAIN_SECRET: "s" * 129},
            {CONF_USER_DOMAIN_SECRET: "invalid_secret"},
        ),
        ({CONF_PASSWORD: "pass\r\nword"}, {CONF_PASSWORD: "invalid_password"}),
        ({CONF_PASSWORD: "p" * 129}, {CONF_PASSWORD: "invalid_password"}),
        (
            {CONF_BASE_URL: "http://127.0.0.1/" + "a" * 3000},
            {CONF_BASE_URL: "invalid_url"},
        ),
        # Custom URLs: unparsable, no host, another scheme, plain http to a
        # public host, or with a query.
        ({CONF_BASE_URL: None}, {CONF_BASE_URL: "invalid_url"}),
        ({CONF_BASE_URL: "not a url"}, {CONF_BASE_URL: "invalid_url"}),
        ({CONF_BASE_URL: "ftp://127.0.0.1"}, {CONF_BASE_URL: "invalid_url"}),
        ({CONF_BASE_URL: "http://example.com"}, {CONF_BASE_URL: "invalid_url"}),
        ({CONF_BASE_URL: "https://example.com/?a=1"}, {CONF_BASE_URL: "invalid_url"}),
        (
            {CONF_BASE_URL: "http://[::1", CONF_EMAIL: None},
            {CONF_BASE_URL: "invalid_url", "base": "account_missing"},
        ),
    ],
)
async def test_input_errors_without_cloud_request(
    hass: HomeAssistant,
    simulator: Simulator,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Input checked locally never reaches the cloud."""
    result = await start_user_flow(hass)
    user_input = owner_input(simulator, **changes)
    result = await configure(hass, result, user_input)
    assert_form(result, "user", errors)
    assert simulator.requests == []
    assert_no_secret_sent(
        result, user_input[CONF_PASSWORD], user_input[CONF_USER_DOMAIN_SECRET]
    )
    await recover(hass, result, simulator)


async def test_cannot_connect_simulator_stopped(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Connection refused: cannot_connect; once the cloud is back, it works."""
    port = URL(simulator.base_url).port
    await simulator.stop()
    result = await start_user_flow(hass)
    result = await configure(hass, result, owner_input(simulator))
    assert_form(result, "user", {"base": "cannot_connect"})
    await simulator.start(port=port)
    await recover(hass, result, simulator)


@pytest.mark.parametrize(
    ("fault", "endpoint"),
    [
        (Fault.HTTP_502, Endpoint.EMAIL_LOGIN),
        (Fault.HTML_ERROR_PAGE, Endpoint.EMAIL_LOGIN),
        (Fault.DROP_CONNECTION, Endpoint.EMAIL_LOGIN),
        (Fault.MALFORMED_JSON, Endpoint.EMAIL_LOGIN),
        (Fault.HTTP_503, Endpoint.USER_INFO),
    ],
)
async def test_cannot_connect_faults(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, endpoint: Endpoint
) -> None:
    """Gateway errors and a cut connection are connection errors."""
    # userInfo is retried once after a lost connection: make both fail.
    simulator.inject(fault, endpoint=endpoint, times=2)
    result = await start_user_flow(hass)
    result = await configure(hass, result, owner_input(simulator))
    assert_form(result, "user", {"base": "cannot_connect"})
    simulator.clear_faults()
    await recover(hass, result, simulator)


@pytest.mark.parametrize(
    ("fault", "endpoint", "code"),
    [
        (Fault.UNKNOWN_CODE, Endpoint.EMAIL_LOGIN, None),
        (Fault.ERROR_CODE, Endpoint.USER_INFO, 5033),
        (Fault.BAD_ENVELOPE, Endpoint.USER_INFO, None),
    ],
)
async def test_unknown_error_is_logged(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    *,
    fault: Fault,
    endpoint: Endpoint,
    code: int | None,
) -> None:
    """An unexpected cloud answer: `unknown`, logged with its traceback."""
    simulator.inject(fault, endpoint=endpoint, code=code, times=1)
    result = await start_user_flow(hass)
    with caplog.at_level(logging.ERROR):
        result = await configure(hass, result, owner_input(simulator))
    assert_form(result, "user", {"base": "unknown"})
    records = [
        record
        for record in caplog.records
        if "Unexpected error while signing in" in record.getMessage()
    ]
    assert len(records) == 1
    assert records[0].exc_info is not None
    await recover(hass, result, simulator)


# --- reauthentication ---------------------------------------------------------


async def test_reauth(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Only the password is asked; a wrong one errors, the new one reloads."""
    entry = init_integration
    old_runtime = entry.runtime_data
    old_tokens = entry.data[CONF_TOKENS]
    simulator.set_password(OWNER_EMAIL, "new-pass")

    result = await entry.start_reauth_flow(hass)
    assert_form(result, "reauth_confirm")
    assert form_fields(result) == [CONF_PASSWORD]
    assert result["description_placeholders"]["account"] == OWNER_EMAIL

    result = await configure(hass, result, {CONF_PASSWORD: OWNER_PASSWORD})
    assert_form(result, "reauth_confirm", {CONF_PASSWORD: "invalid_auth_attempts"})
    assert result["description_placeholders"]["account"] == OWNER_EMAIL
    assert result["description_placeholders"]["attempts"] == "4"

    result = await configure(hass, result, {CONF_PASSWORD: "new-pass"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert_translated(result)
    await hass.async_block_till_done()

    assert entry.data[CONF_PASSWORD] == "new-pass"
    assert entry.data[CONF_TOKENS] != old_tokens
    # The entry was reloaded: new runtime data, on the new password.
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old_runtime


async def test_reauth_after_setup_failed(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """The reauth flow a rejected password starts brings the entry back."""
    simulator.set_password(OWNER_EMAIL, "new-pass")
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"

    result = await configure(hass, flow, {CONF_PASSWORD: "new-pass"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def test_reauth_wrong_account(
    hass: HomeAssistant, simulator: Simulator, entry_data: dict[str, Any]
) -> None:
    """A password that logs in to another uid aborts with `wrong_account`."""
    # An entry of U1 whose stored email now belongs to the guest (U3).
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=OWNER_EMAIL,
        unique_id=OWNER_UID,
        data={**entry_data, CONF_EMAIL: GUEST_EMAIL},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await configure(hass, result, {CONF_PASSWORD: GUEST_PASSWORD})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert_translated(result)
    assert entry.data[CONF_PASSWORD] == OWNER_PASSWORD


@pytest.mark.parametrize(
    ("code", "errors"),
    [
        (5104, {"base": "user_domain_disabled"}),
        (5420, {"base": "signature_invalid"}),
        (5031, {"base": "account_not_registered"}),
        (5147, {"base": "account_frozen"}),
    ],
)
async def test_reauth_errors_on_hidden_fields_go_to_base(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    code: int,
    errors: dict[str, str],
) -> None:
    """The reauth form only has the password: other errors show at the top."""
    simulator.inject(
        Fault.ERROR_CODE, code=code, endpoint=Endpoint.EMAIL_LOGIN, times=1
    )
    result = await config_entry.start_reauth_flow(hass)
    result = await configure(hass, result, {CONF_PASSWORD: OWNER_PASSWORD})
    assert_form(result, "reauth_confirm", errors)
    result = await configure(hass, result, {CONF_PASSWORD: OWNER_PASSWORD})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()


# --- reconfiguration -----------------------------------------------------------


async def test_reconfigure_form(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Everything but the password; the stored values are suggested, not the secret."""
    result = await init_integration.start_reconfigure_flow(hass)
    assert_form(result, "reconfigure")
    assert form_fields(result) == [
        CONF_DATA_CENTER,
        CONF_BASE_URL,
        CONF_USER_DOMAIN,
        CONF_USER_DOMAIN_SECRET,
        CONF_EMAIL,
        CONF_PHONE,
        CONF_INTERNATIONAL_CODE,
    ]
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {
        CONF_DATA_CENTER: DataCenterOption.CUSTOM,
        CONF_BASE_URL: simulator.base_url,
        CONF_USER_DOMAIN: simulator.user_domain,
        CONF_EMAIL: OWNER_EMAIL,
    }


def reconfigure_input(simulator: Simulator, **changes: Any) -> dict[str, Any]:
    data = owner_input(simulator, **changes)
    data.pop(CONF_PASSWORD)
    return data


async def test_reconfigure_to_phone_keeps_secret(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Switch to the phone login; an empty secret keeps the stored one."""
    entry = init_integration
    old_runtime = entry.runtime_data
    result = await entry.start_reconfigure_flow(hass)
    result = await configure(
        hass,
        result,
        reconfigure_input(
            simulator,
            **{
                CONF_USER_DOMAIN_SECRET: None,
                CONF_EMAIL: None,
                CONF_PHONE: OWNER_PHONE,
                CONF_INTERNATIONAL_CODE: OWNER_INTERNATIONAL_CODE,
            },
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert_translated(result)
    await hass.async_block_till_done()

    assert entry.data[CONF_USER_DOMAIN_SECRET] == simulator.user_domain_secret
    assert entry.data[CONF_PASSWORD] == OWNER_PASSWORD
    assert entry.data[CONF_PHONE] == OWNER_PHONE
    assert entry.data[CONF_INTERNATIONAL_CODE] == OWNER_INTERNATIONAL_CODE
    assert CONF_EMAIL not in entry.data
    assert entry.title == "***0001"
    assert len(simulator.requests_to(Endpoint.PHONE_LOGIN)) == 1
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old_runtime


async def test_reconfigure_secret_and_url(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """A wrong new secret errors; then a new URL and the right secret are stored."""
    entry = init_integration
    result = await entry.start_reconfigure_flow(hass)
    result = await configure(
        hass,
        result,
        reconfigure_input(simulator, **{CONF_USER_DOMAIN_SECRET: "wrong-secret"}),
    )
    assert_form(result, "reconfigure", {CONF_USER_DOMAIN_SECRET: "signature_invalid"})

    # The simulator moves to another port: the new URL is stored.
    await simulator.stop()
    await simulator.start()
    result = await configure(
        hass,
        result,
        reconfigure_input(
            simulator, **{CONF_USER_DOMAIN_SECRET: simulator.user_domain_secret}
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_BASE_URL] == simulator.base_url
    assert entry.data[CONF_USER_DOMAIN_SECRET] == simulator.user_domain_secret
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_BASE_URL: "http://example.com"}, {CONF_BASE_URL: "invalid_url"}),
        ({CONF_EMAIL: None}, {"base": "account_missing"}),
        ({CONF_USER_DOMAIN: "C.DM.1000.2"}, {CONF_USER_DOMAIN: "user_domain_disabled"}),
        # The stored password is wrong for this account: shown at the top, as
        # the reconfigure form has no password field.
        ({CONF_EMAIL: "family@example.test"}, {"base": "invalid_auth_attempts"}),
    ],
)
async def test_reconfigure_errors(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await init_integration.start_reconfigure_flow(hass)
    result = await configure(hass, result, reconfigure_input(simulator, **changes))
    assert_form(result, "reconfigure", errors)
    result = await configure(hass, result, reconfigure_input(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_reconfigure_wrong_account(
    hass: HomeAssistant, simulator: Simulator, init_integration: MockConfigEntry
) -> None:
    """Another account (uid) with the same password aborts; nothing changes."""
    simulator.set_password(GUEST_EMAIL, OWNER_PASSWORD)
    result = await init_integration.start_reconfigure_flow(hass)
    result = await configure(
        hass, result, reconfigure_input(simulator, **{CONF_EMAIL: GUEST_EMAIL})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert init_integration.data[CONF_EMAIL] == OWNER_EMAIL
    assert init_integration.title == OWNER_EMAIL


# --- unexpected errors: a form with `unknown`, the traceback in the log ----------


def assert_unknown_logged(caplog: pytest.LogCaptureFixture, step: str) -> None:
    records = [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and f"Unexpected error in the {step} step" in record.getMessage()
    ]
    assert len(records) == 1
    assert records[0].exc_info is not None


@pytest.mark.parametrize(
    ("method", "error"),
    [("login", RuntimeError("boom")), ("user_info", TypeError("bad"))],
)
async def test_unexpected_error_in_user_step(
    hass: HomeAssistant,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    method: str,
    error: Exception,
) -> None:
    result = await start_user_flow(hass)
    with patch.object(QuectelClient, method, side_effect=error):
        result = await configure(hass, result, owner_input(simulator))
    assert_form(result, "user", {"base": "unknown"})
    assert_unknown_logged(caplog, "user")
    assert_no_secret_sent(result, OWNER_PASSWORD, simulator.user_domain_secret)
    await recover(hass, result, simulator)


async def test_unexpected_error_in_insecure_url_step(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    result = await start_user_flow(hass)
    result = await configure(hass, result, owner_input(simulator))
    assert_form(result, "insecure_url")
    with patch(
        "custom_components.quectel_iot.config_flow.mask_email",
        side_effect=RuntimeError("boom"),
    ):
        result = await configure(hass, result, {})
    assert_form(result, "insecure_url", {"base": "unknown"})
    assert_unknown_logged(caplog, "insecure_url")
    result = await configure(hass, result, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    assert_owner_entry(result, simulator)


async def test_unexpected_error_in_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = await config_entry.start_reauth_flow(hass)
    with patch.object(QuectelClient, "user_info", side_effect=TypeError("bad")):
        result = await configure(hass, result, {CONF_PASSWORD: OWNER_PASSWORD})
    assert_form(result, "reauth_confirm", {"base": "unknown"})
    assert_unknown_logged(caplog, "reauth_confirm")
    assert_no_secret_sent(result, OWNER_PASSWORD)

    simulator.clear_requests()
    result = await configure(hass, result, {CONF_PASSWORD: "bad\x00pass"})
    assert_form(result, "reauth_confirm", {CONF_PASSWORD: "invalid_password"})
    assert_no_secret_sent(result, "bad\x00pass")
    assert simulator.requests_to(Endpoint.EMAIL_LOGIN) == []

    result = await configure(hass, result, {CONF_PASSWORD: OWNER_PASSWORD})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()


async def test_unexpected_error_in_reconfigure(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Also: the secret typed in is not sent back, and the new title is masked."""
    result = await init_integration.start_reconfigure_flow(hass)
    typed = reconfigure_input(simulator)
    with patch.object(QuectelClient, "login", side_effect=RuntimeError("boom")):
        result = await configure(hass, result, typed)
    assert_form(result, "reconfigure", {"base": "unknown"})
    assert_unknown_logged(caplog, "reconfigure")
    assert_no_secret_sent(result, simulator.user_domain_secret, OWNER_PASSWORD)
    assert OWNER_EMAIL in sent_to_browser(result)

    result = await configure(hass, result, typed)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.title == "o***@example.test"
