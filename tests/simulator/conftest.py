"""Fixtures for the simulator's tests: an HTTP client of the `simulator` fixture.

The simulator itself is tests/conftest.py's `simulator` fixture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from simulator import Simulator
from tests.simulator.sim_client import Client


@pytest.fixture
async def client(simulator: Simulator) -> AsyncIterator[Client]:
    """An HTTP client of ``sim``."""
    async with aiohttp.ClientSession() as session:
        yield Client(simulator, session)


@pytest.fixture
async def owner_token(client: Client) -> str:
    """An access token of the test scenario's owner (U1)."""
    return await client.token()


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's fixture: these tests need no Home Assistant."""
