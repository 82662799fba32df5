"""Tokens under faults: one renewal per wave, the truth about the password.

- A wave of calls whose token was rejected makes one renewal, and shares its
  outcome; a rejected token is never sent again.
- No authentication error (which asks the user for a new password) before
  the cloud refused a login with the stored password.
- A refresh the cloud refuses with any code falls back to one login with the
  stored password; a connection failure does not.

All against the simulator over real HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from custom_components.quectel_iot.api import (
    Endpoint,
    QuectelAccountLockedError,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelConnectionError,
    QuectelError,
    QuectelInvalidCredentialsError,
    QuectelQuotaError,
    QuectelTokenError,
    Tokens,
)
from custom_components.quectel_iot.api.const import MAX_CONCURRENT_REQUESTS
from simulator import Fault, Simulator

from .conftest import OWNER_EMAIL, OWNER_PASSWORD, ClientFactory

OWNED = [("pTest", "DEV-1"), ("pTest", "DEV-2"), ("pTest2", "DEV-3")]
# A code no doc lists for refreshToken (the docs list none at all).
UNLISTED_CODE = 4321


def count(simulator: Simulator, endpoint: Endpoint) -> int:
    """How many requests for ``endpoint`` the simulator received."""
    return len(simulator.requests_to(endpoint.value))


def authorizations(simulator: Simulator, endpoint: Endpoint) -> list[str | None]:
    """The Authorization header of each request for ``endpoint``."""
    return [
        next(
            (v for k, v in request.headers.items() if k.lower() == "authorization"),
            None,
        )
        for request in simulator.requests_to(endpoint.value)
    ]


@pytest.fixture
async def client(make_client: ClientFactory, simulator: Simulator) -> QuectelClient:
    """A logged-in client; the simulator's request log starts empty."""
    quectel = make_client()
    await quectel.login()
    simulator.clear_requests()
    return quectel


def share_list_calls(client: QuectelClient, rounds: int) -> list[Awaitable[Any]]:
    """``rounds`` share-list calls of each owned device."""
    return [client.device_shares(pk, dk) for _ in range(rounds) for pk, dk in OWNED]


# --- (5) a changed password ---------------------------------------------------


async def test_changed_password_one_refresh_for_a_wave_of_rejected_calls(
    client: QuectelClient, simulator: Simulator
) -> None:
    """5 calls x 3 devices, all rejected: one refresh, one login, in all."""
    revoked = client.tokens
    assert revoked is not None
    simulator.set_password(OWNER_EMAIL, "changed-elsewhere")
    simulator.revoke_tokens("U1")

    results = await asyncio.gather(*share_list_calls(client, 5), return_exceptions=True)

    assert all(isinstance(r, QuectelInvalidCredentialsError) for r in results)
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert simulator.user("U1").failed_logins == 1
    # Only the calls in flight when the first rejection came back went out
    # with the revoked token; the others waited for the renewal's outcome.
    assert count(simulator, Endpoint.SHARE_USER_LIST) <= MAX_CONCURRENT_REQUESTS
    assert set(authorizations(simulator, Endpoint.SHARE_USER_LIST)) == {
        revoked.access.token
    }


async def test_changed_password_later_calls_send_nothing(
    client: QuectelClient, simulator: Simulator
) -> None:
    """Once the cloud rejected the token and the password, nothing is resent."""
    simulator.set_password(OWNER_EMAIL, "changed-elsewhere")
    simulator.revoke_tokens("U1")
    with pytest.raises(QuectelInvalidCredentialsError):
        await client.devices()
    simulator.clear_requests()

    for call in (client.devices, client.user_info):
        with pytest.raises(QuectelInvalidCredentialsError):
            await call()
    with pytest.raises(QuectelInvalidCredentialsError):
        await asyncio.gather(*share_list_calls(client, 2))

    assert simulator.requests == []


async def test_two_rejections_in_a_row_with_a_good_password_are_no_reauth(
    client: QuectelClient, simulator: Simulator
) -> None:
    """Every token revoked twice in a row: the password still works."""
    simulator.inject(Fault.TOKEN_REVOKED, endpoint=Endpoint.DEVICE_LIST.value, times=2)

    devices = await client.devices()

    assert len(devices) == 5
    assert count(simulator, Endpoint.DEVICE_LIST) == 3
    assert simulator.user("U1").failed_logins == 0


async def test_a_token_rejected_every_time_is_a_token_error_not_auth(
    client: QuectelClient, simulator: Simulator
) -> None:
    """No login was refused: the error must not ask for a new password."""
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.USER_INFO.value, code=5032)

    with pytest.raises(QuectelError) as info:
        await client.user_info()

    assert isinstance(info.value, QuectelTokenError)
    assert not isinstance(info.value, QuectelAuthenticationError)
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0
    # The next call (after the glitch) works with the renewed tokens.
    simulator.clear_faults()
    assert (await client.user_info()).uid == "U1"


