"""Translations: zh-Hans matches en key for key and placeholder for placeholder.

Also checks that every action and field of services.yaml is named in en.json,
that icons.json gives every action and entity an icon, and that every error
key the code raises has an English message.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import string
from typing import Any

import pytest
import yaml

from custom_components.quectel_iot.api.errors import (
    ERROR_CODES,
    QuectelConnectionError,
    QuectelMalformedResponseError,
    QuectelOutcomeUnknownError,
    QuectelResponseError,
    QuectelTimeoutError,
)
from custom_components.quectel_iot.const import (
    DOMAIN,
    SERVICE_SHARE_DEVICE,
    ShareMode,
)
from custom_components.quectel_iot.exceptions import translation_key_for

PACKAGE = Path(__file__).parents[1] / "custom_components" / DOMAIN
TRANSLATIONS = PACKAGE / "translations"
LANGUAGES = sorted(path.stem for path in TRANSLATIONS.glob("*.json"))
# zh-Hans is required: a missing file fails rather than skips.
OTHER_LANGUAGES = sorted((set(LANGUAGES) - {"en"}) | {"zh-Hans"})


def load(language: str) -> dict[str, Any]:
    return json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))


def strings(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (dotted key path, leaf value) for every leaf of ``tree``."""
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            if not value:
                yield path, value
            yield from strings(value, f"{path}.")
        else:
            yield path, value


def placeholders(text: str) -> set[str]:
    return {
        name for _, name, _, _ in string.Formatter().parse(text) if name is not None
    }


def test_both_languages_exist() -> None:
    assert {"en", "zh-Hans"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_same_keys_as_english(language: str) -> None:
    english = dict(strings(load("en")))
    other = dict(strings(load(language)))
    assert sorted(english.keys() - other.keys()) == [], f"missing in {language}"
    assert sorted(other.keys() - english.keys()) == [], f"only in {language}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_same_placeholders_as_english(language: str) -> None:
    english = dict(strings(load("en")))
    other = dict(strings(load(language)))
    mismatched = {
        path: (placeholders(text), placeholders(other[path]))
        for path, text in english.items()
        if isinstance(text, str)
        and isinstance(other.get(path), str)
        and placeholders(text) != placeholders(other[path])
    }
    assert mismatched == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_empty_strings(language: str) -> None:
    empty = [
        path
        for path, text in strings(load(language))
        if not isinstance(text, str) or not text.strip()
    ]
    assert empty == []


def test_placeholder_helpers() -> None:
    assert placeholders("{code} and {attempts}, not {{braces}}") == {
        "code",
        "attempts",
    }
    assert dict(strings({"a": {"b": "x", "c": {}}})) == {"a.b": "x", "a.c": {}}


def test_every_action_and_field_is_named() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    named = load("en")["services"]
    assert set(named) == set(services)
    for service, spec in services.items():
        assert named[service]["name"]
        assert named[service]["description"]
        assert set(named[service].get("fields", {})) == set(spec.get("fields", {}))
        for field in named[service].get("fields", {}).values():
            assert field["name"]
            assert field["description"]


def test_every_action_and_entity_has_an_icon() -> None:
    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    assert set(icons["services"]) == set(services)
    assert all(
        icon["service"].startswith("mdi:") for icon in icons["services"].values()
    )
    entities = load("en")["entity"]
    for platform, keys in entities.items():
        for key in keys:
            assert icons["entity"][platform][key]["default"].startswith("mdi:")


def test_selector_options_are_translated() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    selectors = load("en")["selector"]
    for spec in services.values():
        for field in spec.get("fields", {}).values():
            select = (field.get("selector") or {}).get("select")
            if select and "translation_key" in select:
                options = selectors[select["translation_key"]]["options"]
                assert set(options) == set(select["options"])


def _keys_used_in_source() -> set[str]:
    """Return every exception translation key the integration's code names.

    That is the first argument of ``validation_error(...)`` and the
    ``translation_key`` of every call that also passes ``translation_domain``
    (Home Assistant's translated exceptions); entity and selector keys are not
    exception keys.
    """
    keys: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "validation_error" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            key = keywords.get("translation_key")
            if (
                "translation_domain" in keywords
                and isinstance(key, ast.Constant)
                and isinstance(key.value, str)
            ):
                keys.add(key.value)
    return keys


def test_every_exception_key_is_translated() -> None:
    used = _keys_used_in_source()
    assert {"partial_failure", "target_missing", "auth_failed"} <= used
    error_keys = {spec.key for spec in ERROR_CODES.values()}
    client_errors = [
        QuectelResponseError("x", code=None),
        QuectelResponseError("x", code=9999),
        QuectelMalformedResponseError("x"),
        QuectelOutcomeUnknownError("x"),
        QuectelTimeoutError("x"),
        QuectelConnectionError("x"),
    ]
    error_keys |= {translation_key_for(err) for err in client_errors}

    exceptions = load("en")["exceptions"]
    missing = sorted((used | error_keys) - exceptions.keys())
    assert missing == []
    for key in used | error_keys:
        assert exceptions[key]["message"].strip()


def test_action_description_is_complete() -> None:
    """Every field of services.yaml has its name, and the modes their labels."""
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    strings = load("en")
    fields = services[SERVICE_SHARE_DEVICE]["fields"]
    translated = strings["services"][SERVICE_SHARE_DEVICE]["fields"]
    assert set(fields) == set(translated)
    for field in translated.values():
        assert field["name"]
        assert field["description"]

    device_selector = fields["device_id"]["selector"]["device"]
    assert device_selector["multiple"] is True
    assert device_selector["filter"] == {"integration": DOMAIN}
    select = fields["mode"]["selector"]["select"]
    assert fields["mode"]["default"] == ShareMode.REPLACE
    assert select["options"] == [mode.value for mode in ShareMode]
    labels = strings["selector"][select["translation_key"]]["options"]
    assert set(labels) == set(select["options"])
