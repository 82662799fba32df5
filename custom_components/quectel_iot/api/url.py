"""Which base URLs the client may talk to.

The built-in data centers are HTTPS. A custom URL (a private deployment, or the
local simulator) must be HTTPS too, unless its host is a loopback or private
address, where plain HTTP is allowed but flagged as insecure.
"""

from __future__ import annotations

import ipaddress

from yarl import URL


class InvalidBaseUrlError(ValueError):
    """The URL is not one the client may use."""


def check_base_url(url: str) -> tuple[str, bool]:
    """Return the normalized base URL and whether it is plain HTTP.

    Raises `InvalidBaseUrlError` for anything else than an absolute http(s)
    URL without query or fragment, and for plain HTTP to a public host.
    """
    try:
        parsed = URL(url.strip())
    except (TypeError, ValueError) as err:
        raise InvalidBaseUrlError(str(err)) from err
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidBaseUrlError("The URL must start with https:// and name a host")
    if parsed.query_string or parsed.fragment or parsed.user or parsed.password:
        raise InvalidBaseUrlError(
            "The URL must not have credentials, a query or a fragment"
        )
    normalized = str(parsed).rstrip("/")
    if parsed.scheme == "https":
        return normalized, False
    if not _is_local(parsed.host):
        raise InvalidBaseUrlError("Plain http:// is only allowed for local addresses")
    return normalized, True


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