async def test_concurrent_rejections_share_one_refresh_and_all_succeed(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.expire_access_tokens()

    results = await asyncio.gather(*share_list_calls(client, 5))

    assert len(results) == 15
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_a_failed_renewal_is_shared_by_its_wave_and_retried_by_the_next(
    client: QuectelClient, simulator: Simulator
) -> None:
    """An outage during the refresh: one attempt for the wave, then recovery."""
    simulator.expire_access_tokens()
    simulator.inject(Fault.HTTP_502, endpoint=Endpoint.REFRESH_TOKEN.value)

    results = await asyncio.gather(*share_list_calls(client, 5), return_exceptions=True)

    assert all(isinstance(r, QuectelConnectionError) for r in results)
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0

    simulator.clear_faults()
    simulator.clear_requests()
    assert len(await asyncio.gather(*share_list_calls(client, 2))) == 6
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


# --- (6) a refused refresh ----------------------------------------------------


@pytest.mark.parametrize(
    "inject",
    [
        {"fault": Fault.ERROR_CODE, "code": UNLISTED_CODE},
        {"fault": Fault.UNKNOWN_CODE},
        {"fault": Fault.ERROR_CODE, "code": 5033},
        {"fault": Fault.ERROR_CODE, "code": 5420},
        {"fault": Fault.ERROR_CODE, "code": 5032},
    ],
    ids=["unlisted", "unknown", "user-not-found", "signature", "token"],
)
async def test_refresh_refused_with_any_code_logs_in_once(
    client: QuectelClient, simulator: Simulator, inject: dict[str, Any]
) -> None:
    old = client.tokens
    simulator.expire_access_tokens()
    simulator.inject(endpoint=Endpoint.REFRESH_TOKEN.value, times=1, **inject)

    assert len(await client.devices()) == 5

    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert client.tokens != old


@pytest.mark.parametrize(
    "fault", [Fault.HTTP_502, Fault.DROP_CONNECTION, Fault.MALFORMED_JSON]
)
async def test_refresh_that_failed_to_arrive_is_no_refusal(
    client: QuectelClient, simulator: Simulator, fault: Fault
) -> None:
    """No answer (or none readable): not a reason to send the password."""
    simulator.expire_access_tokens()
    simulator.inject(fault, endpoint=Endpoint.REFRESH_TOKEN.value)

    with pytest.raises(QuectelError):
        await client.devices()

    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0
    simulator.clear_faults()
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_refused_refresh_with_a_password_rejection_on_record_sends_nothing(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    """The password was refused before: a refused refresh cannot bring it back."""
    good = make_client()
    tokens = await good.login()
    client = make_client(tokens=tokens, password="wrong-pass")
    with pytest.raises(QuectelInvalidCredentialsError):
        await client.login()
    assert client.tokens == tokens
    simulator.expire_access_tokens()
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.REFRESH_TOKEN.value, code=4321)
    simulator.clear_requests()

    with pytest.raises(QuectelInvalidCredentialsError):
        await client.devices()

    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0
    assert simulator.user("U1").failed_logins == 1


@pytest.mark.parametrize(
    ("code", "expected"),
    [(4026, QuectelQuotaError), (5147, QuectelAccountLockedError)],
)
async def test_refresh_told_to_wait_does_not_log_in(
    client: QuectelClient,
    simulator: Simulator,
    code: int,
    expected: type[QuectelError],
) -> None:
    """Quota used up or account frozen: a login would not help."""
    simulator.expire_access_tokens()
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.REFRESH_TOKEN.value, code=code)

    with pytest.raises(expected):
        await client.devices()

    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0
    # Once the cloud accepts again, the refresh works: nothing was recorded
    # against the password.
    simulator.clear_faults()
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_refresh_and_login_rejected_after_a_password_change(
    client: QuectelClient, simulator: Simulator
) -> None:
    """The one case that needs a new password: the login itself refused."""
    simulator.set_password(OWNER_EMAIL, "changed-elsewhere")
    simulator.revoke_tokens("U1")
    calls: list[Callable[[], Awaitable[Any]]] = [client.devices, client.user_info]

    with pytest.raises(QuectelInvalidCredentialsError):
        await calls[0]()

    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    # The user enters the (new) password: everything works again.
    simulator.set_password(OWNER_EMAIL, OWNER_PASSWORD)
    await client.login()
    assert isinstance(client.tokens, Tokens)
    assert (await calls[1]()).uid == "U1"
