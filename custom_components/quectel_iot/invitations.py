"""Making share codes (invitations), and telling what a lost answer made.

A share code (`shareInfo`) is always added (coverMark 2): it names no
recipient, so coverMark 1 or 3 could only mean the device's previous share,
someone else's access. Each request makes a new code, so the client never
sends it twice; when its answer is lost, the device's share list is read
once: an invitation that was not there before, with the very deadline and
end sent (to the millisecond), is the one made. None: not made, safe to try
again. A list that cannot be read: unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.util import dt as dt_util

from .api import QuectelError, Recipient, Share, ShareStatus
from .sharing import async_verified, is_ambiguous
from .targets import TargetDevice


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

    def made(shares: list[Share]) -> InviteMade | None:
        for share in shares:
            if (
                share.share_code not in known
                and share.accept_by == accept_by
                and share.expires_at == expires_at
            ):
                return InviteMade(share.share_code, accept_by, expires_at)
        return None

    started = dt_util.utcnow()
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
        # The check read already shows the device's shares as they are.
        return await async_verified(target, err, made)
    invite = InviteMade(share_code, accept_by, expires_at)
    _show_new_invitation(target, invite, started)
    return invite


def _show_new_invitation(
    target: TargetDevice, invite: InviteMade, now: datetime
) -> None:
    """Show the new invitation in the device's list at once, as the cloud made it."""
    coordinator = target.entry.runtime_data.shares
    unique_id = target.device.unique_id
    before = coordinator.shares_of(unique_id)
    if before is None:
        # Never read: a list of the new code alone would hide the others.
        coordinator.due_soon(unique_id)
        return
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
    shares = [share for share in before if share.share_code != invite.share_code]
    coordinator.async_apply(unique_id, [*shares, new])
