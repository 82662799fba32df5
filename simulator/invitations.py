"""Share codes: shareInfo, shareDevice and shareUserUnshareDevice.

shareInfo (the owner makes a share code) checks, answering with the first
that fails, in shareByUid's order: ``pk`` missing 5066; ``dk`` missing 5067;
``acceptingExpireAt`` missing 5132; ``coverMark`` not 1, 2 or 3 5133;
``acceptingExpireAt`` or ``sharingExpireAt`` not an integer or not in the
future 5145; ``sharingExpireAt`` not later than ``acceptingExpireAt`` 5153;
device unknown or not the caller's, or ``authKey`` sent but not the device's
5135; device unverified 5360. The code is an invitation (PENDING, no
recipient) until someone accepts it.

shareInfo names no recipient, so the "previous valid share" a coverMark
overrides is the device's previous share code (the docs: "override existing
share code"):

- 1 (the default) cancels the device's share codes nobody has accepted yet;
  with `CloudState.cover_mark_scope` "device" it also cancels every active
  share of the device, whoever holds it;
- 2 adds one more code;
- 3 replaces the device's open share codes like 1 only when the new expiry
  is later than theirs (no expiry = for life = the latest); otherwise
  nothing changes and the answer is the code kept.

shareDevice (someone accepts a code): ``shareCode`` missing 5136;
``deviceName`` longer than `MAX_DEVICE_NAME` 5333; the code unknown,
cancelled, already accepted, past its acceptance deadline or its expiry 5137
(our choice for the deadline: the page's "Invalid share code"); the caller
owns the device or already holds an active share of it 5049. Then the share
is the caller's (ACTIVE, acceptTime now). The page's 5138 and 5151 are never
answered: 5049 comes first for a caller who holds a share.

shareUserUnshareDevice (the recipient gives a share back): ``shareCode``
missing 5136; the code unknown or not the caller's share 5041; the share
cancelled or expired 5142. Then it is cancelled.
"""

from __future__ import annotations

from typing import Final

from .docs import CoverMark, ShareStatus
from .envelope import ApiError
from .models import SimShare, SimUser
from .params import Params
from .sharing import (
    cover_mark_of,
    device_key,
    expiry_order,
    future_ms,
    is_later,
    optional_future_ms,
    shareable_device,
)
from .state import CloudState

# userDeviceList.md and shareDevice.md say "Device name exceeds length
# limit" without the limit: the simulator's choice.
MAX_DEVICE_NAME: Final = 64


def share_info(state: CloudState, owner: SimUser, params: Params) -> str:
    """Make a share code of a device of ``owner``; return it."""
    pk, dk = device_key(params)
    if params.get("acceptingExpireAt") is None:
        raise ApiError(5132)
    cover_mark = cover_mark_of(params.get("coverMark"))
    accept_by_ms = future_ms(state, params.get("acceptingExpireAt"))
    expire_at_ms = optional_future_ms(state, params.get("sharingExpireAt"))
    if expire_at_ms is not None and expire_at_ms <= accept_by_ms:
        raise ApiError(5153)
    device = shareable_device(state, owner, params, pk, dk)
    overridden = _overridden(state, pk, dk, cover_mark)
    if overridden and cover_mark is CoverMark.EXTEND_ONLY:
        latest = max(overridden, key=expiry_order)
        if not is_later(expire_at_ms, latest.expire_at_ms):
            return latest.share_code
    for share in overridden:
        state.cancel_share(share)
    share = state.add_invitation(
        device,
        accepting_expire_at_ms=accept_by_ms,
        expire_at_ms=expire_at_ms,
        cover_mark=cover_mark,
    )
    return share.share_code


def _overridden(
    state: CloudState, pk: str, dk: str, cover_mark: CoverMark
) -> list[SimShare]:
    if cover_mark is CoverMark.ADD:
        return []
    overridden = state.open_invitations(pk, dk)
    if cover_mark is CoverMark.OVERRIDE and state.cover_mark_scope == "device":
        overridden += state.active_shares(pk, dk)
    return overridden


def share_device(state: CloudState, user: SimUser, params: Params) -> None:
    """Accept a share code: the device is shared with ``user``."""
    share_code = params.get("shareCode")
    if share_code is None:
        raise ApiError(5136)
    device_name = params.get("deviceName")
    if device_name is not None and len(device_name) > MAX_DEVICE_NAME:
        raise ApiError(5333)
    share = state.share_by_code(share_code)
    if share is None or share.status != ShareStatus.PENDING:
        raise ApiError(5137)
    if share.owner_uid == user.uid or state.active_shares(share.pk, share.dk, user.uid):
        raise ApiError(5049)
    state.accept_invitation(share, user, device_name)


def recipient_unshare(state: CloudState, user: SimUser, params: Params) -> None:
    """Give back a share ``user`` holds."""
    share_code = params.get("shareCode")
    if share_code is None:
        raise ApiError(5136)
    share = state.share_by_code(share_code)
    if share is None or share.share_uid != user.uid:
        raise ApiError(5041)
    if share.status != ShareStatus.ACTIVE:
        raise ApiError(5142)
    state.cancel_share(share)
