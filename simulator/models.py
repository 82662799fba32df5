"""The simulated cloud's records: users, devices, shares, tokens and requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .docs import CoverMark, ShareStatus

DEFAULT_INTERNATIONAL_CODE = "86"


@dataclass(slots=True)
class SimUser:
    """An end-user account of the scenario's user domain.

    ``failed_logins`` and ``frozen_until`` hold the login lock-out state: five
    wrong passwords in a row freeze the account until ``frozen_until`` (epoch
    seconds on the simulator's clock).
    """

    uid: str
    password: str
    email: str | None = None
    phone: str | None = None
    international_code: str = DEFAULT_INTERNATIONAL_CODE
    nickname: str = ""
    family_id: str | None = None
    register_time_ms: int = 0
    last_login_time_ms: int | None = None
    lang: str = "en"
    timezone: str = "UTC"
    failed_logins: int = 0
    frozen_until: float | None = None


@dataclass(slots=True)
class SimDevice:
    """A device bound to its owner (deviceType 1 for the owner)."""

    pk: str
    dk: str
    name: str
    product_name: str
    owner_uid: str
    auth_key: str
    verified: bool = True
    online: bool = True
    create_time_ms: int = 0
    bind_time_ms: int = 0
    # The owner's binding has expired: its entry in the owner's userDeviceList
    # has `status` and `bindStatus` 2 ("Binding status: 1-Normal 2-Expired").
    binding_expired: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """The ``(pk, dk)`` pair identifying the device."""
        return (self.pk, self.dk)


@dataclass(slots=True)
class SimShare:
    """One share of a device: made by ``shareByUid``, or a share code.

    A share code made by ``shareInfo`` is an invitation: PENDING, with no
    recipient (``share_uid`` None) and no ``accept_time_ms`` until someone
    accepts it (``shareDevice``) before ``accepting_expire_at_ms``; then it
    is ACTIVE like a share by uid, and ``device_name`` is the name the
    recipient gave the device (None: the owner's name).

    ``status`` is the stored status. A share whose ``expire_at_ms`` has
    passed, or an invitation whose ``accepting_expire_at_ms`` has, is
    reported as `ShareStatus.EXPIRED`; the simulator writes that into
    ``status`` whenever it looks at its shares (see `status_at`).
    """

    share_id: int
    share_code: str
    pk: str
    dk: str
    owner_uid: str
    share_uid: str | None
    cover_mark: CoverMark
    status: ShareStatus
    share_time_ms: int
    accept_time_ms: int | None
    expire_at_ms: int | None
    update_time_ms: int
    delete_time_ms: int | None = None
    accepting_expire_at_ms: int | None = None
    device_name: str | None = None

    def status_at(self, now_ms: int) -> ShareStatus:
        """Return the status at ``now_ms``.

        An active share or an invitation past its expiry, and an invitation
        past its acceptance deadline, are EXPIRED.
        """
        if self.status not in (ShareStatus.ACTIVE, ShareStatus.PENDING):
            return self.status
        ends = [self.expire_at_ms]
        if self.status == ShareStatus.PENDING:
            ends.append(self.accepting_expire_at_ms)
        if any(end is not None and end <= now_ms for end in ends):
            return ShareStatus.EXPIRED
        return self.status


class TokenKind(StrEnum):
    """The two kinds of token a login issues."""

    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(slots=True)
class IssuedToken:
    """A token the simulator handed out; ``expires_at`` is in epoch seconds."""

    token: str
    uid: str
    kind: TokenKind
    expires_at: int
    revoked: bool = False

    def valid_at(self, now: float) -> bool:
        """Whether the token is accepted at ``now`` (epoch seconds)."""
        return not self.revoked and now < self.expires_at


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """A request as the simulator received it.

    ``query`` keeps the first value of each parameter; ``headers`` keep the
    names as the client spelled them (the last value when repeated).
    """

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
