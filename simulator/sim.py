"""`Simulator`: the local Quectel cloud, its controls and its request log."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from custom_components.quectel_iot.api.const import CoverMark, ShareStatus

from .app import build_app
from .faults import DEFAULT_HANG_SECONDS, Fault, FaultBook, FaultRule
from .models import LoggedRequest, SimDevice, SimShare, SimUser, TokenKind
from .scenario import build_state, load_scenario
from .state import CloudState

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
        self.latency = latency
        self.faults = FaultBook()
        self.requests: list[LoggedRequest] = []
        self.max_in_flight = 0
        self.max_in_flight_by_uid: dict[str, int] = {}
        self._in_flight = 0
        self._in_flight_by_uid: Counter[str] = Counter()
        self._in_flight_changed = asyncio.Event()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self.app: web.Application = build_app(self)

    @classmethod
    def from_scenario(cls, name_or_path: str | Path, **kwargs: Any) -> Self:
        """Build a simulator from a bundled scenario name or a JSON file path."""
        return cls(load_scenario(name_or_path), **kwargs)

    # --- serving -----------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host``:``port`` (0: a free port); see `base_url`."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        self._stopping = asyncio.Event()
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
        self._stopping.set()
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

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired (5032)."""
        self.state.expire_tokens(TokenKind.ACCESS)

    def expire_refresh_tokens(self) -> None:
        """Make every refresh token issued so far expired (5032)."""
        self.state.expire_tokens(TokenKind.REFRESH)

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
        cover_mark: CoverMark = CoverMark.REPLACE,
        share_code: str | None = None,
        status: ShareStatus = ShareStatus.ACTIVE,
    ) -> SimShare:
        """Record a share of a device with ``share_uid`` (uid, email or phone).

        No sharing rule is checked; the device's owner is the sharer.
        """
        return self.state.add_share(
            self.state.devices[(pk, dk)],
            self.state.find_user(share_uid),
            expire_at_ms=expire_at_ms,
            cover_mark=cover_mark,
            share_code=share_code,
            status=status,
        )

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

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        """Return the logged requests for the path ``endpoint``."""
        return [request for request in self.requests if request.path == endpoint]

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.requests.clear()

    def reset_max_in_flight(self) -> None:
        """Restart the in-flight maxima from the requests in flight now."""
        self.max_in_flight = self._in_flight
        self.max_in_flight_by_uid = {
            uid: count for uid, count in self._in_flight_by_uid.items() if count
        }

    @property
    def in_flight_now(self) -> int:
        """The number of requests being handled right now."""
        return self._in_flight

    async def wait_in_flight(self, count: int = 1) -> None:
        """Wait until ``count`` requests are being handled at once.

        Useful to act while a request is held by latency or `Fault.HANG`;
        bound the wait with `asyncio.timeout`.
        """
        while self._in_flight < count:
            await self._in_flight_changed.wait()

    def _notify_in_flight(self) -> None:
        self._in_flight_changed.set()
        self._in_flight_changed = asyncio.Event()

    def log_request(self, request: LoggedRequest) -> None:
        """Append ``request`` to the log (the pipeline calls this)."""
        self.requests.append(request)

    @contextmanager
    def in_flight(self, uid: str | None) -> Iterator[None]:
        """Count a request as in flight, for ``uid`` too when known."""
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)
        self._notify_in_flight()
        if uid is not None:
            self._in_flight_by_uid[uid] += 1
            self.max_in_flight_by_uid[uid] = max(
                self.max_in_flight_by_uid.get(uid, 0), self._in_flight_by_uid[uid]
            )
        try:
            yield
        finally:
            self._in_flight -= 1
            if uid is not None:
                self._in_flight_by_uid[uid] -= 1

    async def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False when `stop` cut the sleep short."""
        if seconds <= 0:
            return not self._stopping.is_set()
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return True
        return False
