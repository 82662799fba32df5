"""Every translated error of the integration: bad input and cloud errors."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime, time, timedelta
from typing import Any

from homeassistant.core import async_get_hass
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import (
    async_get_cached_translations,
    async_get_exception_message,
)
from homeassistant.util import dt as dt_util

from .api import (
    ERROR_CODES,
    QuectelConnectionError,
    QuectelError,
    QuectelOutcomeUnknownError,
    QuectelQuotaError,
    QuectelResponseError,
    QuectelSharingError,
    QuectelTimeoutError,
)
from .const import DOMAIN
from .share_view import local_time_text

QUOTA_KEY = "quota_exhausted"
QUOTA_CODE = 4026


class QuectelNotDoneError(QuectelConnectionError):
    """The answer to a change was lost; the share list shows it was not made."""


class QuectelUnverifiedError(QuectelConnectionError):
    """The answer to a change was lost; the share list could not be read."""


class QuectelInviteUnclearError(QuectelUnverifiedError):
    """The answer to making a share code was lost; the share list leaves it open.

    The list shows a new invitation that may or may not be the one made (its
    deadline or end differs from the ones sent, or there are several).
    """


# Share codes received: what a lost answer turned out to be, from the device
# list (the account's own view of what it holds), not from a share list.


class QuectelInviteNotAcceptedError(QuectelNotDoneError):
    """The answer to accepting a code was lost; the device list lacks the device."""


class QuectelShareNotLeftError(QuectelNotDoneError):
    """The answer to leaving a share was lost; the device list still shows it."""


class QuectelDeviceListUnverifiedError(QuectelUnverifiedError):
    """The answer to a share-code request was lost; the device list is unreadable."""


def next_reset(now: datetime) -> datetime:
    """Return the next 00:00 UTC after ``now``: when the cloud's quota resets."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today + timedelta(days=1), time(), UTC)


# Bounds of what an error message may echo, whatever the input or the cloud sent.
EXCERPT_LENGTH = 40
REASON_LENGTH = 200
LABEL_LENGTH = 80
# A partial failure names this many failed (and succeeded) devices, then counts.
LISTED_DEVICES = 10


def excerpt(value: Any, limit: int = EXCERPT_LENGTH, *, quoted: bool = True) -> str:
    r"""Return a short, printable rendering of untrusted text for a message.

    Text is cut to ``limit`` characters and every character that is not
    printable is escaped (``\n``, ``\x00``, ``\u202e``, ``\u200b``), so that
    no control, bidi or zero-width character reaches a message or a log line;
    letters of any script are kept. Anything but text shows only its type.
    """
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    escaped = '\\"' if quoted else "\\"
    text = "".join(
        char
        if char.isprintable() and char not in escaped
        else "\\" + char
        if char in escaped
        else ascii(char)[1:-1]
        for char in value[:limit]
    )
    if len(value) > limit:
        text += "…"
    return f'"{text}"' if quoted else text


def validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated error about input the caller can fix."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def translation_key_for(err: QuectelError) -> str:
    """Return the translation key (in ``exceptions``) for a cloud error.

    Documented cloud codes use their key from `ERROR_CODES`, so the table in
    ``api/errors.py`` stays the one place where a code is named.
    """
    if isinstance(err, QuectelResponseError):
        return err.key
    if isinstance(err, QuectelInviteNotAcceptedError):
        return "invite_not_accepted"
    if isinstance(err, QuectelShareNotLeftError):
        return "share_not_left"
    if isinstance(err, QuectelDeviceListUnverifiedError):
        return "device_list_unverified"
    if isinstance(err, QuectelInviteUnclearError):
        return "invite_unclear"
    if isinstance(err, QuectelNotDoneError):
        return "not_done"
    if isinstance(err, QuectelOutcomeUnknownError | QuectelUnverifiedError):
        return "outcome_unknown"
    if isinstance(err, QuectelTimeoutError):
        return "timeout"
    return "cannot_connect"


