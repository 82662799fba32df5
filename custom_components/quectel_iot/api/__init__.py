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
    QuectelAccessDeniedError,
    QuectelAccountLockedError,
    QuectelAuthenticationError,
    QuectelConnectionError,
    QuectelDeviceNotBoundError,
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
    Remedy,
)
from .models import Device, Recipient, Share, Token, Tokens, User, device_unique_id
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
    "QuectelAccessDeniedError",
    "QuectelAccountLockedError",
    "QuectelAuthenticationError",
    "QuectelClient",
    "QuectelConnectionError",
    "QuectelDeviceNotBoundError",
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
    "Remedy",
    "RequestObserver",
    "Share",
    "ShareStatus",
    "Token",
    "Tokens",
    "User",
    "check_base_url",
    "device_unique_id",
]
