"""Typed models of the cloud's answers.

Parsing is lenient the way the cloud needs: unknown fields are ignored, nulls
become ``None`` and numbers sent as strings are read as numbers. What cannot be
read at all raises `QuectelMalformedResponseError`, never ``KeyError`` or
``TypeError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import time
from typing import Any, Self

from .const import BindStatus, DeviceType, ShareStatus
from .errors import QuectelMalformedResponseError


def device_unique_id(product_key: str, device_key: str) -> str:
    """Return the one id of a cloud device: ``pk_dk``, with ``_`` escaped in pk.

    The docs give keys no syntax (any string), so the product key is escaped
    where it could be read as the separator: ``%`` becomes ``%25`` and ``_``
    becomes ``%5F``. The first ``_`` of an id is then always the separator,
    and two different pairs of keys never share an id (``pA_B``/``C`` is
    ``pA%5FB_C``, ``pA``/``B_C`` is ``pA_B_C``). Product keys without ``_``
    or ``%`` (all real ones seen so far, e.g. ``p11pLZ``) keep the plain
    ``pk_dk`` of earlier versions.
    """
    escaped = product_key.replace("%", "%25").replace("_", "%5F")
    return f"{escaped}_{device_key}"


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise QuectelMalformedResponseError(f"Expected an object for {what}")
    return value


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float):
        return str(value)
    raise QuectelMalformedResponseError(f"Expected text for {key}")


def _required_str(data: Mapping[str, Any], key: str) -> str:
    value = _str(data, key)
    if value is None:
        raise QuectelMalformedResponseError(f"Missing {key}")
    return value


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise QuectelMalformedResponseError(f"Expected a number for {key}")


def _lenient_int(data: Mapping[str, Any], key: str) -> int | None:
    """Read a number that may be missing or unreadable (``None``)."""
    try:
        return _int(data, key)
    except QuectelMalformedResponseError:
        return None


def _time_ms(data: Mapping[str, Any], key: str) -> datetime | None:
    """Read an epoch-milliseconds field as an aware UTC datetime."""
    value = _int(data, key)
    if value is None or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise QuectelMalformedResponseError(
            f"Timestamp out of range for {key}"
        ) from err


@dataclass(frozen=True, slots=True)
class Token:
    """An access or refresh token and when it expires (epoch seconds)."""

    token: str
    expires_at: int

    @classmethod
    def from_api(cls, value: object, what: str) -> Self:
        """Parse ``{"token": ..., "expirationTime": ...}``."""
        data = _mapping(value, what)
        expires_at = _int(data, "expirationTime")
        if expires_at is None:
            raise QuectelMalformedResponseError(f"Missing expirationTime of {what}")
        return cls(_required_str(data, "token"), expires_at)

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        """Whether the token expires within ``seconds`` from now."""
        return self.expires_at - (time.time() if now is None else now) <= seconds


@dataclass(frozen=True, slots=True)
class Tokens:
    """The token pair returned by login and refresh."""

    access: Token
    refresh: Token

    @classmethod
    def from_api(cls, value: object) -> Self:
        """Parse the ``data`` of a login or refresh answer."""
        data = _mapping(value, "tokens")
        return cls(
            Token.from_api(data.get("accessToken"), "accessToken"),
            Token.from_api(data.get("refreshToken"), "refreshToken"),
        )

    def as_dict(self) -> dict[str, Any]:
        """Serialize for storage (the config entry)."""
        return {
            "access_token": self.access.token,
            "access_token_expires_at": self.access.expires_at,
            "refresh_token": self.refresh.token,
            "refresh_token_expires_at": self.refresh.expires_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self | None:
        """Read what `as_dict` stored; ``None`` when it is incomplete."""
        try:
            return cls(
                Token(str(data["access_token"]), int(data["access_token_expires_at"])),
                Token(
                    str(data["refresh_token"]), int(data["refresh_token_expires_at"])
                ),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True, slots=True)
class User:
    """The logged-in account (`userInfo`)."""

    uid: str
    email: str | None
    phone: str | None
    nickname: str | None

    @classmethod
    def from_api(cls, value: object) -> Self:
        """Parse the ``data`` of `userInfo`."""
        data = _mapping(value, "user")
        return cls(
            uid=_required_str(data, "uid"),
            email=_str(data, "email"),
            phone=_str(data, "phone"),
            nickname=_str(data, "nikeName"),
        )


@dataclass(frozen=True, slots=True)
class Device:
    """One device of the account's device list."""

    product_key: str
    device_key: str
    name: str
    product_name: str | None
    device_type: int | None
    auth_key: str | None
    verified: bool
    online: bool
    # Only for a device shared with the account (deviceType 2): the share
    # code it holds, who shared it, and when its access ends (None: for life).
    share_code: str | None = None
    owner_uid: str | None = None
    share_expires_at: datetime | None = None
    # `status` and `bindStatus`, both "Binding status: 1-Normal 2-Expired".
    status: int | None = None
    bind_status: int | None = None

    @classmethod
    def from_api(cls, value: object) -> Self:
        """Parse one entry of `userDeviceList`.

        The end of access of a device shared with the account is
        ``sharingExpireTimeTs`` in userDeviceList.md; ``sharingExpireAtTs``
        (deviceShareUserList.md's name for the same end) is read when that is
        missing. A binding status that is not a number is read as unknown:
        it must not make the whole list unreadable.
        """
        data = _mapping(value, "device")
        device_key = _required_str(data, "deviceKey")
        device_type = _int(data, "deviceType")
        shared = device_type == DeviceType.SHARED_WITH_ME
        expires_at = _time_ms(data, "sharingExpireTimeTs") or _time_ms(
            data, "sharingExpireAtTs"
        )
        return cls(
            product_key=_required_str(data, "productKey"),
            device_key=device_key,
            name=_str(data, "deviceName") or device_key,
            product_name=_str(data, "productName"),
            device_type=device_type,
            auth_key=_str(data, "authKey"),
            verified=_int(data, "verified") == 1,
            online=_int(data, "onlineStatus") == 1,
            share_code=_str(data, "shareCode") if shared else None,
            owner_uid=_str(data, "ownerUid") if shared else None,
            share_expires_at=expires_at if shared else None,
            status=_lenient_int(data, "status"),
            bind_status=_lenient_int(data, "bindStatus"),
        )

    @property
    def owned(self) -> bool:
        """Whether the account owns the device (only owners can share it)."""
        return self.device_type == DeviceType.OWNED

    @property
    def shared_with_me(self) -> bool:
        """Whether someone else shared the device with the account."""
        return self.device_type == DeviceType.SHARED_WITH_ME

    def access_ended(self, now: datetime) -> bool:
        """Whether the cloud lists this device shared with the account past its end.

        Its `status` or `bindStatus` says expired (2), or the end of access
        has passed. Only meaningful for a device shared with the account.
        """
        return BindStatus.EXPIRED in (self.status, self.bind_status) or (
            self.share_expires_at is not None and self.share_expires_at <= now
        )

    @property
    def unique_id(self) -> str:
        """The device's id within the cloud: `device_unique_id` of its keys."""
        return device_unique_id(self.product_key, self.device_key)


