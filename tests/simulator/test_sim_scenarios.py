"""Scenario files and the Python controls of the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator import Simulator
from simulator.docs import CoverMark, ShareStatus
from simulator.scenario import bundled_scenarios, generate_devices, load_scenario


def test_bundled_scenarios() -> None:
    assert {"demo", "test", "bench_1000"} <= set(bundled_scenarios())


def test_demo_scenario_facts() -> None:
    sim = Simulator.from_scenario("demo")
    assert sim.scenario_name == "demo"
    assert sim.user_domain == "C.DM.5812.1"
    owner = sim.user("owner@example.com")
    assert owner.password == "demo-pass-1"
    assert owner.phone == "7700900123"
    owned = [d for d in sim.devices.values() if d.owner_uid == owner.uid]
    assert len(owned) == 4
    assert [d.dk for d in owned if not d.verified] == ["DEMO-LOCK-01"]
    shared_with_owner = [s for s in sim.active_shares() if s.share_uid == owner.uid]
    assert [(s.pk, s.dk) for s in shared_with_owner] == [("pDemoCam", "FRIEND-CAM-01")]
    statuses = {s.share_code: s.status for s in sim.shares}
    assert statuses["DEMOSHARE0003"] == ShareStatus.CANCELLED
    assert statuses["DEMOSHARE0001"] == ShareStatus.ACTIVE
    assert sim.user("guest@example.com").uid == "C1003"
    assert sim.user("13800138000").international_code == "86"
    assert sim.disabled_user_domains == {"C.DM.5812.9"}


def test_scenario_from_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(
        json.dumps(
            {
                "userDomain": "C.DM.7.7",
                "userDomainSecret": "secret",
                "maxPageSize": 5,
                "freezeSeconds": 3,
                "users": [{"uid": "A", "password": "pw-pw-pw", "email": "a@b.cd"}],
                "generate": {
                    "devices": [
                        {
                            "count": 3,
                            "start": 7,
                            "ownerUid": "A",
                            "pk": "p",
                            "dk": "D{n}",
                        }
                    ]
                },
            }
        )
    )
    sim = Simulator.from_scenario(path)
    assert sim.scenario_name == "mine"
    assert sim.max_page_size == 5
    assert sim.freeze_seconds == 3
    assert sorted(sim.devices) == [("p", "D7"), ("p", "D8"), ("p", "D9")]
    device = sim.devices[("p", "D7")]
    assert (device.name, device.product_name, device.verified) == ("D7", "p", True)
    assert device.auth_key  # generated when the scenario has none


def test_scenario_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="bundled"):
        load_scenario("missing")
    path = tmp_path / "list.json"
    path.write_text("[]")
    with pytest.raises(TypeError, match="JSON object"):
        load_scenario(path)


def test_generate_devices_flags() -> None:
    devices = generate_devices(
        {
            "count": 4,
            "ownerUid": "X",
            "pk": "p{n}",
            "dk": "d{n:03d}",
            "offlineEvery": 2,
            "unverifiedEvery": 4,
        }
    )
    assert [d["dk"] for d in devices] == ["d001", "d002", "d003", "d004"]
    assert [d["pk"] for d in devices] == ["p1", "p2", "p3", "p4"]
    assert [d["online"] for d in devices] == [True, False, True, False]
    assert [d["verified"] for d in devices] == [True, True, True, False]


def test_duplicates_are_refused() -> None:
    sim = Simulator.from_scenario("test")
    with pytest.raises(ValueError, match="uid"):
        sim.add_user("U1", "pw")
    with pytest.raises(ValueError, match="email"):
        sim.add_user("U9", "pw", email="OWNER@example.test")
    with pytest.raises(ValueError, match="phone"):
        sim.add_user("U9", "pw", phone="5550001", international_code="1")
    with pytest.raises(ValueError, match="device"):
        sim.add_device("pTest", "DEV-1", "U1")
    with pytest.raises(KeyError):
        sim.add_device("pTest", "DEV-9", "nobody")


def test_add_user_then_share_with_them() -> None:
    sim = Simulator.from_scenario("test")
    user = sim.add_user("U9", "pw-123456", email="new@example.test", family_id="F9")
    assert user.nickname == "U9"
    assert sim.user("new@example.test") is user
    share = sim.add_share(
        "pTest", "DEV-2", "new@example.test", cover_mark=CoverMark.ADD, share_code="X"
    )
    assert (share.owner_uid, share.share_uid, share.share_code) == ("U1", "U9", "X")
    assert sim.active_shares("pTest", "DEV-2") == [share]
    with pytest.raises(KeyError):
        sim.user("ghost@example.test")


def test_shares_report_expiry() -> None:
    sim = Simulator.from_scenario("test")
    share = sim.add_share("pTest", "DEV-1", "U3", expire_at_ms=sim.now_ms() + 500)
    assert share.status == ShareStatus.ACTIVE
    sim.advance_clock(1)
    assert [s.status for s in sim.shares if s is share] == [ShareStatus.EXPIRED]
    assert share not in sim.active_shares()


def test_constructor_overrides_page_size() -> None:
    assert Simulator.from_scenario("test", max_page_size=7).max_page_size == 7


def test_scenario_device_of_unknown_owner_is_refused() -> None:
    scenario = {
        "userDomain": "C.DM.1.1",
        "userDomainSecret": "s",
        "devices": [{"pk": "p", "dk": "d", "ownerUid": "nobody"}],
    }
    with pytest.raises(KeyError, match="nobody"):
        Simulator(scenario)
