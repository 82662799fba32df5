"""Masking recipients' contact details where more than the admin may see them."""

from __future__ import annotations

MASK = "***"
PHONE_DIGITS_KEPT = 4


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
