"""Exceptions raised by the Quectel cloud client, and the table of error codes.

`ERROR_CODES` is the one place where a cloud error code is named: it maps the
code to the exception class the client raises, a stable ``key`` (used by the
Home Assistant integration as its translation key) and a short English
explanation. Codes the docs list come first; a separate part holds the codes
users of the live cloud report that the docs do not list. The simulator
answers with the same table.

Every response error says what it takes to get past it (`Remedy`): a new
password, a reconfiguration (user domain, its secret, data center, account)
or waiting until the cloud lifts it by itself (``retry_at`` when known).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import re


class QuectelError(Exception):
    """Base class of every error the client raises."""


class QuectelConnectionError(QuectelError):
    """The cloud could not be reached, or its answer was cut off."""


class QuectelTimeoutError(QuectelConnectionError):
    """The cloud did not answer within the request timeout."""


class QuectelOutcomeUnknownError(QuectelConnectionError):
    """A request that must not be repeated may or may not have been executed.

    Raised instead of retrying a non-idempotent request (sharing in ``add``
    mode, creating or accepting a share code, leaving a share) when the
    connection failed after the request was sent.
    """


class Remedy(StrEnum):
    """What it takes to get past an error (`QuectelResponseError.remedy`)."""

    NEW_PASSWORD = "new_password"
    """The cloud refused the password: only a new one helps (reauthenticate)."""
    RECONFIGURE = "reconfigure"
    """The user domain, its secret, the data center or the account is wrong:
    a password does not help (reconfigure)."""
    WAIT = "wait"
    """The cloud refuses for a while and lifts it by itself (``retry_at`` when
    known): asking again sooner does not help and may extend a lockout."""


class QuectelResponseError(QuectelError):
    """The cloud answered with an error code, or with something unreadable."""

    # What it takes to get past errors of this class; None: nothing but
    # changing the request or trying again later.
    default_remedy: Remedy | None = None

    def __init__(self, message: str, *, code: int | None = None, msg: str = "") -> None:
        """Keep the cloud's ``code`` and ``msg`` next to our explanation."""
        super().__init__(message)
        self.code = code
        self.msg = msg
        # When the answer was read: ``retry_at`` is counted from here.
        self.received_at = datetime.now(UTC)

    @property
    def spec(self) -> ErrorSpec | None:
        """The `ERROR_CODES` entry of the code, if the table has it."""
        return ERROR_CODES.get(self.code) if self.code is not None else None

    @property
    def key(self) -> str:
        """Stable identifier of this error (a translation key downstream)."""
        spec = self.spec
        return spec.key if spec else "unknown_error_code"

    @property
    def remedy(self) -> Remedy | None:
        """What it takes to get past this error (None: nothing in particular)."""
        spec = self.spec
        if spec is not None and spec.remedy is not None:
            return spec.remedy
        return self.default_remedy

    @property
    def retry_after(self) -> timedelta | None:
        """How long the cloud refuses, counted from `received_at`, if known."""
        return None

    @property
    def retry_at(self) -> datetime | None:
        """When the cloud lifts the refusal (UTC), if known."""
        wait = self.retry_after
        return None if wait is None else self.received_at + wait


class QuectelMalformedResponseError(QuectelResponseError):
    """The body was not the documented JSON envelope."""

    @property
    def key(self) -> str:
        """Stable identifier of this error."""
        return "malformed_response"


class QuectelAuthenticationError(QuectelResponseError):
    """A login was refused: the account cannot be used until `remedy` is done.

    `remedy` tells a wrong password (``NEW_PASSWORD``: reauthenticate) from a
    wrong user domain, secret, data center or account (``RECONFIGURE``) and
    from a lockout (``WAIT``, until ``retry_at`` when the cloud says).
    """

    default_remedy = Remedy.NEW_PASSWORD


class QuectelInvalidCredentialsError(QuectelAuthenticationError):
    """Wrong account or password."""

    @property
    def remaining_attempts(self) -> int | None:
        """Attempts left before the account is frozen, when the cloud says so."""
        spec = ERROR_CODES.get(self.code) if self.code is not None else None
        return spec.remaining_attempts if spec else None


