"""Guests: the integration makes the cloud match each guest's wish.

A guest (config subentry) says who gets which devices, and when. On every
change of the account's subentries, and at the moments a guest's window
starts, the guest's shares are brought in line with the fewest requests:
a share (coverMark 2, "add") for each device that should have one, a revoke
for each that should not, a ``setShareTime`` where only the end changed.
Nothing is polled: a scheduled start costs one request per device, an end
none (the cloud ends the share itself).

Shares are always *added*, never *replaced*: a share of the same device the
owner made in the app for the same person stays untouched, and every later
change acts only on the share codes the guest's own shares got, which are
kept in the subentry's data. What the owner does in the app to a guest's
share (revoking it) is shown, never undone.

A guest may follow a calendar (`guest_calendar`): its follower writes the
current or next booking's window into the guest's data, and the same rules
apply to it as to a window typed in.

A change that fails on some devices raises a repair issue naming the guest
and the devices; its fix flow tries again. A share whose answer was lost is
looked for in the device's share list before it is ever requested again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.translation import async_get_exception_message
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .access_windows import Window
from .api import QuectelError, QuectelQuotaError, Share, ShareStatus
from .const import (
    DOMAIN,
    EVENT_DEVICE_SHARED,
    EVENT_SHARE_REVOKED,
    EVENT_SHARE_UPDATED,
    LOGGER,
    ShareMode,
)
from .coordinator import QuectelConfigEntry
from .devices import cloud_unique_id
from .exceptions import QuectelUnverifiedError, cloud_reason
from .guest_calendar import CalendarFollower
from .guest_model import (
    DATA_EXPIRES_AT,
    DATA_REVOKED_AT,
    DATA_SHARES,
    DATA_STARTS_AT,
    DATA_UNSURE,
    SUBENTRY_GUEST,
    Access,
    ShareRecord,
    Wish,
    device_access,
    guest_access,
    records_from,
    time_text,
    unsure_from,
)
from .share_view import share_event
from .sharing import CLOCK_SKEW, async_revoke, async_set_expiry, async_share
from .targets import TargetDevice, active_shares_to

GUEST_IDENTIFIER_PREFIX: Final = "guest "
ATTR_GUEST: Final = "guest"
EXTEND_BY: Final = timedelta(days=1)

GUEST_MANAGERS: HassKey[dict[str, GuestManager]] = HassKey(f"{DOMAIN}_guests")


def guest_identifier(subentry_id: str) -> str:
    """Return the identifier of a guest's (service) device."""
    return f"{GUEST_IDENTIFIER_PREFIX}{subentry_id}"


def failure_issue_id(subentry_id: str) -> str:
    """Return the id of the repair issue of a guest whose change failed."""
    return f"guest_failed_{subentry_id}"


def guest_manager(hass: HomeAssistant, entry_id: str) -> GuestManager | None:
    """Return the guest manager of a loaded account."""
    return hass.data.get(GUEST_MANAGERS, {}).get(entry_id)


class GuestDeviceMissingError(QuectelError):
    """A guest's device is no longer a device of the account."""


