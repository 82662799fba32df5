"""How shares are shown to people: status words and masked contact details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.quectel_iot.api import Recipient, Share
from custom_components.quectel_iot.api.const import ShareStatus
from custom_components.quectel_iot.share_view import (
    mask_email,
    mask_phone,
    share_status,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("guest@example.com", "g***@example.com"),
        ("a@b.c", "a***@b.c"),
        ("no-at-sign", "***"),
        ("@example.com", "***"),
        ("", None),
        (None, None),
    ],
)
def test_mask_email(value: str | None, masked: str | None) -> None:
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "***8000"),
        ("+1 (555) 000-3", "***0003"),
        ("1234", "***"),
        ("", None),
        (None, None),
    ],
)
def test_mask_phone(value: str | None, masked: str | None) -> None:
    assert mask_phone(value) == masked


def _share(status: int | None, expires_at: datetime | None = None) -> Share:
    return Share(
        "C", "p", "d", status, None, None, expires_at, Recipient(None, None, None, None)
    )


@pytest.mark.parametrize(
    ("status", "expires_in", "expected"),
    [
        (ShareStatus.ACTIVE, None, "active"),
        (None, None, "active"),
        (ShareStatus.PENDING, timedelta(days=1), "pending"),
        (ShareStatus.ACTIVE, timedelta(days=-1), "expired"),
        (ShareStatus.PENDING, timedelta(days=-1), "expired"),
        (ShareStatus.EXPIRED, None, "expired"),
        (ShareStatus.CANCELLED, timedelta(days=-1), "cancelled"),
        (7, None, "unknown"),
    ],
)
def test_status_words(
    status: int | None, expires_in: timedelta | None, expected: str
) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    expires_at = now + expires_in if expires_in is not None else None
    assert share_status(_share(status, expires_at), now) == expected
