"""Every translated error of the integration: bad input and cloud errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_exception_message

from .api import (
    QuectelError,
    QuectelOutcomeUnknownError,
    QuectelResponseError,
    QuectelSharingError,
    QuectelTimeoutError,
)
from .const import DOMAIN

# Bounds of what an error message may echo, whatever the input or the cloud sent.
EXCERPT_LENGTH = 40
REASON_LENGTH = 200


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
    if isinstance(err, QuectelOutcomeUnknownError):
        return "outcome_unknown"
    if isinstance(err, QuectelTimeoutError):
        return "timeout"
    return "cannot_connect"


def translation_placeholders_for(err: QuectelError) -> dict[str, str]:
    """Return the placeholders every cloud error message may use.

    The cloud's own message is bounded and made printable: it is untrusted.
    """
    error = excerpt(str(err), REASON_LENGTH, quoted=False)
    if isinstance(err, QuectelResponseError):
        return {
            "code": "" if err.code is None else str(err.code),
            "msg": excerpt(err.msg, REASON_LENGTH, quoted=False),
            "error": error,
        }
    return {"code": "", "msg": "", "error": error}


def cloud_error(err: QuectelError) -> HomeAssistantError:
    """Wrap a cloud error in a translated `HomeAssistantError`.

    A sharing request the cloud refused because of what was asked (an
    unverified device, a recipient in the owner's family, someone else's
    share...) is a `ServiceValidationError`: the user must change the call,
    and Home Assistant reports it without a traceback.
    """
    error_class = (
        ServiceValidationError
        if isinstance(err, QuectelSharingError)
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
