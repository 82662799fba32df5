"""Checks of action input (`validation`) that the action tests do not reach."""

from __future__ import annotations

from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.quectel_iot.validation import expiry_from, required_expiry_from


def test_required_expiry() -> None:
    """Actions that change an expiry need one (used by set_share_expiry)."""
    with pytest.raises(ServiceValidationError) as err:
        required_expiry_from({})
    assert err.value.translation_key == "expiry_missing"
    assert expiry_from({}) is None