@dataclass(frozen=True, slots=True)
class Recipient:
    """The user a device is shared with (``userInfo`` of a share)."""

    uid: str | None
    email: str | None
    phone: str | None
    nickname: str | None

    @classmethod
    def from_api(cls, value: object) -> Self:
        """Parse the ``userInfo`` of a share; a missing one is empty."""
        data = _mapping(value if value is not None else {}, "userInfo")
        return cls(
            uid=_str(data, "uid"),
            email=_str(data, "email"),
            phone=_str(data, "phone"),
            nickname=_str(data, "nikeName"),
        )

    @property
    def known(self) -> bool:
        """Whether the share names its recipient at all."""
        return any((self.uid, self.email, self.phone))


@dataclass(frozen=True, slots=True)
class Share:
    """One share of a device (`deviceShareUserList`).

    A share made with a share code (`shareInfo`) is an invitation until
    someone accepts it: it names no recipient and has no acceptance time,
    and ``accept_by`` is its deadline. Nobody can use the device through it
    yet, so it is never active; once accepted it is a share like any other.
    """

    share_code: str
    product_key: str | None
    device_key: str | None
    status: int | None
    shared_at: datetime | None
    accepted_at: datetime | None
    expires_at: datetime | None
    recipient: Recipient
    accept_by: datetime | None = None

    @classmethod
    def from_api(cls, value: object) -> Self:
        """Parse one ``{"shareInfo": ..., "userInfo": ...}`` entry."""
        data = _mapping(value, "share")
        info = _mapping(data.get("shareInfo"), "shareInfo")
        recipient = Recipient.from_api(data.get("userInfo"))
        if recipient.uid is None:
            recipient = Recipient(
                _str(info, "shareUid"),
                recipient.email,
                recipient.phone,
                recipient.nickname,
            )
        return cls(
            share_code=_required_str(info, "shareCode"),
            product_key=_str(info, "pk"),
            device_key=_str(info, "dk"),
            status=_int(info, "shareStatus"),
            shared_at=_time_ms(info, "shareTimeTs"),
            accepted_at=_time_ms(info, "acceptTimeTs"),
            expires_at=_time_ms(info, "sharingExpireAtTs"),
            recipient=recipient,
            accept_by=_time_ms(info, "acceptingExpireAtTs"),
        )

    @property
    def is_invitation(self) -> bool:
        """Whether this is a share code nobody has accepted (yet)."""
        return self.accepted_at is None and not self.recipient.known

    def is_active(self, now: datetime | None = None) -> bool:
        """Whether the recipient can use the device now (never an invitation)."""
        if self.is_invitation:
            return False
        if self.status not in (ShareStatus.ACTIVE, ShareStatus.PENDING, None):
            return False
        if self.expires_at is None:
            return True
        return self.expires_at > (now or datetime.now(UTC))

    def is_open_invitation(self, now: datetime | None = None) -> bool:
        """Whether this is an invitation that can still be accepted.

        Not accepted, not cancelled or expired, and neither its deadline
        (``accept_by``; none known: open) nor its end has passed.
        """
        if not self.is_invitation or self.status in (
            ShareStatus.CANCELLED,
            ShareStatus.EXPIRED,
        ):
            return False
        moment = now or datetime.now(UTC)
        return all(
            end is None or end > moment for end in (self.accept_by, self.expires_at)
        )


