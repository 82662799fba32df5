"""The simulator's own tables, written from the cloud's API docs alone.

Paths, methods, query parameters and error messages of every endpoint the
simulator serves, copied from each endpoint's page in ``shared/quectel-api/``
(English; the Chinese originals are in ``zh/``), and the enumerations those
pages define. Nothing here comes from the integration: a mistake in the
client's tables must not be copied into the fake that tests it.
``tests/test_docs_tables.py`` compares the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final


class Endpoint(StrEnum):
    """Paths of the endpoints the simulator serves ("Interface Address")."""

    EMAIL_LOGIN = "/v2/enduser/enduserapi/emailPwdLogin"
    PHONE_LOGIN = "/v2/enduser/enduserapi/phonePwdLogin"
    REFRESH_TOKEN = "/v2/enduser/enduserapi/refreshToken"
    USER_INFO = "/v2/enduser/enduserapi/userInfo"
    DEVICE_LIST = "/v2/binding/enduserapi/userDeviceList"
    SHARE_BY_UID = "/v2/binding/enduserapi/shareByUid"
    SHARE_USER_LIST = "/v2/binding/enduserapi/deviceShareUserList"
    OWNER_UNSHARE = "/v2/binding/enduserapi/ownerUserUnshareDevice"
    SET_SHARE_TIME = "/v2/binding/enduserapi/setShareTime"
    SHARE_INFO = "/v2/binding/enduserapi/shareInfo"
    SHARE_DEVICE = "/v2/binding/enduserapi/shareDevice"
    RECIPIENT_UNSHARE = "/v2/binding/enduserapi/shareUserUnshareDevice"


@dataclass(frozen=True, slots=True)
class EndpointDoc:
    """What one endpoint's page says.

    ``params`` are the request parameters in the page's order ("Request
    Type: query" for all of them); ``required`` those marked required;
    ``errors`` the "Response Status" table without 200: code -> description,
    which the cloud sends as ``msg``.
    """

    page: str
    method: str
    params: tuple[str, ...]
    required: frozenset[str]
    errors: Mapping[int, str]


def _doc(
    page: str,
    method: str,
    params: tuple[str, ...],
    required: tuple[str, ...],
    errors: dict[int, str],
) -> EndpointDoc:
    return EndpointDoc(
        page, method, params, frozenset(required), MappingProxyType(errors)
    )


_TOKEN_INVALID = "Token verification failed"
_TOKEN_MISSING = "Please enter token"
_PK_MISSING = "Please enter Product Key"
_DK_MISSING = "Please enter Device Key"
_SHARE_CODE_MISSING = "Please enter share code"
_NO_PERMISSION = "No permission"
_SHARE_EXPIRED = "This share has expired"
_BLOCKED = (
    "Due to abnormal behavior {} your current network access, there may be"
    " security risks. We have temporarily blocked your access, which will be"
    " automatically lifted after 24 hours"
)

DOCS: Final[Mapping[Endpoint, EndpointDoc]] = MappingProxyType(
    {
        Endpoint.EMAIL_LOGIN: _doc(
            "emailPwdLogin.md",
            "POST",
            ("email", "pwd", "signature", "userDomain", "mcc", "random"),
            ("email", "pwd", "signature", "userDomain"),
            {
                5013: "Incorrect user domain format",
                5015: "User domain does not exist",
                5022: "Please enter password",
                5023: "Please enter user domain",
                5026: "Please enter email",
                5031: "Email not registered",
                5040: "Incorrect email format",
                5056: "Incorrect password format, please enter 6-20 letters,"
                " numbers or special characters",
                5104: "User domain disabled",
                5147: "Account frozen, please try again after 20 minutes",
                5325: _BLOCKED.format("in"),
                5420: "Signature verification failed",
                5550: "Please enter signature",
                5583: "Incorrect email or password, you have 1 more attempt",
                5584: "Incorrect email or password, you have 2 more attempts",
                5585: "Incorrect email or password, you have 3 more attempts",
                5586: "Incorrect email or password, you have 4 more attempts",
                6084: "MCC does not belong to current data center",
                6085: "Failed to query MCC data center",
            },
        ),
        Endpoint.PHONE_LOGIN: _doc(
            "phonePwdLogin.md",
            "POST",
            (
                "phone",
                "pwd",
                "signature",
                "userDomain",
                "internationalCode",
                "mcc",
                "random",
            ),
            ("phone", "pwd", "signature", "userDomain"),
            {
                5002: "Phone number already registered",
                5004: "Phone number not registered",
                5013: "User domain format incorrect",
                5015: "User domain does not exist",
                5019: "Phone number format incorrect",
                5021: "Please enter phone number",
                5022: "Please enter password",
                5023: "Please enter user domain",
                5028: "Password incorrect",
                5056: "Password format incorrect, please enter 6-20 characters"
                " including letters, numbers, or special characters",
                5104: "User domain has been disabled",
                5147: "Account is frozen, please try again after 20 minutes",
                5325: _BLOCKED.format("from"),
                5420: "Signature verification failed",
                5550: "Please enter signature",
                5579: "Phone number or password incorrect, you have 1 more attempt",
                5580: "Phone number or password incorrect, you have 2 more attempts",
                5581: "Phone number or password incorrect, you have 3 more attempts",
                5582: "Phone number or password incorrect, you have 4 more attempts",
                6084: "MCC does not belong to the current data center",
                6085: "Failed to query data center for MCC",
            },
        ),
        Endpoint.REFRESH_TOKEN: _doc(
            "refreshToken.md", "PUT", ("refreshToken",), ("refreshToken",), {}
        ),
        Endpoint.USER_INFO: _doc(
            "userInfo.md",
            "GET",
            (),
            (),
            {
                5032: _TOKEN_INVALID,
                5033: "User does not exist",
                5065: "Please enter user ID",
                5106: _TOKEN_MISSING,
            },
        ),
        Endpoint.DEVICE_LIST: _doc(
            "userDeviceList.md",
            "GET",
            (
                "deviceName",
                "dk",
                "isAssociation",
                "isGroupDeviceShow",
                "page",
                "pageSize",
                "pkList",
                "secondItemCode",
            ),
            (),
            {
                5032: _TOKEN_INVALID,
                5047: "User authentication mismatch",
                5106: _TOKEN_MISSING,
                5333: "Device name exceeds length limit",
            },
        ),
        Endpoint.SHARE_BY_UID: _doc(
            "shareByUid.md",
            "POST",
            (
                "dk",
                "pk",
                "authKey",
                "coverMark",
                "email",
                "phone",
                "shareUid",
                "sharingExpireAt",
            ),
            ("dk", "pk"),
            {
                5032: _TOKEN_INVALID,
                5066: _PK_MISSING,
                5067: _DK_MISSING,
                5106: _TOKEN_MISSING,
                5133: "Override flag parameter value out of range",
                5134: "Failed to add device share information",
                5145: "Timestamp format incorrect",
                5360: "Cannot share unverified bound device",
                5864: "Family member cannot accept family device share",
                5891: "Please enter recipient's uid, email, or phone",
            },
        ),
        Endpoint.SHARE_USER_LIST: _doc(
            "deviceShareUserList.md",
            "GET",
            ("dk", "pk"),
            ("dk", "pk"),
            {
                5032: _TOKEN_INVALID,
                5066: _PK_MISSING,
                5067: _DK_MISSING,
                5106: _TOKEN_MISSING,
                5141: "No permission to query this device",
            },
        ),
        Endpoint.OWNER_UNSHARE: _doc(
            "ownerUserUnshareDevice.md",
            "DELETE",
            ("shareCode",),
            ("shareCode",),
            {
                5032: _TOKEN_INVALID,
                5041: _NO_PERMISSION,
                5106: _TOKEN_MISSING,
                5136: _SHARE_CODE_MISSING,
                5142: _SHARE_EXPIRED,
            },
        ),
        Endpoint.SET_SHARE_TIME: _doc(
            "setShareTime.md",
            "PUT",
            ("shareCode", "sharingExpireAt"),
            ("shareCode", "sharingExpireAt"),
            {
                5032: _TOKEN_INVALID,
                5041: _NO_PERMISSION,
                5106: _TOKEN_MISSING,
                5136: _SHARE_CODE_MISSING,
            },
        ),
        Endpoint.SHARE_INFO: _doc(
            "shareInfo.md",
            "POST",
            (
                "acceptingExpireAt",
                "dk",
                "pk",
                "authKey",
                "coverMark",
                "sharingExpireAt",
            ),
            ("acceptingExpireAt", "dk", "pk"),
            {
                5032: _TOKEN_INVALID,
                5066: _PK_MISSING,
                5067: _DK_MISSING,
                5106: _TOKEN_MISSING,
                5132: "Please enter share QR code seed expiration time",
                5133: "Override flag parameter value out of range",
                5134: "Failed to add device share information",
                5135: "No permission to share this device",
                5145: "Timestamp format incorrect",
                5153: "Device usage expiration time must be greater than share QR"
                " code seed expiration time",
                5360: "Cannot share unverified bound device",
            },
        ),
        Endpoint.SHARE_DEVICE: _doc(
            "shareDevice.md",
            "POST",
            ("shareCode", "deviceName"),
            ("shareCode",),
            {
                5032: _TOKEN_INVALID,
                5049: "Device already bound",
                5106: _TOKEN_MISSING,
                5136: _SHARE_CODE_MISSING,
                5137: "Invalid share code",
                5138: "Device sharing failed",
                5151: "With override flag 3, the device usage expiration time of"
                " the share code cannot be less than that of the currently used"
                " share code",
                5333: "Device name exceeds length limit",
            },
        ),
        Endpoint.RECIPIENT_UNSHARE: _doc(
            "shareUserUnshareDevice.md",
            "DELETE",
            ("shareCode",),
            ("shareCode",),
            {
                5032: _TOKEN_INVALID,
                5041: _NO_PERMISSION,
                5106: _TOKEN_MISSING,
                5136: _SHARE_CODE_MISSING,
                5142: _SHARE_EXPIRED,
            },
        ),
    }
)

# Codes the simulator answers on an endpoint whose page does not list them
# (the docs are silent on that case), and the endpoint whose page does: the
# message is that page's. See README.md for each choice.
BORROWED_CODES: Final[Mapping[Endpoint, Mapping[int, str]]] = MappingProxyType(
    {
        # refreshToken.md lists no error code: the token codes of the others.
        Endpoint.REFRESH_TOKEN: {5106: _TOKEN_MISSING, 5032: _TOKEN_INVALID},
        # Not the caller's device, or a wrong authKey: shareInfo.md's code.
        Endpoint.SHARE_BY_UID: {5135: "No permission to share this device"},
        # A bad expiry: shareByUid.md's code; an ended share:
        # ownerUserUnshareDevice.md's.
        Endpoint.SET_SHARE_TIME: {
            5145: "Timestamp format incorrect",
            5142: _SHARE_EXPIRED,
        },
    }
)

# Codes the docs do not list but users of the live cloud report, on any
# endpoint: 4026 once the account's daily request quota is spent, 4007 for a
# device that is (often only for a moment) not bound, 5014 "No permission".
REPORTED_CODES: Final[Mapping[int, str]] = MappingProxyType(
    {
        4026: "Insufficient resources in the manufacturer's account",
        4007: "Device is not bound",
        5014: "No permission",
    }
)

METHODS: Final[Mapping[Endpoint, str]] = MappingProxyType(
    {endpoint: doc.method for endpoint, doc in DOCS.items()}
)


def codes_answered(endpoint: Endpoint) -> dict[int, str]:
    """Return every error code ``endpoint`` may answer, with its message."""
    return {
        **DOCS[endpoint].errors,
        **BORROWED_CODES.get(endpoint, {}),
        **REPORTED_CODES,
    }


def error_message(code: int, endpoint: str | None = None) -> str | None:
    """Return the ``msg`` sent with ``code`` on ``endpoint``.

    The endpoint's own page (or borrowed code) first; for a code it does not
    list, the first page that does, in `Endpoint` order; None when no page
    lists the code.
    """
    if endpoint in METHODS:
        message = codes_answered(Endpoint(endpoint)).get(code)
        if message is not None:
            return message
    for other in Endpoint:
        message = DOCS[other].errors.get(code)
        if message is not None:
            return message
    return REPORTED_CODES.get(code)


class CoverMark(IntEnum):
    """``coverMark`` of shareByUid.md / shareInfo.md ("Override flag")."""

    OVERRIDE = 1
    """Directly override the previous valid share (the default)."""
    ADD = 2
    """Directly add: several shares may coexist."""
    EXTEND_ONLY = 3
    """Override only if the share time has been extended."""


class DeviceType(IntEnum):
    """``deviceType`` of userDeviceList.md: "1-Own device 2-Shared device"."""

    OWN = 1
    SHARED = 2


class BindStatus(IntEnum):
    """``status`` and ``bindStatus`` of userDeviceList.md.

    Both are "Binding status: 1-Normal 2-Expired".
    """

    NORMAL = 1
    EXPIRED = 2


class ShareStatus(IntEnum):
    """``shareInfo.shareStatus`` of deviceShareUserList.md.

    The docs name the field but not its values; this is the simulator's
    reading. A share code made with shareInfo waits for its recipient
    (PENDING); a share by uid, or an accepted code, is ACTIVE; one revoked by
    either side is CANCELLED; an active share past its expiry is EXPIRED.
    """

    PENDING = 0
    ACTIVE = 1
    CANCELLED = 2
    EXPIRED = 3
