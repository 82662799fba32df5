"""Every action field and its checks, declared once.

The actions' schemas (in `services`) are built from the field groups here.
Every failure is a translated `ServiceValidationError`, raised before any
request reaches the cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import re
from typing import Any, Literal

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .compat import is_extra_key_error
from .const import (
    ATTR_ACCEPT_BY,
    ATTR_ACCEPT_WITHIN,
    ATTR_AUTH_KEY,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_KEY,
    ATTR_DEVICE_NAME,
    ATTR_DURATION,
    ATTR_EMAIL,
    ATTR_EXPIRES_AT,
    ATTR_INCLUDE_INACTIVE,
    ATTR_MODE,
    ATTR_PHONE,
    ATTR_PRODUCT_KEY,
    ATTR_SHARE_CODE,
    ATTR_STARTS_AT,
    ATTR_UID,
    DEFAULT_ACCEPT_WITHIN,
    ShareMode,
)
from .exceptions import excerpt, validation_error

# Every pattern is ASCII only and ends in \Z ("$" also matches before a
# trailing newline): no control, bidi or zero-width character gets through.
# The docs give no format for keys; real ones are short ASCII identifiers
# (product keys like "p11pLZ", device keys like IMEIs or MAC addresses).
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,64}\Z")
KEY_ALPHABET = "A-Z a-z 0-9 _ . : -"
# Home Assistant's device and config entry ids (hex or ULID).
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
ID_ALPHABET = "A-Z a-z 0-9 _ -"
# Printable ASCII without the space, for values the cloud hands out (uids,
# share codes, authKeys) whose format the docs leave open.
TOKEN_PATTERN = re.compile(r"[!-~]+\Z")
TOKEN_ALPHABET = "ASCII ! to ~ (no space)"
EMAIL_PATTERN = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})\Z"
)
PHONE_PATTERN = re.compile(r"\+?[0-9]{5,20}\Z")
# Separators people write in phone numbers, removed before the check.
PHONE_SEPARATORS = re.compile(r"[ ()-]")

MAX_ID_LENGTH = 64
MAX_DEVICES_PER_CALL = 1000
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 32
MAX_UID_LENGTH = 64
MAX_SHARE_CODE_LENGTH = 128
MAX_AUTH_KEY_LENGTH = 256
# The cloud's own limit on a device name is undocumented (it answers 5333):
# this only bounds the input.
MAX_DEVICE_NAME_LENGTH = 128
# Longer than any date or duration written as text ("2030-01-31T18:00:00+01:00").
MAX_TIME_TEXT_LENGTH = 64
# sharingExpireAt is epoch milliseconds; Python datetimes end in year 9999.
LATEST_EXPIRY = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

type RecipientType = Literal["email", "phone", "uid"]


class FieldInvalid(vol.Invalid):
    """A field's value is refused: its translation key and placeholders.

    Voluptuous adds the field's path; `TranslatedSchema` turns it into a
    translated `ServiceValidationError` that names the field.
    """

    def __init__(self, key: str, **placeholders: str) -> None:
        """Keep the translation key and placeholders besides ``field``.

        Named apart from the ``translation_key`` and ``placeholders`` that
        the errors of Home Assistant 2026's validation library have.
        """
        super().__init__(key)
        self.field_key = key
        self.field_placeholders = placeholders


def _first_error(err: vol.Invalid) -> vol.Invalid:
    while isinstance(err, vol.MultipleInvalid) and err.errors:
        err = err.errors[0]
    return err


class TranslatedSchema(vol.Schema):
    """An action schema whose bad input is a translated validation error.

    Home Assistant passes a `vol.Invalid` from an action schema through
    untranslated; this raises a translated message naming the field instead.
    A field given as ``None`` (``email: null``) counts as not given.
    """

    def __call__(self, data: Any) -> Any:
        """Validate ``data``."""
        if isinstance(data, Mapping):
            data = {key: value for key, value in data.items() if value is not None}
        try:
            return super().__call__(data)  # type: ignore[no-untyped-call]
        except vol.Invalid as err:
            first = _first_error(err)
            field = excerpt(first.path[0], quoted=False) if first.path else "-"
            if isinstance(first, FieldInvalid):
                raise validation_error(
                    first.field_key, field=field, **first.field_placeholders
                ) from err
            if is_extra_key_error(first):
                raise validation_error("unknown_field", field=field) from err
            if isinstance(first, vol.RequiredFieldInvalid):
                raise validation_error("field_required", field=field) from err
            raise validation_error(
                "invalid_input",
                field=field,
                reason=excerpt(first.error_message or str(first), quoted=False),
            ) from err


def _text(value: Any, max_length: int) -> str:
    """Return ``value`` as stripped, non-empty text of at most ``max_length``.

    Numbers are accepted as text: templates render "0123456" as a number.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldInvalid("field_not_text", value=excerpt(value))
    if isinstance(value, int):
        if not -(10**max_length) < value < 10**max_length:
            raise FieldInvalid("field_too_long", max_length=str(max_length))
        value = str(value)
    text = str(value).strip()
    if len(text) > max_length:
        raise FieldInvalid("field_too_long", max_length=str(max_length))
    if not text:
        raise FieldInvalid("field_empty")
    return text


