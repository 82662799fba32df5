"""Config flow: add, reauthenticate and reconfigure a Quectel app account."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
import re
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    InvalidBaseUrlError,
    QuectelAccessDeniedError,
    QuectelAccountLockedError,
    QuectelConnectionError,
    QuectelError,
    QuectelInvalidCredentialsError,
    QuectelQuotaError,
    QuectelSignatureError,
    QuectelUserDomainError,
    User,
    check_base_url,
)
from .cloud import base_url_from_data, create_client
from .const import (
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
    LOGGER,
    DataCenterOption,
)
from .guest_flow import GuestSubentryFlow
from .guest_model import SUBENTRY_GUEST
from .options_flow import QuectelOptionsFlow
from .share_view import mask_email, mask_phone
from .validation import EMAIL_PATTERN, MAX_EMAIL_LENGTH, PHONE_PATTERN

# Cloud error keys that mean "no such account" rather than "wrong password".
_NOT_REGISTERED = {"email_not_registered", "phone_not_registered"}
_ACCOUNT_FIELDS = (CONF_EMAIL, CONF_PHONE, CONF_INTERNATIONAL_CODE)
# Never sent back to the browser, not even to refill a form after an error.
_SECRETS = (CONF_PASSWORD, CONF_USER_DOMAIN_SECRET)

# The form's fields: bounded, ASCII only (\Z: "$" would allow a final newline).
USER_DOMAIN_PATTERN = re.compile(r"[!-~]{1,64}\Z")
SECRET_PATTERN = re.compile(r"[!-~]{1,128}\Z")
PASSWORD_PATTERN = re.compile(r"[ -~]{1,128}\Z")
INTERNATIONAL_CODE_PATTERN = re.compile(r"[0-9]{1,4}\Z")
MAX_URL_LENGTH = 2048


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and pattern.match(value) is not None


def _without_secrets(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the input a form may show again: everything but the secrets."""
    return {
        key: value for key, value in (user_input or {}).items() if key not in _SECRETS
    }


@contextmanager
def _unexpected_errors_as_unknown(errors: dict[str, str], step: str) -> Iterator[None]:
    """Turn any unexpected exception of a step into the form's `unknown` error.

    A flow step must show a form, not fail: the traceback goes to the log.
    Aborting the flow (`AbortFlow`) is expected and passes through.
    """
    try:
        yield
    except AbortFlow:
        raise
    except Exception:
        LOGGER.exception("Unexpected error in the %s step of the config flow", step)
        errors.clear()
        errors["base"] = "unknown"


def _account_schema(defaults: Mapping[str, Any], *, with_password: bool) -> vol.Schema:
    def default(key: str) -> dict[str, Any]:
        value = defaults.get(key)
        return {"suggested_value": value} if value not in (None, "") else {}

    text = TextSelector()
    fields: dict[vol.Marker, Any] = {
        vol.Required(
            CONF_DATA_CENTER,
            default=defaults.get(CONF_DATA_CENTER, DataCenterOption.EUROPE),
        ): SelectSelector(
            SelectSelectorConfig(
                options=[option.value for option in DataCenterOption],
                translation_key=CONF_DATA_CENTER,
                mode=SelectSelectorMode.DROPDOWN,
            )
        ),
        vol.Optional(CONF_BASE_URL, description=default(CONF_BASE_URL)): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        ),
        vol.Required(
            CONF_USER_DOMAIN, default=defaults.get(CONF_USER_DOMAIN, vol.UNDEFINED)
        ): text,
        # On reconfigure the stored secret is kept when left empty; it is never
        # sent back to the browser as a default.
        (vol.Required if with_password else vol.Optional)(
            CONF_USER_DOMAIN_SECRET
        ): TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD)),
        vol.Optional(CONF_EMAIL, description=default(CONF_EMAIL)): TextSelector(
            TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
        ),
        vol.Optional(CONF_PHONE, description=default(CONF_PHONE)): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEL)
        ),
        vol.Optional(
            CONF_INTERNATIONAL_CODE, description=default(CONF_INTERNATIONAL_CODE)
        ): text,
    }
    if with_password:
        fields[vol.Required(CONF_PASSWORD)] = TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        )
    return vol.Schema(fields)


_PASSWORD_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(
                type=TextSelectorType.PASSWORD, autocomplete="current-password"
            )
        )
    }
)


