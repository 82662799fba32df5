"""Config flow: add, reauthenticate and reconfigure a Quectel app account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.core import callback
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
    QuectelAccountLockedError,
    QuectelConnectionError,
    QuectelError,
    QuectelInvalidCredentialsError,
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
from .validation import EMAIL_PATTERN, PHONE_PATTERN

# Cloud error keys that mean "no such account" rather than "wrong password".
_NOT_REGISTERED = {"email_not_registered", "phone_not_registered"}
_ACCOUNT_FIELDS = (CONF_EMAIL, CONF_PHONE, CONF_INTERNATIONAL_CODE)


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
    errors: dict[str, str] = {}
    if data[CONF_DATA_CENTER] == DataCenterOption.CUSTOM:
        try:
            data[CONF_BASE_URL], _ = check_base_url(data.get(CONF_BASE_URL, ""))
        except InvalidBaseUrlError:
            errors[CONF_BASE_URL] = "invalid_url"
    else:
        data.pop(CONF_BASE_URL, None)
    email, phone = data.get(CONF_EMAIL), data.get(CONF_PHONE)
    if bool(email) == bool(phone):
        errors["base"] = "account_missing"
    elif email:
        data.pop(CONF_INTERNATIONAL_CODE, None)
        if not EMAIL_PATTERN.match(email):
            errors[CONF_EMAIL] = "invalid_email"
    else:
        if not PHONE_PATTERN.match(phone or ""):
            errors[CONF_PHONE] = "invalid_phone"
        code = str(data.get(CONF_INTERNATIONAL_CODE, "")).lstrip("+")
        if not code.isdigit():
            errors[CONF_INTERNATIONAL_CODE] = "international_code_missing"
        data[CONF_INTERNATIONAL_CODE] = code
    return data, errors


def _on_form(errors: dict[str, str], schema: vol.Schema) -> dict[str, str]:
    """Move errors of fields the form does not show to the form's base.

    Reauthentication only asks for the password and reconfiguration never
    does: an error about a hidden field would otherwise not be shown at all.
    """
    shown = {str(key) for key in schema.schema}
    return {(key if key in shown else "base"): value for key, value in errors.items()}


def _title(data: Mapping[str, Any]) -> str:
    """Name the entry after its account: the email, or the phone number."""
    return str(
        data.get(CONF_EMAIL) or f"+{data[CONF_INTERNATIONAL_CODE]} {data[CONF_PHONE]}"
    )


class QuectelConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Quectel app account."""

    VERSION = 1

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
            data, errors = _normalize(user_input)
            if not errors:
                user, errors, placeholders = await self._validate(data)
                if user is not None:
                    await self.async_set_unique_id(user.uid)
                    self._abort_if_unique_id_configured()
                    self._pending = data
                    if check_base_url(base_url_from_data(data))[1]:
                        return await self.async_step_insecure_url()
                    return self._create(data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(user_input or {}, with_password=True), user_input
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_insecure_url(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Warn before storing an account reached over plain HTTP."""
        if user_input is not None:
            return self._create(self._pending)
        return self.async_show_form(
            step_id="insecure_url",
            description_placeholders={"url": base_url_from_data(self._pending)},
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
            data = {**entry.data, CONF_PASSWORD: user_input[CONF_PASSWORD]}
            data.pop(CONF_TOKENS, None)
            user, errors, extra = await self._validate(data)
            errors = _on_form(errors, _PASSWORD_SCHEMA)
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
            data, errors = _normalize(
                {
                    **user_input,
                    CONF_USER_DOMAIN_SECRET: user_input.get(CONF_USER_DOMAIN_SECRET)
                    or entry.data[CONF_USER_DOMAIN_SECRET],
                    CONF_PASSWORD: entry.data[CONF_PASSWORD],
                }
            )
            if not errors:
                user, errors, placeholders = await self._validate(data)
                if user is not None:
                    await self.async_set_unique_id(user.uid)
                    self._abort_if_unique_id_mismatch(reason="wrong_account")
                    return self.async_update_reload_and_abort(
                        entry, data=data, title=_title(data)
                    )
        defaults = user_input or {
            key: value
            for key, value in entry.data.items()
            if key not in (CONF_PASSWORD, CONF_USER_DOMAIN_SECRET, CONF_TOKENS)
        }
        schema = _account_schema(defaults, with_password=False)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                {k: v for k, v in defaults.items() if k != CONF_USER_DOMAIN_SECRET},
            ),
            errors=_on_form(errors, schema),
            description_placeholders=placeholders,
        )