class QuectelAccountLockedError(QuectelAuthenticationError):
    """The account is frozen (5147) or access is blocked (5325) for a while.

    ``retry_after`` is the duration the cloud's message names ("after 20
    minutes", "24小时"...), None when it names none.
    """

    default_remedy = Remedy.WAIT

    @property
    def retry_after(self) -> timedelta | None:
        """The wait the cloud's message names, if any."""
        return duration_in_message(self.msg)


class QuectelUserDomainError(QuectelAuthenticationError):
    """The user domain is wrong for this data center: reconfigure.

    Unknown, malformed or disabled, or the data center is the wrong one; a
    password does not help.
    """

    default_remedy = Remedy.RECONFIGURE


class QuectelSignatureError(QuectelAuthenticationError):
    """The signature was rejected: the user domain secret is wrong."""

    default_remedy = Remedy.RECONFIGURE


class QuectelQuotaError(QuectelResponseError):
    """The manufacturer's daily request quota is used up (4026, not in the docs).

    Not an authentication error, even when it answers a login or a refresh:
    the credentials are fine. Users report that it resets at 00:00 UTC, which
    is ``retry_at``.
    """

    default_remedy = Remedy.WAIT

    @property
    def retry_after(self) -> timedelta | None:
        """Until the next 00:00 UTC after the answer."""
        midnight = datetime.combine(
            self.received_at.date() + timedelta(days=1),
            datetime.min.time(),
            tzinfo=UTC,
        )
        return midnight - self.received_at


class QuectelAccessDeniedError(QuectelResponseError):
    """The cloud answered "No permission" (5014, not in the docs)."""


class QuectelDeviceNotBoundError(QuectelResponseError):
    """The cloud says the device is not bound (4007, not in the docs).

    Users report it as often transient: the client asks once more before
    raising it.
    """


class QuectelTokenError(QuectelResponseError):
    """The access or refresh token was rejected (handled inside the client)."""


class QuectelSharingError(QuectelResponseError):
    """The cloud refused a sharing request."""


class QuectelPermissionError(QuectelSharingError):
    """The account has no permission for this device or share."""


# "20 minutes", "24 hours", "1 day", "30 s"; "20分钟", "24小时", "1天".
_DURATION = re.compile(
    r"(?P<amount>[0-9]{1,6})\s*(?P<unit>"
    r"seconds?|secs?|s\b|minutes?|mins?|hours?|hrs?|h\b|days?|"
    r"秒钟|秒|分钟|分|小时|个小时|天|日)",
    re.ASCII | re.IGNORECASE,
)
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "秒": 1,
    "秒钟": 1,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "分": 60,
    "分钟": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "小时": 3600,
    "个小时": 3600,
    "day": 86400,
    "days": 86400,
    "天": 86400,
    "日": 86400,
}


def duration_in_message(msg: str) -> timedelta | None:
    """Return the first duration a cloud message names, e.g. "after 20 minutes".

    None when the message names no duration (or only a zero one).
    """
    match = _DURATION.search(msg)
    if match is None:
        return None
    seconds = int(match["amount"]) * _UNIT_SECONDS[match["unit"].lower()]
    return timedelta(seconds=seconds) if seconds > 0 else None


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """What an error code means."""

    exception: type[QuectelResponseError]
    key: str
    explanation: str
    remaining_attempts: int | None = None
    # Overrides the exception class's `default_remedy` for this code.
    remedy: Remedy | None = None


def _spec(
    exception: type[QuectelResponseError],
    key: str,
    explanation: str,
    remaining_attempts: int | None = None,
    remedy: Remedy | None = None,
) -> ErrorSpec:
    return ErrorSpec(exception, key, explanation, remaining_attempts, remedy)


_WRONG = "Incorrect account or password"

