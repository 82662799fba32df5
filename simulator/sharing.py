"""shareByUid, deviceShareUserList, ownerUserUnshareDevice and setShareTime.

shareByUid checks, answering with the first that fails: ``pk`` missing 5066;
``dk`` missing 5067; none of ``shareUid``/``email``/``phone`` 5891;
``coverMark`` not 1, 2 or 3 5133; ``sharingExpireAt`` not an integer or not
in the future 5145; device unknown or not the caller's 5135; ``authKey`` sent
but not the device's 5135 (our choice: the doc lists no code; it is
shareInfo.md's "no permission to share this device"); device unverified 5360;
recipient unknown (``shareUid`` wins over ``email``, which wins over
``phone``) or the caller 5134; recipient in the caller's family 5864.

A share by uid is active at once (acceptTime = shareTime). With an active
share to the same recipient on the device, ``coverMark``

- 1 (the default) cancels it (them) and makes a new share with a new code;
- 2 makes one more share next to it;
- 3 replaces it like 1 only when the new expiry is later than the latest
  active one (no expiry = for life = the latest); otherwise nothing changes
  and the answer is the code of the share kept (our choice: the doc does not
  say what is answered).

Without an active share to that recipient every mode makes a new one.

The docs do not say whose "previous valid share" coverMark 1 overrides. With
`CloudState.cover_mark_scope` "recipient" (the default) it is the
recipient's, as above; with "device" coverMark 1 cancels every active share
of the device, whoever it was made to, and every share code of the device
nobody has accepted yet. coverMark 3 always compares with the recipient's
shares.
"""

from __future__ import annotations

from typing import Any

from .docs import CoverMark, ShareStatus
from .envelope import ApiError
from .models import SimDevice, SimShare, SimUser
from .params import Params, parse_int
from .state import CloudState
from .views import share_info, share_user_info


def share_by_uid(state: CloudState, owner: SimUser, params: Params) -> str:
    """Share a device of ``owner``; return the share code."""
    pk, dk = device_key(params)
    recipient_keys = (params.get("shareUid"), params.get("email"), params.get("phone"))
    if recipient_keys == (None, None, None):
        raise ApiError(5891)
    cover_mark = cover_mark_of(params.get("coverMark"))
    expire_at_ms = optional_future_ms(state, params.get("sharingExpireAt"))
    device = shareable_device(state, owner, params, pk, dk)
    recipient = _recipient(state, *recipient_keys)
    if recipient is None or recipient.uid == owner.uid:
        raise ApiError(5134)
    if state.same_family(owner, recipient):
        raise ApiError(5864)
    existing = state.active_shares(pk, dk, recipient.uid)
    if cover_mark is CoverMark.OVERRIDE and state.cover_mark_scope == "device":
        existing = state.active_shares(pk, dk) + state.open_invitations(pk, dk)
    if existing and cover_mark is CoverMark.ADD:
        existing = []
    if existing and cover_mark is CoverMark.EXTEND_ONLY:
        latest = max(existing, key=expiry_order)
        if not is_later(expire_at_ms, latest.expire_at_ms):
            return latest.share_code
    for share in existing:
        state.cancel_share(share)
    share = state.add_share(
        device, recipient, expire_at_ms=expire_at_ms, cover_mark=cover_mark
    )
    return share.share_code


def share_user_list(
    state: CloudState, owner: SimUser, params: Params
) -> list[dict[str, Any]]:
    """Return every share (any status) of a device of ``owner``, oldest first.

    5066/5067 for a missing pk/dk; 5141 when the device is unknown or not the
    caller's. A share code nobody has accepted has ``userInfo`` null.
    """
    pk, dk = device_key(params)
    device = state.devices.get((pk, dk))
    if device is None or device.owner_uid != owner.uid:
        raise ApiError(5141)
    now_ms = state.clock.now_ms()
    return [
        {
            "shareInfo": share_info(share, device, now_ms),
            "userInfo": None
            if share.share_uid is None
            else share_user_info(state.users[share.share_uid], state.user_domain),
        }
        for share in state.all_shares()
        if share.pk == pk and share.dk == dk and share.owner_uid == owner.uid
    ]


