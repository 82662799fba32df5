"""Polling the cloud within the request budget: the devices, and their shares.

The device list changes rarely: it is read hourly at most, less often for
large accounts. Share lists are read a few devices at a time, each device
about as often as the budget allows, sooner when its shares changed or one
ends soon. A device whose list cannot be read keeps its last list and is the
only one marked unavailable. Reads of one device are single-flight: callers
that ask while one is under way share its answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import math
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Device,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelError,
    QuectelResponseError,
    Remedy,
    Share,
    ShareStatus,
)
from .api.const import DEVICE_PAGE_SIZE
from .budget import RequestBudget
from .const import DEVICE_SCAN_INTERVAL, DOMAIN, LOGGER, SHARE_SCAN_INTERVAL
from .exceptions import (
    QUOTA_CODE,
    cloud_reason,
    hold_error,
    next_reset,
    translation_key_for,
    translation_placeholders_for,
)
from .fan_out import fan_out
from .issues import async_raise_reconfigure_issue

# Shares of the polling budget: the device list, and the share lists (the
# rest is for token refreshes and probes).
DEVICE_LIST_SHARE: Final = 0.10
SHARE_LIST_SHARE: Final = 0.85
# How often the share coordinator looks for devices due a read.
SHARE_TICK: Final = timedelta(minutes=5)
# Share-list reads that may go out at once (at setup, or after a quiet spell).
SHARE_BURST: Final = 20
# A device missing from the list is dropped only when a second list, at
# least this much later, confirms it.
GONE_CONFIRM_AFTER: Final = timedelta(minutes=10)
# A read that confirms a change made through Home Assistant.
CONFIRM_AFTER: Final = timedelta(minutes=1)
# The end of a share is confirmed this long after it.
EXPIRY_CONFIRM_DELAY: Final = timedelta(minutes=1)
_NEVER = dt_util.utc_from_timestamp(0)


@dataclass(slots=True)
class QuectelRuntimeData:
    """What a loaded config entry holds."""

    client: QuectelClient
    budget: RequestBudget
    devices: QuectelDeviceCoordinator
    shares: QuectelShareCoordinator


type QuectelConfigEntry = ConfigEntry[QuectelRuntimeData]


def _held(budget: RequestBudget) -> UpdateFailed:
    """Return the failed update while the cloud holds requests."""
    held = hold_error(
        budget.block_code or QUOTA_CODE,
        budget.blocked_until or next_reset(dt_util.utcnow()),
    )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=held.translation_key,
        translation_placeholders=held.translation_placeholders,
    )


def _account_failure(
    hass: HomeAssistant, entry: QuectelConfigEntry, err: QuectelAuthenticationError
) -> Exception:
    """Return what a refused account needs: a new password, or new settings.

    A wrong user domain, secret or data center (remedy RECONFIGURE) stops
    the entry with a repair issue that leads to *Reconfigure*: a password
    form would not help.
    """
    if err.remedy is Remedy.RECONFIGURE:
        async_raise_reconfigure_issue(
            hass, entry.entry_id, entry.title, cloud_reason(err)
        )
        return ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key=translation_key_for(err),
            translation_placeholders=translation_placeholders_for(err),
        )
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN, translation_key="auth_failed"
    )


class QuectelDeviceCoordinator(DataUpdateCoordinator[dict[str, Device]]):
    """The devices the account owns, keyed by their unique id.

    Devices shared *with* the account (`received`) are kept apart from
    ``data``: no share list is read for them and no share action targets
    them; they cannot be re-shared.
    """

    config_entry: QuectelConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: QuectelConfigEntry,
        client: QuectelClient,
        budget: RequestBudget,
    ) -> None:
        """Poll the device list of ``client`` as the budget allows."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} devices",
            update_interval=DEVICE_SCAN_INTERVAL,
            # The models compare by value: an unchanged list wakes no one.
            always_update=False,
        )
        self.client = client
        self.budget = budget
        # The devices shared with the account, keyed by their unique id.
        self.received: dict[str, Device] = {}
        self._missing_since: dict[str, datetime] = {}
        self._received_missing_since: dict[str, datetime] = {}
        # Shares given back (unique id -> share code): a list read that was
        # under way then still shows them, and must not bring them back.
        self._left: dict[str, str] = {}
        self._received_changed = False
        self._pages = 1

    @property
    def regular_interval(self) -> timedelta:
        """How often the list is read: what its pages cost, within the budget."""
        per_day = self.budget.polling_limit * DEVICE_LIST_SHARE
        seconds = self._pages * 86400 / max(per_day, 1)
        return max(DEVICE_SCAN_INTERVAL, timedelta(seconds=seconds))

    async def _async_update_data(self) -> dict[str, Device]:
        if self.data is not None and not self.budget.polling_left():
            return self.data  # what is left of today's budget is for actions
        if not self.budget.may_poll():
            if self.data is None:
                raise _held(self.budget)
            return self.data
        try:
            devices = await self.client.devices()
        except QuectelResponseError as err:
            if err.remedy is Remedy.WAIT:  # a 4026 or a lockout: the budget holds
                if self.data is None:
                    raise _held(self.budget) from err
                return self.data
            if isinstance(err, QuectelAuthenticationError):
                raise _account_failure(self.hass, self.config_entry, err) from err
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cloud_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        except QuectelError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cloud_unavailable",
                translation_placeholders={"error": str(err)},
            ) from err
        return self._take_list(devices)

    def _take_list(self, devices: list[Device]) -> dict[str, Device]:
        """Keep what a device list shows; return the owned devices."""
        now = dt_util.utcnow()
        self._pages = max(1, math.ceil(len(devices) / DEVICE_PAGE_SIZE))
        # Owned devices are kept whatever their `status`/`bindStatus`: what an
        # expired binding of an owned device means is not documented (its
        # shares may still need revoking), and dropping it would delete its
        # entities and the names users gave them on one unexplained field.
        owned = {device.unique_id: device for device in devices if device.owned}
        # A received device listed past the end of its access (status or
        # bindStatus 2, or its end passed) is one the account no longer holds.
        ended = {
            device.unique_id
            for device in devices
            if device.shared_with_me and device.access_ended(now)
        }
        received = {
            device.unique_id: device
            for device in devices
            if device.shared_with_me
            and not device.access_ended(now)
            and self._left.get(device.unique_id) != device.share_code
        }
        # Listed again under a live share: not ended.
        ended -= received.keys()
        # A share given back is forgotten once a list no longer shows it.
        self._left = {
            unique_id: code
            for unique_id, code in self._left.items()
            if any(d.unique_id == unique_id and d.share_code == code for d in devices)
        }
        kept_owned = _keep_until_confirmed_gone(
            owned, self.data or {}, self._missing_since, now
        )
        kept_received = _keep_until_confirmed_gone(
            received,
            self.received,
            self._received_missing_since,
            now,
            # Its access has ended (as last seen, or as the cloud lists it
            # now): no confirmation is needed, the list says so itself.
            gone=lambda device: device.unique_id in ended or device.access_ended(now),
        )
        if kept_received != self.received:
            self.received = kept_received
            self._received_changed = True
        # Look again soon when a device is waiting for confirmation.
        self.update_interval = (
            GONE_CONFIRM_AFTER
            if self._missing_since or self._received_missing_since
            else self.regular_interval
        )
        return kept_owned

    @callback
    def _async_refresh_finished(self) -> None:
        """Wake the listeners when only the received devices changed.

        The owned devices may be unchanged, and then the coordinator itself
        would not wake them.
        """
        if self._received_changed:
            self._received_changed = False
            self.async_update_listeners()

    async def async_read_now(self) -> list[Device]:
        """Read the device list now, for an action: return it, or raise.

        Not held back by the polling budget (actions never are); a device
        missing from this list is removed only as the polls would remove it.
        """
        devices = await self.client.devices()
        owned = self._take_list(devices)
        self._received_changed = False
        self.async_set_updated_data(owned)
        return devices

    @callback
    def async_forget_received(self, unique_id: str) -> None:
        """Drop a device whose share this account gave back, at once."""
        device = self.received.pop(unique_id, None)
        if device is None:
            return
        self._received_missing_since.pop(unique_id, None)
        if device.share_code is not None:
            self._left[unique_id] = device.share_code
        self.async_update_listeners()


