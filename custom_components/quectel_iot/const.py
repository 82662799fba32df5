"""Constants of the Quectel IoT integration."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Final

from .api import CoverMark, DataCenter

DOMAIN: Final = "quectel_iot"
LOGGER = logging.getLogger(__package__)

CONF_DATA_CENTER: Final = "data_center"
CONF_BASE_URL: Final = "base_url"
CONF_USER_DOMAIN: Final = "user_domain"
CONF_USER_DOMAIN_SECRET: Final = "user_domain_secret"
CONF_EMAIL: Final = "email"
CONF_PHONE: Final = "phone"
CONF_INTERNATIONAL_CODE: Final = "international_code"
CONF_PASSWORD: Final = "password"
CONF_TOKENS: Final = "tokens"
# Options.
CONF_DAILY_BUDGET: Final = "daily_request_budget"


class DataCenterOption(StrEnum):
    """The data center choices of the config flow."""

    CHINA = "china"
    EUROPE = "europe"
    NORTH_AMERICA = "north_america"
    CUSTOM = "custom"


DATA_CENTER_URLS: Final[dict[DataCenterOption, str]] = {
    DataCenterOption.CHINA: DataCenter.CHINA.value,
    DataCenterOption.EUROPE: DataCenter.EUROPE.value,
    DataCenterOption.NORTH_AMERICA: DataCenter.NORTH_AMERICA.value,
}


class ShareMode(StrEnum):
    """`mode` of the share actions, mapped to the cloud's coverMark."""

    REPLACE = "replace"
    ADD = "add"
    EXTEND = "extend"


SHARE_MODE_COVER_MARK: Final[dict[ShareMode, CoverMark]] = {
    ShareMode.REPLACE: CoverMark.REPLACE,
    ShareMode.ADD: CoverMark.ADD,
    ShareMode.EXTEND: CoverMark.EXTEND,
}

# The shortest intervals: the device list (new devices are rare) and each
# device's share list. Larger accounts are read less often, within the budget.
DEVICE_SCAN_INTERVAL: Final = timedelta(hours=1)
SHARE_SCAN_INTERVAL: Final = timedelta(minutes=15)

# Actions.
SERVICE_SHARE_DEVICE: Final = "share_device"
SERVICE_LIST_SHARES: Final = "list_shares"
SERVICE_UNSHARE_DEVICE: Final = "unshare_device"
SERVICE_SET_SHARE_EXPIRY: Final = "set_share_expiry"
SERVICE_CREATE_INVITE: Final = "create_invite"
# For devices shared with the account.
SERVICE_ACCEPT_INVITE: Final = "accept_invite"
SERVICE_LEAVE_SHARE: Final = "leave_share"

# Action fields (as in services.yaml). Devices are also targeted by
# homeassistant.const.ATTR_DEVICE_ID.
ATTR_PRODUCT_KEY: Final = "product_key"
ATTR_DEVICE_KEY: Final = "device_key"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_EMAIL: Final = "email"
ATTR_PHONE: Final = "phone"
ATTR_UID: Final = "uid"
ATTR_STARTS_AT: Final = "starts_at"
ATTR_EXPIRES_AT: Final = "expires_at"
ATTR_DURATION: Final = "duration"
ATTR_MODE: Final = "mode"
ATTR_AUTH_KEY: Final = "auth_key"
ATTR_SHARE_CODE: Final = "share_code"
ATTR_INCLUDE_INACTIVE: Final = "include_inactive"
# create_invite: the acceptance deadline of a share code, or how long it is open.
ATTR_ACCEPT_BY: Final = "accept_by"
ATTR_ACCEPT_WITHIN: Final = "accept_within"
DEFAULT_ACCEPT_WITHIN: Final = timedelta(hours=24)
ATTR_DEVICE_NAME: Final = "device_name"

# Events, and the keys of their payloads beyond the action fields above
# (device_id, product_key, device_key, share_code, expires_at).
EVENT_DEVICE_SHARED: Final = f"{DOMAIN}_device_shared"
EVENT_SHARE_REVOKED: Final = f"{DOMAIN}_share_revoked"
EVENT_SHARE_UPDATED: Final = f"{DOMAIN}_share_updated"
ATTR_RECIPIENT_TYPE: Final = "recipient_type"
# An invitation (share code) this account had seen open was accepted:
# device fields, share_code, accepted_at, expires_at.
EVENT_INVITE_ACCEPTED: Final = f"{DOMAIN}_invite_accepted"
ATTR_ACCEPTED_AT: Final = "accepted_at"
