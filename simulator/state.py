"""The simulated cloud's data: users, devices, shares and tokens.

Everything here is synchronous and free of HTTP; the endpoint logic in
`auth`, `devices` and `sharing` works on a `CloudState`. Times come from a
`Clock` that tests can move forward.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
import secrets
import time

from .docs import CoverMark, ShareStatus
from .envelope import ApiError
from .models import IssuedToken, SimDevice, SimShare, SimUser, TokenKind

DEFAULT_ACCESS_TOKEN_LIFETIME = 7200  # seconds, as in the docs' example token
DEFAULT_REFRESH_TOKEN_LIFETIME = 30 * 86400  # seconds, as in the docs' example
DEFAULT_FREEZE_SECONDS = 20 * 60.0  # "Account frozen, try again after 20 minutes"
# Largest page userDeviceList serves; a bigger pageSize is lowered to this
# (the live cloud's limit is not documented). The response's pageSize tells.
DEFAULT_MAX_PAGE_SIZE = 100
TOKEN_PREFIX = "Bearer "
# How far coverMark 1 reaches (shareByUid.md: "directly override previous
# valid share"): the recipient's active shares of the device, or all of them.
COVER_MARK_SCOPES = ("recipient", "device")
# Whether, and how, userDeviceList keeps listing a device shared with the
# caller once that share has expired (userDeviceList.md: `status` and
# `bindStatus`, "Binding status: 1-Normal 2-Expired"). None: not listed.
# "status", "bindStatus", "both": listed, that field (or both) 2, the other 1.
# "neither": listed with both 1; only its past `sharingExpireTimeTs` tells.
EXPIRED_RECEIVED_LISTINGS = ("status", "bindStatus", "both", "neither")


class Clock:
    """Wall-clock time plus an offset that tests can advance."""

    def __init__(self) -> None:
        """Start at the real time."""
        self.offset = 0.0

    def now(self) -> float:
        """Return the simulated time in epoch seconds."""
        return time.time() + self.offset

    def now_ms(self) -> int:
        """Return the simulated time in epoch milliseconds."""
        return int(self.now() * 1000)

    def utc_day(self) -> int:
        """Return the number of the simulated UTC day (days since the epoch)."""
        return self.now_ms() // 86_400_000

    def advance(self, seconds: float) -> None:
        """Move the simulated time ``seconds`` forward."""
        self.offset += seconds


@dataclass(slots=True)
class CloudState:
    """Users, devices, shares and tokens of one user domain."""

    user_domain: str
    user_domain_secret: str
    clock: Clock = field(default_factory=Clock)
    disabled_domains: set[str] = field(default_factory=set)
    access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME
    refresh_token_lifetime: int = DEFAULT_REFRESH_TOKEN_LIFETIME
    freeze_seconds: float = DEFAULT_FREEZE_SECONDS
    max_page_size: int = DEFAULT_MAX_PAGE_SIZE
    cover_mark_scope: str = "recipient"
    # userDeviceList answers without `hasNextPage` (a client must then page
    # by `pages`/`total`).
    omit_has_next_page: bool = False
    # How userDeviceList lists a share to the caller that has expired (one of
    # `EXPIRED_RECEIVED_LISTINGS`); None (default): it is no longer listed.
    keep_expired_received: str | None = None
    users: dict[str, SimUser] = field(default_factory=dict)
    devices: dict[tuple[str, str], SimDevice] = field(default_factory=dict)
    shares: list[SimShare] = field(default_factory=list)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    _last_share_id: int = 0

    # --- users -------------------------------------------------------------

    def add_user(self, user: SimUser) -> SimUser:
        """Add ``user``; its uid, email and phone must be new."""
        if user.uid in self.users:
            raise ValueError(f"duplicate uid {user.uid}")
        if user.email and self.user_by_email(user.email):
            raise ValueError(f"duplicate email {user.email}")
        if user.phone and self.user_by_phone(user.phone, user.international_code):
            raise ValueError(f"duplicate phone {user.phone}")
        user.register_time_ms = user.register_time_ms or self.clock.now_ms()
        self.users[user.uid] = user
        return user

    def user_by_email(self, email: str) -> SimUser | None:
        """Return the user with ``email`` (case-insensitive), if any."""
        wanted = email.strip().casefold()
        for user in self.users.values():
            if user.email and user.email.casefold() == wanted:
                return user
        return None

    def user_by_phone(
        self, phone: str, international_code: str | None = None
    ) -> SimUser | None:
        """Return the user with ``phone``; ``international_code`` must match if set."""
        for user in self.users.values():
            if user.phone == phone.strip() and (
                international_code is None
                or user.international_code == international_code
            ):
                return user
        return None

    def find_user(self, who: str) -> SimUser:
        """Return the user whose uid, email or phone is ``who``; KeyError if none."""
        user = self.users.get(who) or self.user_by_email(who) or self.user_by_phone(who)
        if user is None:
            raise KeyError(who)
        return user

    def set_password(self, who: str, password: str) -> None:
        """Change the password of the user ``who`` (uid, email or phone)."""
        self.find_user(who).password = password

    def same_family(self, a: SimUser, b: SimUser) -> bool:
        """Whether ``a`` and ``b`` are members of one family."""
        return a.family_id is not None and a.family_id == b.family_id

    # --- devices -----------------------------------------------------------

    def add_device(self, device: SimDevice) -> SimDevice:
        """Bind ``device`` to its owner; (pk, dk) must be new."""
        if device.key in self.devices:
            raise ValueError(f"duplicate device {device.key}")
        if device.owner_uid not in self.users:
            raise KeyError(device.owner_uid)
        now_ms = self.clock.now_ms()
        device.create_time_ms = device.create_time_ms or now_ms
        device.bind_time_ms = device.bind_time_ms or now_ms
        self.devices[device.key] = device
        return device

    def remove_device(self, pk: str, dk: str) -> SimDevice:
        """Unbind a device; its active shares and share codes end with it."""
        device = self.devices.pop((pk, dk))
        for share in self.active_shares(pk, dk) + self.open_invitations(pk, dk):
            self.cancel_share(share)
        return device

    def new_auth_key(self) -> str:
        """Return a fresh authKey-looking string."""
        return secrets.token_urlsafe(16)

    # --- shares ------------------------------------------------------------

    def refresh_share_statuses(self) -> None:
        """Mark every active share whose expiry has passed as EXPIRED."""
        now_ms = self.clock.now_ms()
        for share in self.shares:
            share.status = share.status_at(now_ms)

    def all_shares(self) -> list[SimShare]:
        """Return every share ever made, statuses brought up to date."""
        self.refresh_share_statuses()
        return self.shares

    def active_shares(
        self, pk: str | None = None, dk: str | None = None, share_uid: str | None = None
    ) -> list[SimShare]:
        """Return the active shares, optionally of one device and/or recipient."""
        return [
            share
            for share in self.all_shares()
            if share.status == ShareStatus.ACTIVE
            and (pk is None or share.pk == pk)
            and (dk is None or share.dk == dk)
            and (share_uid is None or share.share_uid == share_uid)
        ]

    def expired_shares(self, share_uid: str) -> list[SimShare]:
        """Return the shares to ``share_uid`` that ended by time (EXPIRED)."""
        return [
            share
            for share in self.all_shares()
            if share.status == ShareStatus.EXPIRED and share.share_uid == share_uid
        ]

    def open_invitations(self, pk: str, dk: str) -> list[SimShare]:
        """Return the device's share codes that can still be accepted."""
        return [
            share
            for share in self.all_shares()
            if share.status == ShareStatus.PENDING and (share.pk, share.dk) == (pk, dk)
        ]

    def share_by_code(self, share_code: str) -> SimShare | None:
        """Return the share with ``share_code``, if any."""
        for share in self.all_shares():
            if share.share_code == share_code:
                return share
        return None

    def add_share(
        self,
        device: SimDevice,
        recipient: SimUser,
        *,
        expire_at_ms: int | None = None,
        cover_mark: CoverMark = CoverMark.OVERRIDE,
        share_code: str | None = None,
        status: ShareStatus = ShareStatus.ACTIVE,
        share_time_ms: int | None = None,
    ) -> SimShare:
        """Record a share of ``device`` with ``recipient``, active at once.

        No sharing rule is checked: this is the primitive both `shareByUid` and
        scenario seeding use.
        """
        when = self.clock.now_ms() if share_time_ms is None else share_time_ms
        self._last_share_id += 1
        share = SimShare(
            share_id=self._last_share_id,
            share_code=share_code or self._new_share_code(),
            pk=device.pk,
            dk=device.dk,
            owner_uid=device.owner_uid,
            share_uid=recipient.uid,
            cover_mark=cover_mark,
            status=status,
            share_time_ms=when,
            accept_time_ms=when,
            expire_at_ms=expire_at_ms,
            update_time_ms=when,
            delete_time_ms=when if status == ShareStatus.CANCELLED else None,
        )
        self.shares.append(share)
        return share

    def add_invitation(
        self,
        device: SimDevice,
        *,
        accepting_expire_at_ms: int,
        expire_at_ms: int | None = None,
        cover_mark: CoverMark = CoverMark.ADD,
        share_code: str | None = None,
    ) -> SimShare:
        """Record a share code of ``device`` that nobody has accepted yet.

        No sharing rule is checked: the primitive of `shareInfo` and tests.
        """
        now_ms = self.clock.now_ms()
        self._last_share_id += 1
        share = SimShare(
            share_id=self._last_share_id,
            share_code=share_code or self._new_share_code(),
            pk=device.pk,
            dk=device.dk,
            owner_uid=device.owner_uid,
            share_uid=None,
            cover_mark=cover_mark,
            status=ShareStatus.PENDING,
            share_time_ms=now_ms,
            accept_time_ms=None,
            expire_at_ms=expire_at_ms,
            update_time_ms=now_ms,
            accepting_expire_at_ms=accepting_expire_at_ms,
        )
        self.shares.append(share)
        return share

    def accept_invitation(
        self, share: SimShare, recipient: SimUser, device_name: str | None = None
    ) -> None:
        """Make ``recipient`` the holder of the invitation ``share``, now.

        No rule is checked: the primitive of `shareDevice` and tests.
        """
        now_ms = self.clock.now_ms()
        share.share_uid = recipient.uid
        share.status = ShareStatus.ACTIVE
        share.accept_time_ms = now_ms
        share.update_time_ms = now_ms
        share.device_name = device_name

    def cancel_share(self, share: SimShare) -> None:
        """Cancel ``share`` now."""
        now_ms = self.clock.now_ms()
        share.status = ShareStatus.CANCELLED
        share.delete_time_ms = now_ms
        share.update_time_ms = now_ms

    def _new_share_code(self) -> str:
        taken = {share.share_code for share in self.shares}
        while (code := secrets.token_hex(12).upper()) in taken:  # pragma: no cover
            pass
        return code

    # --- tokens ------------------------------------------------------------

    def issue_tokens(self, uid: str) -> tuple[IssuedToken, IssuedToken]:
        """Issue a new access and refresh token for ``uid``."""
        now = int(self.clock.now())
        pair = (
            self._issue(uid, TokenKind.ACCESS, now + self.access_token_lifetime),
            self._issue(uid, TokenKind.REFRESH, now + self.refresh_token_lifetime),
        )
        return pair

    def _issue(self, uid: str, kind: TokenKind, expires_at: int) -> IssuedToken:
        token = IssuedToken(
            TOKEN_PREFIX + secrets.token_urlsafe(32), uid, kind, expires_at
        )
        self.tokens[token.token] = token
        return token

    def valid_token(self, value: str, kind: TokenKind) -> IssuedToken | None:
        """Return the issued, unexpired, unrevoked token ``value`` of ``kind``."""
        token = self.tokens.get(value)
        if token is None or token.kind != kind or not token.valid_at(self.clock.now()):
            return None
        return token

    def authenticate(self, authorization: str | None) -> SimUser:
        """Return the user of the access token in ``authorization``.

        Raises ApiError 5106 without a token, 5032 for anything but a valid
        access token sent exactly as issued ("Bearer ..." included).
        """
        if not authorization:
            raise ApiError(5106)
        token = self.valid_token(authorization, TokenKind.ACCESS)
        if token is None or token.uid not in self.users:
            raise ApiError(5032)
        return self.users[token.uid]

    def tokens_of(self, kind: TokenKind) -> Iterator[IssuedToken]:
        """Yield every token of ``kind`` ever issued."""
        return (token for token in self.tokens.values() if token.kind == kind)

    def expire_tokens(self, kind: TokenKind) -> None:
        """Make every issued token of ``kind`` expired now."""
        now = int(self.clock.now())
        for token in self.tokens_of(kind):
            token.expires_at = min(token.expires_at, now)

    def revoke_tokens(self, uid: str | None = None) -> None:
        """Revoke every issued token (of ``uid`` only, when given)."""
        for token in self.tokens.values():
            if uid is None or token.uid == uid:
                token.revoked = True

    def uid_of_token(self, value: str | None) -> str | None:
        """Return the uid a token was issued to, valid or not."""
        token = self.tokens.get(value) if value else None
        return token.uid if token else None