def _keep_until_confirmed_gone(
    listed: dict[str, Device],
    previous: dict[str, Device],
    missing_since: dict[str, datetime],
    now: datetime,
    gone: Callable[[Device], bool] = lambda _: False,
) -> dict[str, Device]:
    """Drop a device only when two lists, apart in time, both lack it.

    A list that is momentarily empty or short must not remove devices (and
    with them the names users gave them). ``missing_since`` (changed in
    place) tells since when each missing device has been missing; a device
    that is surely ``gone`` is dropped at once.
    """
    kept = dict(listed)
    for unique_id in listed:
        missing_since.pop(unique_id, None)
    for unique_id, device in previous.items():
        if unique_id in listed:
            continue
        since = missing_since.setdefault(unique_id, now)
        if now - since < GONE_CONFIRM_AFTER and not gone(device):
            kept[unique_id] = device
        else:
            del missing_since[unique_id]
    return kept


class QuectelShareCoordinator(DataUpdateCoordinator[dict[str, list[Share]]]):
    """Every share (any status) of each owned device, keyed by its unique id.

    Each tick reads the share lists of the devices that are due, as many as
    the budget's pace allows. It follows the device coordinator: a device
    that appears (or comes back) gets its share list at once.
    """

    config_entry: QuectelConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: QuectelConfigEntry,
        client: QuectelClient,
        devices: QuectelDeviceCoordinator,
        budget: RequestBudget,
    ) -> None:
        """Read share lists every `SHARE_TICK`, the devices that are due."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} shares",
            update_interval=SHARE_TICK,
            always_update=False,
        )
        self.client = client
        self.devices = devices
        self.budget = budget
        # When each device's list was last read from the cloud.
        self.read_at: dict[str, datetime] = {}
        # Devices whose last read failed, and why.
        self.failed: dict[str, QuectelError] = {}
        self._due: dict[str, datetime] = {}
        self._tokens = float(SHARE_BURST)
        self._tokens_at = dt_util.utcnow()
        self._reads: dict[str, asyncio.Task[list[Share]]] = {}
        self._unreachable = False
        # Whether a device failed or recovered during the refresh under way.
        self._failures_changed = False
        self._listed = set(devices.data or {})
        entry.async_on_unload(devices.async_add_listener(self._devices_updated))

    # --- pacing -----------------------------------------------------------------

    @property
    def period(self) -> timedelta:
        """How long a device waits between two reads of its share list."""
        per_day = self.budget.polling_limit * SHARE_LIST_SHARE
        devices = max(len(self.devices.data or {}), 1)
        return max(SHARE_SCAN_INTERVAL, timedelta(seconds=devices * 86400 / per_day))

    def _take_allowance(self, now: datetime) -> int:
        """Return how many reads may go out now (a token bucket at budget pace)."""
        rate = self.budget.polling_limit * SHARE_LIST_SHARE / 86400
        elapsed = max((now - self._tokens_at).total_seconds(), 0.0)
        self._tokens = min(float(SHARE_BURST), self._tokens + elapsed * rate)
        self._tokens_at = now
        return min(math.floor(self._tokens), self.budget.polling_left(now))

    def _schedule_next(
        self, unique_id: str, now: datetime, changed: bool, shares: list[Share]
    ) -> None:
        period = self.period
        due = now + (period / 2 if changed else period)
        for share in shares:
            if share.expires_at is not None and share.is_active(now):
                due = min(due, share.expires_at + EXPIRY_CONFIRM_DELAY)
        self._due[unique_id] = due

    def due_soon(self, unique_id: str) -> None:
        """Read a device's list at the next tick (to confirm a change)."""
        self._due[unique_id] = min(
            self._due.get(unique_id, _NEVER), dt_util.utcnow() + CONFIRM_AFTER
        )

    # --- reading ----------------------------------------------------------------

    async def _async_update_data(self) -> dict[str, list[Share]]:
        self._failures_changed = False
        data = dict(self.data or {})
        listed = self.devices.data or {}
        for unique_id in set(data) - set(listed):
            del data[unique_id]
            self.read_at.pop(unique_id, None)
            self.failed.pop(unique_id, None)
            self._due.pop(unique_id, None)
        now = dt_util.utcnow()
        if not self.budget.may_poll(now):
            return data
        due = sorted(
            (self._due.get(unique_id, _NEVER), unique_id)
            for unique_id in listed
            if self._due.get(unique_id, _NEVER) <= now
        )
        allowance = 1 if self.budget.probing else self._take_allowance(now)
        batch = [unique_id for _, unique_id in due[:allowance]]
        self._tokens -= len(batch)
        fetched, errors = await self._read(batch)
        for err in errors.values():
            if isinstance(err, QuectelAuthenticationError) and err.remedy in (
                Remedy.NEW_PASSWORD,
                Remedy.RECONFIGURE,
            ):
                raise _account_failure(self.hass, self.config_entry, err) from err
        return {**data, **fetched}

    @callback
    def _async_refresh_finished(self) -> None:
        self._notify_failures_changed()

    @callback
    def _notify_failures_changed(self) -> None:
        """Tell the sensors when a device was read, failed or recovered.

        Their lists may be unchanged (a failed device keeps its last one), and
        then the coordinator itself would not wake them. Each sensor writes
        its state only when what it shows changed.
        """
        if self._failures_changed:
            self._failures_changed = False
            self.async_update_listeners()

    async def _read(
        self, unique_ids: Iterable[str]
    ) -> tuple[dict[str, list[Share]], dict[str, QuectelError]]:
        """Read the share lists of some devices: those that came, and the errors.

        The lists that came replace the devices' lists; a failure is kept per
        device, except a rejected login and a used-up quota, which concern
        the whole account.
        """
        listed = self.devices.data or {}
        wanted = [listed[unique_id] for unique_id in unique_ids if unique_id in listed]
        outcome = await fan_out(wanted, self._read_one)
        now = dt_util.utcnow()
        fetched: dict[str, list[Share]] = {}
        for device, shares in outcome.done:
            unique_id = device.unique_id
            changed = (self.data or {}).get(unique_id) != shares
            fetched[unique_id] = shares
            self.read_at[unique_id] = now
            # Its sensor tells when the list was read, changed or not.
            self._failures_changed = True
            previous = self.failed.pop(unique_id, None)
            # A refusal was logged per device, an outage once: so is the end.
            if isinstance(previous, QuectelResponseError):
                LOGGER.info("The share list of %s can be read again", device.name)
            self._schedule_next(unique_id, now, changed, shares)
        for device, err in outcome.failed:
            account_wide = isinstance(err, QuectelAuthenticationError) or (
                isinstance(err, QuectelResponseError) and err.remedy is Remedy.WAIT
            )
            if not account_wide:
                self._note_failure(device, err, now)
        if outcome.done and self._unreachable:
            self._unreachable = False
            LOGGER.info("The Quectel cloud answers share-list reads again")
        return fetched, {device.unique_id: err for device, err in outcome.failed}

    def _note_failure(self, device: Device, err: QuectelError, now: datetime) -> None:
        unique_id = device.unique_id
        first = unique_id not in self.failed
        self._failures_changed |= first
        self.failed[unique_id] = err
        self._due[unique_id] = now + max(SHARE_SCAN_INTERVAL, self.period / 4)
        if not isinstance(err, QuectelResponseError):
            if not self._unreachable:
                self._unreachable = True
                LOGGER.warning(
                    "Cannot read share lists from the Quectel cloud: %s", err
                )
        elif first:
            LOGGER.warning(
                "The cloud refused the share list of %s: %s", device.name, err
            )

    async def _read_one(self, device: Device) -> list[Share]:
        """Read one device's list, sharing a read already under way."""
        task = self._reads.get(device.unique_id)
        if task is None:
            task = self.config_entry.async_create_background_task(
                self.hass,
                self.client.device_shares(device.product_key, device.device_key),
                f"{DOMAIN} share list",
            )
            self._reads[device.unique_id] = task
            task.add_done_callback(lambda _: self._reads.pop(device.unique_id, None))
        return await asyncio.shield(task)

    async def async_read_device(self, unique_id: str) -> list[Share]:
        """Read one device's share list now and return it; raise a cloud error.

        For actions, which need the list as it is: to pick a coverMark, or to
        check what a request whose answer was lost did.
        """
        fetched, errors = await self._read([unique_id])
        if unique_id in errors:
            self._notify_failures_changed()
            raise errors[unique_id]
        self.async_set_updated_data({**(self.data or {}), **fetched})
        return fetched[unique_id]

    async def async_refresh_devices(self, unique_ids: Iterable[str]) -> None:
        """Read the shares of some devices now (new devices, confirmations).

        The other devices keep their lists. A failure is kept per device.
        """
        if not self.budget.may_poll():
            return
        fetched, _ = await self._read(sorted(set(unique_ids)))
        self.async_set_updated_data({**(self.data or {}), **fetched})

    @callback
    def _devices_updated(self) -> None:
        listed = set(self.devices.data or {})
        new, self._listed = listed - self._listed, listed
        if new:
            self.config_entry.async_create_task(
                self.hass,
                self.async_refresh_devices(new),
                f"{DOMAIN} new device shares",
            )

    # --- what actions learned -------------------------------------------------------

    @callback
    def async_apply(self, unique_id: str, shares: list[Share]) -> None:
        """Show a device's shares as an action left them, without a read.

        One confirming read is made at the next tick, within the budget.
        """
        self.async_set_updated_data({**(self.data or {}), unique_id: shares})
        self.due_soon(unique_id)

    def shares_of(self, unique_id: str) -> list[Share] | None:
        """Return a device's shares as last known, or ``None`` if never read."""
        return (self.data or {}).get(unique_id)

    @callback
    def async_share_added(self, unique_id: str, share: Share) -> None:
        """Show a share (or share code) an action made, without a read.

        It joins the device's list as last read, in place of one with the
        same code. A list never read is not made of the new share alone,
        which would hide the others: it is read at the next tick instead.
        """
        before = self.shares_of(unique_id)
        if before is None:
            self.due_soon(unique_id)
            return
        kept = [s for s in before if s.share_code != share.share_code]
        self.async_apply(unique_id, [*kept, share])

    @callback
    def async_share_revoked(self, unique_id: str, share_code: str) -> None:
        """Show a share as revoked."""
        self._change_share(
            unique_id,
            share_code,
            lambda share: replace(share, status=ShareStatus.CANCELLED),
        )

    @callback
    def async_share_expiry_set(
        self, unique_id: str, share_code: str, expires_at: datetime
    ) -> None:
        """Show a share's new end."""
        self._change_share(
            unique_id, share_code, lambda share: replace(share, expires_at=expires_at)
        )

    def _change_share(
        self, unique_id: str, share_code: str, change: Callable[[Share], Share]
    ) -> None:
        shares = self.shares_of(unique_id)
        if shares is None:
            return
        self.async_apply(
            unique_id,
            [change(s) if s.share_code == share_code else s for s in shares],
        )
