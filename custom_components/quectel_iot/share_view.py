"""Every shape in which a person sees a share.

Action responses and events (whole contact details in responses, never in
events), the Shares sensor's attributes (contact details masked) and
diagnostics (redacted there).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .api import Device, Share, ShareStatus
from .const import (
    ATTR_ACCEPT_BY,
    ATTR_ACCEPTED_AT,
    ATTR_DEVICE_KEY,
    ATTR_EXPIRES_AT,
    ATTR_PRODUCT_KEY,
    ATTR_RECIPIENT_TYPE,
    ATTR_SHARE_CODE,
)

STATUS_ACTIVE = "active"
STATUS_PENDING = "pending"
STATUS_CANCELLED = "cancelled"
STATUS_EXPIRED = "expired"
STATUS_UNKNOWN = "unknown"

MASK = "***"
PHONE_DIGITS_KEPT = 4

type DeviceFields = dict[str, str | None]


def iso(moment: datetime | None) -> str | None:
    """Return ``moment`` in ISO 8601, or ``None``."""
    return moment.isoformat() if moment else None


def local_time_text(moment: datetime) -> str:
    """Return ``moment`` in Home Assistant's time zone, for people to read."""
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M %Z")


def mask_email(email: str | None) -> str | None:
    """Keep the first character and the domain: ``g***@example.com``."""
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain:
        return MASK
    return f"{local[0]}{MASK}@{domain}"


def mask_phone(phone: str | None) -> str | None:
    """Keep the last four digits only: ``***0003``."""
    if not phone:
        return None
    digits = "".join(char for char in phone if char.isdigit())
    if len(digits) <= PHONE_DIGITS_KEPT:
        return MASK
    return f"{MASK}{digits[-PHONE_DIGITS_KEPT:]}"


def share_status(share: Share, now: datetime) -> str:
    """Return a share's status as a word.

    ``cancelled``: revoked by either side (or the device was unbound);
    ``expired``: its end time has passed, whatever the cloud's status says;
    ``pending``: waiting for the recipient; ``active``: in force. A status
    value the docs do not explain is ``unknown``.

    An invitation (a share code nobody has accepted) is ``pending`` while it
    can be accepted, and ``expired`` once its deadline has passed: it never
    was a share. Once accepted it is a share like any other.
    """
    if share.status == ShareStatus.CANCELLED:
        return STATUS_CANCELLED
    if share.is_invitation:
        return STATUS_PENDING if share.is_open_invitation(now) else STATUS_EXPIRED
    if share.status == ShareStatus.EXPIRED or (
        share.expires_at is not None and share.expires_at <= now
    ):
        return STATUS_EXPIRED
    if share.status == ShareStatus.PENDING:
        return STATUS_PENDING
    if share.status in (ShareStatus.ACTIVE, None):
        return STATUS_ACTIVE
    return STATUS_UNKNOWN


def device_fields(device_id: str | None, device: Device | None) -> DeviceFields:
    """Return the fields that name a device in responses and events."""
    return {
        ATTR_DEVICE_ID: device_id,
        ATTR_PRODUCT_KEY: device.product_key if device else None,
        ATTR_DEVICE_KEY: device.device_key if device else None,
    }


def share_fields(device: DeviceFields, share_code: str | None) -> DeviceFields:
    """Return the fields that name a share in responses and events."""
    return {**device, ATTR_SHARE_CODE: share_code}


def share_event(
    device: DeviceFields,
    share_code: str | None,
    expires_at: datetime | None,
    recipient_type: str | None,
) -> dict[str, Any]:
    """Return the payload of a share event: never an email or phone.

    ``recipient_type`` (email, phone or uid) is ``None`` when the action
    named the share by its code.
    """
    return {
        **share_fields(device, share_code),
        ATTR_RECIPIENT_TYPE: recipient_type,
        ATTR_EXPIRES_AT: iso(expires_at),
    }


def invite_accepted_event(device: DeviceFields, share: Share) -> dict[str, Any]:
    """Return the payload of an accepted invitation's event: never who accepted."""
    return {
        **share_fields(device, share.share_code),
        ATTR_ACCEPTED_AT: iso(share.accepted_at),
        ATTR_EXPIRES_AT: iso(share.expires_at),
    }


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
        # Invitations (share codes): until when it could be accepted.
        ATTR_ACCEPT_BY: iso(share.accept_by),
    }


def sensor_recipient(share: Share) -> dict[str, Any]:
    """Describe an active share in the Shares sensor, contact details masked."""
    return {
        "nickname": share.recipient.nickname,
        "uid": share.recipient.uid,
        "email": mask_email(share.recipient.email),
        "phone": mask_phone(share.recipient.phone),
        "share_code": share.share_code,
        "expires_at": iso(share.expires_at),
    }


def diagnostics_share(share: Share, now: datetime) -> dict[str, Any]:
    """Describe a share in diagnostics, which redact the contact details."""
    return {**describe_share(share, now), "cloud_status": share.status}
