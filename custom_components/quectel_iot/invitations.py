"""Making share codes (invitations), and telling what a lost answer made.

A share code (`shareInfo`) is always added (coverMark 2): it names no
recipient, so coverMark 1 or 3 could only mean the device's previous share,
someone else's access. Each request makes a new code, so the client never
sends it twice; when its answer is lost, the device's share list is read
once, and the new invitations in it decide: those not in the list held
before the request and made since it started (or with no time of making).
The docs do not say how precisely the cloud keeps a deadline and an end, so
they are compared within `TIME_TOLERANCE`:

- none: not made, safe to try again (`QuectelNotDoneError`);
- exactly one, with the deadline and end sent: the one made, adopted;
- one with another deadline or end, or several: it may or may not be ours,
  and a second try could leave a live code nobody knows of: unknown
  (`QuectelInviteUnclearError`), never "not made";
- a list that cannot be read: unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, auto
from typing import Final

from homeassistant.util import dt as dt_util

from .api import QuectelError, Recipient, Share, ShareStatus
from .exceptions import QuectelInviteUnclearError
from .sharing import CLOCK_SKEW, async_verified, is_ambiguous
from .targets import TargetDevice

# How far a listed deadline or end may be from the one sent and still be it:
# the cloud may keep them to the millisecond, the second or the minute, and
# round either way; less than a minute covers every one of these.
TIME_TOLERANCE: Final = timedelta(minutes=1)


class _Unclear(Enum):
    """New invitations that may or may not hold the one asked for."""

    UNCLEAR = auto()


_UNCLEAR: Final = _Unclear.UNCLEAR


@dataclass(frozen=True, slots=True)
class InviteMade:
    """A share code the cloud made: until when it can be accepted, and used."""

    share_code: str
    accept_by: datetime
    expires_at: datetime | None


async def async_create_invite(
    target: TargetDevice, accept_by: datetime, expires_at: datetime | None
) -> InviteMade:
    """Make a share code of one device; return it, or raise the cloud error."""
    coordinator = target.entry.runtime_data.shares
    unique_id = target.device.unique_id
    known = {share.share_code for share in coordinator.shares_of(unique_id) or []}
    started = dt_util.utcnow()

    def new_invitations(shares: list[Share]) -> list[Share]:
        # Whatever its status: the docs do not list the statuses, and one
        # too many here only turns "not made" into "unknown".
        return [
            share
            for share in shares
            if share.is_invitation
            and share.share_code not in known
            and (share.shared_at is None or share.shared_at >= started - CLOCK_SKEW)
        ]

    try:
        share_code = await target.entry.runtime_data.client.create_share_code(
            target.device.product_key,
            target.device.device_key,
            accept_by=accept_by,
            expires_at=expires_at,
            auth_key=target.device.auth_key,
        )
    except QuectelError as err:
        if not is_ambiguous(err):
            raise

        def made(shares: list[Share]) -> InviteMade | _Unclear | None:
            return _made(new_invitations(shares), accept_by, expires_at)

        # The check read already shows the device's shares as they are.
        found: InviteMade | _Unclear = await async_verified(target, err, made)
        if isinstance(found, _Unclear):
            raise QuectelInviteUnclearError(str(err)) from err
        return found
    invite = InviteMade(share_code, accept_by, expires_at)
    _show_new_invitation(target, invite, started)
    return invite


def _made(
    new: list[Share], accept_by: datetime, expires_at: datetime | None
) -> InviteMade | _Unclear | None:
    """Tell what the new invitations of a check read say of the one asked for.

    None: none is new, not made. The one new invitation, when its times are
    the ones sent: made (as the cloud keeps them). Anything else: unclear.
    """
    if not new:
        return None
    if len(new) == 1:
        [share] = new
        if (
            share.accept_by is not None
            and _close(share.accept_by, accept_by)
            and _close(share.expires_at, expires_at)
        ):
            return InviteMade(share.share_code, share.accept_by, share.expires_at)
    return _UNCLEAR


def _close(listed: datetime | None, sent: datetime | None) -> bool:
    """Whether a listed deadline or end is the one sent (``None``: none)."""
    if listed is None or sent is None:
        return listed is None and sent is None
    return abs(listed - sent) < TIME_TOLERANCE


def _show_new_invitation(
    target: TargetDevice, invite: InviteMade, now: datetime
) -> None:
    """Show the new invitation in the device's list at once, as the cloud made it."""
    new = Share(
        share_code=invite.share_code,
        product_key=target.device.product_key,
        device_key=target.device.device_key,
        status=ShareStatus.PENDING,
        shared_at=now,
        accepted_at=None,
        expires_at=invite.expires_at,
        recipient=Recipient(uid=None, email=None, phone=None, nickname=None),
        accept_by=invite.accept_by,
    )
    target.entry.runtime_data.shares.async_share_added(target.device.unique_id, new)
