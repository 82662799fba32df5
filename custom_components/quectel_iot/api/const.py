"""Data centers and endpoints of the Quectel end-user (App) OpenAPI."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Final


class DataCenter(StrEnum):
    """The public data centers; their value is the base URL."""

    CHINA = "https://iot-api.quectelcn.com"
    EUROPE = "https://iot-api.acceleronix.io"
    # Not named in the API docs; public clients of the same cloud use it.
    NORTH_AMERICA = "https://iot-api.landecia.com"


class Endpoint(StrEnum):
    """Paths of the endpoints the client calls (see shared/quectel-api/)."""

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


# HTTP method of each endpoint, as documented.
ENDPOINT_METHODS: Final[dict[Endpoint, str]] = {
    Endpoint.EMAIL_LOGIN: "POST",
    Endpoint.PHONE_LOGIN: "POST",
    Endpoint.REFRESH_TOKEN: "PUT",
    Endpoint.USER_INFO: "GET",
    Endpoint.DEVICE_LIST: "GET",
    Endpoint.SHARE_BY_UID: "POST",
    Endpoint.SHARE_USER_LIST: "GET",
    Endpoint.OWNER_UNSHARE: "DELETE",
    Endpoint.SET_SHARE_TIME: "PUT",
    Endpoint.SHARE_INFO: "POST",
    Endpoint.SHARE_DEVICE: "POST",
    Endpoint.RECIPIENT_UNSHARE: "DELETE",
}


class CoverMark(IntEnum):
    """How `shareByUid` and `shareInfo` treat the previous share."""

    REPLACE = 1  # replace it with a new share code (the cloud's default)
    ADD = 2  # add another share next to it
    EXTEND = 3  # replace it only when the new expiry is later


class DeviceType(IntEnum):
    """`deviceType` in the device list."""

    OWNED = 1
    SHARED_WITH_ME = 2


class BindStatus(IntEnum):
    """`status` and `bindStatus` in the device list: "Binding status"."""

    NORMAL = 1
    EXPIRED = 2


# Success codes: real responses use 200, the docs' templates show 0.
SUCCESS_CODES: Final = frozenset({0, 200})

DEVICE_PAGE_SIZE: Final = 100
REQUEST_TIMEOUT: Final = 15.0
# Refresh the access token this many seconds before it expires.
TOKEN_REFRESH_MARGIN: Final = 300
# At most this many requests in flight per account.
MAX_CONCURRENT_REQUESTS: Final = 10
# Seconds before a call answered "device not bound" (4007) is sent once more.
NOT_BOUND_RETRY_DELAY: Final = 1.0


class ShareStatus(IntEnum):
    """`shareInfo.shareStatus` in `deviceShareUserList`.

    The docs name the field but not its values. This is our reading, which the
    simulator follows: a share made with `shareByUid` is active at once (the
    recipient is a known user); a share code made with `shareInfo` is pending
    until someone accepts it (`shareDevice`), then active; one revoked by
    either side is cancelled.
    A share whose `sharingExpireAtTs` has passed counts as expired whatever
    its status says.
    """

    PENDING = 0
    ACTIVE = 1
    CANCELLED = 2
    EXPIRED = 3
