"""Building a cloud client from the config entry's data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import Account, EmailAccount, PhoneAccount, QuectelClient, Tokens
from .api.client import RequestObserver, TokenListener
from .const import (
    CONF_BASE_URL,
    CONF_DATA_CENTER,
    CONF_EMAIL,
    CONF_INTERNATIONAL_CODE,
    CONF_PASSWORD,
    CONF_PHONE,
    CONF_TOKENS,
    CONF_USER_DOMAIN,
    CONF_USER_DOMAIN_SECRET,
    DATA_CENTER_URLS,
    DataCenterOption,
)


def base_url_from_data(data: Mapping[str, Any]) -> str:
    """Return the base URL of the data center the entry uses."""
    option = DataCenterOption(data[CONF_DATA_CENTER])
    if option is DataCenterOption.CUSTOM:
        return str(data[CONF_BASE_URL])
    return DATA_CENTER_URLS[option]


def account_from_data(data: Mapping[str, Any]) -> Account:
    """Return the account (email, or phone with international code)."""
    if email := data.get(CONF_EMAIL):
        return EmailAccount(email)
    return PhoneAccount(data[CONF_PHONE], data[CONF_INTERNATIONAL_CODE])


def create_client(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    on_tokens_changed: TokenListener | None = None,
    observer: RequestObserver | None = None,
) -> QuectelClient:
    """Create a client on Home Assistant's shared aiohttp session."""
    stored = data.get(CONF_TOKENS)
    return QuectelClient(
        async_get_clientsession(hass),
        base_url=base_url_from_data(data),
        user_domain=data[CONF_USER_DOMAIN],
        user_domain_secret=data[CONF_USER_DOMAIN_SECRET],
        account=account_from_data(data),
        password=data[CONF_PASSWORD],
        tokens=Tokens.from_dict(stored) if isinstance(stored, Mapping) else None,
        on_tokens_changed=on_tokens_changed,
        observer=observer,
    )
