"""`Simulator`: the local Quectel cloud, its controls and its request log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .app import build_app
from .docs import CoverMark, ShareStatus
from .faults import DEFAULT_HANG_SECONDS, Fault, FaultBook, FaultRule
from .models import (
    IssuedToken,
    LoggedRequest,
    SimDevice,
    SimShare,
    SimUser,
    TokenKind,
)
from .scenario import build_state, load_scenario
from .state import COVER_MARK_SCOPES, EXPIRED_RECEIVED_LISTINGS, CloudState
from .traffic import RequestListener, RequestPacer, Traffic

# How long stop() lets handlers finish; hangs and delays end at once anyway.
SHUTDOWN_TIMEOUT = 2.0


class Simulator:
    """A local, scriptable stand-in for the Quectel end-user cloud.

    Build it from a scenario (`from_scenario`), `start` it, point the client at
    `base_url`, and use the other methods to change the cloud's data, expire
    or revoke tokens, inject faults and inspect the requests received.
    """

    def __init__(
        self,
        scenario: Mapping[str, Any],
        *,
        latency: float = 0.0,
        access_token_lifetime: int | None = None,
        refresh_token_lifetime: int | None = None,
        freeze_seconds: float | None = None,
        max_page_size: int | None = None,
        cover_mark_scope: str | None = None,
        daily_quota: int | None = None,
        omit_has_next_page: bool | None = None,
        keep_expired_received: str | None = None,
    ) -> None:
        """Load ``scenario`` (a scenario dict); keyword arguments override it."""
        self.scenario_name: str = scenario.get("name", "custom")
        self.state: CloudState = build_state(scenario)
        if access_token_lifetime is not None:
            self.state.access_token_lifetime = access_token_lifetime
        if refresh_token_lifetime is not None:
            self.state.refresh_token_lifetime = refresh_token_lifetime
        if freeze_seconds is not None:
            self.state.freeze_seconds = freeze_seconds
        if max_page_size is not None:
            self.state.max_page_size = max_page_size
        if omit_has_next_page is not None:
            self.state.omit_has_next_page = omit_has_next_page
        if cover_mark_scope is not None:
            self.cover_mark_scope = cover_mark_scope
        if keep_expired_received is not None:
            self.keep_expired_received = keep_expired_received
        self.faults = FaultBook()
        self.traffic = Traffic()
        self.traffic.daily_quota = daily_quota
        self.pacer = RequestPacer(latency)
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self.app: web.Application = build_app(
            self.state, self.faults, self.traffic, self.pacer
        )

    @classmethod
    def from_scenario(cls, name_or_path: str | Path, **kwargs: Any) -> Self:
        """Build a simulator from a bundled scenario name or a JSON file path."""
        return cls(load_scenario(name_or_path), **kwargs)

    # --- serving -----------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host``:``port`` (0: a free port); see `base_url`."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        self.pacer.restart()
        runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        self._base_url = f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        """Stop serving; hanging and delayed requests are dropped at once."""
        if self._runner is None:
            return
        self.pacer.stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start on a free loopback port."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    @property
    def base_url(self) -> str:
        """The URL the simulator serves, e.g. "http://127.0.0.1:8124"."""
        if self._base_url is None:
            raise RuntimeError("the simulator is not started")
        return self._base_url

    # --- scenario facts ----------------------------------------------------

    @property
    def user_domain(self) -> str:
        """The user domain accounts log in with."""
        return self.state.user_domain

    @property
    def user_domain_secret(self) -> str:
        """The user domain's secret, which signs logins."""
        return self.state.user_domain_secret

    @property
    def disabled_user_domains(self) -> set[str]:
        """User domains that answer 5104 ("disabled"); a live, editable set."""
        return self.state.disabled_domains

    @property
    def users(self) -> dict[str, SimUser]:
        """Every account, by uid (live objects)."""
        return self.state.users

    @property
    def devices(self) -> dict[tuple[str, str], SimDevice]:
        """Every bound device, by (pk, dk) (live objects)."""
        return self.state.devices

    @property
    def shares(self) -> list[SimShare]:
        """Every share ever made, oldest first, statuses up to date."""
        return self.state.all_shares()

    def active_shares(
        self, pk: str | None = None, dk: str | None = None
    ) -> list[SimShare]:
        """Return the shares in force now, optionally of one device."""
        return self.state.active_shares(pk, dk)

    def user(self, who: str) -> SimUser:
        """Return the account whose uid, email or phone is ``who``."""
        return self.state.find_user(who)

    # --- time and tokens ---------------------------------------------------

    def now_ms(self) -> int:
        """Return the simulator's time in epoch milliseconds."""
        return self.state.clock.now_ms()

    def advance_clock(self, seconds: float) -> None:
        """Move the simulator's time forward (tokens, shares, freezes age)."""
        self.state.clock.advance(seconds)

    @property
    def access_token_lifetime(self) -> int:
        """Seconds an access token issued from now on stays valid."""
        return self.state.access_token_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: int) -> None:
        self.state.access_token_lifetime = seconds

    @property
    def refresh_token_lifetime(self) -> int:
        """Seconds a refresh token issued from now on stays valid."""
        return self.state.refresh_token_lifetime

    @refresh_token_lifetime.setter
    def refresh_token_lifetime(self, seconds: int) -> None:
        self.state.refresh_token_lifetime = seconds

    @property
    def freeze_seconds(self) -> float:
        """How long five wrong passwords in a row freeze an account."""
        return self.state.freeze_seconds

    @freeze_seconds.setter
    def freeze_seconds(self, seconds: float) -> None:
        self.state.freeze_seconds = seconds

    @property
    def max_page_size(self) -> int:
        """The largest page userDeviceList serves."""
        return self.state.max_page_size

    @max_page_size.setter
    def max_page_size(self, size: int) -> None:
        self.state.max_page_size = size

    @property
    def omit_has_next_page(self) -> bool:
        """Whether userDeviceList answers leave out ``hasNextPage``."""
        return self.state.omit_has_next_page

    @omit_has_next_page.setter
    def omit_has_next_page(self, omit: bool) -> None:
        self.state.omit_has_next_page = omit

    @property
    def keep_expired_received(self) -> str | None:
        """How userDeviceList lists a device whose share with the caller expired.

        None (default): not listed. "status", "bindStatus", "both": listed,
        that binding-status field (or both) 2 (Expired). "neither": listed
        with both 1; only its past end tells.
        """
        return self.state.keep_expired_received

    @keep_expired_received.setter
    def keep_expired_received(self, listing: str | None) -> None:
        if listing is not None and listing not in EXPIRED_RECEIVED_LISTINGS:
            raise ValueError(
                f"keep_expired_received must be None or one of"
                f" {EXPIRED_RECEIVED_LISTINGS}"
            )
        self.state.keep_expired_received = listing

    @property
    def cover_mark_scope(self) -> str:
        """What coverMark 1 overrides: "recipient" (default) or "device".

        "recipient": the active shares of the device to the same recipient;
        "device": every active share of the device, to anyone.
        """
        return self.state.cover_mark_scope

    @cover_mark_scope.setter
    def cover_mark_scope(self, scope: str) -> None:
        if scope not in COVER_MARK_SCOPES:
            raise ValueError(f"cover_mark_scope must be one of {COVER_MARK_SCOPES}")
        self.state.cover_mark_scope = scope

    @property
    def daily_quota(self) -> int | None:
        """Requests each account may make per UTC day (None: no limit).

        A request counts for the uid of its token, or the account a login or
        refresh names. Once spent, the account's requests answer 4026 until
        00:00 UTC on the simulator's clock; those answers do not count.
        """
        return self.traffic.daily_quota

    @daily_quota.setter
    def daily_quota(self, quota: int | None) -> None:
        self.traffic.daily_quota = quota

    def requests_today(self, who: str) -> int:
        """Return how many requests of ``who`` (uid, email, phone) counted today."""
        uid = self.state.find_user(who).uid
        return self.traffic.requests_on(uid, self.state.clock.utc_day())

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired (5032)."""
        self.state.expire_tokens(TokenKind.ACCESS)

    def expire_refresh_tokens(self) -> None:
        """Make every refresh token issued so far expired (5032)."""
        self.state.expire_tokens(TokenKind.REFRESH)

    def tokens(self, kind: TokenKind | None = None) -> list[IssuedToken]:
        """Return every token issued so far (of ``kind``), valid or not."""
        return [
            token
            for token in self.state.tokens.values()
            if kind is None or token.kind == kind
        ]

    def token(self, value: str) -> IssuedToken:
        """Return the issued token ``value`` (with "Bearer "); KeyError if none."""
        return self.state.tokens[value]

    def revoke_tokens(self, uid: str | None = None) -> None:
        """Revoke every access and refresh token issued so far (of ``uid``)."""
        self.state.revoke_tokens(uid)

    def set_password(self, who: str, password: str) -> None:
        """Change the password of the account ``who`` (uid, email or phone)."""
        self.state.set_password(who, password)

    # --- data changes ------------------------------------------------------

    def add_user(
        self,
        uid: str,
        password: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        international_code: str = "86",
        nickname: str = "",
        family_id: str | None = None,
    ) -> SimUser:
        """Register a new account."""
        return self.state.add_user(
            SimUser(
                uid=uid,
                password=password,
                email=email,
                phone=phone,
                international_code=international_code,
                nickname=nickname or uid,
                family_id=family_id,
            )
        )

    def add_device(
        self,
        pk: str,
        dk: str,
        owner: str,
        *,
        name: str | None = None,
        product_name: str = "Simulated device",
        auth_key: str | None = None,
        verified: bool = True,
        online: bool = True,
    ) -> SimDevice:
        """Bind a new device to ``owner`` (uid, email or phone)."""
        return self.state.add_device(
            SimDevice(
                pk=pk,
                dk=dk,
                name=name or dk,
                product_name=product_name,
                owner_uid=self.state.find_user(owner).uid,
                auth_key=auth_key or self.state.new_auth_key(),
                verified=verified,
                online=online,
            )
        )

    def remove_device(self, pk: str, dk: str) -> SimDevice:
        """Unbind a device; its active shares end (CANCELLED)."""
        return self.state.remove_device(pk, dk)

    def add_share(
        self,
        pk: str,
        dk: str,
        share_uid: str,
        *,
        expire_at_ms: int | None = None,
        cover_mark: CoverMark = CoverMark.OVERRIDE,
        share_code: str | None = None,
        status: ShareStatus = ShareStatus.ACTIVE,
        share_time_ms: int | None = None,
    ) -> SimShare:
        """Record a share of a device with ``share_uid`` (uid, email or phone).

        No sharing rule is checked; the device's owner is the sharer. The
        share is made (and accepted) at ``share_time_ms``, default now; a
        CANCELLED one was cancelled then too.
        """
        return self.state.add_share(
            self.state.devices[(pk, dk)],
            self.state.find_user(share_uid),
            expire_at_ms=expire_at_ms,
            cover_mark=cover_mark,
            share_code=share_code,
            status=status,
            share_time_ms=share_time_ms,
        )

    def add_invitation(
        self,
        pk: str,
        dk: str,
        *,
        accept_by_ms: int,
        expire_at_ms: int | None = None,
        cover_mark: CoverMark = CoverMark.ADD,
        share_code: str | None = None,
    ) -> SimShare:
        """Record a share code of a device, made by its owner now.

        Nobody has accepted it: PENDING, no recipient, until `accept_invitation`
        (or a shareDevice request) before ``accept_by_ms``. No rule is checked.
        """
        return self.state.add_invitation(
            self.state.devices[(pk, dk)],
            accepting_expire_at_ms=accept_by_ms,
            expire_at_ms=expire_at_ms,
            cover_mark=cover_mark,
            share_code=share_code,
        )

    def accept_invitation(
        self, share_code: str, who: str, *, device_name: str | None = None
    ) -> SimShare:
        """Make ``who`` (uid, email or phone) accept a share code now.

        No rule is checked (not the deadline either): the share becomes
        ``who``'s, ACTIVE, as a shareDevice request would make it.
        """
        share = self.share(share_code)
        self.state.accept_invitation(share, self.state.find_user(who), device_name)
        return share

    def share(self, share_code: str) -> SimShare:
        """Return the share with ``share_code``, status up to date; KeyError if none."""
        share = self.state.share_by_code(share_code)
        if share is None:
            raise KeyError(share_code)
        return share

    # --- faults ------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        *,
        endpoint: str | None = None,
        times: int | None = None,
        code: int | None = None,
        body: Any = None,
        hang_seconds: float = DEFAULT_HANG_SECONDS,
    ) -> FaultRule:
        """Make requests to ``endpoint`` (None: any) fail with ``fault``.

        ``times`` requests are hit (None: until `clear_faults`). ``code`` is
        the error code of `Fault.ERROR_CODE`, ``body`` the JSON of
        `Fault.BAD_ENVELOPE`, ``hang_seconds`` the wait of `Fault.HANG`.
        """
        return self.faults.add(
            FaultRule(fault, endpoint, times, code, body, hang_seconds)
        )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    # --- request log and concurrency ----------------------------------------

    @property
    def latency(self) -> float:
        """Seconds added to every request."""
        return self.pacer.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.pacer.latency = seconds

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request received, in arrival order (404s and 405s included)."""
        return self.traffic.requests

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        """Return the logged requests for the path ``endpoint``."""
        return self.traffic.requests_to(endpoint)

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.traffic.clear()

    def on_request(self, listener: RequestListener) -> Callable[[], None]:
        """Call ``listener`` with each request as it arrives; return a remover.

        The request is already in `requests`; it has not been executed yet.
        """
        return self.traffic.add_listener(listener)

    @property
    def max_in_flight(self) -> int:
        """The most requests handled at once since the last reset."""
        return self.traffic.max_in_flight

    @property
    def max_in_flight_by_uid(self) -> dict[str, int]:
        """The most requests of each account handled at once since the last reset."""
        return self.traffic.max_in_flight_by_uid

    @property
    def in_flight_now(self) -> int:
        """The number of requests being handled right now."""
        return self.traffic.in_flight_now

    def reset_max_in_flight(self) -> None:
        """Restart the in-flight maxima from the requests in flight now."""
        self.traffic.reset_max_in_flight()

    async def wait_in_flight(self, count: int = 1) -> None:
        """Wait until ``count`` requests are being handled at once.

        Useful to act while a request is held by latency or `Fault.HANG`;
        bound the wait with `asyncio.timeout`.
        """
        await self.traffic.wait_in_flight(count)