def _shaped_text(
    pattern: re.Pattern[str], alphabet: str, max_length: int
) -> Callable[[Any], str]:
    """Return a validator of text of ``alphabet``, at most ``max_length`` long."""

    def validate(value: Any) -> str:
        text = _text(value, max_length)
        if not pattern.match(text):
            raise FieldInvalid(
                "field_bad_characters", alphabet=alphabet, value=excerpt(text)
            )
        return text

    return validate


def _refused_as(
    key: str, validator: Callable[[Any], Any], **placeholders: str
) -> Callable[[Any], Any]:
    """Return ``validator`` with every refusal turned into the error ``key``.

    Long text is refused before it is parsed; numbers too large for a date
    or a duration are refused rather than raising `OverflowError`.
    """

    def validate(value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_TIME_TEXT_LENGTH:
            raise FieldInvalid("field_too_long", max_length=str(MAX_TIME_TEXT_LENGTH))
        try:
            return validator(value)
        except (vol.Invalid, OverflowError, ValueError, TypeError) as err:
            raise FieldInvalid(key, value=excerpt(value), **placeholders) from err

    return validate


device_key_field = _shaped_text(KEY_PATTERN, KEY_ALPHABET, 64)
registry_id_field = _shaped_text(ID_PATTERN, ID_ALPHABET, MAX_ID_LENGTH)
share_code_field = _shaped_text(TOKEN_PATTERN, TOKEN_ALPHABET, MAX_SHARE_CODE_LENGTH)
auth_key_field = _shaped_text(TOKEN_PATTERN, TOKEN_ALPHABET, MAX_AUTH_KEY_LENGTH)


def device_ids_field(value: Any) -> list[str]:
    """Validate one device id or a list of them."""
    ids = value if isinstance(value, list) else [value]
    if not ids:
        raise FieldInvalid("field_empty")
    if len(ids) > MAX_DEVICES_PER_CALL:
        raise FieldInvalid("too_many_items", max_items=str(MAX_DEVICES_PER_CALL))
    return [registry_id_field(item) for item in ids]


# Contact details are not echoed in errors: Home Assistant logs them.


def email_field(value: Any) -> str:
    """Validate a recipient's email address (ASCII, as the cloud's accounts)."""
    text = _text(value, MAX_EMAIL_LENGTH)
    if not EMAIL_PATTERN.match(text):
        raise FieldInvalid("invalid_email")
    return text


def phone_field(value: Any) -> str:
    """Validate a phone number; spaces, dashes and brackets are dropped."""
    text = _text(value, MAX_PHONE_LENGTH)
    digits = PHONE_SEPARATORS.sub("", text)
    if not PHONE_PATTERN.match(digits):
        raise FieldInvalid("invalid_phone")
    return digits


def uid_field(value: Any) -> str:
    """Validate a cloud user id."""
    text = _text(value, MAX_UID_LENGTH)
    if not TOKEN_PATTERN.match(text):
        raise FieldInvalid("invalid_uid", value=excerpt(text))
    return text


def device_name_field(value: Any) -> str:
    """Validate a device name: printable text of any script.

    No control, bidi or zero-width character (`str.isprintable` refuses
    them all); spaces inside are kept.
    """
    text = _text(value, MAX_DEVICE_NAME_LENGTH)
    if not text.isprintable():
        raise FieldInvalid(
            "field_bad_characters", alphabet="printable text", value=excerpt(text)
        )
    return text


# --- the fields ---------------------------------------------------------------

TARGET_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_DEVICE_ID): device_ids_field,
    vol.Optional(ATTR_PRODUCT_KEY): device_key_field,
    vol.Optional(ATTR_DEVICE_KEY): device_key_field,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): registry_id_field,
}
RECIPIENT_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_EMAIL): email_field,
    vol.Optional(ATTR_PHONE): phone_field,
    vol.Optional(ATTR_UID): uid_field,
}
EXPIRY_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_EXPIRES_AT): _refused_as("invalid_datetime", cv.datetime),
    vol.Optional(ATTR_DURATION): _refused_as("invalid_duration", cv.time_period),
}
START_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_STARTS_AT): _refused_as("invalid_datetime", cv.datetime),
}
SHARE_CODE_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_SHARE_CODE): share_code_field,
}
MODE_FIELD: dict[vol.Marker, Any] = {
    # No schema default: `mode_from` gives it, as it depends on starts_at.
    vol.Optional(ATTR_MODE): _refused_as(
        "invalid_choice",
        vol.Coerce(ShareMode),
        choices=", ".join(mode.value for mode in ShareMode),
    ),
}
AUTH_KEY_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_AUTH_KEY): auth_key_field,
}
ACCEPT_DEADLINE_FIELDS: dict[vol.Marker, Any] = {
    # No schema default: `invite_window_from` gives 24 h when neither is given.
    vol.Optional(ATTR_ACCEPT_BY): _refused_as("invalid_datetime", cv.datetime),
    vol.Optional(ATTR_ACCEPT_WITHIN): _refused_as("invalid_duration", cv.time_period),
}
# Devices shared with an account: accepting a share code, giving one back.
ACCEPT_INVITE_FIELDS: dict[vol.Marker, Any] = {
    vol.Required(ATTR_CONFIG_ENTRY_ID): registry_id_field,
    vol.Required(ATTR_SHARE_CODE): share_code_field,
    vol.Optional(ATTR_DEVICE_NAME): device_name_field,
}
LEAVE_SHARE_FIELDS: dict[vol.Marker, Any] = {
    vol.Required(ATTR_DEVICE_ID): device_ids_field,
}
INCLUDE_INACTIVE_FIELD: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_INCLUDE_INACTIVE, default=False): _refused_as(
        "invalid_boolean", cv.boolean
    ),
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
    """Return the recipient of ``data`` (email, phone or uid), if any.

    The value itself was checked (and a phone number normalized) by the
    action's schema.
    """
    given = [
        key for key in (ATTR_EMAIL, ATTR_PHONE, ATTR_UID) if data.get(key) is not None
    ]
    if len(given) > 1:
        raise validation_error("recipient_ambiguous")
    if not given:
        return None
    key: RecipientType = given[0]  # type: ignore[assignment]
    return RecipientInput(key, str(data[key]))


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
    now = now or dt_util.utcnow()
    expires_at = _moment_from(
        data.get(ATTR_EXPIRES_AT), data.get(ATTR_DURATION), now, "expiry_ambiguous"
    )
    if expires_at is None:
        return None
    if expires_at <= now:
        raise validation_error("expiry_in_past")
    if expires_at > LATEST_EXPIRY:
        raise validation_error("expiry_too_late")
    return expires_at


