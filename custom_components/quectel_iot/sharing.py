"""Changing shares in the cloud, and telling what really happened.

Each function acts on one device and either returns what the cloud now holds
or raises the cloud error that stands. When the answer to a change is lost
(a timeout, a dropped connection, a 5xx after the request left), the
device's share list is read once: the change is reported done or not done
from what the list shows, and only when that read fails too as unknown.

coverMark 1 ("override the previous valid share") and 3 ("override only if
the share lasts longer") may act on this recipient's share or on the
device's: the docs do not say. They are used only when no other recipient
holds an active share of the device, where both readings agree; otherwise
the new share is added (coverMark 2) and the recipient's previous shares are
revoked one by one. An open invitation (a share code nobody has accepted yet)
counts as another recipient's share there: read per device, coverMark 1
would destroy it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from homeassistant.util import dt as dt_util

from .api import (
    CoverMark,
    QuectelConnectionError,
    QuectelError,
    QuectelResponseError,
    Recipient,
    Share,
    ShareStatus,
)
from .const import SHARE_MODE_COVER_MARK, ShareMode
from .coordinator import QuectelConfigEntry
from .exceptions import QuectelNotDoneError, QuectelUnverifiedError
from .targets import TargetDevice, active_shares_to, recipient_matches
from .validation import RecipientInput

# Code 5142: "this share has expired" (or was revoked).
SHARE_GONE_CODE: Final = 5142
# How far the cloud's clock may be behind ours when it stamps a new share.
CLOCK_SKEW: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ShareMade:
    """A share the recipient now holds: its code and when it ends."""

    share_code: str | None
    expires_at: datetime | None


def is_ambiguous(err: QuectelError) -> bool:
    """Whether a failed change may still have been carried out."""
    return isinstance(err, QuectelConnectionError) and not isinstance(
        err, QuectelNotDoneError | QuectelUnverifiedError
    )


async def async_verified[T](
    target: TargetDevice,
    err: QuectelError,
    holds: Callable[[list[Share]], T | None],
) -> T:
    """Read the device's shares after a lost answer: what ``holds``, or raise."""
    try:
        shares = await target.entry.runtime_data.shares.async_read_device(
            target.device.unique_id
        )
    except QuectelError as read_err:
        raise QuectelUnverifiedError(str(err)) from read_err
    result = holds(shares)
    if result is None:
        raise QuectelNotDoneError(str(err)) from err
    return result


def _lasts_at_least(share: Share, expires_at: datetime | None) -> bool:
    if share.expires_at is None:
        return True
    return expires_at is not None and share.expires_at >= expires_at


async def async_share(
    target: TargetDevice,
    recipient: RecipientInput,
    expires_at: datetime | None,
    mode: ShareMode,
    auth_key: str | None,
) -> ShareMade:
    """Share one device with ``recipient`` in ``mode``; return what they hold."""
    coordinator = target.entry.runtime_data.shares
    unique_id = target.device.unique_id
    started = dt_util.utcnow()
    before: list[Share] = coordinator.shares_of(unique_id) or []
    previous: list[Share] = []
    cover_mark = CoverMark.ADD
    if mode is not ShareMode.ADD:
        before = await coordinator.async_read_device(unique_id)
        previous = active_shares_to(before, recipient, started)
        others = [
            share
            for share in before
            if (share.is_active(started) and not recipient_matches(share, recipient))
            # The cloud's clock may be behind: a deadline just passed here
            # may not have passed there.
            or share.is_open_invitation(started - CLOCK_SKEW)
        ]
        if not others:
            cover_mark = SHARE_MODE_COVER_MARK[mode]
        elif mode is ShareMode.EXTEND:
            kept = next((s for s in previous if _lasts_at_least(s, expires_at)), None)
            if kept is not None:
                return ShareMade(kept.share_code, kept.expires_at)
    known_codes = {share.share_code for share in before}

    def made(shares: list[Share]) -> ShareMade | None:
        for share in active_shares_to(shares, recipient, dt_util.utcnow()):
            new = share.share_code not in known_codes and (
                share.shared_at is None or share.shared_at >= started - CLOCK_SKEW
            )
            if cover_mark is CoverMark.EXTEND and _lasts_at_least(share, expires_at):
                return ShareMade(share.share_code, share.expires_at)
            if (
                new or cover_mark is CoverMark.REPLACE
            ) and share.expires_at == expires_at:
                return ShareMade(share.share_code, share.expires_at)
        return None

    client = target.entry.runtime_data.client
    try:
        share_code = await client.share_device(
            target.device.product_key,
            target.device.device_key,
            expires_at=expires_at,
            cover_mark=cover_mark,
            auth_key=auth_key or target.device.auth_key,
            **recipient.as_kwargs(),
        )
    except QuectelError as err:
        if not is_ambiguous(err):
            raise
        # The check read already shows the device's shares as they are.
        result = await async_verified(target, err, made)
    else:
        result = ShareMade(share_code, expires_at)
        if cover_mark is CoverMark.EXTEND:
            # The cloud keeps a share that already lasts longer, and answers
            # with its code.
            kept = next((s for s in previous if s.share_code == share_code), None)
            if kept is not None and _lasts_at_least(kept, expires_at):
                result = ShareMade(share_code, kept.expires_at)
        _show_new_share(target, recipient, result, cover_mark=cover_mark, now=started)
    if cover_mark is CoverMark.ADD and mode is not ShareMode.ADD:
        # Added beside another recipient's share: this recipient's previous
        # shares go now, as coverMark 1 or 3 would have ended them.
        for old in previous:
            if old.share_code != result.share_code:
                await async_revoke(
                    target.entry, target, old.share_code, was_active=True
                )
    return result


