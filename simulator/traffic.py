"""What arrives at the simulator: the request log and the in-flight counters.

`Traffic` is the one home of everything the simulator observes about the
requests themselves, as opposed to the cloud's data (`CloudState`): every
request in arrival order, how many are being handled now (overall and per
account), the highest counts seen, and waiting for a given count.
`RequestPacer` holds the latency added to every request and the sleeps that
`Simulator.stop` cuts short.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .models import LoggedRequest

type RequestListener = Callable[[LoggedRequest], None]


class Traffic:
    """The request log and the concurrency counters of one simulator."""

    def __init__(self) -> None:
        """Start with an empty log and nothing in flight."""
        self.requests: list[LoggedRequest] = []
        self.max_in_flight = 0
        self.max_in_flight_by_uid: dict[str, int] = {}
        self._in_flight = 0
        self._in_flight_by_uid: Counter[str] = Counter()
        self._in_flight_changed = asyncio.Event()
        self._listeners: list[RequestListener] = []
        self.daily_quota: int | None = None
        self._per_day: Counter[tuple[str, int]] = Counter()

    # --- the log -----------------------------------------------------------

    def record(self, request: LoggedRequest) -> None:
        """Append ``request`` to the log, then tell the listeners."""
        self.requests.append(request)
        for listener in list(self._listeners):
            listener(request)

    def add_listener(self, listener: RequestListener) -> Callable[[], None]:
        """Call ``listener`` with each request as it is logged; return a remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def requests_to(self, path: str) -> list[LoggedRequest]:
        """Return the logged requests for ``path``."""
        return [request for request in self.requests if request.path == path]

    def clear(self) -> None:
        """Forget the logged requests."""
        self.requests.clear()

    # --- daily quota -------------------------------------------------------

    def take_quota(self, uid: str, day: int) -> bool:
        """Count a request of ``uid`` on ``day``; False (not counted) once spent."""
        key = (uid, day)
        if self.daily_quota is not None and self._per_day[key] >= self.daily_quota:
            return False
        self._per_day[key] += 1
        return True

    def requests_on(self, uid: str, day: int) -> int:
        """Return how many requests of ``uid`` counted on ``day``."""
        return self._per_day[(uid, day)]

    # --- in flight ---------------------------------------------------------

    @property
    def in_flight_now(self) -> int:
        """The number of requests being handled right now."""
        return self._in_flight

    def reset_max_in_flight(self) -> None:
        """Restart the maxima from the requests in flight now."""
        self.max_in_flight = self._in_flight
        self.max_in_flight_by_uid = {
            uid: count for uid, count in self._in_flight_by_uid.items() if count
        }

    async def wait_in_flight(self, count: int = 1) -> None:
        """Wait until ``count`` requests are being handled at once."""
        while self._in_flight < count:
            await self._in_flight_changed.wait()

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

    def _notify_in_flight(self) -> None:
        self._in_flight_changed.set()
        self._in_flight_changed = asyncio.Event()


class RequestPacer:
    """The latency added to every request, and sleeps that stopping cuts short."""

    def __init__(self, latency: float = 0.0) -> None:
        """Add ``latency`` seconds to every request."""
        self.latency = latency
        self._stopping = asyncio.Event()

    def restart(self) -> None:
        """Let sleeps run again (the simulator is starting)."""
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """End every sleep now, and any later one at once."""
        self._stopping.set()

    async def sleep(self, seconds: float) -> bool:
        """Sleep ``seconds``; False when `stop` cut the sleep short."""
        if seconds <= 0:
            return not self._stopping.is_set()
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return True
        return False
