"""How a share is described to users: status words, ISO times, response shape."""

from __future__ import annotations

from datetime import datetime

from homeassistant.util.json import JsonValueType

from .api import Share, ShareStatus

STATUS_ACTIVE = "active"
STATUS_PENDING = "pending"
STATUS_CANCELLED = "cancelled"
STATUS_EXPIRED = "expired"
STATUS_UNKNOWN = "unknown"


def iso(moment: datetime | None) -> str | None:
    """Return ``moment`` in ISO 8601, or ``None``."""
    return moment.isoformat() if moment else None


def share_status(share: Share, now: datetime) -> str:
    """Return a share's status as a word.

    ``cancelled``: revoked by either side (or the device was unbound);
    ``expired``: its end time has passed, whatever the cloud's status says;
    ``pending``: waiting for the recipient; ``active``: in force. A status
    value the docs do not explain is ``unknown``.
    """
    if share.status == ShareStatus.CANCELLED:
        return STATUS_CANCELLED
    if share.status == ShareStatus.EXPIRED or (
        share.expires_at is not None and share.expires_at <= now
    ):
        return STATUS_EXPIRED
    if share.status == ShareStatus.PENDING:
        return STATUS_PENDING
    if share.status in (ShareStatus.ACTIVE, None):
        return STATUS_ACTIVE
    return STATUS_UNKNOWN


def describe_share(share: Share, now: datetime) -> dict[str, JsonValueType]:
    """Describe a share as ``list_shares`` returns it (contact details in full)."""
    return {
        "share_code": share.share_code,
        "recipient": {
            "uid": share.recipient.uid,
            "email": share.recipient.email,
            "phone": share.recipient.phone,
            "nickname": share.recipient.nickname,
        },
        "status": share_status(share, now),
        "shared_at": iso(share.shared_at),
        "accepted_at": iso(share.accepted_at),
        "expires_at": iso(share.expires_at),
    }