def translation_placeholders_for(err: QuectelError) -> dict[str, str]:
    """Return the placeholders every cloud error message may use.

    The cloud's own message is bounded and made printable: it is untrusted.
    A used-up quota also says when it resets, in the user's time zone.
    """
    error = excerpt(str(err), REASON_LENGTH, quoted=False)
    if isinstance(err, QuectelQuotaError):
        return {
            "code": str(err.code),
            "msg": excerpt(err.msg, REASON_LENGTH, quoted=False),
            "error": error,
            "reset": local_time_text(err.retry_at or next_reset(dt_util.utcnow())),
        }
    if isinstance(err, QuectelResponseError):
        return {
            "code": "" if err.code is None else str(err.code),
            "msg": excerpt(err.msg, REASON_LENGTH, quoted=False),
            "error": error,
        }
    return {"code": "", "msg": "", "error": error}


def hold_error(code: int, until: datetime) -> ServiceValidationError:
    """Return the error of an action refused while the cloud holds requests.

    ``code`` says why: the quota (4026) or a lockout (5147, 5325). A
    `ServiceValidationError`: nothing to debug, so no traceback in the log.
    """
    spec = ERROR_CODES.get(code)
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=spec.key if spec else QUOTA_KEY,
        translation_placeholders={
            "code": str(code),
            "msg": "",
            "error": "",
            "reset": local_time_text(until),
        },
    )


def cloud_error(err: QuectelError) -> HomeAssistantError:
    """Wrap a cloud error in a translated `HomeAssistantError`.

    A sharing request the cloud refused because of what was asked (an
    unverified device, a recipient in the owner's family, someone else's
    share...) is a `ServiceValidationError`: the user must change the call,
    and Home Assistant reports it without a traceback.
    """
    error_class = (
        ServiceValidationError
        if isinstance(err, QuectelSharingError | QuectelQuotaError)
        else HomeAssistantError
    )
    return error_class(
        translation_domain=DOMAIN,
        translation_key=translation_key_for(err),
        translation_placeholders=translation_placeholders_for(err),
    )


def _translated(key: str, placeholders: dict[str, str]) -> str:
    """Return the message of the exception ``key``, as text.

    In Home Assistant's language when its translations are loaded (they are
    once the integration is set up), else in English. Home Assistant's own
    `async_get_exception_message` is English only.
    """
    hass = async_get_hass()
    translations = async_get_cached_translations(
        hass, hass.config.language, "exceptions", DOMAIN
    )
    message = translations.get(f"component.{DOMAIN}.exceptions.{key}.message")
    if not message:
        return async_get_exception_message(DOMAIN, key, placeholders)
    with suppress(KeyError, IndexError, ValueError):
        message = message.format(**placeholders)
    return message.rstrip(".。")


def cloud_reason(err: QuectelError) -> str:
    """Return the translated message of a cloud error, as bounded text."""
    message = _translated(translation_key_for(err), translation_placeholders_for(err))
    return excerpt(message, REASON_LENGTH, quoted=False)


def partial_failure_error(
    failed: Sequence[tuple[str, QuectelError]], succeeded: Sequence[str]
) -> HomeAssistantError:
    """Return one error naming the devices that failed, why, and those that did not.

    ``failed`` pairs a device's label with its error; ``succeeded`` holds
    labels. At most `LISTED_DEVICES` of each are named, the others counted,
    so that 500 failed devices still make a short message.

    When every failure is the cloud refusing the request (`QuectelSharingError`:
    an unverified device, a family member...), the caller can fix the call:
    it is a `ServiceValidationError`, which Home Assistant reports without a
    traceback. Otherwise (an outage...) it stays a `HomeAssistantError`.
    """
    error_class = (
        ServiceValidationError
        if all(isinstance(err, QuectelSharingError) for _, err in failed)
        else HomeAssistantError
    )
    failed_text = "; ".join(
        f"{excerpt(label, LABEL_LENGTH, quoted=False)}: {cloud_reason(err)}"
        for label, err in failed[:LISTED_DEVICES]
    )
    succeeded_text = ", ".join(
        excerpt(label, LABEL_LENGTH, quoted=False)
        for label in succeeded[:LISTED_DEVICES]
    )
    return error_class(
        translation_domain=DOMAIN,
        translation_key="partial_failure",
        translation_placeholders={
            "failed_count": str(len(failed)),
            "total": str(len(succeeded) + len(failed)),
            "failed": failed_text + _more(len(failed)),
            "succeeded": (succeeded_text + _more(len(succeeded))) or "-",
        },
    )


def _more(count: int) -> str:
    """Return ", and N more" (translated) when ``count`` exceeds the listed ones."""
    if count <= LISTED_DEVICES:
        return ""
    return " " + _translated("and_more", {"count": str(count - LISTED_DEVICES)})
