"""A guest: who gets which devices, and when — and how far the cloud follows.

A guest is a config subentry of an account. Its data holds the wish (the
recipient, the devices, the access window, a revocation) and what the
integration did to make the cloud match it: the share it holds on each
device, with the code the cloud returned, so that later changes act on
exactly those shares and never on one the owner made in the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from homeassistant.util import dt as dt_util

from .api import Share
from .share_view import (
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    STATUS_PENDING,
    share_status,
)
from .validation import RecipientInput, RecipientType

SUBENTRY_GUEST: Final = "guest"

# Keys of a guest's subentry data. The wish:
DATA_RECIPIENT_TYPE: Final = "recipient_type"
DATA_RECIPIENT: Final = "recipient"
DATA_DEVICES: Final = "devices"  # device registry ids
DATA_STARTS_AT: Final = "starts_at"  # ISO, UTC; None: from when it is saved
DATA_EXPIRES_AT: Final = "expires_at"  # ISO, UTC; None: for life
DATA_REVOKED_AT: Final = "revoked_at"  # ISO, UTC: access revoked from Home Assistant
# A guest whose access follows a calendar: its link (None: an ordinary guest).
# Its starts_at/expires_at are then the current or next window, which the
# calendar follower writes; both None: no booking (never "for life").
DATA_CALENDAR: Final = "calendar"
# What the integration holds in the cloud: device id -> share record.
DATA_SHARES: Final = "shares"
# Devices whose share request got no answer, and when it was sent.
DATA_UNSURE: Final = "unsure"

LINK_ENTITY_ID: Final = "entity_id"
LINK_MATCH: Final = "match"
LINK_BEFORE: Final = "before"  # seconds
LINK_AFTER: Final = "after"  # seconds

RECORD_CODE: Final = "share_code"
RECORD_EXPIRES_AT: Final = "expires_at"


class Access(StrEnum):
    """A guest's access, as its Access sensor shows it."""

    SCHEDULED = "scheduled"
    PENDING = "pending"
    ACTIVE = "active"
    ENDED = "ended"
    REVOKED = "revoked"
    # A guest following a calendar that has no current or next booking.
    NO_BOOKING = "no_booking"


def parse_time(value: Any) -> datetime | None:
    """Read an ISO time stored in a guest's data (``None`` stays ``None``)."""
    if not isinstance(value, str) or not value:
        return None
    parsed = dt_util.parse_datetime(value)
    return dt_util.as_utc(parsed) if parsed is not None else None


def time_text(moment: datetime | None) -> str | None:
    """Write a time for a guest's data."""
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """A share the integration made for a guest on one device."""

    share_code: str | None
    expires_at: datetime | None

    @classmethod
    def from_data(cls, value: Any) -> ShareRecord:
        """Read a record stored in a guest's data."""
        value = value if isinstance(value, Mapping) else {}
        code = value.get(RECORD_CODE)
        return cls(
            code if isinstance(code, str) else None,
            parse_time(value.get(RECORD_EXPIRES_AT)),
        )

    def as_data(self) -> dict[str, str | None]:
        """Write the record for a guest's data."""
        return {
            RECORD_CODE: self.share_code,
            RECORD_EXPIRES_AT: time_text(self.expires_at),
        }


@dataclass(frozen=True, slots=True)
class CalendarLink:
    """Which calendar a guest follows, which events are theirs, the margins."""

    entity_id: str
    match: str
    before: timedelta
    after: timedelta

    @classmethod
    def from_data(cls, value: Any) -> CalendarLink:
        """Read a link stored in a guest's data.

        Whatever cannot be read follows nothing (no entity, an empty match
        text matches no event): such a guest gets no access, never more.
        """
        value = value if isinstance(value, Mapping) else {}
        entity_id = value.get(LINK_ENTITY_ID)
        match = value.get(LINK_MATCH)
        return cls(
            entity_id if isinstance(entity_id, str) else "",
            match if isinstance(match, str) else "",
            _seconds(value.get(LINK_BEFORE)),
            _seconds(value.get(LINK_AFTER)),
        )

    def as_data(self) -> dict[str, str | int]:
        """Write the link for a guest's data."""
        return {
            LINK_ENTITY_ID: self.entity_id,
            LINK_MATCH: self.match,
            LINK_BEFORE: int(self.before.total_seconds()),
            LINK_AFTER: int(self.after.total_seconds()),
        }


def _seconds(value: Any) -> timedelta:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    return timedelta(0)