def _normalize(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return cleaned entry data and the field errors of the form."""
    data = {
        key: value.strip() if isinstance(value, str) else value
        for key, value in user_input.items()
    }
    for key in (*_ACCOUNT_FIELDS, CONF_BASE_URL):
        if not data.get(key):
            data.pop(key, None)
    errors = _base_url_errors(data)
    if not _matches(USER_DOMAIN_PATTERN, data.get(CONF_USER_DOMAIN)):
        errors[CONF_USER_DOMAIN] = "user_domain_invalid"
    if not _matches(SECRET_PATTERN, data.get(CONF_USER_DOMAIN_SECRET)):
        errors[CONF_USER_DOMAIN_SECRET] = "invalid_secret"
    return data, errors | _account_errors(data)


def _base_url_errors(data: dict[str, Any]) -> dict[str, str]:
    """Normalize the custom URL in ``data``, or drop it for a built-in one."""
    if data[CONF_DATA_CENTER] != DataCenterOption.CUSTOM:
        data.pop(CONF_BASE_URL, None)
        return {}
    url = data.get(CONF_BASE_URL, "")
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return {CONF_BASE_URL: "invalid_url"}
    try:
        data[CONF_BASE_URL], _ = check_base_url(url)
    except InvalidBaseUrlError:
        return {CONF_BASE_URL: "invalid_url"}
    return {}


def _account_errors(data: dict[str, Any]) -> dict[str, str]:
    """Check the email, or the phone number and its code, in ``data``."""
    email, phone = data.get(CONF_EMAIL), data.get(CONF_PHONE)
    if bool(email) == bool(phone):
        return {"base": "account_missing"}
    if email:
        data.pop(CONF_INTERNATIONAL_CODE, None)
        if not _matches(EMAIL_PATTERN, email) or len(email) > MAX_EMAIL_LENGTH:
            return {CONF_EMAIL: "invalid_email"}
        return {}
    errors: dict[str, str] = {}
    if not _matches(PHONE_PATTERN, phone):
        errors[CONF_PHONE] = "invalid_phone"
    code = str(data.get(CONF_INTERNATIONAL_CODE, "")).lstrip("+")
    if not code:
        errors[CONF_INTERNATIONAL_CODE] = "international_code_missing"
    elif not INTERNATIONAL_CODE_PATTERN.match(code):
        errors[CONF_INTERNATIONAL_CODE] = "invalid_international_code"
    data[CONF_INTERNATIONAL_CODE] = code
    return errors


def _password_errors(password: Any) -> dict[str, str]:
    """Return the form error of a password typed in, if any.

    Only checked where it is typed: a stored password is never refused here.
    """
    if _matches(PASSWORD_PATTERN, password):
        return {}
    return {CONF_PASSWORD: "invalid_password"}


def _on_form(errors: dict[str, str], schema: vol.Schema) -> dict[str, str]:
    """Move errors of fields the form does not show to the form's base.

    Reauthentication only asks for the password and reconfiguration never
    does: an error about a hidden field would otherwise not be shown at all.
    """
    shown = {str(key) for key in schema.schema}
    return {(key if key in shown else "base"): value for key, value in errors.items()}


def _title(data: Mapping[str, Any]) -> str:
    """Name the entry after its account, masked: ``o***@example.com``, ``***0001``.

    Every user of Home Assistant, admin or not, sees entry titles.
    """
    return str(mask_email(data.get(CONF_EMAIL)) or mask_phone(data[CONF_PHONE]))


class QuectelConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Quectel app account."""

    VERSION = 1
    # 1.2: device ids that cannot collide (see async_migrate_entry).
    MINOR_VERSION = 2

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> QuectelOptionsFlow:
        """Return the flow of the account's options."""
        return QuectelOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentries of an account: its guests."""
        return {SUBENTRY_GUEST: GuestSubentryFlow}

    def __init__(self) -> None:
        """Start with nothing validated yet."""
        self._pending: dict[str, Any] = {}

    async def _validate(
        self, data: dict[str, Any]
    ) -> tuple[User | None, dict[str, str], dict[str, str]]:
        """Log in and read the user; return it, the form errors and placeholders."""
        client = create_client(self.hass, data)
        placeholders: dict[str, str] = {}
        account_field = CONF_EMAIL if data.get(CONF_EMAIL) else CONF_PHONE
        try:
            tokens = await client.login()
            user = await client.user_info()
        except QuectelInvalidCredentialsError as err:
            if err.key in _NOT_REGISTERED:
                return None, {account_field: "account_not_registered"}, placeholders
            if err.remaining_attempts is not None:
                placeholders["attempts"] = str(err.remaining_attempts)
                return None, {CONF_PASSWORD: "invalid_auth_attempts"}, placeholders
            return None, {CONF_PASSWORD: "invalid_auth"}, placeholders
        except QuectelAccountLockedError as err:
            return None, {"base": err.key}, placeholders
        except QuectelUserDomainError as err:
            key = (
                err.key
                if err.key in ("user_domain_invalid", "user_domain_disabled")
                else "user_domain_unknown"
            )
            return None, {CONF_USER_DOMAIN: key}, placeholders
        except QuectelSignatureError:
            return None, {CONF_USER_DOMAIN_SECRET: "signature_invalid"}, placeholders
        except QuectelConnectionError:
            return None, {"base": "cannot_connect"}, placeholders
        except (QuectelQuotaError, QuectelAccessDeniedError) as err:
            return None, {"base": err.key}, placeholders
        except QuectelError:
            LOGGER.exception("Unexpected error while signing in to the Quectel cloud")
            return None, {"base": "unknown"}, placeholders
        # Stored, so that setting the entry up does not log in a second time.
        data[CONF_TOKENS] = (client.tokens or tokens).as_dict()
        return user, {}, placeholders

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the data center, user domain and account."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            with _unexpected_errors_as_unknown(errors, "user"):
                data, found = _normalize(user_input)
                errors.update(found | _password_errors(data.get(CONF_PASSWORD)))
                if not errors:
                    user, found, placeholders = await self._validate(data)
                    errors.update(found)
                    if user is not None:
                        await self.async_set_unique_id(user.uid)
                        self._abort_if_unique_id_configured()
                        self._pending = data
                        if check_base_url(base_url_from_data(data))[1]:
                            return await self.async_step_insecure_url()
                        return self._create(data)
        shown = _without_secrets(user_input)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(shown, with_password=True), shown
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_insecure_url(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Warn before storing an account reached over plain HTTP."""
        errors: dict[str, str] = {}
        if user_input is not None:
            with _unexpected_errors_as_unknown(errors, "insecure_url"):
                return self._create(self._pending)
        return self.async_show_form(
            step_id="insecure_url",
            description_placeholders={"url": base_url_from_data(self._pending)},
            errors=errors,
        )

    def _create(self, data: dict[str, Any]) -> ConfigFlowResult:
        return self.async_create_entry(title=_title(data), data=data)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauthentication when the cloud rejects the credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the current password only."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"account": entry.title}
        if user_input is not None:
            with _unexpected_errors_as_unknown(errors, "reauth_confirm"):
                password = user_input.get(CONF_PASSWORD)
                errors.update(_password_errors(password))
                if not errors:
                    data = {**entry.data, CONF_PASSWORD: password}
                    data.pop(CONF_TOKENS, None)
                    user, found, extra = await self._validate(data)
                    errors.update(_on_form(found, _PASSWORD_SCHEMA))
                    placeholders |= extra
                    if user is not None:
                        await self.async_set_unique_id(user.uid)
                        self._abort_if_unique_id_mismatch(reason="wrong_account")
                        return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_PASSWORD_SCHEMA,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change data center, URL, user domain, secret or account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            with _unexpected_errors_as_unknown(errors, "reconfigure"):
                data, found = _normalize(
                    {
                        **user_input,
                        CONF_USER_DOMAIN_SECRET: user_input.get(CONF_USER_DOMAIN_SECRET)
                        or entry.data[CONF_USER_DOMAIN_SECRET],
                        CONF_PASSWORD: entry.data[CONF_PASSWORD],
                    }
                )
                errors.update(found)
                if not errors:
                    user, found, placeholders = await self._validate(data)
                    errors.update(found)
                    if user is not None:
                        await self.async_set_unique_id(user.uid)
                        self._abort_if_unique_id_mismatch(reason="wrong_account")
                        return self.async_update_reload_and_abort(
                            entry, data=data, title=_title(data)
                        )
        defaults = _without_secrets(
            user_input
            or {key: value for key, value in entry.data.items() if key != CONF_TOKENS}
        )
        schema = _account_schema(defaults, with_password=False)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, defaults),
            errors=_on_form(errors, schema),
            description_placeholders=placeholders,
        )
