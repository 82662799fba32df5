"""Fixtures for the cloud client's tests: the simulator, a session, clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from custom_components.quectel_iot.api import EmailAccount, QuectelClient
from simulator import Simulator
from simulator.docs import Endpoint as DocEndpoint, codes_answered
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD

# Short, so that a test hitting a hang fails fast instead of waiting 15 s.
TEST_REQUEST_TIMEOUT = 5.0


def documented_messages(code: int) -> set[str]:
    """Every message the docs give ``code``, on any endpoint the simulator serves."""
    return {
        message
        for endpoint in DocEndpoint
        for answered, message in codes_answered(endpoint).items()
        if answered == code
    }


# Keywords override the defaults (the owner by email, on the simulator).
type ClientFactory = Callable[..., QuectelClient]


@pytest.fixture
async def session(simulator: Simulator) -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp session, closed after the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def make_client(simulator: Simulator, session: aiohttp.ClientSession) -> ClientFactory:
    """Return a factory of clients of the scenario's owner on ``sim``."""

    def factory(**overrides: Any) -> QuectelClient:
        options: dict[str, Any] = {
            "base_url": simulator.base_url,
            "user_domain": simulator.user_domain,
            "user_domain_secret": simulator.user_domain_secret,
            "account": EmailAccount(OWNER_EMAIL),
            "password": OWNER_PASSWORD,
            "request_timeout": TEST_REQUEST_TIMEOUT,
        }
        options.update(overrides)
        return QuectelClient(session, **options)

    return factory


@pytest.fixture
def client(make_client: ClientFactory) -> QuectelClient:
    """A client of the owner's account that has not logged in yet."""
    return make_client()
