"""Every action field and its checks, declared once.

The actions' schemas (in `services`) are built from the field groups here.
Every failure is a translated `ServiceValidationError`, raised before any
request reaches the cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import re
from typing import Any, Literal

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import (
    ATTR_AUTH_KEY,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_KEY,
    ATTR_DURATION,
    ATTR_EMAIL,
    ATTR_EXPIRES_AT,
    ATTR_INCLUDE_INACTIVE,
    ATTR_MODE,
    ATTR_PHONE,
    ATTR_PRODUCT_KEY,
    ATTR_SHARE_CODE,
    ATTR_UID,
    ShareMode,
)
from .exceptions import validation_error

# The docs give no format for keys; real ones are short ASCII identifiers
# (product keys like "p11pLZ", device keys like IMEIs or MAC addresses).
# \Z, not $: "$" also matches before a trailing newline. No control characters.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}\Z")
EMAIL_PATTERN = re.compile(
    r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s.\x00-\x1f\x7f]{2,}\Z"
)
PHONE_PATTERN = re.compile(r"^\+?[0-9]{5,20}\Z")
UID_PATTERN = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}\Z")
MAX_EMAIL_LENGTH = 254
# sharingExpireAt is epoch milliseconds; Python datetimes end in year 9999.
LATEST_EXPIRY = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

type RecipientType = Literal["email", "phone", "uid"]


class TranslatedSchema(vol.Schema):
    """An action schema whose bad input is a translated validation error.

    Home Assistant passes a `vol.Invalid` from an action schema through
    untranslated; this keeps the field and the reason in a translated message.
    """

    def __call__(self, data: Any) -> Any:
        """Validate ``data``."""
        try:
            return super().__call__(data)  # type: ignore[no-untyped-call]
        except vol.Invalid as err:
            path = ".".join(str(part) for part in err.path) or "-"
            raise validation_error(
                "invalid_input", field=path, reason=err.error_message or str(err)
            ) from err
        except OverflowError as err:
            # Some validators (e.g. cv.time_period) let it through for huge numbers.
            raise validation_error(
                "invalid_input", field="-", reason="a number is out of range"
            ) from err


def device_key_field(value: Any) -> str:
    """Validate a product key or device key."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise vol.Invalid("expected text")
    text = str(value).strip()
    if not KEY_PATTERN.match(text):
        raise vol.Invalid("must be 1 to 64 letters, digits or _ . : -")
    return text


def non_empty_text(value: Any) -> str:
    """Validate a non-empty string and strip it."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise vol.Invalid("expected text")
    text = str(value).strip()
    if not text:
        raise vol.Invalid("must not be empty")
    return text


# --- the fields ---------------------------------------------------------------

TARGET_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_DEVICE_ID): vol.All(
        cv.ensure_list, [cv.string], vol.Length(min=1)
    ),
    vol.Optional(ATTR_PRODUCT_KEY): device_key_field,
    vol.Optional(ATTR_DEVICE_KEY): device_key_field,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}
RECIPIENT_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_EMAIL): non_empty_text,
    vol.Optional(ATTR_PHONE): non_empty_text,
    vol.Optional(ATTR_UID): non_empty_text,
}
EXPIRY_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_EXPIRES_AT): cv.datetime,
    vol.Optional(ATTR_DURATION): cv.time_period,
}
SHARE_CODE_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_SHARE_CODE): vol.All(non_empty_text, vol.Length(max=128)),
}
MODE_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_MODE, default=ShareMode.REPLACE): vol.Coerce(ShareMode),
}
AUTH_KEY_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_AUTH_KEY): vol.All(non_empty_text, vol.Length(max=256)),
}
INCLUDE_INACTIVE_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_INCLUDE_INACTIVE, default=False): cv.boolean,
}


# --- checks across fields -------------------------------------------------------


def selects_by_share_code(data: Mapping[str, Any]) -> bool:
    """Return whether a call selects a share by its code; refuse mixed selectors.

    The other way to select shares is devices plus a recipient.
    """
    by_target = any(
        data.get(key) is not None
        for key in (ATTR_DEVICE_ID, ATTR_PRODUCT_KEY, ATTR_DEVICE_KEY)
    )
    by_recipient = any(
        data.get(key) is not None for key in (ATTR_EMAIL, ATTR_PHONE, ATTR_UID)
    )
    if data.get(ATTR_SHARE_CODE) is not None:
        if by_target or by_recipient:
            raise validation_error("share_selector_ambiguous")
        return True
    if not by_target and not by_recipient:
        raise validation_error("share_selector_missing")
    return False


@dataclass(frozen=True, slots=True)
class RecipientInput:
    """Who a device is shared with, as given to an action."""

    type: RecipientType
    value: str

    def as_kwargs(self) -> dict[str, str]:
        """Keyword arguments for the client's share call."""
        return {self.type: self.value}


def recipient_from(data: Mapping[str, Any]) -> RecipientInput:
    """Return the one recipient ``data`` must name (email, phone or uid)."""
    recipient = optional_recipient_from(data)
    if recipient is None:
        raise validation_error("recipient_missing_input")
    return recipient


def optional_recipient_from(data: Mapping[str, Any]) -> RecipientInput | None:
    """Return the recipient of ``data`` (email, phone or uid), if any."""
    given = [
        key for key in (ATTR_EMAIL, ATTR_PHONE, ATTR_UID) if data.get(key) is not None
    ]
    if len(given) > 1:
        raise validation_error("recipient_ambiguous")
    if not given:
        return None
    key: RecipientType = given[0]  # type: ignore[assignment]
    value = str(data[key]).strip()
    if key == ATTR_EMAIL:
        if len(value) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(value):
            raise validation_error("invalid_email")
    elif key == ATTR_PHONE:
        value = re.sub(r"[\s()-]", "", value)
        if not PHONE_PATTERN.match(value):
            raise validation_error("invalid_phone")
    elif not UID_PATTERN.match(value):
        raise validation_error("invalid_uid")
    return RecipientInput(key, value)


def required_expiry_from(data: Mapping[str, Any]) -> datetime:
    """Return the new end of a share, which ``data`` must give."""
    expires_at = expiry_from(data)
    if expires_at is None:
        raise validation_error("expiry_missing")
    return expires_at


def expiry_from(
    data: Mapping[str, Any], *, now: datetime | None = None
) -> datetime | None:
    """Return when a share ends (UTC), from ``expires_at`` or ``duration``.

    Naive datetimes are Home Assistant's local time. ``None`` means for life.
    The result has millisecond precision, as the cloud keeps it, so that what
    the actions report is exactly what is stored.
    """
    expires_at: datetime | None = data.get(ATTR_EXPIRES_AT)
    duration: timedelta | None = data.get(ATTR_DURATION)
    if expires_at is not None and duration is not None:
        raise validation_error("expiry_ambiguous")
    now = now or dt_util.utcnow()
    if duration is not None:
        if duration <= timedelta(0):
            raise validation_error("duration_not_positive")
        try:
            expires_at = now + duration
        except OverflowError as err:
            raise validation_error("expiry_too_late") from err
    if expires_at is None:
        return None
    try:
        expires_at = dt_util.as_utc(expires_at)
    except OverflowError as err:  # a local time late in 9999 is past UTC's end
        raise validation_error("expiry_too_late") from err
    expires_at = expires_at.replace(microsecond=expires_at.microsecond // 1000 * 1000)
    if expires_at <= now:
        raise validation_error("expiry_in_past")
    if expires_at > LATEST_EXPIRY:
        raise validation_error("expiry_too_late")
    return expires_at