def _show_new_share(
    target: TargetDevice,
    recipient: RecipientInput,
    made: ShareMade,
    *,
    cover_mark: CoverMark,
    now: datetime,
) -> None:
    """Show the new share in the device's list at once, as the cloud made it."""
    coordinator = target.entry.runtime_data.shares
    unique_id = target.device.unique_id
    if made.share_code is None:
        coordinator.due_soon(unique_id)
        return
    if cover_mark is CoverMark.REPLACE:
        for share in coordinator.shares_of(unique_id) or []:
            if share.is_active(now) and recipient_matches(share, recipient):
                coordinator.async_share_revoked(unique_id, share.share_code)
    coordinator.async_share_added(
        unique_id,
        Share(
            share_code=made.share_code,
            product_key=target.device.product_key,
            device_key=target.device.device_key,
            status=ShareStatus.ACTIVE,
            shared_at=now,
            accepted_at=None,
            expires_at=made.expires_at,
            recipient=Recipient(
                uid=recipient.value if recipient.type == "uid" else None,
                email=recipient.value if recipient.type == "email" else None,
                phone=recipient.value if recipient.type == "phone" else None,
                nickname=None,
            ),
        ),
    )


def _find(shares: list[Share], share_code: str) -> Share | None:
    return next((share for share in shares if share.share_code == share_code), None)


async def async_revoke(
    entry: QuectelConfigEntry,
    target: TargetDevice | None,
    share_code: str,
    *,
    was_active: bool,
) -> None:
    """Revoke a share of ``target`` (``None``: a device not known to us).

    A share that was active when last seen and that the cloud now calls
    expired or revoked (5142) counts as revoked: the answer to our own
    revocation was lost, and the HTTP library sent it again.
    """
    try:
        await entry.runtime_data.client.unshare(share_code)
    except QuectelResponseError as err:
        if not (err.code == SHARE_GONE_CODE and was_active):
            raise
    except QuectelError as err:
        if target is None or not is_ambiguous(err):
            raise

        def gone(shares: list[Share]) -> bool | None:
            share = _find(shares, share_code)
            # An open invitation is not active, yet its code still works.
            held = share is not None and (
                share.is_active() or share.is_open_invitation()
            )
            return None if held else True

        await async_verified(target, err, gone)
    if target is not None:
        entry.runtime_data.shares.async_share_revoked(
            target.device.unique_id, share_code
        )


async def async_set_expiry(
    entry: QuectelConfigEntry,
    target: TargetDevice | None,
    share_code: str,
    expires_at: datetime,
) -> None:
    """Change until when a share of ``target`` lasts."""
    try:
        await entry.runtime_data.client.set_share_expiry(share_code, expires_at)
    except QuectelError as err:
        if target is None or not is_ambiguous(err):
            raise

        def changed(shares: list[Share]) -> bool | None:
            share = _find(shares, share_code)
            return (
                True if share is not None and share.expires_at == expires_at else None
            )

        await async_verified(target, err, changed)
    if target is not None:
        entry.runtime_data.shares.async_share_expiry_set(
            target.device.unique_id, share_code, expires_at
        )