def owner_unshare(state: CloudState, owner: SimUser, params: Params) -> None:
    """Cancel a share of ``owner``, or withdraw a share code nobody accepted.

    5136 without ``shareCode``; 5041 when the code is unknown or the share is
    not the caller's; 5142 when the share is already cancelled or expired.
    """
    share = _owned_share(state, owner, params)
    if share.status != ShareStatus.PENDING:
        _check_active(share)
    state.cancel_share(share)


def set_share_time(state: CloudState, owner: SimUser, params: Params) -> None:
    """Set the expiry of a share of ``owner``.

    5136 without ``shareCode``; 5041 when the code is unknown or the share is
    not the caller's; 5145 when ``sharingExpireAt`` is missing, not an integer
    or not in the future (our choice: the doc lists no code for it; 5145 is
    shareByUid's code for the same mistake); 5142 when the share is cancelled
    or expired (our choice, borrowed from ownerUserUnshareDevice: a share that
    ended is not revived).
    """
    share = _owned_share(state, owner, params)
    expire_at_ms = future_ms(state, params.get("sharingExpireAt"))
    _check_active(share)
    share.expire_at_ms = expire_at_ms
    share.update_time_ms = state.clock.now_ms()


def device_key(params: Params) -> tuple[str, str]:
    pk = params.get("pk")
    if pk is None:
        raise ApiError(5066)
    dk = params.get("dk")
    if dk is None:
        raise ApiError(5067)
    return pk, dk


def shareable_device(
    state: CloudState, owner: SimUser, params: Params, pk: str, dk: str
) -> SimDevice:
    """Return the caller's device to share: 5135 if not its own, 5360 if unverified."""
    device = state.devices.get((pk, dk))
    if device is None or device.owner_uid != owner.uid:
        raise ApiError(5135)
    auth_key = params.get("authKey")
    if auth_key is not None and auth_key != device.auth_key:
        raise ApiError(5135)
    if not device.verified:
        raise ApiError(5360)
    return device


def _recipient(
    state: CloudState, share_uid: str | None, email: str | None, phone: str | None
) -> SimUser | None:
    if share_uid is not None:
        return state.users.get(share_uid)
    if email is not None:
        return state.user_by_email(email)
    return state.user_by_phone(phone or "")


def cover_mark_of(value: str | None) -> CoverMark:
    if value is None:
        return CoverMark.OVERRIDE
    number = parse_int(value)
    if number is None or number not in set(CoverMark):
        raise ApiError(5133)
    return CoverMark(number)


def future_ms(state: CloudState, value: str | None) -> int:
    """Return a timestamp parameter in the future; 5145 for anything else."""
    moment_ms = parse_int(value)
    if moment_ms is None or moment_ms <= state.clock.now_ms():
        raise ApiError(5145)
    return moment_ms


def optional_future_ms(state: CloudState, value: str | None) -> int | None:
    """Return `future_ms` of ``value``, or None when it is absent."""
    return None if value is None else future_ms(state, value)


def expiry_order(share: SimShare) -> tuple[float, int]:
    expiry = float("inf") if share.expire_at_ms is None else share.expire_at_ms
    return (expiry, share.share_id)


def is_later(new_ms: int | None, old_ms: int | None) -> bool:
    if old_ms is None:
        return False
    return new_ms is None or new_ms > old_ms


def _owned_share(state: CloudState, owner: SimUser, params: Params) -> SimShare:
    share_code = params.get("shareCode")
    if share_code is None:
        raise ApiError(5136)
    share = state.share_by_code(share_code)
    if share is None or share.owner_uid != owner.uid:
        raise ApiError(5041)
    return share


def _check_active(share: SimShare) -> None:
    if share.status != ShareStatus.ACTIVE:
        raise ApiError(5142)
