"""A simulated day of polling: requests per day, at setup, and list staleness.

Run by ``scripts/bench`` as ``pytest scripts/bench_day.py``:
Home Assistant's test harness (its clock frozen and moved by hand) runs the
integration against the simulator over real HTTP on 127.0.0.1 for 24
simulated hours, in steps of the share tick, with no actions. The simulator
counts every request it receives. Each account writes one JSON line of
figures to the file named by ``QUECTEL_BENCH_DAY_OUT``.
"""

from __future__ import annotations

# Before Home Assistant's test config dir would shadow it (see tests/conftest.py).
import custom_components.quectel_iot  # noqa: F401  # isort: skip

from datetime import UTC, datetime, timedelta
import json
import os
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.quectel_iot.const import (
    CONF_BASE_URL,
    CONF_DATA_CENTER,
    CONF_EMAIL,
    CONF_PASSWORD,
    CONF_USER_DOMAIN,
    CONF_USER_DOMAIN_SECRET,
    DOMAIN,
    DataCenterOption,
)
from custom_components.quectel_iot.coordinator import SHARE_TICK
from simulator import Simulator
from simulator.scenario import bench_scenario

# Half an hour after the reset, so that the day counted is one UTC day.
START = datetime(2030, 6, 1, 0, 30, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration."""


@pytest.mark.parametrize("devices", [10, 100, 1000])
async def test_a_day_of_polling(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    devices: int,
) -> None:
    """Set an account up, then let a day pass; record what it cost."""
    freezer.move_to(START)
    simulator = Simulator(bench_scenario(devices))
    await simulator.start()
    try:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="B1",
            title="bench@example.com",
            data={
                CONF_DATA_CENTER: DataCenterOption.CUSTOM,
                CONF_BASE_URL: simulator.base_url,
                CONF_USER_DOMAIN: simulator.user_domain,
                CONF_USER_DOMAIN_SECRET: simulator.user_domain_secret,
                CONF_EMAIL: "bench@example.com",
                CONF_PASSWORD: "bench-pass-1",
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        at_setup = len(simulator.requests)
        read_at_setup = len(entry.runtime_data.shares.read_at)

        shares = entry.runtime_data.shares
        worst = timedelta(0)
        end = START + DAY
        while dt_util.utcnow() < end:
            freezer.tick(SHARE_TICK)
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)
            now = dt_util.utcnow()
            for unique_id in shares.devices.data:
                staleness = now - shares.read_at.get(unique_id, START)
                worst = max(worst, staleness)

        figures = {
            "devices": devices,
            "requests_at_setup": at_setup,
            "lists_read_at_setup": read_at_setup,
            "requests_in_24h": len(simulator.requests),
            "lists_never_read": devices - len(shares.read_at),
            "worst_staleness_hours": round(worst.total_seconds() / 3600, 2),
            "budget": entry.runtime_data.budget.limit,
        }
        if out := os.environ.get("QUECTEL_BENCH_DAY_OUT"):
            await hass.async_add_executor_job(_append, Path(out), figures)
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await simulator.stop()


def _append(path: Path, figures: dict[str, int | float]) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(figures) + "\n")
