"""The account's daily request budget: every cloud request counted per UTC day.

The live cloud stops answering an account after about 1,280 requests in a day
(code 4026, until 00:00 UTC). The budget keeps the integration under that:
polling spends at most the budget less a reserve kept for actions, and after
a 4026 nothing is sent until the reset, except one probe.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import QuectelQuotaError, QuectelResponseError, Remedy
from .const import DOMAIN, LOGGER
from .exceptions import QUOTA_CODE, hold_error, next_reset
from .issues import QUOTA_ISSUE, async_clear_issue, async_raise_quota_issue

DEFAULT_DAILY_BUDGET: Final = 1000
MIN_DAILY_BUDGET: Final = 200
MAX_DAILY_BUDGET: Final = 10000
# Kept for actions: polling stops when only this share of the budget is left.
ACTION_RESERVE_SHARE: Final = 0.2

STORAGE_VERSION: Final = 1
# Written at most this often (and at shutdown): a crash loses a few counts.
SAVE_DELAY: Final = 600
# Listeners (the requests sensor) hear of new counts at most this often.
NOTIFY_DELAY: Final = 5
# A 4026 soon after the reset means our clock and the cloud's disagree: try
# again a little later instead of waiting another whole day.
RESET_GRACE: Final = timedelta(hours=2)
RETRY_AFTER_EARLY_PROBE: Final = timedelta(minutes=15)
# A probe that got no answer (the connection failed) may be made again after.
PROBE_TIMEOUT: Final = timedelta(minutes=15)
# A lockout (5147, 5325) whose message names no duration: the docs' 20 minutes.
DEFAULT_LOCKOUT: Final = timedelta(minutes=20)


class RequestBudget:
    """Counts an account's cloud requests per UTC day, and holds them when told.

    It is the client's `RequestObserver`. An answer that says to wait (4026,
    the daily quota; 5147 and 5325, a locked account) holds every request
    until the cloud lifts it: asking sooner does not help, and may extend a
    lockout. The count and the hold survive restarts.
    """

    def __init__(
        self, hass: HomeAssistant, entry_id: str, limit: int = DEFAULT_DAILY_BUDGET
    ) -> None:
        """Prepare the budget of the account ``entry_id``; call `async_load`."""
        self.hass = hass
        self.entry_id = entry_id
        self.limit = limit
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.requests"
        )
        self._day: date = dt_util.utcnow().date()
        self._spent = 0
        self.blocked_until: datetime | None = None
        # The cloud code of what holds the requests: 4026, 5147 or 5325.
        self.block_code: int | None = None
        self._probe_started: datetime | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsub_notify: CALLBACK_TYPE | None = None

    async def async_load(self) -> None:
        """Read the count and any block kept from before a restart."""
        stored = await self._store.async_load()
        if not stored:
            return
        try:
            self._day = date.fromisoformat(stored["day"])
            self._spent = int(stored["spent"])
            blocked = stored.get("blocked_until")
            self.blocked_until = datetime.fromisoformat(blocked) if blocked else None
        except (KeyError, TypeError, ValueError):
            LOGGER.warning("Ignoring an unreadable request count")
            self._day, self._spent, self.blocked_until = (
                dt_util.utcnow().date(),
                0,
                None,
            )
        if self.blocked_until is not None:
            async_raise_quota_issue(self.hass, self.entry_id, self.blocked_until)

    async def async_save(self) -> None:
        """Write the count now (on unload)."""
        await self._store.async_save(self._as_dict())

    async def async_remove(self) -> None:
        """Forget the count (the account is removed)."""
        await self._store.async_remove()

    def _as_dict(self) -> dict[str, Any]:
        return {
            "day": self._day.isoformat(),
            "spent": self._spent,
            "blocked_until": (
                self.blocked_until.isoformat() if self.blocked_until else None
            ),
            "block_code": self.block_code,
        }

    # --- counting -------------------------------------------------------------

    def spent_today(self, now: datetime | None = None) -> int:
        """Return how many requests were sent this UTC day."""
        self._roll_over(now or dt_util.utcnow())
        return self._spent

    @property
    def reserve(self) -> int:
        """Requests kept for actions: polling leaves them unspent."""
        return round(self.limit * ACTION_RESERVE_SHARE)

    @property
    def polling_limit(self) -> int:
        """Requests a day that polling may spend."""
        return self.limit - self.reserve

    def polling_left(self, now: datetime | None = None) -> int:
        """Return how many more requests polling may send today."""
        return max(0, self.polling_limit - self.spent_today(now))

    def _roll_over(self, now: datetime) -> None:
        today = now.astimezone(UTC).date()
        # A clock set back must not reset the count early: only a later day does.
        if today > self._day:
            self._day, self._spent = today, 0

    @callback
    def request_sent(self) -> None:
        """Count a request the client sends."""
        self._roll_over(dt_util.utcnow())
        self._spent += 1
        self._store.async_delay_save(self._as_dict, SAVE_DELAY)
        self._schedule_notify()

    # --- the cloud's quota ------------------------------------------------------

    @callback
    def answer_received(self, error: QuectelResponseError | None) -> None:
        """Note an answer that says to wait, or a success that ends a hold."""
        now = dt_util.utcnow()
        if isinstance(error, QuectelQuotaError):
            self._block(now)
        elif error is not None and error.remedy is Remedy.WAIT:
            self._hold(now, error)
        elif error is None and self.blocked_until is not None:
            self._unblock()

    def is_blocked(self, now: datetime | None = None) -> bool:
        """Whether the quota is known to be used up (no request should go out)."""
        return (
            self.blocked_until is not None
            and (now or dt_util.utcnow()) < self.blocked_until
        )

    def may_poll(self, now: datetime | None = None) -> bool:
        """Whether polling may send a request now.

        After a 4026, nothing until the reset; then one probe at a time, whose
        answer ends the block or starts a new one.
        """
        now = now or dt_util.utcnow()
        if self.blocked_until is None:
            return True
        if now < self.blocked_until:
            return False
        if (
            self._probe_started is not None
            and now - self._probe_started < PROBE_TIMEOUT
        ):
            return False
        self._probe_started = now
        return True

    @property
    def probing(self) -> bool:
        """Whether the next request is the one probe after a 4026's reset."""
        return self.blocked_until is not None and self._probe_started is not None

    def raise_if_blocked(self) -> None:
        """Refuse an action at once, without a request, during a hold."""
        if self.blocked_until is not None and self.is_blocked():
            raise hold_error(self.block_code or QUOTA_CODE, self.blocked_until)

    def _hold(self, now: datetime, error: QuectelResponseError) -> None:
        """Hold every request until a lockout ends (then one probe)."""
        self.blocked_until = error.retry_at or now + DEFAULT_LOCKOUT
        self.block_code = error.code
        self._probe_started = None
        LOGGER.warning(
            "The cloud locked the account (%s); no requests until %s",
            error.code,
            self.blocked_until.isoformat(),
        )
        self._store.async_delay_save(self._as_dict, 0)
        self._schedule_notify()

    def _block(self, now: datetime) -> None:
        previous = self.blocked_until
        if previous is not None and previous <= now < previous + RESET_GRACE:
            self.blocked_until = now + RETRY_AFTER_EARLY_PROBE
        else:
            self.blocked_until = next_reset(now)
        self.block_code = QUOTA_CODE
        self._probe_started = None
        LOGGER.warning(
            "The cloud's daily request quota is used up (4026); no requests until %s",
            self.blocked_until.isoformat(),
        )
        self._store.async_delay_save(self._as_dict, 0)
        async_raise_quota_issue(self.hass, self.entry_id, self.blocked_until)
        self._schedule_notify()

    def _unblock(self) -> None:
        LOGGER.info("The cloud answers the account's requests again")
        self.blocked_until = None
        self.block_code = None
        self._probe_started = None
        self._store.async_delay_save(self._as_dict, 0)
        async_clear_issue(self.hass, QUOTA_ISSUE, self.entry_id)
        self._schedule_notify()

    # --- listeners --------------------------------------------------------------

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> Callable[[], None]:
        """Call ``listener`` (coalesced) when the count or the block changes."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    @callback
    def _schedule_notify(self) -> None:
        if self._unsub_notify is None and self._listeners:
            self._unsub_notify = async_call_later(self.hass, NOTIFY_DELAY, self._notify)

    @callback
    def _notify(self, _now: datetime) -> None:
        self._unsub_notify = None
        for listener in list(self._listeners):
            listener()

    @callback
    def async_shutdown(self) -> None:
        """Stop notifying (on unload)."""
        if self._unsub_notify is not None:
            self._unsub_notify()
            self._unsub_notify = None
