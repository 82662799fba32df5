"""userInfo and userDeviceList.

userDeviceList lists the caller's own devices (in the order they were bound)
and then the devices actively shared with the caller (in the order they were
shared; a device shared twice, with coverMark 2, is listed once, with its
newest share). ``page`` defaults to 1 and ``pageSize`` to 10; a value that is
not a positive integer gets the default, and a ``pageSize`` above
`CloudState.max_page_size` (100 unless changed) is lowered to it, which the
answer's ``pageSize`` shows. A page past the last is empty. The optional
filters ``pkList`` (comma-separated), ``dk`` (exact) and ``deviceName``
(case-insensitive substring) are applied before paging. With
`CloudState.omit_has_next_page` the answer has no ``hasNextPage``.

A device whose share with the caller has expired is no longer listed,
unless `CloudState.keep_expired_received` says how it stays listed: with
``status`` and/or ``bindStatus`` 2 ("Binding status: 1-Normal 2-Expired"),
or ("neither") with both 1 and only its past end. A device also shared with
the caller under an active share is listed once, with that share.
"""

from __future__ import annotations

from typing import Any

from .docs import ShareStatus
from .models import SimDevice, SimShare, SimUser
from .params import Params, parse_int
from .state import CloudState
from .views import device_item, page_info, user_info

DEFAULT_PAGE_SIZE = 10


def get_user_info(user: SimUser) -> dict[str, Any]:
    """Return the ``data`` of userInfo for the caller."""
    return user_info(user)


def visible_devices(
    state: CloudState, user: SimUser
) -> list[tuple[SimDevice, SimShare | None]]:
    """Return the devices ``user`` sees: owned ones, then shared-with-me ones."""
    owned: list[tuple[SimDevice, SimShare | None]] = [
        (device, None)
        for device in state.devices.values()
        if device.owner_uid == user.uid
    ]
    shared: dict[tuple[str, str], tuple[SimDevice, SimShare | None]] = {}
    expired = (
        state.expired_shares(user.uid)
        if state.keep_expired_received is not None
        else []
    )
    # An active share of a device wins over an expired one: it comes last.
    for share in expired + state.active_shares(share_uid=user.uid):
        device = state.devices.get((share.pk, share.dk))
        if device is not None and device.owner_uid != user.uid:
            shared.pop(device.key, None)
            shared[device.key] = (device, share)
    return owned + list(shared.values())


def device_list(state: CloudState, user: SimUser, params: Params) -> dict[str, Any]:
    """Return the ``data`` (a PageInfo) of userDeviceList."""
    page = parse_int(params.get("page"))
    page = page if page is not None and page >= 1 else 1
    page_size = parse_int(params.get("pageSize"))
    page_size = page_size if page_size is not None and page_size >= 1 else None
    page_size = min(page_size or DEFAULT_PAGE_SIZE, state.max_page_size)
    entries = [
        entry for entry in visible_devices(state, user) if _matches(entry[0], params)
    ]
    start = (page - 1) * page_size
    items = [
        device_item(
            device,
            user,
            state.users[device.owner_uid],
            share,
            expired_fields=_expired_fields(state, device, share),
        )
        for device, share in entries[start : start + page_size]
    ]
    info = page_info(items, len(entries), page, page_size)
    if state.omit_has_next_page:
        del info["hasNextPage"]
    return info


def _expired_fields(
    state: CloudState, device: SimDevice, share: SimShare | None
) -> tuple[str, ...]:
    """Return the binding-status fields that say 2 (Expired) in an entry.

    The owner's entry (``share`` None): both when its binding expired.
    """
    if share is None:
        return ("status", "bindStatus") if device.binding_expired else ()
    if share.status != ShareStatus.EXPIRED:
        return ()
    return {
        "status": ("status",),
        "bindStatus": ("bindStatus",),
        "both": ("status", "bindStatus"),
    }.get(state.keep_expired_received or "", ())


def _matches(device: SimDevice, params: Params) -> bool:
    pk_list = params.get("pkList")
    if pk_list is not None and device.pk not in {
        pk.strip() for pk in pk_list.split(",")
    }:
        return False
    dk = params.get("dk")
    if dk is not None and device.dk != dk:
        return False
    name = params.get("deviceName")
    return name is None or name.casefold() in device.name.casefold()
