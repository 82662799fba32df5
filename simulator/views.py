"""The documented JSON shapes of users, devices, shares and pages.

Field names and types follow the docs (userInfo.md, userDeviceList.md and its
worked example in API_accessInstruction.md, deviceShareUserList.md). Date
strings are "yyyy-MM-dd HH:mm:ss" in UTC; the ``...Ts`` twins are epoch
milliseconds. Fields the simulator has no data for are null or "".
"""

from __future__ import annotations

from datetime import UTC, datetime
from math import ceil
from typing import Any

from .docs import BindStatus, DeviceType
from .models import SimDevice, SimShare, SimUser

NAVIGATE_PAGES = 8  # PageHelper's default, as in the docs' example


def date_string(ms: int | None) -> str | None:
    """Format epoch milliseconds as the cloud's date strings."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _user_common(user: SimUser) -> dict[str, Any]:
    return {
        "address": "",
        "alipayUserId": "",
        "city": "",
        "email": user.email or "",
        "facebookUserId": "",
        "headimg": "",
        "lang": user.lang,
        "nationality": "",
        "nikeName": user.nickname,
        "phone": user.phone or "",
        "province": "",
        "qqUserId": "",
        "remark": "",
        "sex": "",
        "signature": "",
        "status": 1,
        "timezone": user.timezone,
        "twitterUserId": "",
        "uid": user.uid,
        "wechatMiniprogramUserId": "",
        "wechatOffiaccountUserId": "",
        "wechatUnionId": "",
    }


def user_info(user: SimUser) -> dict[str, Any]:
    """Return the ``data`` of userInfo (times as epoch milliseconds)."""
    return {
        **_user_common(user),
        "appleUserId": "",
        "lastLoginTime": user.last_login_time_ms,
        "lastLoginTimeTs": user.last_login_time_ms,
        "logonMode": 1 if user.email else 2,
        "registerTime": user.register_time_ms,
        "registerTimeTs": user.register_time_ms,
    }


def share_user_info(user: SimUser, user_domain: str) -> dict[str, Any]:
    """Return ``userInfo`` of a deviceShareUserList entry (times as strings)."""
    return {
        **_user_common(user),
        "lastLoginTime": date_string(user.last_login_time_ms),
        "lastLoginTimeTs": user.last_login_time_ms,
        "registerTime": date_string(user.register_time_ms),
        "registerTimeTs": user.register_time_ms,
        "userDomain": user_domain,
    }


def share_info(
    share: SimShare, device: SimDevice | None, now_ms: int
) -> dict[str, Any]:
    """Return ``shareInfo`` of a deviceShareUserList entry."""
    return {
        "acceptTime": share.accept_time_ms,
        "acceptTimeTs": share.accept_time_ms,
        # Only share codes have an acceptance deadline (shares by uid: null).
        "acceptingExpireAt": date_string(share.accepting_expire_at_ms),
        "acceptingExpireAtTs": share.accepting_expire_at_ms,
        "authKey": device.auth_key if device else None,
        "coverMark": int(share.cover_mark),
        "deleteTime": share.delete_time_ms,
        "deleteTimeTs": share.delete_time_ms,
        "deviceName": device.name if device else None,
        "dk": share.dk,
        "failureCause": None,
        "fid": None,
        "ownerUid": share.owner_uid,
        "pk": share.pk,
        "shareCode": share.share_code,
        "shareId": share.share_id,
        "shareStatus": int(share.status_at(now_ms)),
        "shareTime": share.share_time_ms,
        "shareTimeTs": share.share_time_ms,
        "shareUid": share.share_uid,
        "sharingExpireAt": date_string(share.expire_at_ms),
        "sharingExpireAtTs": share.expire_at_ms,
        "updateTime": share.update_time_ms,
        "updateTimeTs": share.update_time_ms,
    }


def _binding_status(field: str, expired_fields: tuple[str, ...]) -> int:
    expired = field in expired_fields
    return int(BindStatus.EXPIRED if expired else BindStatus.NORMAL)


def device_item(
    device: SimDevice,
    viewer: SimUser,
    owner: SimUser,
    share: SimShare | None,
    *,
    expired_fields: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Return one ``list`` entry of userDeviceList as ``viewer`` sees it.

    Owners (``share`` None) get deviceType 1, the authKey and ownerUid null.
    Recipients get deviceType 2, authKey null, ownerUid = the sharer, the
    share's code and expiry (null expiry = shared for life) and the name they
    gave the device when accepting a share code, if any. ``status`` and
    ``bindStatus`` are 1 (Normal), or 2 (Expired) when in ``expired_fields``.
    """
    shared = share is not None
    expire_ms = share.expire_at_ms if share else None
    return {
        "productKey": device.pk,
        "deviceKey": device.dk,
        "deviceTag": None,
        "deviceName": (share.device_name if share else None) or device.name,
        "deviceStatus": "Online" if device.online else "Offline",
        "protocol": "MQTT",
        "productName": device.product_name,
        "logoImage": "",
        "signalStrength": "88" if device.online else None,
        "uid": viewer.uid,
        "userName": viewer.nickname,
        "phone": viewer.phone,
        "locateType": None,
        "deviceType": int(DeviceType.SHARED if shared else DeviceType.OWN),
        "ownerUid": owner.uid if shared else None,
        "shareCode": share.share_code if share else None,
        "authKey": None if shared else device.auth_key,
        "authCode": None,
        "bindingCode": None,
        "btPwd": None,
        "btLastUseTime": None,
        # The field table says string, the worked example shows an int: int.
        "verified": 1 if device.verified else 0,
        "status": _binding_status("status", expired_fields),
        "networkType": "2",
        "accessType": "0",
        "sn": device.dk,
        "bindMode": 3,
        "onlineStatus": 1 if device.online else 0,
        "bindStatus": _binding_status("bindStatus", expired_fields),
        "deviceCreateTime": date_string(device.create_time_ms),
        "deviceCreateTimeTs": device.create_time_ms,
        "activeTime": date_string(device.create_time_ms),
        "activeTimeTs": device.create_time_ms,
        "deviceBindTime": date_string(device.bind_time_ms),
        "deviceBindTimeTs": device.bind_time_ms,
        "lastConnTime": None,
        "lastConnTimeTs": None,
        "lastOfflineTime": None,
        "lastOfflineTimeTs": None,
        "invaildTime": None,
        "invaildTimeTs": None,
        "fid": None if shared else owner.family_id,
        "frid": None,
        "bindingType": 1,
        "capabilitiesBitmask": 1,
        "sharingExpireAt": date_string(expire_ms),
        "sharingExpireTimeTs": expire_ms,
        "upgradeStatus": None,
        "userConfirmStatus": None,
        "isNative": 1,
        "isMatter": 0,
        "firstItemCode": "",
        "firstItemName": "",
        "secondItemCode": "",
        "secondItemName": "",
        "lowPowerProduct": False,
        "lowPowerCache": None,
        "lowPowerStatus": False,
        "aiCapabilityStatus": False,
        "lowPowerAlive": 0,
        "planId": None,
        "gdid": None,
        "groupState": 0,
        "groupDeviceDeviceNum": None,
        "matterInfo": None,
    }


