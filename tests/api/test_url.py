"""Which base URLs are accepted."""

import pytest

from custom_components.quectel_iot.api import (
    DataCenter,
    InvalidBaseUrlError,
    check_base_url,
)


@pytest.mark.parametrize("center", list(DataCenter))
def test_data_centers_are_https(center: DataCenter) -> None:
    assert check_base_url(center.value) == (center.value, False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8124",
        "http://localhost:8124/",
        "http://192.168.1.5",
        "http://[::1]:80",
    ],
)
def test_plain_http_is_allowed_for_local_addresses_only_and_flagged(url: str) -> None:
    normalized, insecure = check_base_url(url)
    assert insecure
    assert not normalized.endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://iot-api.example.com",
        "http://8.8.8.8",
        "ftp://127.0.0.1",
        "iot-api.quectelcn.com",
        "https://",
        "https://user:pw@example.com",
        "https://example.com/?a=1",
        "http://[::1",
    ],
)
def test_other_urls_are_rejected(url: str) -> None:
    with pytest.raises(InvalidBaseUrlError):
        check_base_url(url)


def test_https_custom_url_is_normalized() -> None:
    assert check_base_url(" https://iot.example.com/base/ ") == (
        "https://iot.example.com/base",
        False,
    )
