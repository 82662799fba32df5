"""The "Guest" subentry flow: add and edit a guest of an account.

Two steps: who and which devices (and what kind of window), then the
window's times, or, for access that follows a calendar, which calendar,
which events and the margins. Every check is made in the form, before anything is saved
and so before any request: the integration then makes the cloud match the
saved guest (`guests`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
import re
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.data_entry_flow import section
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.selector import (
    DateTimeSelector,
    DeviceFilterSelectorConfig,
    DeviceSelector,
    DeviceSelectorConfig,
    DurationSelector,
    DurationSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .compat import device_config_entry_id
from .const import (
    ATTR_DURATION,
    ATTR_EMAIL,
    ATTR_EXPIRES_AT,
    ATTR_PHONE,
    ATTR_UID,
    CONF_EMAIL,
    CONF_INTERNATIONAL_CODE,
    CONF_PHONE,
    DOMAIN,
)
from .coordinator import QuectelConfigEntry
from .devices import cloud_unique_id
from .guest_calendar import CalendarUnreadableError, async_read_window
from .guest_model import CalendarLink, Wish, wish_data
from .share_view import local_time_text
from .validation import (
    RECIPIENT_FIELDS,
    RecipientInput,
    expiry_from,
    optional_recipient_from,
)

FIELD_NAME: Final = "name"
FIELD_RECIPIENT: Final = "recipient"
FIELD_DEVICES: Final = "devices"
FIELD_ACCESS: Final = "access"
FIELD_STARTS_AT: Final = "starts_at"
FIELD_ENDS_AT: Final = "ends_at"
FIELD_DURATION: Final = "duration"
FIELD_CALENDAR: Final = "calendar"
FIELD_MATCH: Final = "match"
FIELD_MARGIN_BEFORE: Final = "margin_before"
FIELD_MARGIN_AFTER: Final = "margin_after"

ACCESS_FOREVER: Final = "forever"
ACCESS_UNTIL: Final = "until"
ACCESS_DURATION: Final = "duration"
ACCESS_WINDOW: Final = "window"
ACCESS_CALENDAR: Final = "calendar"
ACCESS_CHOICES: Final = (
    ACCESS_FOREVER,
    ACCESS_UNTIL,
    ACCESS_DURATION,
    ACCESS_WINDOW,
    ACCESS_CALENDAR,
)
MAX_NAME_LENGTH: Final = 64
MAX_MATCH_LENGTH: Final = 100
MAX_MARGIN: Final = timedelta(days=7)
NO_MARGIN: Final = {"hours": 0, "minutes": 0, "seconds": 0}

# Errors of the recipient fields, as `validation` names them.
_RECIPIENT_ERRORS: Final = {
    "recipient_ambiguous",
    "invalid_email",
    "invalid_phone",
    "invalid_uid",
}
_FIELD_ERRORS: Final = {
    ATTR_EMAIL: "invalid_email",
    ATTR_PHONE: "invalid_phone",
    ATTR_UID: "invalid_uid",
}
_RECIPIENT_SCHEMA: Final = vol.Schema(RECIPIENT_FIELDS)
# Errors of the window, as `validation` names them.
_WINDOW_ERRORS: Final = {"expiry_in_past", "expiry_too_late", "duration_not_positive"}


def _suggested(value: Any) -> dict[str, Any]:
    return {"suggested_value": value} if value not in (None, "", []) else {}


def _device_filters(entry: QuectelConfigEntry) -> list[DeviceFilterSelectorConfig]:
    """Offer the devices of the products the account owns, by their model id.

    Devices shared with the account are registered without a model id, so
    they are not offered (nor the account's and the guests' own devices).
    """
    products = sorted(
        {
            device.product_key
            for device in (entry.runtime_data.devices.data or {}).values()
        }
    )
    if not products:
        return [DeviceFilterSelectorConfig(integration=DOMAIN)]
    return [
        DeviceFilterSelectorConfig(integration=DOMAIN, model_id=product)
        for product in products
    ]


def _first_schema(
    defaults: Mapping[str, Any], device_filters: list[DeviceFilterSelectorConfig]
) -> vol.Schema:
    recipient: Mapping[str, Any] = defaults.get(FIELD_RECIPIENT) or {}
    return vol.Schema(
        {
            vol.Required(FIELD_NAME, default=defaults.get(FIELD_NAME, vol.UNDEFINED)): (
                TextSelector()
            ),
            vol.Required(FIELD_RECIPIENT): section(
                vol.Schema(
                    {
                        vol.Optional(
                            ATTR_EMAIL,
                            description=_suggested(recipient.get(ATTR_EMAIL)),
                        ): TextSelector(
                            TextSelectorConfig(type=TextSelectorType.EMAIL)
                        ),
                        vol.Optional(
                            ATTR_PHONE,
                            description=_suggested(recipient.get(ATTR_PHONE)),
                        ): TextSelector(TextSelectorConfig(type=TextSelectorType.TEL)),
                        vol.Optional(
                            ATTR_UID, description=_suggested(recipient.get(ATTR_UID))
                        ): TextSelector(),
                    }
                ),
                {"collapsed": False},
            ),
            vol.Required(
                FIELD_DEVICES, default=defaults.get(FIELD_DEVICES, vol.UNDEFINED)
            ): DeviceSelector(
                DeviceSelectorConfig(multiple=True, filter=device_filters)
            ),
            vol.Required(
                FIELD_ACCESS, default=defaults.get(FIELD_ACCESS, ACCESS_FOREVER)
            ): SelectSelector(
                SelectSelectorConfig(
                    options=list(ACCESS_CHOICES),
                    translation_key="guest_access",
                    mode=SelectSelectorMode.LIST,
                )
            ),
        }
    )


def _window_schema(access: str, defaults: Mapping[str, Any]) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {}
    if access == ACCESS_WINDOW:
        fields[
            vol.Required(
                FIELD_STARTS_AT, description=_suggested(defaults.get(FIELD_STARTS_AT))
            )
        ] = DateTimeSelector()
    if access in (ACCESS_WINDOW, ACCESS_UNTIL):
        fields[
            vol.Required(
                FIELD_ENDS_AT, description=_suggested(defaults.get(FIELD_ENDS_AT))
            )
        ] = DateTimeSelector()
    if access == ACCESS_DURATION:
        fields[
            vol.Required(
                FIELD_DURATION, default=defaults.get(FIELD_DURATION, {"hours": 24})
            )
        ] = DurationSelector(DurationSelectorConfig(enable_day=True))
    return vol.Schema(fields)


def _calendar_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(
                FIELD_CALENDAR, default=defaults.get(FIELD_CALENDAR, vol.UNDEFINED)
            ): EntitySelector(EntitySelectorConfig(domain="calendar")),
            vol.Required(
                FIELD_MATCH, default=defaults.get(FIELD_MATCH, vol.UNDEFINED)
            ): TextSelector(),
            vol.Required(
                FIELD_MARGIN_BEFORE,
                default=defaults.get(FIELD_MARGIN_BEFORE, NO_MARGIN),
            ): DurationSelector(DurationSelectorConfig(enable_day=True)),
            vol.Required(
                FIELD_MARGIN_AFTER, default=defaults.get(FIELD_MARGIN_AFTER, NO_MARGIN)
            ): DurationSelector(DurationSelectorConfig(enable_day=True)),
        }
    )


def _margin_form(margin: timedelta) -> dict[str, int]:
    """Return a margin as the duration selector shows it."""
    seconds = int(margin.total_seconds())
    return {
        "days": seconds // 86400,
        "hours": seconds % 86400 // 3600,
        "minutes": seconds % 3600 // 60,
        "seconds": seconds % 60,
    }


def _local_text(moment: datetime | None) -> str | None:
    """Return a stored UTC time as the date-time selector shows it (local)."""
    if moment is None:
        return None
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_the_account(entry: QuectelConfigEntry, recipient: RecipientInput) -> bool:
    """Whether ``recipient`` is the account itself (its uid, email or phone)."""
    if recipient.type == ATTR_UID:
        return recipient.value == entry.unique_id
    if recipient.type == ATTR_EMAIL:
        email = entry.data.get(CONF_EMAIL)
        return isinstance(email, str) and email.casefold() == recipient.value.casefold()
    phone = entry.data.get(CONF_PHONE)
    if not isinstance(phone, str) or not phone:
        return False
    code = str(entry.data.get(CONF_INTERNATIONAL_CODE) or "")
    given = _digits(recipient.value)
    return given in {_digits(phone), _digits(code + phone)}


class GuestSubentryFlow(ConfigSubentryFlow):
    """Add or edit a guest: a recipient, devices and an access window."""

    def __init__(self) -> None:
        """Start with an empty form."""
        self._first: dict[str, Any] = {}
        self._recipient: RecipientInput | None = None
        self._window_defaults: dict[str, Any] = {}
        self._calendar_defaults: dict[str, Any] = {}

    @property
    def _account(self) -> QuectelConfigEntry:
        entry: QuectelConfigEntry = self._get_entry()
        return entry

    # --- step 1: who, which devices, what kind of window -----------------------

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask who the guest is and which devices they get."""
        if self._account.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        if not self._account.runtime_data.devices.data:
            return self.async_abort(reason="no_owned_devices")
        return await self._first_step("user", user_input, {})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Edit a guest: the same fields, filled in."""
        if self._account.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        subentry = self._get_reconfigure_subentry()
        wish = Wish.from_data(subentry.data)
        if wish.calendar is not None:
            access = ACCESS_CALENDAR
            self._calendar_defaults = {
                FIELD_CALENDAR: wish.calendar.entity_id,
                FIELD_MATCH: wish.calendar.match,
                FIELD_MARGIN_BEFORE: _margin_form(wish.calendar.before),
                FIELD_MARGIN_AFTER: _margin_form(wish.calendar.after),
            }
        elif wish.expires_at is None:
            access = ACCESS_FOREVER
        elif wish.starts_at is not None and wish.starts_at > dt_util.utcnow():
            access = ACCESS_WINDOW
        else:
            access = ACCESS_UNTIL
        defaults = {
            FIELD_NAME: subentry.title,
            FIELD_RECIPIENT: {wish.recipient.type: wish.recipient.value},
            FIELD_DEVICES: list(wish.devices),
            FIELD_ACCESS: access,
        }
        self._window_defaults = {
            FIELD_STARTS_AT: _local_text(wish.starts_at),
            FIELD_ENDS_AT: _local_text(wish.expires_at),
        }
        return await self._first_step("reconfigure", user_input, defaults)

    async def _first_step(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        defaults: Mapping[str, Any],
    ) -> SubentryFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._check_first(user_input)
            if not errors:
                self._first = user_input
                if user_input[FIELD_ACCESS] == ACCESS_FOREVER:
                    return self._finish(None, None, started_now=False)
                if user_input[FIELD_ACCESS] == ACCESS_CALENDAR:
                    return await self.async_step_calendar()
                return await self.async_step_window()
        schema = _first_schema(defaults, _device_filters(self._account))
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id=step_id, data_schema=schema, errors=errors)

    def _check_first(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        name = str(user_input.get(FIELD_NAME, "")).strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            errors[FIELD_NAME] = "invalid_name"
        recipient_fields = {
            key: value
            for key, value in (user_input.get(FIELD_RECIPIENT) or {}).items()
            if isinstance(value, str) and value.strip()
        }
        try:
            recipient_fields = _RECIPIENT_SCHEMA(recipient_fields)
            recipient = optional_recipient_from(recipient_fields)
        except vol.Invalid as err:
            # Checked as the actions check them; named by the field refused.
            first = err.errors[0] if isinstance(err, vol.MultipleInvalid) else err
            field = str(first.path[0]) if first.path else ATTR_UID
            errors[FIELD_RECIPIENT] = _FIELD_ERRORS.get(field, "invalid_uid")
            recipient = None
        except ServiceValidationError as err:
            key = err.translation_key or "recipient_missing"
            errors[FIELD_RECIPIENT] = (
                key if key in _RECIPIENT_ERRORS else "recipient_missing"
            )
        if FIELD_RECIPIENT not in errors:
            if recipient is None:
                errors[FIELD_RECIPIENT] = "recipient_missing"
            elif is_the_account(self._account, recipient):
                errors[FIELD_RECIPIENT] = "recipient_is_account"
            self._recipient = recipient
        devices: list[str] = list(user_input.get(FIELD_DEVICES) or [])
        if not devices:
            errors[FIELD_DEVICES] = "no_devices"
        elif not all(self._is_account_device(device_id) for device_id in devices):
            errors[FIELD_DEVICES] = "device_not_of_account"
        return errors

    def _is_account_device(self, device_id: str) -> bool:
        """Whether a device is a cloud device this account owns."""
        device = dr.async_get(self.hass).async_get(device_id)
        if device is None or device_config_entry_id(device) != self._account.entry_id:
            return False
        unique_id = cloud_unique_id(device)
        return unique_id is not None and unique_id in (
            self._account.runtime_data.devices.data or {}
        )

    # --- step 2: the window's times ----------------------------------------------

    async def async_step_window(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the access window's start and end (or its duration)."""
        access: str = self._first[FIELD_ACCESS]
        errors: dict[str, str] = {}
        if user_input is not None:
            now = dt_util.utcnow()
            try:
                starts_at, expires_at = self._window(access, user_input, now)
            except _FormError as err:
                errors["base"] = err.key
            else:
                started_now = access == ACCESS_WINDOW and starts_at is None
                return self._finish(starts_at, expires_at, started_now=started_now)
        schema = _window_schema(access, user_input or self._window_defaults)
        return self.async_show_form(
            step_id="window",
            data_schema=schema,
            errors=errors,
            description_placeholders={"now": local_time_text(dt_util.utcnow())},
        )

    @staticmethod
    def _window(
        access: str, user_input: Mapping[str, Any], now: datetime
    ) -> tuple[datetime | None, datetime | None]:
        """Return the start (``None``: now) and end of the window, or raise."""
        starts_at: datetime | None = None
        if access == ACCESS_WINDOW:
            starts_at = dt_util.as_utc(cv.datetime(user_input[FIELD_STARTS_AT]))
            if starts_at <= now:
                starts_at = None  # a start in the past: share now
        try:
            if access == ACCESS_DURATION:
                duration: timedelta = cv.time_period(user_input[FIELD_DURATION])
                expires_at = expiry_from({ATTR_DURATION: duration}, now=now)
            else:
                expires_at = expiry_from(
                    {ATTR_EXPIRES_AT: cv.datetime(user_input[FIELD_ENDS_AT])}, now=now
                )
        except ServiceValidationError as err:
            key = err.translation_key or ""
            raise _FormError(key if key in _WINDOW_ERRORS else "invalid_time") from err
        except (vol.Invalid, OverflowError) as err:
            raise _FormError("invalid_time") from err
        if starts_at is not None and expires_at is not None and expires_at <= starts_at:
            raise _FormError("end_before_start")
        return starts_at, expires_at

    # --- step 2, for access that follows a calendar ------------------------------

    async def async_step_calendar(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask which calendar, which of its events, and the margins."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                link = self._link(user_input)
            except _FormError as err:
                errors["base"] = err.key
            else:
                return await self._finish_calendar(link)
        schema = _calendar_schema(self._calendar_defaults)
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="calendar", data_schema=schema, errors=errors
        )

    def _link(self, user_input: Mapping[str, Any]) -> CalendarLink:
        """Return the calendar link the form describes, or raise."""
        entity_id = str(user_input.get(FIELD_CALENDAR) or "")
        if self.hass.states.get(entity_id) is None:
            raise _FormError("calendar_missing")
        match = str(user_input.get(FIELD_MATCH) or "").strip()
        if not match or len(match) > MAX_MATCH_LENGTH:
            raise _FormError("invalid_match")
        margins: list[timedelta] = []
        for field in (FIELD_MARGIN_BEFORE, FIELD_MARGIN_AFTER):
            try:
                margin: timedelta = cv.time_period(user_input.get(field) or NO_MARGIN)
            except vol.Invalid as err:
                raise _FormError("invalid_margin") from err
            if margin < timedelta(0) or margin > MAX_MARGIN:
                raise _FormError("invalid_margin")
            margins.append(timedelta(seconds=int(margin.total_seconds())))
        return CalendarLink(entity_id, match, margins[0], margins[1])

    async def _finish_calendar(self, link: CalendarLink) -> SubentryFlowResult:
        """Save the guest with the window the calendar has now.

        Read here, so that the first change is already the right one (an
        open booking keeps its share when an edit keeps it). A calendar that
        cannot be read keeps a calendar guest's last window, else no window.
        """
        try:
            window = await async_read_window(self.hass, link, dt_util.utcnow())
        except CalendarUnreadableError:
            if self.source == "reconfigure":
                wish = Wish.from_data(self._get_reconfigure_subentry().data)
                if wish.calendar is not None:
                    return self._finish(
                        wish.starts_at, wish.expires_at, started_now=False, link=link
                    )
            window = None
        if window is None:
            return self._finish(None, None, started_now=False, link=link)
        return self._finish(
            dt_util.as_utc(window.start),
            dt_util.as_utc(window.end),
            started_now=False,
            link=link,
        )

    # --- saving ------------------------------------------------------------------

    def _finish(
        self,
        starts_at: datetime | None,
        expires_at: datetime | None,
        *,
        started_now: bool,
        link: CalendarLink | None = None,
    ) -> SubentryFlowResult:
        if self._recipient is None:  # the first step always sets it
            return self.async_abort(reason="unknown")
        title = str(self._first[FIELD_NAME]).strip()
        data = wish_data(
            self._recipient,
            list(self._first[FIELD_DEVICES]),
            starts_at,
            expires_at,
            link,
        )
        if self.source == "reconfigure":
            entry = self._account
            subentry = self._get_reconfigure_subentry()
            if not started_now:
                return self.async_update_and_abort(
                    entry, subentry, title=title, data_updates=data
                )
            self.hass.config_entries.async_update_subentry(
                entry, subentry, title=title, data=subentry.data | data
            )
            return self.async_abort(reason="reconfigure_started_now")
        return self.async_create_entry(
            title=title,
            data=data,
            description="started_now" if started_now else None,
        )


class _FormError(Exception):
    """A window the form refuses; ``key`` is its translated error."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