def navigate_page_numbers(page_num: int, pages: int) -> list[int]:
    """Return the page numbers PageHelper offers around ``page_num``."""
    if pages <= NAVIGATE_PAGES:
        return list(range(1, pages + 1))
    start = page_num - NAVIGATE_PAGES // 2
    end = page_num + NAVIGATE_PAGES // 2
    if start < 1:
        start = 1
    elif end > pages:
        start = pages - NAVIGATE_PAGES + 1
    return list(range(start, start + NAVIGATE_PAGES))


def page_info(
    items: list[dict[str, Any]], total: int, page_num: int, page_size: int
) -> dict[str, Any]:
    """Return a PageInfo (PageHelper's shape) for one page of ``total`` items."""
    pages = ceil(total / page_size)
    size = len(items)
    start_row = (page_num - 1) * page_size + 1 if size else 0
    navigate = navigate_page_numbers(page_num, pages)
    return {
        "total": total,
        "list": items,
        "pageNum": page_num,
        "pageSize": page_size,
        "size": size,
        "startRow": start_row,
        "endRow": start_row + size - 1 if size else 0,
        "pages": pages,
        "prePage": page_num - 1 if page_num > 1 else 0,
        "nextPage": page_num + 1 if page_num < pages else 0,
        "isFirstPage": page_num == 1,
        "isLastPage": page_num >= pages,
        "hasPreviousPage": page_num > 1,
        "hasNextPage": page_num < pages,
        "navigatePages": NAVIGATE_PAGES,
        "navigatepageNums": navigate,
        "navigateFirstPage": navigate[0] if navigate else 0,
        "navigateLastPage": navigate[-1] if navigate else 0,
    }
