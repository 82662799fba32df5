"""Translations: zh-Hans matches en key for key and placeholder for placeholder.

Also checks that every action and field of services.yaml is named in en.json
and that icons.json gives every action and entity an icon.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import string
from typing import Any

import pytest
import yaml

from custom_components.quectel_iot.const import DOMAIN

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
