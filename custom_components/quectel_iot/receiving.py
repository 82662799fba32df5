"""Devices shared with the account: accepting a share code, giving a share back.

Neither request is sent twice. When its answer is lost, the account's device
list is read once, and it tells what happened: a device shared with the
account under that share code means the code was accepted (or the share
not yet left, unless listed past its end); unreadable, the outcome stays
unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.util import dt as dt_util

from .api import Device, QuectelError, QuectelOutcomeUnknownError, QuectelResponseError
from .coordinator import QuectelConfigEntry
from .exceptions import (
    QuectelDeviceListUnverifiedError,
    QuectelInviteNotAcceptedError,
    QuectelShareNotLeftError,
)
from .sharing import SHARE_GONE_CODE
from .targets import ReceivedTarget


@dataclass(frozen=True, slots=True)
class Accepted:
    """A share code accepted, and the device it gave, once listed."""

    share_code: str
    device: Device | None

    @property
    def expires_at(self) -> datetime | None:
        """When the access ends (``None``: for life, or the device not listed)."""
        return self.device.share_expires_at if self.device else None


def _received_with(devices: list[Device], share_code: str) -> Device | None:
    return next(
        (d for d in devices if d.shared_with_me and d.share_code == share_code),
        None,
    )


async def _list_after(
    entry: QuectelConfigEntry, lost: QuectelOutcomeUnknownError
) -> list[Device]:
    """Read the device list after the answer ``lost``; raise if it cannot be."""
    try:
        return await entry.runtime_data.devices.async_read_now()
    except QuectelError as err:
        raise QuectelDeviceListUnverifiedError(str(lost)) from err


async def async_accept_invite(
    entry: QuectelConfigEntry, share_code: str, device_name: str | None
) -> Accepted:
    """Accept ``share_code`` for the account, then read its device list once.

    The read shows the new device (and its Access ends sensor) at once.
    After a successful answer a read that fails only leaves the device to
    the next poll.
    """
    runtime = entry.runtime_data
    try:
        await runtime.client.accept_share_code(share_code, device_name)
    except QuectelOutcomeUnknownError as err:
        device = _received_with(await _list_after(entry, err), share_code)
        if device is None:
            raise QuectelInviteNotAcceptedError(str(err)) from err
        return Accepted(share_code, device)
    try:
        listed = await runtime.devices.async_read_now()
    except QuectelError:
        return Accepted(share_code, None)
    return Accepted(share_code, _received_with(listed, share_code))


async def async_leave_share(target: ReceivedTarget) -> None:
    """Give back the share ``target``'s account holds; forget the device at once.

    The device was listed as shared with the account when last read: a 5142
    ("this share has expired") means the share is over, left by this very
    request (its answer lost, and the HTTP library sent it again) or ended.
    """
    runtime = target.entry.runtime_data
    share_code = target.share_code
    try:
        await runtime.client.leave_share(share_code)
    except QuectelResponseError as err:
        if err.code != SHARE_GONE_CODE:
            raise
    except QuectelOutcomeUnknownError as err:
        device = _received_with(await _list_after(target.entry, err), share_code)
        # Still listed but past its end (status or bindStatus 2, or its end
        # passed): the access is over, as if left.
        if device is not None and not device.access_ended(dt_util.utcnow()):
            raise QuectelShareNotLeftError(str(err)) from err
    runtime.devices.async_forget_received(target.device.unique_id)