def parse_list(value: object, what: str) -> list[Any]:
    """Return ``value`` as a list (``None`` is an empty list)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise QuectelMalformedResponseError(f"Expected a list for {what}")
    return value


@dataclass(frozen=True, slots=True)
class DevicePage:
    """One page of `userDeviceList`."""

    devices: list[Device]
    total: int | None
    has_next_page: bool

    @classmethod
    def from_api(
        cls,
        value: object,
        page: int,
        page_size: int,
        *,
        received_before: int | None = None,
    ) -> Self:
        """Parse the ``data`` PageInfo of `userDeviceList`, page ``page``.

        ``page_size`` is what was asked for; the cloud may answer with a
        smaller one (its ``pageSize``), which is the one that counts.
        ``received_before`` is how many devices the earlier pages brought
        (by default, full pages of the cloud's size).

        Whether a page follows is read from the first field the cloud sent,
        in this order: ``hasNextPage``, ``isLastPage``, ``pages`` (against
        ``page``), ``total`` (against the devices received so far), then
        ``pageSize`` (a full page may have a next one). With none of them, a
        page that is not empty may have a next one: a device missed would be
        removed from Home Assistant, while an extra page costs one request.
        An empty page is always the last.
        """
        data = _mapping(value, "device page")
        devices = [
            Device.from_api(item) for item in parse_list(data.get("list"), "list")
        ]
        total = _int(data, "total")
        answered_size = _int(data, "pageSize")
        size = answered_size if answered_size and answered_size > 0 else None
        has_next = data.get("hasNextPage")
        is_last = data.get("isLastPage")
        pages = _int(data, "pages")
        if isinstance(has_next, bool):
            has_next_page = has_next
        elif isinstance(is_last, bool):
            has_next_page = not is_last
        elif pages is not None:
            has_next_page = page < pages
        elif total is not None:
            if received_before is None:
                received_before = (page - 1) * (size or page_size)
            has_next_page = received_before + len(devices) < total
        elif size is not None:
            has_next_page = len(devices) >= size
        else:
            has_next_page = True
        return cls(devices, total, has_next_page and bool(devices))