def _to_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC (naive: Home Assistant's zone), to the millisecond."""
    try:
        moment = dt_util.as_utc(moment)
    except OverflowError as err:  # a local time late in 9999 is past UTC's end
        raise validation_error("expiry_too_late") from err
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _moment_from(
    at: datetime | None, after: timedelta | None, now: datetime, ambiguous: str
) -> datetime | None:
    """Return a moment given as a time, or as a duration from ``now`` (UTC, ms).

    ``ambiguous`` is the error of a call that gives both.
    """
    if at is not None and after is not None:
        raise validation_error(ambiguous)
    if after is not None:
        if after <= timedelta(0):
            raise validation_error("duration_not_positive")
        try:
            at = now + after
        except OverflowError as err:
            raise validation_error("expiry_too_late") from err
    return _to_utc(at) if at is not None else None


def window_from(
    data: Mapping[str, Any], *, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """Return when a share starts and ends (UTC), from ``starts_at`` and the expiry.

    The start is ``None`` when not given or already passed: share now. An end
    not after the start is refused; a duration counts from the start (from
    now when the start has passed). As guests, whose rules these are.
    """
    now = now or dt_util.utcnow()
    given: datetime | None = data.get(ATTR_STARTS_AT)
    if given is None:
        return None, expiry_from(data, now=now)
    starts_at = _to_utc(given)
    ends_at: datetime | None = data.get(ATTR_EXPIRES_AT)
    if ends_at is not None and _to_utc(ends_at) <= starts_at:
        raise validation_error("end_before_start")
    if starts_at <= now:
        return None, expiry_from(data, now=now)
    return starts_at, expiry_from(data, now=starts_at)


def mode_from(data: Mapping[str, Any]) -> ShareMode:
    """Return the share mode: ``replace`` by default, ``add`` with a start time.

    A share that starts later is made as a guest's: added next to the
    recipient's other shares, with the device's own authKey. So ``starts_at``
    refuses ``mode: replace`` or ``extend`` and ``auth_key``.
    """
    mode: ShareMode | None = data.get(ATTR_MODE)
    if data.get(ATTR_STARTS_AT) is None:
        return mode or ShareMode.REPLACE
    if mode not in (None, ShareMode.ADD):
        raise validation_error("starts_at_excludes", field=ATTR_MODE)
    if data.get(ATTR_AUTH_KEY) is not None:
        raise validation_error("starts_at_excludes", field=ATTR_AUTH_KEY)
    return ShareMode.ADD


def _accept_deadline_from(data: Mapping[str, Any], now: datetime) -> datetime:
    """Return until when an invitation can be accepted (UTC, to the millisecond)."""
    given: datetime | None = data.get(ATTR_ACCEPT_BY)
    within: timedelta | None = data.get(ATTR_ACCEPT_WITHIN)
    if given is None and within is None:
        within = DEFAULT_ACCEPT_WITHIN
    accept_by = _moment_from(given, within, now, "accept_deadline_ambiguous")
    if accept_by is None or accept_by <= now:
        raise validation_error("accept_deadline_in_past")
    if accept_by > LATEST_EXPIRY:
        raise validation_error("expiry_too_late")
    return accept_by


def invite_window_from(
    data: Mapping[str, Any], *, now: datetime | None = None
) -> tuple[datetime, datetime | None]:
    """Return an invitation's acceptance deadline and its end of use (UTC).

    The deadline is ``accept_by``, or ``accept_within`` from now (24 h when
    neither is given); the end is ``expires_at`` or ``duration`` from now, as
    for `share_device` (``None``: for life). The end must be later than the
    deadline, as the cloud requires (5153).
    """
    now = now or dt_util.utcnow()
    accept_by = _accept_deadline_from(data, now)
    expires_at = expiry_from(data, now=now)
    if expires_at is not None and expires_at <= accept_by:
        raise validation_error("invite_ends_before_deadline")
    return accept_by, expires_at