ERROR_CODES: dict[int, ErrorSpec] = {
    # Login (emailPwdLogin.md, phonePwdLogin.md)
    5002: _spec(
        QuectelAuthenticationError,
        "phone_already_registered",
        "Phone number already registered",
        remedy=Remedy.RECONFIGURE,
    ),
    5004: _spec(
        QuectelInvalidCredentialsError,
        "phone_not_registered",
        "Phone number not registered",
        remedy=Remedy.RECONFIGURE,
    ),
    5013: _spec(
        QuectelUserDomainError, "user_domain_invalid", "Incorrect user domain format"
    ),
    # Users of the live cloud also report it ("UserDomain does not exist") when
    # the data center is the wrong one: reconfigure, a password does not help.
    5015: _spec(
        QuectelUserDomainError, "user_domain_unknown", "User domain does not exist"
    ),
    5019: _spec(
        QuectelInvalidCredentialsError,
        "phone_invalid",
        "Incorrect phone number format",
        remedy=Remedy.RECONFIGURE,
    ),
    5021: _spec(
        QuectelInvalidCredentialsError,
        "phone_missing",
        "Please enter phone number",
        remedy=Remedy.RECONFIGURE,
    ),
    5022: _spec(
        QuectelInvalidCredentialsError, "password_missing", "Please enter password"
    ),
    5023: _spec(
        QuectelUserDomainError, "user_domain_missing", "Please enter user domain"
    ),
    5026: _spec(
        QuectelInvalidCredentialsError,
        "email_missing",
        "Please enter email",
        remedy=Remedy.RECONFIGURE,
    ),
    5028: _spec(QuectelInvalidCredentialsError, "invalid_auth", "Password incorrect"),
    5031: _spec(
        QuectelInvalidCredentialsError,
        "email_not_registered",
        "Email not registered",
        remedy=Remedy.RECONFIGURE,
    ),
    5040: _spec(
        QuectelInvalidCredentialsError,
        "email_invalid",
        "Incorrect email format",
        remedy=Remedy.RECONFIGURE,
    ),
    5056: _spec(
        QuectelInvalidCredentialsError,
        "password_format",
        "Password must be 6-20 letters, numbers or special characters",
    ),
    5104: _spec(QuectelUserDomainError, "user_domain_disabled", "User domain disabled"),
    5147: _spec(
        QuectelAccountLockedError,
        "account_frozen",
        "Account frozen, try again after 20 minutes",
    ),
    5325: _spec(
        QuectelAccountLockedError,
        "account_blocked",
        "Access temporarily blocked for security reasons; lifted after 24 hours",
    ),
    5420: _spec(
        QuectelSignatureError, "signature_invalid", "Signature verification failed"
    ),
    5550: _spec(QuectelSignatureError, "signature_missing", "Please enter signature"),
    5579: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 1),
    5580: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 2),
    5581: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 3),
    5582: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 4),
    5583: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 1),
    5584: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 2),
    5585: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 3),
    5586: _spec(QuectelInvalidCredentialsError, "invalid_auth", _WRONG, 4),
    6084: _spec(
        QuectelUserDomainError,
        "mcc_wrong_data_center",
        "MCC does not belong to this data center",
    ),
    6085: _spec(
        QuectelUserDomainError,
        "mcc_lookup_failed",
        "Failed to look up the data center of the MCC",
    ),
    # Tokens (every authenticated endpoint)
    5032: _spec(QuectelTokenError, "token_invalid", "Token verification failed"),
    5106: _spec(QuectelTokenError, "token_missing", "Please enter token"),
    # Account and devices (userInfo.md, userDeviceList.md)
    5033: _spec(QuectelResponseError, "user_not_found", "User does not exist"),
    5047: _spec(QuectelTokenError, "user_mismatch", "User authentication mismatch"),
    5065: _spec(QuectelResponseError, "user_id_missing", "Please enter user ID"),
    # Only shareDevice sends a device name (userDeviceList's filter is unused):
    # a request to change, like the other sharing refusals.
    5333: _spec(
        QuectelSharingError, "device_name_too_long", "Device name exceeds length limit"
    ),
    # Sharing (shareByUid.md, shareInfo.md, deviceShareUserList.md,
    # ownerUserUnshareDevice.md, setShareTime.md, shareDevice.md,
    # shareUserUnshareDevice.md)
    5041: _spec(QuectelPermissionError, "no_permission", "No permission"),
    5049: _spec(QuectelSharingError, "device_already_bound", "Device already bound"),
    5066: _spec(QuectelSharingError, "product_key_missing", "Please enter Product Key"),
    5067: _spec(QuectelSharingError, "device_key_missing", "Please enter Device Key"),
    5132: _spec(
        QuectelSharingError,
        "accept_deadline_missing",
        "Please enter share QR code seed expiration time",
    ),
    5133: _spec(
        QuectelSharingError,
        "cover_mark_out_of_range",
        "Override flag parameter value out of range",
    ),
    5134: _spec(
        QuectelSharingError,
        "share_failed",
        "Failed to add device share information (unknown recipient, or yourself)",
    ),
    5135: _spec(
        QuectelPermissionError,
        "no_share_permission",
        "No permission to share this device",
    ),
    5136: _spec(QuectelSharingError, "share_code_missing", "Please enter share code"),
    5137: _spec(QuectelSharingError, "share_code_invalid", "Invalid share code"),
    5138: _spec(QuectelSharingError, "share_accept_failed", "Device sharing failed"),
    5141: _spec(
        QuectelPermissionError,
        "no_query_permission",
        "No permission to query this device",
    ),
    5142: _spec(QuectelSharingError, "share_expired", "This share has expired"),
    5145: _spec(QuectelSharingError, "timestamp_invalid", "Timestamp format incorrect"),
    5151: _spec(
        QuectelSharingError,
        "share_code_not_longer",
        "With override flag 3, the device usage expiration time of the share code"
        " cannot be less than that of the currently used share code",
    ),
    5153: _spec(
        QuectelSharingError,
        "expiry_not_after_accept_deadline",
        "Device usage expiration time must be greater than share QR code seed"
        " expiration time",
    ),
    5360: _spec(
        QuectelSharingError,
        "device_unverified",
        "Cannot share an unverified bound device",
    ),
    5864: _spec(
        QuectelSharingError,
        "recipient_is_family_member",
        "A family member cannot accept a family device share",
    ),
    5891: _spec(
        QuectelSharingError,
        "recipient_missing",
        "Please enter the recipient's uid, email or phone",
    ),
    # ------------------------------------------------------------------------
    # Reported by users of the live cloud, not in the docs.
    # ------------------------------------------------------------------------
    # msg "Insufficient resources in the manufacturer's account…": the daily
    # request quota of the app's manufacturer is used up; it resets at 00:00
    # UTC. Not a credentials problem, even when it answers a login.
    4026: _spec(
        QuectelQuotaError,
        "quota_exhausted",
        "Insufficient resources in the manufacturer's account",
    ),
    # Often transient: the client asks once more before raising it.
    4007: _spec(QuectelDeviceNotBoundError, "device_not_bound", "Device is not bound"),
    5014: _spec(QuectelAccessDeniedError, "access_denied", "No permission"),
}


def error_from_code(code: int, msg: str) -> QuectelResponseError:
    """Build the exception for an error code the cloud answered with."""
    spec = ERROR_CODES.get(code)
    if spec is None:
        return QuectelResponseError(
            f"Cloud error {code}: {msg or 'no message'}", code=code, msg=msg
        )
    return spec.exception(f"{spec.explanation} ({code})", code=code, msg=msg)


def error_for_key(key: str) -> QuectelResponseError:
    """Build the exception of the one code whose key is ``key``.

    For a refusal the client makes before any request, as the cloud would:
    the code stays named in `ERROR_CODES` alone. A key that no code or
    several codes have is a programming error (`ValueError`).
    """
    codes = [code for code, spec in ERROR_CODES.items() if spec.key == key]
    if len(codes) != 1:
        raise ValueError(f"{len(codes)} error codes have the key {key!r}")
    return error_from_code(codes[0], "")
