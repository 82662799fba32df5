"""Fixtures of the end-to-end tests: the demo cloud and a real ``hass`` process.

These tests start Home Assistant as a subprocess; they do not use the
in-process ``hass`` fixture. Run them alone with ``pytest tests/e2e``, or
leave them out with ``-m "not e2e"``.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from simulator import Simulator

from .harness import RealHass

DEMO_EMAIL = "owner@example.com"
DEMO_PASSWORD = "demo-pass-1"
E2E_TEST_TIMEOUT = 180  # seconds per test, setup and teardown included


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``e2e`` marker."""
    config.addinivalue_line(
        "markers", "e2e: starts a real Home Assistant process (pytest tests/e2e)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``e2e``."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
            # pytest-timeout: a hard bound, on top of the timeouts of each wait.
            item.add_marker(pytest.mark.timeout(E2E_TEST_TIMEOUT))


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite's autouse fixture: no in-process ``hass`` here."""


@pytest.fixture
async def demo_cloud(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Serve the demo scenario on a free loopback port, in the test's loop.

    The test's event loop keeps running while the test awaits Home Assistant,
    so the simulator answers the ``hass`` process, and its request log can
    be read directly.
    """
    sim = Simulator.from_scenario("demo")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def demo_account(demo_cloud: Simulator) -> dict[str, Any]:
    """The user step of the config flow for the demo owner."""
    return {
        "data_center": "custom",
        "base_url": demo_cloud.base_url,
        "user_domain": demo_cloud.user_domain,
        "user_domain_secret": demo_cloud.user_domain_secret,
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
    }


@pytest.fixture
async def real_hass(
    socket_enabled: None, tmp_path: Path, demo_cloud: Simulator
) -> AsyncIterator[RealHass]:
    """A real, onboarded Home Assistant on a free loopback port."""
    hass = RealHass(tmp_path / "config")
    try:
        await hass.start()
        await hass.onboard()
        yield hass
    finally:
        try:
            await hass.stop()
        finally:
            hass.kill()
            # Shown by pytest when the test fails.
            print(f"--- end of {hass.log_path} ---\n{hass.log()[-6000:]}")
