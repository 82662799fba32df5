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


NOW = datetime(2030, 1, 1, tzinfo=UTC)
NOBODY = Recipient(None, None, None, None)
GUEST = Recipient("U3", None, None, None)


def _share(status: int | None, expires_at: datetime | None = None) -> Share:
    return Share("C", "p", "d", status, None, None, expires_at, GUEST)


def _invitation(
    status: int | None,
    accept_by: datetime | None,
    expires_at: datetime | None = None,
) -> Share:
    return Share(
        "C", "p", "d", status, NOW, None, expires_at, NOBODY, accept_by=accept_by
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
    expires_at = NOW + expires_in if expires_in is not None else None
    assert share_status(_share(status, expires_at), NOW) == expected


@pytest.mark.parametrize(
    ("status", "accept_in", "expires_in", "expected"),
    [
        (ShareStatus.PENDING, timedelta(hours=1), None, "pending"),
        (ShareStatus.PENDING, None, timedelta(days=1), "pending"),
        # Whatever status the cloud gives it, nobody can use it yet.
        (ShareStatus.ACTIVE, timedelta(hours=1), None, "pending"),
        (None, timedelta(hours=1), None, "pending"),
        # Not accepted by its deadline: expired, never a share.
        (ShareStatus.PENDING, timedelta(hours=-1), None, "expired"),
        (ShareStatus.ACTIVE, timedelta(hours=-1), timedelta(days=1), "expired"),
        (ShareStatus.EXPIRED, timedelta(hours=1), None, "expired"),
        (ShareStatus.PENDING, timedelta(hours=1), timedelta(minutes=-1), "expired"),
        (ShareStatus.CANCELLED, timedelta(hours=1), None, "cancelled"),
    ],
)
def test_invitation_status_words(
    status: int | None,
    accept_in: timedelta | None,
    expires_in: timedelta | None,
    expected: str,
) -> None:
    accept_by = NOW + accept_in if accept_in is not None else None
    expires_at = NOW + expires_in if expires_in is not None else None
    assert share_status(_invitation(status, accept_by, expires_at), NOW) == expected


def test_an_accepted_invitation_is_active_after_its_deadline() -> None:
    accepted = Share(
        "C",
        "p",
        "d",
        ShareStatus.ACTIVE,
        NOW - timedelta(days=2),
        NOW - timedelta(days=1),
        NOW + timedelta(days=1),
        GUEST,
        accept_by=NOW - timedelta(hours=12),
    )
    assert share_status(accepted, NOW) == "active"
