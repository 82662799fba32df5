"""Checks of action input (`validation`) that the action tests do not reach.

Every field has a bounded length and an ASCII alphabet; a refusal is a
translated error that names the field and echoes at most a short, escaped
excerpt of the input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.quectel_iot.exceptions import excerpt
from custom_components.quectel_iot.services import (
    LIST_SHARES_SCHEMA,
    SET_SHARE_EXPIRY_SCHEMA,
    SHARE_DEVICE_SCHEMA,
    UNSHARE_DEVICE_SCHEMA,
)
from custom_components.quectel_iot.validation import (
    expiry_from,
    mode_from,
    recipient_from,
    required_expiry_from,
)

EXCEPTIONS: dict[str, Any] = json.loads(
    (
        Path(__file__).parents[1] / "custom_components/quectel_iot/translations/en.json"
    ).read_text(encoding="utf-8")
)["exceptions"]

DEVICE = "0123456789abcdef0123456789abcdef"
MEGABYTE = "d" * 1_000_000
# Characters that change how text is displayed without being seen.
INVISIBLE = [
    *("\u202a", "\u202b", "\u202c", "\u202d", "\u202e"),
    *("\u2066", "\u2067", "\u2068", "\u2069"),
    *("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"),
]
CONTROL = ["\x00", "\r", "\n", "\r\n", "\x1b"]


def refusal(schema: Any, data: dict[str, Any]) -> ServiceValidationError:
    with pytest.raises(ServiceValidationError) as info:
        schema(data)
    return info.value


def rendered(err: ServiceValidationError) -> str:
    """The English message, as Home Assistant renders it from en.json."""
    template: str = EXCEPTIONS[str(err.translation_key)]["message"]
    return template.format(**(err.translation_placeholders or {}))


def assert_names_field(err: ServiceValidationError, field: str, key: str) -> None:
    assert err.translation_domain == "quectel_iot"
    assert err.translation_key == key
    assert (err.translation_placeholders or {})["field"] == field
    assert field in rendered(err)


def test_required_expiry() -> None:
    """Actions that change an expiry need one (used by set_share_expiry)."""
    with pytest.raises(ServiceValidationError) as err:
        required_expiry_from({})
    assert err.value.translation_key == "expiry_missing"
    assert expiry_from({}) is None


@pytest.mark.parametrize("bad", CONTROL)
@pytest.mark.parametrize(
    ("schema", "field", "good"),
    [
        (SHARE_DEVICE_SCHEMA, "auth_key", "FUjktXJpwJ8d3OLZoHTYtA=="),
        (UNSHARE_DEVICE_SCHEMA, "share_code", "9F2C41D07A6B4E0C8D3A"),
        (SET_SHARE_EXPIRY_SCHEMA, "share_code", "DEMOSHARE0001"),
    ],
)
def test_codes_and_keys_refuse_control_characters(
    schema: Any, field: str, good: str, bad: str
) -> None:
    assert schema({field: good})[field] == good
    err = refusal(schema, {field: f"{good[:4]}{bad}{good[4:]}"})
    assert_names_field(err, field, "field_bad_characters")
    assert bad not in rendered(err)


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("uid", "C1003", "invalid_uid"),
        ("email", "guest@example.com", "invalid_email"),
        ("auth_key", "authkey", "field_bad_characters"),
        ("share_code", "SHARE1", "field_bad_characters"),
        ("device_key", "DEV-1", "field_bad_characters"),
    ],
)
def test_bidi_and_zero_width_characters_are_refused(
    field: str, value: str, key: str, char: str
) -> None:
    schema = UNSHARE_DEVICE_SCHEMA if field == "share_code" else SHARE_DEVICE_SCHEMA
    assert schema({field: value})[field] == value
    err = refusal(schema, {field: value[:2] + char + value[2:]})
    assert_names_field(err, field, key)
    assert char not in rendered(err)


@pytest.mark.parametrize("field", ["device_id", "config_entry_id"])
def test_ids_are_bounded_and_not_echoed_in_full(field: str) -> None:
    assert LIST_SHARES_SCHEMA({field: DEVICE})[field] in (DEVICE, [DEVICE])
    err = refusal(LIST_SHARES_SCHEMA, {field: MEGABYTE})
    assert_names_field(err, field, "field_too_long")
    assert len(rendered(err)) < 200
    err = refusal(LIST_SHARES_SCHEMA, {field: "abc/\u202edef"})
    assert_names_field(err, field, "field_bad_characters")
    assert "\u202e" not in rendered(err)
    assert "\\u202e" in rendered(err)


def test_too_many_devices_in_one_call() -> None:
    assert len(LIST_SHARES_SCHEMA({"device_id": [DEVICE] * 1000})["device_id"]) == 1000
    err = refusal(LIST_SHARES_SCHEMA, {"device_id": [DEVICE] * 1001})
    assert_names_field(err, "device_id", "too_many_items")


def test_bad_input_is_echoed_as_a_short_escaped_excerpt() -> None:
    err = refusal(
        SHARE_DEVICE_SCHEMA,
        {"product_key": "p\r\nFAKE LOG LINE " + "x" * 10_000, "device_key": "D"},
    )
    assert err.translation_key in ("field_too_long", "field_bad_characters")
    text = rendered(err)
    assert "\r" not in text
    assert "\n" not in text
    assert len(text) < 200
    err = refusal(SHARE_DEVICE_SCHEMA, {"product_key": "p\r\nFAKE", "device_key": "D"})
    assert_names_field(err, "product_key", "field_bad_characters")
    assert '"p\\r\\nFAKE"' in rendered(err)


def test_excerpt_is_bounded_printable_and_keeps_letters() -> None:
    assert excerpt("abc") == '"abc"'
    assert excerpt("a\u202eb\x00c\n") == '"a\\u202eb\\x00c\\n"'
    assert excerpt('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert excerpt("设备一") == '"设备一"'
    assert excerpt("x" * 1000) == '"' + "x" * 40 + '…"'
    assert excerpt(["a"] * 1000) == "<list>"
    assert excerpt(10**5000) == "<int>"


@pytest.mark.parametrize("field", ["email", "phone", "uid", "auth_key", "duration"])
def test_null_counts_as_not_given(field: str) -> None:
    validated = SHARE_DEVICE_SCHEMA({"device_id": DEVICE, "uid": "U3", field: None})
    if field != "uid":
        assert field not in validated
        assert recipient_from(validated).as_kwargs() == {"uid": "U3"}
    validated = SHARE_DEVICE_SCHEMA({"device_id": DEVICE, "uid": "U3", "mode": None})
    assert mode_from(validated) == "replace"


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("duration", {"days": 3_000_000}, "expiry_too_late"),
        ("duration", {"days": 10**12}, "invalid_duration"),
        ("duration", {"days": 1e300}, "invalid_duration"),
        ("duration", 10**30, "invalid_duration"),
        ("duration", "9" * 5000 + ":00", "field_too_long"),
        ("duration", "soon", "invalid_duration"),
        ("expires_at", "tomorrow", "invalid_datetime"),
        ("expires_at", "2030-01-01" + " " * 100, "field_too_long"),
        ("mode", "merge", "invalid_choice"),
        ("email", ["a@b.cd"], "field_not_text"),
        ("email", "", "field_empty"),
        ("email", "a@" + "b" * 300 + ".cd", "field_too_long"),
        ("phone", "٥٥٥٠٠٠٣", "invalid_phone"),
        ("uid", "U" * 65, "field_too_long"),
        ("auth_key", "k" * 257, "field_too_long"),
    ],
)
def test_every_refusal_names_its_field(field: str, value: Any, key: str) -> None:
    data = {"device_id": DEVICE, "uid": "U3", field: value}
    if field in ("email", "phone"):
        del data["uid"]
    try:
        validated = SHARE_DEVICE_SCHEMA(data)
    except ServiceValidationError as err:
        assert_names_field(err, field, key)
        return
    # A duration the schema reads can still end after the year 9999.
    with pytest.raises(ServiceValidationError) as info:
        expiry_from(validated)
    assert info.value.translation_key == key


def test_unknown_field_is_named_and_bounded() -> None:
    err = refusal(LIST_SHARES_SCHEMA, {"device_id": DEVICE, "colour\n" * 1000: 1})
    assert err.translation_key == "unknown_field"
    assert len(rendered(err)) < 200
    assert "\n" not in rendered(err)


def test_phone_is_normalized_to_digits() -> None:
    validated = SHARE_DEVICE_SCHEMA(
        {"device_id": DEVICE, "phone": " +86 (138) 0013-8000 "}
    )
    assert validated["phone"] == "+8613800138000"
    validated = SHARE_DEVICE_SCHEMA({"device_id": DEVICE, "phone": 5550003})
    assert validated["phone"] == "5550003"
