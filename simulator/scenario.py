"""Scenario files: the users, devices and shares a simulator starts with.

A scenario is a JSON object (see scenarios/*.json)::

    {
      "description": "...",
      "userDomain": "C.DM.5812.1", "userDomainSecret": "...",
      "disabledUserDomains": ["C.DM.5812.9"],          # optional -> 5104
      "accessTokenLifetime": 7200, "refreshTokenLifetime": 2592000,
      "freezeSeconds": 1200, "maxPageSize": 100,      # optional
      "users": [{"uid", "password", "email", "phone", "internationalCode",
                 "nickname", "familyId", "lang", "timezone"}],
      "devices": [{"pk", "dk", "name", "productName", "ownerUid", "authKey",
                   "verified", "online"}],
      "generate": {"devices": [{"count": 1000, "start": 1, "ownerUid": "...",
                   "pk": "...", "dk": "BENCH{n:04d}", "name": "Sensor {n}",
                   "productName": "...", "authKey": "key-{n:04d}",
                   "offlineEvery": 0, "unverifiedEvery": 0}]},
      "shares": [{"pk", "dk", "shareUid", "shareCode", "coverMark",
                  "expiresInSeconds": null, "sharedSecondsAgo": 3600,
                  "status": "active" | "cancelled"}]
    }

Only ``uid``/``password`` (users), ``pk``/``dk``/``ownerUid`` (devices) and
``pk``/``dk``/``shareUid`` (shares) are required. Generated devices format
their strings with ``n`` (from ``start`` to ``start + count - 1``); every
``offlineEvery``-th one is offline and every ``unverifiedEvery``-th one is
unverified (0: none). A share's owner is its device's owner; its times are
relative to when the scenario is loaded (``expiresInSeconds`` null: for life).
"""

from __future__ import annotations

from collections.abc import Mapping
import copy
import json
from pathlib import Path
from typing import Any

from .docs import CoverMark, ShareStatus
from .models import DEFAULT_INTERNATIONAL_CODE, SimDevice, SimUser
from .state import CloudState

SCENARIO_DIR = Path(__file__).parent / "scenarios"

_SETTINGS = {
    "accessTokenLifetime": "access_token_lifetime",
    "refreshTokenLifetime": "refresh_token_lifetime",
    "freezeSeconds": "freeze_seconds",
    "maxPageSize": "max_page_size",
}


def bundled_scenarios() -> list[str]:
    """Return the names of the scenarios shipped in simulator/scenarios/."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.json"))


def load_scenario(name_or_path: str | Path) -> dict[str, Any]:
    """Read a bundled scenario by name (e.g. "demo"), or a JSON file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        path = SCENARIO_DIR / f"{name_or_path}.json"
        if not path.is_file():
            raise FileNotFoundError(
                f"no scenario {name_or_path!r}; bundled: {bundled_scenarios()}"
            )
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise TypeError(f"{path}: a scenario is a JSON object")
    data.setdefault("name", path.stem)
    return data


def bench_scenario(
    devices: int, uid: str = "B1", email: str = "bench@example.com"
) -> dict[str, Any]:
    """Return the bench_1000 scenario with ``devices`` devices owned by ``uid``.

    Every device can be shared (none is unverified).
    """
    scenario = copy.deepcopy(load_scenario("bench_1000"))
    owner = scenario["users"][0]
    scenario["users"][0] = {**owner, "uid": uid, "email": email, "phone": None}
    spec = scenario["generate"]["devices"][0]
    spec.update(count=devices, ownerUid=uid)
    spec.pop("unverifiedEvery", None)
    scenario["name"] = f"bench_{devices}"
    return scenario


def build_state(scenario: Mapping[str, Any]) -> CloudState:
    """Return the `CloudState` a scenario describes."""
    state = CloudState(
        user_domain=scenario["userDomain"],
        user_domain_secret=scenario["userDomainSecret"],
        disabled_domains=set(scenario.get("disabledUserDomains", [])),
    )
    for key, attribute in _SETTINGS.items():
        if key in scenario:
            setattr(state, attribute, scenario[key])
    for user in scenario.get("users", []):
        state.add_user(_user(user))
    for device in scenario.get("devices", []):
        state.add_device(_device(state, device))
    for spec in scenario.get("generate", {}).get("devices", []):
        for device in generate_devices(spec):
            state.add_device(_device(state, device))
    for share in scenario.get("shares", []):
        _add_share(state, share)
    return state


def generate_devices(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Expand a compact ``generate.devices`` entry into device entries."""
    start = int(spec.get("start", 1))
    offline_every = int(spec.get("offlineEvery", 0))
    unverified_every = int(spec.get("unverifiedEvery", 0))
    devices = []
    for n in range(start, start + int(spec["count"])):
        device: dict[str, Any] = {
            key: str(spec[key]).format(n=n)
            for key in ("pk", "dk", "name", "productName", "authKey")
            if key in spec
        }
        device["ownerUid"] = spec["ownerUid"]
        device["online"] = not (offline_every and n % offline_every == 0)
        device["verified"] = not (unverified_every and n % unverified_every == 0)
        devices.append(device)
    return devices


def _user(spec: Mapping[str, Any]) -> SimUser:
    return SimUser(
        uid=spec["uid"],
        password=spec["password"],
        email=spec.get("email"),
        phone=spec.get("phone"),
        international_code=spec.get("internationalCode", DEFAULT_INTERNATIONAL_CODE),
        nickname=spec.get("nickname", spec["uid"]),
        family_id=spec.get("familyId"),
        lang=spec.get("lang", "en"),
        timezone=spec.get("timezone", "UTC"),
    )


def _device(state: CloudState, spec: Mapping[str, Any]) -> SimDevice:
    return SimDevice(
        pk=spec["pk"],
        dk=spec["dk"],
        name=spec.get("name", spec["dk"]),
        product_name=spec.get("productName", spec["pk"]),
        owner_uid=spec["ownerUid"],
        auth_key=spec.get("authKey") or state.new_auth_key(),
        verified=bool(spec.get("verified", True)),
        online=bool(spec.get("online", True)),
    )


def _add_share(state: CloudState, spec: Mapping[str, Any]) -> None:
    now_ms = state.clock.now_ms()
    expires_in = spec.get("expiresInSeconds")
    status = ShareStatus[spec.get("status", "active").upper()]
    share = state.add_share(
        state.devices[(spec["pk"], spec["dk"])],
        state.find_user(spec["shareUid"]),
        expire_at_ms=None if expires_in is None else now_ms + int(expires_in * 1000),
        cover_mark=CoverMark(spec.get("coverMark", CoverMark.OVERRIDE)),
        share_code=spec.get("shareCode"),
        status=status,
        share_time_ms=now_ms - int(spec.get("sharedSecondsAgo", 3600) * 1000),
    )
    if status is ShareStatus.CANCELLED:
        share.delete_time_ms = share.update_time_ms = now_ms
