"""Async client of the Quectel IoT (Acceleronix) end-user cloud API.

Independent of Home Assistant: it takes an `aiohttp.ClientSession`.
"""

from .client import (
    Account,
    EmailAccount,
    PhoneAccount,
    QuectelClient,
    RequestObserver,
)
from .const import CoverMark, DataCenter, DeviceType, Endpoint, ShareStatus
from .errors import (
    ERROR_CODES,
    ErrorSpec,
    QuectelAccountLockedError,
    QuectelAuthenticationError,
    QuectelConnectionError,
    QuectelError,
    QuectelInvalidCredentialsError,
    QuectelMalformedResponseError,
    QuectelOutcomeUnknownError,
    QuectelPermissionError,
    QuectelQuotaError,
    QuectelResponseError,
    QuectelSharingError,
    QuectelSignatureError,
    QuectelTimeoutError,
    QuectelTokenError,
    QuectelUserDomainError,
)
from .models import Device, Recipient, Share, Token, Tokens, User
from .url import InvalidBaseUrlError, check_base_url

__all__ = [
    "ERROR_CODES",
    "Account",
    "CoverMark",
    "DataCenter",
    "Device",
    "DeviceType",
    "EmailAccount",
    "Endpoint",
    "ErrorSpec",
    "InvalidBaseUrlError",
    "PhoneAccount",
    "QuectelAccountLockedError",
    "QuectelAuthenticationError",
    "QuectelClient",
    "QuectelConnectionError",
    "QuectelError",
    "QuectelInvalidCredentialsError",
    "QuectelMalformedResponseError",
    "QuectelOutcomeUnknownError",
    "QuectelPermissionError",
    "QuectelQuotaError",
    "QuectelResponseError",
    "QuectelSharingError",
    "QuectelSignatureError",
    "QuectelTimeoutError",
    "QuectelTokenError",
    "QuectelUserDomainError",
    "Recipient",
    "RequestObserver",
    "Share",
    "ShareStatus",
    "Token",
    "Tokens",
    "User",
    "check_base_url",
]
