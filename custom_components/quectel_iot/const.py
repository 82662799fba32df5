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

# The device list changes rarely; shares are polled on their own, slower.
DEVICE_SCAN_INTERVAL: Final = timedelta(minutes=5)
SHARE_SCAN_INTERVAL: Final = timedelta(minutes=15)

EVENT_DEVICE_SHARED: Final = f"{DOMAIN}_device_shared"
EVENT_SHARE_REVOKED: Final = f"{DOMAIN}_share_revoked"
EVENT_SHARE_UPDATED: Final = f"{DOMAIN}_share_updated"
