"""Fixtures for the simulator's tests: a running simulator and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from simulator import Simulator
from tests.simulator.sim_client import Client


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[Simulator]:
    """A started simulator with the small `test` scenario.

    pytest-homeassistant-custom-component blocks creating sockets; the
    ``socket_enabled`` fixture (pytest-socket) lifts that, while connections
    stay limited to 127.0.0.1.
    """
    simulator = Simulator.from_scenario("test")
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[Client]:
    """An HTTP client of ``sim``."""
    async with aiohttp.ClientSession() as session:
        yield Client(sim, session)


@pytest.fixture
async def owner_token(client: Client) -> str:
    """An access token of the test scenario's owner (U1)."""
    return await client.token()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's fixture: these tests need no Home Assistant."""