@dataclass(frozen=True, slots=True)
class Wish:
    """What a guest should have: the part of its data people edit."""

    recipient: RecipientInput
    devices: tuple[str, ...]
    starts_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    calendar: CalendarLink | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Wish:
        """Read the wish of a guest's data."""
        recipient_type: RecipientType = data[DATA_RECIPIENT_TYPE]
        return cls(
            recipient=RecipientInput(recipient_type, str(data[DATA_RECIPIENT])),
            devices=tuple(data.get(DATA_DEVICES) or ()),
            starts_at=parse_time(data.get(DATA_STARTS_AT)),
            expires_at=parse_time(data.get(DATA_EXPIRES_AT)),
            revoked_at=parse_time(data.get(DATA_REVOKED_AT)),
            calendar=(
                CalendarLink.from_data(data[DATA_CALENDAR])
                if data.get(DATA_CALENDAR) is not None
                else None
            ),
        )

    @property
    def booked(self) -> bool:
        """Whether the guest has a window: always, unless it follows a calendar.

        A calendar guest has one only with both a start and an end, so that
        no booking can ever read as "from now, for life".
        """
        return self.calendar is None or (
            self.starts_at is not None and self.expires_at is not None
        )

    def wants_access(self, now: datetime) -> bool:
        """Whether the guest should hold shares at ``now``."""
        return (
            self.revoked_at is None
            and self.booked
            and not self.scheduled(now)
            and not self.ended(now)
        )

    def scheduled(self, now: datetime) -> bool:
        """Whether the access window has not begun yet."""
        return self.revoked_at is None and (
            self.starts_at is not None and now < self.starts_at
        )

    def ended(self, now: datetime) -> bool:
        """Whether the access window is over."""
        return self.expires_at is not None and self.expires_at <= now


def wish_data(
    recipient: RecipientInput,
    devices: list[str],
    starts_at: datetime | None,
    expires_at: datetime | None,
    calendar: CalendarLink | None = None,
) -> dict[str, Any]:
    """Return the data of a wish, as the guest flow saves it."""
    return {
        DATA_RECIPIENT_TYPE: recipient.type,
        DATA_RECIPIENT: recipient.value,
        DATA_DEVICES: list(devices),
        DATA_STARTS_AT: time_text(starts_at),
        DATA_EXPIRES_AT: time_text(expires_at),
        DATA_REVOKED_AT: None,
        DATA_CALENDAR: calendar.as_data() if calendar is not None else None,
    }


def records_from(data: Mapping[str, Any]) -> dict[str, ShareRecord]:
    """Return the shares a guest holds, by device id."""
    stored = data.get(DATA_SHARES)
    if not isinstance(stored, Mapping):
        return {}
    return {
        str(device_id): ShareRecord.from_data(value)
        for device_id, value in stored.items()
    }


def unsure_from(data: Mapping[str, Any]) -> dict[str, datetime]:
    """Return the devices whose share request got no answer, and when."""
    stored = data.get(DATA_UNSURE)
    if not isinstance(stored, Mapping):
        return {}
    unsure: dict[str, datetime] = {}
    for device_id, value in stored.items():
        moment = parse_time(value)
        if moment is not None:
            unsure[str(device_id)] = moment
    return unsure


def device_access(
    wish: Wish,
    record: ShareRecord | None,
    cloud_shares: list[Share] | None,
    now: datetime,
) -> Access:
    """Return the guest's access to one device.

    A share the list shows cancelled was revoked (in the app, when Home
    Assistant did not revoke it); one past its end has ended. A share made
    but not yet in the list read since counts as active, as the cloud made
    it. No share while the window is open: pending (being made, or failed).
    """
    if wish.revoked_at is not None:
        return Access.REVOKED
    if not wish.booked:
        return Access.NO_BOOKING
    if wish.scheduled(now):
        return Access.SCHEDULED
    if record is None:
        return Access.ENDED if wish.ended(now) else Access.PENDING
    share = next(
        (s for s in cloud_shares or [] if s.share_code == record.share_code), None
    )
    if share is None:
        if record.expires_at is not None and record.expires_at <= now:
            return Access.ENDED
        return Access.ACTIVE
    status = share_status(share, now)
    if status == STATUS_CANCELLED:
        return Access.REVOKED
    if status == STATUS_EXPIRED:
        return Access.ENDED
    if status == STATUS_PENDING:
        return Access.PENDING
    if status == STATUS_ACTIVE:
        return Access.ACTIVE
    return Access.PENDING


def guest_access(wish: Wish, per_device: list[Access], now: datetime) -> Access:
    """Return a guest's access: the best any of its devices has."""
    if wish.revoked_at is not None:
        return Access.REVOKED
    if not wish.booked:
        return Access.NO_BOOKING
    if wish.scheduled(now):
        return Access.SCHEDULED
    for access in (Access.ACTIVE, Access.PENDING, Access.REVOKED):
        if access in per_device:
            return access
    return Access.ENDED