@dataclass(slots=True)
class GuestState:
    """What the manager knows of one guest."""

    title: str
    wish: Wish
    records: dict[str, ShareRecord]
    unsure: dict[str, datetime]
    failures: dict[str, str] = field(default_factory=dict)
    timers: list[CALLBACK_TYPE] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One device of a guest as its entities show it."""

    device_id: str
    name: str
    access: Access
    expires_at: datetime | None


class GuestManager:
    """Keeps an account's guests' shares in line with their wishes."""

    def __init__(self, hass: HomeAssistant, entry: QuectelConfigEntry) -> None:
        """Follow the guests of ``entry``; call `async_start`."""
        self.hass = hass
        self.entry = entry
        self.guests: dict[str, GuestState] = {}
        # Guests deleted while some of their shares could not be revoked.
        self._orphans: dict[str, GuestState] = {}
        self._lock = asyncio.Lock()
        self._followers: dict[str, CalendarFollower] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        self._added_listeners: list[Callable[[str], None]] = []

    # --- life cycle -------------------------------------------------------------

    async def async_start(self) -> None:
        """Load the guests, arm their timers and catch up with what is due."""
        self.hass.data.setdefault(GUEST_MANAGERS, {})[self.entry.entry_id] = self
        for subentry in self._guest_subentries():
            self.guests[subentry.subentry_id] = self._state_of(subentry)
        for subentry_id in list(self.guests):
            self._follow_calendar(subentry_id)
            self._arm_timers(subentry_id)
            self.entry.async_create_task(
                self.hass, self.async_apply(subentry_id), f"{DOMAIN} guest catch-up"
            )

    @callback
    def async_stop(self) -> None:
        """Stop the timers (on unload); the subentries keep the schedules."""
        for state in self.guests.values():
            _cancel(state)
        for follower in self._followers.values():
            follower.async_stop()
        self._followers.clear()
        managers = self.hass.data.get(GUEST_MANAGERS, {})
        if managers.get(self.entry.entry_id) is self:
            del managers[self.entry.entry_id]

    def _guest_subentries(self) -> list[ConfigSubentry]:
        return [
            subentry
            for subentry in self.entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_GUEST
        ]

    @staticmethod
    def _state_of(subentry: ConfigSubentry) -> GuestState:
        return GuestState(
            title=subentry.title,
            wish=Wish.from_data(subentry.data),
            records=records_from(subentry.data),
            unsure=unsure_from(subentry.data),
        )

    async def async_entry_updated(
        self, hass: HomeAssistant, entry: QuectelConfigEntry
    ) -> None:
        """Act on guests added, edited or deleted (an update listener)."""
        current = {s.subentry_id: s for s in self._guest_subentries()}
        for subentry_id, subentry in current.items():
            state = self.guests.get(subentry_id)
            if state is None:
                self.guests[subentry_id] = self._state_of(subentry)
                for added in list(self._added_listeners):
                    added(subentry_id)
                self._follow_calendar(subentry_id)
            else:
                if state.title != subentry.title:
                    state.title = subentry.title
                    self._rename_device(subentry_id, subentry.title)
                wish = Wish.from_data(subentry.data)
                if wish == state.wish:
                    continue
                old_link = state.wish.calendar
                state.wish = wish
                if wish.calendar != old_link:
                    self._follow_calendar(subentry_id)
                elif (follower := self._followers.get(subentry_id)) is not None:
                    follower.async_read()  # edited: read the calendar again
            self._arm_timers(subentry_id)
            self.entry.async_create_task(
                hass, self.async_apply(subentry_id), f"{DOMAIN} guest change"
            )
        for subentry_id in set(self.guests) - set(current):
            state = self.guests.pop(subentry_id)
            _cancel(state)
            if (follower := self._followers.pop(subentry_id, None)) is not None:
                follower.async_stop()
            self._orphans[subentry_id] = state
            self.entry.async_create_task(
                hass, self._async_forget(subentry_id), f"{DOMAIN} guest deleted"
            )
        self._notify()

    # --- listeners --------------------------------------------------------------

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` whenever a guest's state may have changed."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_add_guest_listener(
        self, listener: Callable[[str], None]
    ) -> CALLBACK_TYPE:
        """Call ``listener`` with the subentry id of each guest added."""
        self._added_listeners.append(listener)
        return lambda: self._added_listeners.remove(listener)

    @callback
    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # --- calendars --------------------------------------------------------------

    @callback
    def _follow_calendar(self, subentry_id: str) -> None:
        """(Re)start following the guest's calendar, if it has one."""
        if (old := self._followers.pop(subentry_id, None)) is not None:
            old.async_stop()
        state = self.guests[subentry_id]
        if state.wish.calendar is None:
            return

        @callback
        def found(window: Window | None) -> None:
            if self._followers.get(subentry_id) is follower:  # else replaced
                self._window_found(subentry_id, window)

        follower = CalendarFollower(
            self.hass, self.entry, state.wish.calendar, lambda: state.title, found
        )
        self._followers[subentry_id] = follower
        follower.async_start()

    @callback
    def _window_found(self, subentry_id: str, window: Window | None) -> None:
        """Make a calendar guest's window the one read (``None``: no booking)."""
        state = self.guests.get(subentry_id)
        subentry = self.entry.subentries.get(subentry_id)
        if state is None or subentry is None or state.wish.calendar is None:
            return
        if Wish.from_data(subentry.data) != state.wish:
            return  # edited meanwhile: the update listener reads it again
        starts_at = dt_util.as_utc(window.start) if window is not None else None
        expires_at = dt_util.as_utc(window.end) if window is not None else None
        if (state.wish.starts_at, state.wish.expires_at) == (starts_at, expires_at):
            return
        data = {
            **subentry.data,
            DATA_STARTS_AT: time_text(starts_at),
            DATA_EXPIRES_AT: time_text(expires_at),
        }
        # Known before the update listener runs: it has nothing left to do.
        state.wish = Wish.from_data(data)
        self.hass.config_entries.async_update_subentry(self.entry, subentry, data=data)
        self._arm_timers(subentry_id)
        self.entry.async_create_task(
            self.hass, self.async_apply(subentry_id), f"{DOMAIN} guest calendar"
        )
        self._notify()

    # --- timers -----------------------------------------------------------------

    @callback
    def _arm_timers(self, subentry_id: str) -> None:
        state = self.guests[subentry_id]
        _cancel(state)
        now = dt_util.utcnow()
        wish = state.wish
        if (follower := self._followers.get(subentry_id)) is not None:
            follower.async_follow(wish.starts_at, wish.expires_at)
        if wish.revoked_at is not None:
            return
        if wish.starts_at is not None and wish.starts_at > now:

            @callback
            def start(_now: datetime) -> None:
                self.entry.async_create_task(
                    self.hass, self.async_apply(subentry_id), f"{DOMAIN} guest start"
                )
                self._notify()

            state.timers.append(
                async_track_point_in_utc_time(self.hass, start, wish.starts_at)
            )
        if wish.expires_at is not None and wish.expires_at > now:

            @callback
            def end(now: datetime) -> None:
                # The cloud ends the shares itself: nothing to send, unless a
                # share still holds a later end (a change that failed).
                if self._outlasting(state, dt_util.as_utc(now)):
                    self.entry.async_create_task(
                        self.hass, self.async_apply(subentry_id), f"{DOMAIN} guest end"
                    )
                self._notify()

            state.timers.append(
                async_track_point_in_utc_time(self.hass, end, wish.expires_at)
            )

    def _outlasting(self, state: GuestState, now: datetime) -> list[str]:
        """Return the devices whose share the cloud still holds at ``now``."""
        return [
            device_id
            for device_id, record in sorted(state.records.items())
            if self._held(device_id, record, now) is Access.ACTIVE
        ]

    # --- what the entities show -------------------------------------------------

    def devices_of(self, subentry_id: str) -> list[DeviceView]:
        """Return each device of a guest, its access and its end."""
        state = self.guests[subentry_id]
        now = dt_util.utcnow()
        views: list[DeviceView] = []
        for device_id in state.wish.devices:
            record = state.records.get(device_id)
            access = device_access(
                state.wish, record, self._cloud_shares(device_id), now
            )
            views.append(
                DeviceView(
                    device_id=device_id,
                    name=self._device_name(device_id),
                    access=access,
                    expires_at=record.expires_at if record else state.wish.expires_at,
                )
            )
        return views

    def access_of(self, subentry_id: str) -> Access:
        """Return a guest's access as a whole."""
        state = self.guests[subentry_id]
        views = self.devices_of(subentry_id)
        return guest_access(
            state.wish, [view.access for view in views], dt_util.utcnow()
        )

    def _cloud_shares(self, device_id: str) -> list[Share] | None:
        unique_id = self._unique_id(device_id)
        if unique_id is None:
            return None
        return self.entry.runtime_data.shares.shares_of(unique_id)

    def _registry_device(self, device_id: str) -> dr.DeviceEntry | None:
        return dr.async_get(self.hass).async_get(device_id)

    def _unique_id(self, device_id: str) -> str | None:
        device = self._registry_device(device_id)
        return cloud_unique_id(device) if device is not None else None

    def _device_name(self, device_id: str) -> str:
        device = self._registry_device(device_id)
        if device is None:
            return device_id
        return device.name_by_user or device.name or device_id

    @callback
    def _rename_device(self, subentry_id: str, title: str) -> None:
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(registry, self.entry.entry_id):
            if cloud_unique_id(device) == guest_identifier(subentry_id):
                registry.async_update_device(device.id, name=title)

    # --- buttons ----------------------------------------------------------------

    async def async_revoke_access(self, subentry_id: str) -> None:
        """Revoke a guest's access now; raise when some devices failed."""
        await self._async_change(
            subentry_id, {DATA_REVOKED_AT: time_text(dt_util.utcnow())}
        )

    async def async_extend(self, subentry_id: str) -> None:
        """Move a guest's end one day later (from now, if it has passed)."""
        state = self.guests[subentry_id]
        if state.wish.revoked_at is not None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="guest_revoked"
            )
        if state.wish.calendar is not None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="guest_follows_calendar"
            )
        if state.wish.expires_at is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="guest_for_life"
            )
        now = dt_util.utcnow()
        new_end = max(state.wish.expires_at, now) + EXTEND_BY
        await self._async_change(subentry_id, {DATA_EXPIRES_AT: time_text(new_end)})

    async def _async_change(self, subentry_id: str, updates: dict[str, Any]) -> None:
        subentry = self.entry.subentries[subentry_id]
        data = {**subentry.data, **updates}
        state = self.guests[subentry_id]
        # Known before the update listener runs: it has nothing left to do.
        state.wish = Wish.from_data(data)
        self.hass.config_entries.async_update_subentry(self.entry, subentry, data=data)
        self._arm_timers(subentry_id)
        failures = await self.async_apply(subentry_id)
        if failures:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="guest_failed",
                translation_placeholders={
                    "guest": state.title,
                    "devices": self.failure_text(failures),
                },
            )

    # --- bringing the cloud in line -----------------------------------------------

    async def async_retry(self, subentry_id: str) -> dict[str, str]:
        """Try a failed change again (the repair's fix flow)."""
        if subentry_id in self._orphans:
            return await self._async_forget(subentry_id)
        if subentry_id in self.guests:
            return await self.async_apply(subentry_id)
        return {}

    async def async_apply(self, subentry_id: str) -> dict[str, str]:
        """Bring a guest's shares in line with its wish; return the failures.

        The failures map the device ids that failed to why, in words.
        """
        async with self._lock:
            state = self.guests.get(subentry_id)
            if state is None:
                return {}
            now = dt_util.utcnow()
            wish = state.wish
            work: list[str] = []
            if wish.ended(now) and wish.revoked_at is None:
                # Over: the cloud ends each share at the end it holds. A share
                # holding a later one (the end moved earlier, a booking cut
                # short) is revoked; devices taken out are forgotten.
                wanted: dict[str, bool] = {}
                work = self._outlasting(state, now)
                for device_id in set(state.records) | set(state.unsure):
                    if device_id not in wish.devices and device_id not in work:
                        state.records.pop(device_id, None)
                        state.unsure.pop(device_id, None)
            else:
                access = wish.wants_access(now)
                wanted = dict.fromkeys(wish.devices, access)
                devices = set(state.records) | set(state.unsure) | set(wish.devices)
                work = [
                    device_id
                    for device_id in sorted(devices)
                    if self._needs_work(
                        state, device_id, wanted.get(device_id, False), now
                    )
                ]
            failures = await self._async_run(subentry_id, state, work, wanted)
            self._save(subentry_id, state)
            self._note_failures(subentry_id, state, failures)
        self._notify()
        return failures

    def _needs_work(
        self, state: GuestState, device_id: str, want: bool, now: datetime
    ) -> bool:
        record = state.records.get(device_id)
        if record is not None:
            held = self._held(device_id, record, now)
            if held is Access.REVOKED:
                # Revoked in the app: the owner's word stands, nothing is sent.
                if not want:
                    state.records.pop(device_id)
                return False
            if held is Access.ENDED:
                # Over by itself: a new window needs a new share.
                state.records.pop(device_id)
                record = None
        if not want:
            return record is not None or device_id in state.unsure
        return record is None or record.expires_at != state.wish.expires_at

    def _held(self, device_id: str, record: ShareRecord, now: datetime) -> Access:
        """Whether a guest's share still holds: active, ended or revoked."""
        if record.expires_at is not None and record.expires_at <= now:
            return Access.ENDED
        share = next(
            (
                s
                for s in self._cloud_shares(device_id) or []
                if s.share_code == record.share_code
            ),
            None,
        )
        if share is None or share.is_active(now):
            return Access.ACTIVE
        return Access.ENDED if share.status != ShareStatus.CANCELLED else Access.REVOKED

    async def _async_run(
        self,
        subentry_id: str,
        state: GuestState,
        work: list[str],
        wanted: dict[str, bool],
    ) -> dict[str, str]:
        if not work:
            return {}
        budget = self.entry.runtime_data.budget
        failures: dict[str, str] = {}
        if budget.is_blocked():
            err = QuectelQuotaError("quota used up", code=4026)
            return {device_id: cloud_reason(err) for device_id in work}

        async def one(device_id: str) -> None:
            await self._bring(subentry_id, state, device_id, wanted.get(device_id))

        results = await asyncio.gather(
            *(one(device_id) for device_id in work), return_exceptions=True
        )
        for device_id, result in zip(work, results, strict=True):
            if isinstance(result, GuestDeviceMissingError):
                failures[device_id] = async_get_exception_message(
                    DOMAIN, "guest_device_missing"
                )
            elif isinstance(result, QuectelError):
                LOGGER.warning(
                    "Guest %s: %s failed: %s",
                    state.title,
                    self._device_name(device_id),
                    result,
                )
                failures[device_id] = cloud_reason(result)
            elif isinstance(result, BaseException):
                raise result
        return failures

    def _target(self, device_id: str) -> TargetDevice:
        unique_id = self._unique_id(device_id)
        device = (
            self.entry.runtime_data.devices.data.get(unique_id)
            if unique_id is not None
            else None
        )
        if device is None:
            raise GuestDeviceMissingError(device_id)
        return TargetDevice(self.entry, device, device_id)

    async def _bring(
        self,
        subentry_id: str,
        state: GuestState,
        device_id: str,
        want: bool | None,
    ) -> None:
        """Make one device's share match the wish (raise a cloud error)."""
        wish = state.wish
        record = state.records.get(device_id)
        target = self._target(device_id)
        if not want:
            if record is None:
                record = await self._adopt(state, target)
                if record is None:
                    state.unsure.pop(device_id, None)
                    return
            await self._revoke(state, target, record)
            state.records.pop(device_id, None)
            state.unsure.pop(device_id, None)
            return
        if record is None:
            record = await self._adopt(state, target)
            if record is not None and record.expires_at == wish.expires_at:
                state.records[device_id] = record
                state.unsure.pop(device_id, None)
                return
            started = dt_util.utcnow()
            try:
                made = await async_share(
                    target, wish.recipient, wish.expires_at, ShareMode.ADD, None
                )
            except QuectelUnverifiedError:
                state.unsure[device_id] = started
                raise
            state.records[device_id] = ShareRecord(made.share_code, made.expires_at)
            state.unsure.pop(device_id, None)
            self._fire(EVENT_DEVICE_SHARED, state, target, made.share_code)
            if record is not None:
                # A share found after a lost answer, with another end.
                await self._revoke(state, target, record)
            return
        if wish.expires_at is not None and record.share_code is not None:
            await async_set_expiry(
                self.entry, target, record.share_code, wish.expires_at
            )
            state.records[device_id] = ShareRecord(record.share_code, wish.expires_at)
            self._fire(EVENT_SHARE_UPDATED, state, target, record.share_code)
            return
        # Now for life (the cloud cannot change an end to none): a new share,
        # then the old one goes.
        made = await async_share(
            target, wish.recipient, wish.expires_at, ShareMode.ADD, None
        )
        state.records[device_id] = ShareRecord(made.share_code, made.expires_at)
        self._fire(EVENT_DEVICE_SHARED, state, target, made.share_code)
        await self._revoke(state, target, record)

    async def _adopt(
        self, state: GuestState, target: TargetDevice
    ) -> ShareRecord | None:
        """After a lost answer, find the share the request may have made."""
        started = state.unsure.get(target.device_id or "")
        if started is None:
            return None
        shares = await self.entry.runtime_data.shares.async_read_device(
            target.device.unique_id
        )
        known = {
            record.share_code
            for guest in self.guests.values()
            for record in guest.records.values()
        }
        for share in active_shares_to(shares, state.wish.recipient, dt_util.utcnow()):
            if share.share_code in known:
                continue
            if share.shared_at is None or share.shared_at >= started - CLOCK_SKEW:
                return ShareRecord(share.share_code, share.expires_at)
        return None

    async def _revoke(
        self, state: GuestState, target: TargetDevice, record: ShareRecord
    ) -> None:
        if record.share_code is None:
            return  # the cloud never said which share it made
        await async_revoke(self.entry, target, record.share_code, was_active=True)
        self._fire(EVENT_SHARE_REVOKED, state, target, record.share_code)

    @callback
    def _fire(
        self,
        event_type: str,
        state: GuestState,
        target: TargetDevice,
        share_code: str | None,
    ) -> None:
        record = state.records.get(target.device_id or "")
        expires_at = (
            record.expires_at
            if record is not None and event_type != EVENT_SHARE_REVOKED
            else state.wish.expires_at
        )
        self.hass.bus.async_fire(
            event_type,
            {
                **share_event(
                    target.describe(),
                    share_code,
                    expires_at,
                    state.wish.recipient.type,
                ),
                ATTR_GUEST: state.title,
            },
        )

    @callback
    def _save(self, subentry_id: str, state: GuestState) -> None:
        """Keep what the cloud holds in the guest's data (survives restarts)."""
        subentry = self.entry.subentries.get(subentry_id)
        if subentry is None:
            return
        data = {
            **subentry.data,
            DATA_SHARES: {
                device_id: record.as_data()
                for device_id, record in state.records.items()
            },
            DATA_UNSURE: {
                device_id: time_text(moment)
                for device_id, moment in state.unsure.items()
            },
        }
        if data != dict(subentry.data):
            self.hass.config_entries.async_update_subentry(
                self.entry, subentry, data=data
            )

    @callback
    def _note_failures(
        self, subentry_id: str, state: GuestState, failures: dict[str, str]
    ) -> None:
        state.failures = failures
        issue_id = failure_issue_id(subentry_id)
        if not failures:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="guest_failed",
            translation_placeholders={
                "guest": state.title,
                "devices": self.failure_text(failures),
            },
            data={"entry_id": self.entry.entry_id, "subentry_id": subentry_id},
        )

    def failure_text(self, failures: dict[str, str]) -> str:
        """Name each failed device (by its name) and why it failed."""
        return "; ".join(
            f"{self._device_name(device_id)}: {why}"
            for device_id, why in failures.items()
        )

    async def _async_forget(self, subentry_id: str) -> dict[str, str]:
        """Revoke the shares of a deleted guest."""
        async with self._lock:
            state = self._orphans.get(subentry_id)
            if state is None:
                return {}
            now = dt_util.utcnow()
            work = [
                device_id
                for device_id in sorted(set(state.records) | set(state.unsure))
                if self._needs_work(state, device_id, False, now)
            ]
            failures = await self._async_run(subentry_id, state, work, {})
            if not failures:
                del self._orphans[subentry_id]
            self._note_failures(subentry_id, state, failures)
        return failures


def _cancel(state: GuestState) -> None:
    for unsub in state.timers:
        unsub()
    state.timers.clear()
