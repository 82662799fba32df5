"""Exceptions raised by the Quectel cloud client, and the table of error codes.

`ERROR_CODES` is the one place where a documented cloud error code is named: it
maps the code to the exception class the client raises, a stable ``key`` (used
by the Home Assistant integration as its translation key) and a short English
explanation. The simulator answers with the same table.
"""

from __future__ import annotations

from dataclasses import dataclass


class QuectelError(Exception):
    """Base class of every error the client raises."""


class QuectelConnectionError(QuectelError):
    """The cloud could not be reached, or its answer was cut off."""


class QuectelTimeoutError(QuectelConnectionError):
    """The cloud did not answer within the request timeout."""


class QuectelOutcomeUnknownError(QuectelConnectionError):
    """A request that must not be repeated may or may not have been executed.

    Raised instead of retrying a non-idempotent request (sharing in ``add``
    mode) when the connection failed after the request was sent.
    """


class QuectelResponseError(QuectelError):
    """The cloud answered with an error code, or with something unreadable."""

    def __init__(self, message: str, *, code: int | None = None, msg: str = "") -> None:
        """Keep the cloud's ``code`` and ``msg`` next to our explanation."""
        super().__init__(message)
        self.code = code
        self.msg = msg

    @property
    def key(self) -> str:
        """Stable identifier of this error (a translation key downstream)."""
        spec = ERROR_CODES.get(self.code) if self.code is not None else None
        return spec.key if spec else "unknown_error_code"


class QuectelMalformedResponseError(QuectelResponseError):
    """The body was not the documented JSON envelope."""

    @property
    def key(self) -> str:
        """Stable identifier of this error."""
        return "malformed_response"


class QuectelAuthenticationError(QuectelResponseError):
    """The account could not be authenticated; a new password is needed."""


class QuectelInvalidCredentialsError(QuectelAuthenticationError):
    """Wrong account or password."""

    @property
    def remaining_attempts(self) -> int | None:
        """Attempts left before the account is frozen, when the cloud says so."""
        spec = ERROR_CODES.get(self.code) if self.code is not None else None
        return spec.remaining_attempts if spec else None


class QuectelAccountLockedError(QuectelAuthenticationError):
    """The account is frozen (5147) or access is blocked (5325) for a while."""


class QuectelUserDomainError(QuectelAuthenticationError):
    """The user domain is unknown, malformed or disabled."""


class QuectelSignatureError(QuectelAuthenticationError):
    """The signature was rejected: the user domain secret is wrong."""


class QuectelTokenError(QuectelResponseError):
    """The access or refresh token was rejected (handled inside the client)."""


class QuectelSharingError(QuectelResponseError):
    """The cloud refused a sharing request."""


class QuectelPermissionError(QuectelSharingError):
    """The account has no permission for this device or share."""


class QuectelQuotaError(QuectelResponseError):
    """The account's daily request quota is used up (until 00:00 UTC).

    Not a credentials problem, even when it answers a login or a refresh.
    """


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """What a documented error code means."""

    exception: type[QuectelResponseError]
    key: str
    explanation: str
    remaining_attempts: int | None = None


def _spec(
    exception: type[QuectelResponseError],
    key: str,
    explanation: str,
    remaining_attempts: int | None = None,
) -> ErrorSpec:
    return ErrorSpec(exception, key, explanation, remaining_attempts)


_WRONG = "Incorrect account or password"

ERROR_CODES: dict[int, ErrorSpec] = {
    # Login (emailPwdLogin.md, phonePwdLogin.md)
    5002: _spec(
        QuectelAuthenticationError,
        "phone_already_registered",
        "Phone number already registered",
    ),
    5004: _spec(
        QuectelInvalidCredentialsError,
        "phone_not_registered",
        "Phone number not registered",
    ),
    5013: _spec(
        QuectelUserDomainError, "user_domain_invalid", "Incorrect user domain format"
    ),
    5015: _spec(
        QuectelUserDomainError, "user_domain_unknown", "User domain does not exist"
    ),
    5019: _spec(
        QuectelInvalidCredentialsError, "phone_invalid", "Incorrect phone number format"
    ),
    5021: _spec(
        QuectelInvalidCredentialsError, "phone_missing", "Please enter phone number"
    ),
    5022: _spec(
        QuectelInvalidCredentialsError, "password_missing", "Please enter password"
    ),
    5023: _spec(
        QuectelUserDomainError, "user_domain_missing", "Please enter user domain"
    ),
    5026: _spec(QuectelInvalidCredentialsError, "email_missing", "Please enter email"),
    5028: _spec(QuectelInvalidCredentialsError, "invalid_auth", "Password incorrect"),
    5031: _spec(
        QuectelInvalidCredentialsError, "email_not_registered", "Email not registered"
    ),
    5040: _spec(
        QuectelInvalidCredentialsError, "email_invalid", "Incorrect email format"
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
    5333: _spec(
        QuectelResponseError, "device_name_too_long", "Device name exceeds length limit"
    ),
    # Sharing (shareByUid.md, shareInfo.md, deviceShareUserList.md,
    # ownerUserUnshareDevice.md, setShareTime.md)
    5041: _spec(QuectelPermissionError, "no_permission", "No permission"),
    5066: _spec(QuectelSharingError, "product_key_missing", "Please enter Product Key"),
    5067: _spec(QuectelSharingError, "device_key_missing", "Please enter Device Key"),
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
    5141: _spec(
        QuectelPermissionError,
        "no_query_permission",
        "No permission to query this device",
    ),
    5142: _spec(QuectelSharingError, "share_expired", "This share has expired"),
    5145: _spec(QuectelSharingError, "timestamp_invalid", "Timestamp format incorrect"),
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
    # Not in the docs: reported by users of other clients of the live cloud,
    # once the account's daily request quota is used up (until 00:00 UTC).
    4026: _spec(
        QuectelQuotaError,
        "quota_exhausted",
        "Insufficient resources in the manufacturer's account",
    ),
}


def error_from_code(code: int, msg: str) -> QuectelResponseError:
    """Build the exception for an error code the cloud answered with."""
    spec = ERROR_CODES.get(code)
    if spec is None:
        return QuectelResponseError(
            f"Cloud error {code}: {msg or 'no message'}", code=code, msg=msg
        )
    return spec.exception(f"{spec.explanation} ({code})", code=code, msg=msg)
