"""Every translated error of the integration: bad input and cloud errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_exception_message
from homeassistant.util import dt as dt_util

from .api import (
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


class QuectelNotDoneError(QuectelConnectionError):
    """The answer to a change was lost; the share list shows it was not made."""


class QuectelUnverifiedError(QuectelConnectionError):
    """The answer to a change was lost; the share list could not be read."""


def next_reset(now: datetime) -> datetime:
    """Return the next 00:00 UTC after ``now``: when the cloud's quota resets."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today + timedelta(days=1), time(), UTC)


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
    if isinstance(err, QuectelNotDoneError):
        return "not_done"
    if isinstance(err, QuectelOutcomeUnknownError | QuectelUnverifiedError):
        return "outcome_unknown"
    if isinstance(err, QuectelTimeoutError):
        return "timeout"
    return "cannot_connect"


def translation_placeholders_for(err: QuectelError) -> dict[str, str]:
    """Return the placeholders every cloud error message may use.

    A used-up quota also says when it resets, in the user's time zone.
    """
    if isinstance(err, QuectelQuotaError):
        return {
            "code": str(err.code),
            "msg": err.msg,
            "error": str(err),
            "reset": local_time_text(next_reset(dt_util.utcnow())),
        }
    if isinstance(err, QuectelResponseError):
        return {
            "code": "" if err.code is None else str(err.code),
            "msg": err.msg,
            "error": str(err),
        }
    return {"code": "", "msg": "", "error": str(err)}


def quota_error(reset: datetime) -> ServiceValidationError:
    """Return the error of an action refused because the quota is used up.

    A `ServiceValidationError`: nothing to debug, so no traceback in the log.
    """
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=QUOTA_KEY,
        translation_placeholders={
            "code": "4026",
            "msg": "",
            "error": "",
            "reset": local_time_text(reset),
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


def cloud_reason(err: QuectelError) -> str:
    """Return the translated message of a cloud error, as text."""
    return async_get_exception_message(
        DOMAIN, translation_key_for(err), translation_placeholders_for(err)
    )


def partial_failure_error(
    failed: Sequence[tuple[str, QuectelError]], succeeded: Sequence[str]
) -> HomeAssistantError:
    """Return one error naming each device that failed, why, and those that did not.

    ``failed`` pairs a device's label with its error; ``succeeded`` holds labels.
    """
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="partial_failure",
        translation_placeholders={
            "failed_count": str(len(failed)),
            "total": str(len(succeeded) + len(failed)),
            "failed": "; ".join(
                f"{label}: {cloud_reason(err)}" for label, err in failed
            ),
            "succeeded": ", ".join(succeeded) or "-",
        },
    )
