"""Every injected fault, at the client level: the right exception, nothing more.

A plain `aiohttp.ClientSession` talks to the simulator over real HTTP. The
request timeout is short so that hangs end quickly.
"""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from custom_components.quectel_iot.api import (
    CoverMark,
    Endpoint,
    QuectelAccountLockedError,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelConnectionError,
    QuectelError,
    QuectelInvalidCredentialsError,
    QuectelMalformedResponseError,
    QuectelOutcomeUnknownError,
    QuectelResponseError,
    QuectelSharingError,
    QuectelTimeoutError,
    Tokens,
)
from simulator import Fault, Simulator
from tests.conftest import GUEST_UID

from .conftest import ClientFactory

TIMEOUT = 0.5


@pytest.fixture
def make_client(make_client: ClientFactory) -> ClientFactory:
    """The owner's clients (tests/api/conftest.py), with a short timeout."""
    return partial(make_client, request_timeout=TIMEOUT)


@pytest.fixture
async def client(make_client: ClientFactory, simulator: Simulator) -> QuectelClient:
    """A logged-in client; the simulator's request log starts empty."""
    quectel = make_client()
    await quectel.login()
    simulator.clear_requests()
    return quectel


def count(sim: Simulator, endpoint: Endpoint) -> int:
    """How many requests for ``endpoint`` the simulator received."""
    return len(sim.requests_to(endpoint.value))


def owner_shares(sim: Simulator) -> list[object]:
    """Every share the owner (U1) ever made."""
    return [share for share in sim.shares if share.owner_uid == "U1"]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.HTTP_500, QuectelConnectionError),
        (Fault.HTTP_502, QuectelConnectionError),
        (Fault.HTTP_503, QuectelConnectionError),
        (Fault.HTML_ERROR_PAGE, QuectelConnectionError),
        (Fault.MALFORMED_JSON, QuectelMalformedResponseError),
        (Fault.BAD_ENVELOPE, QuectelMalformedResponseError),
        (Fault.UNKNOWN_CODE, QuectelResponseError),
        (Fault.HANG, QuectelTimeoutError),
    ],
)
async def test_read_faults_raise_their_class_once(
    client: QuectelClient,
    simulator: Simulator,
    fault: Fault,
    expected: type[QuectelError],
) -> None:
    simulator.inject(
        fault, endpoint=Endpoint.DEVICE_LIST.value, times=1, hang_seconds=5
    )
    with pytest.raises(expected) as info:
        await client.devices()
    # An answer came (or the wait ran out): never retried.
    assert count(simulator, Endpoint.DEVICE_LIST) == 1
    if fault is Fault.UNKNOWN_CODE:
        assert info.value.code == 9999  # type: ignore[attr-defined]
        assert info.value.key == "unknown_error_code"  # type: ignore[attr-defined]
    # The cloud recovered: the next call works.
    assert len(await client.devices()) == 5


@pytest.mark.parametrize(
    "body",
    [
        {"data": 1},
        {"code": "abc", "data": []},
        {"code": True},
        {"code": None},
        [1, 2],
        "text",
        {"code": 200, "data": {"list": "nope"}},
        {"code": 200, "data": {"list": [{"productKey": "p"}]}},
        {"code": 200, "data": {"list": [{"productKey": [], "deviceKey": "d"}]}},
        {"code": 200, "data": None},
    ],
)
async def test_mistyped_envelopes_are_malformed(
    client: QuectelClient, simulator: Simulator, body: object
) -> None:
    simulator.inject(Fault.BAD_ENVELOPE, endpoint=Endpoint.DEVICE_LIST.value, body=body)
    with pytest.raises(QuectelMalformedResponseError):
        await client.devices()


async def test_connection_refused_is_a_connection_error(
    client: QuectelClient, simulator: Simulator
) -> None:
    port = int(simulator.base_url.rsplit(":", 1)[1])
    await simulator.stop()
    with pytest.raises(QuectelConnectionError) as info:
        await client.devices()
    assert not isinstance(info.value, QuectelOutcomeUnknownError)
    with pytest.raises(QuectelConnectionError) as info:
        await client.share_device(
            "pTest", "DEV-1", uid=GUEST_UID, cover_mark=CoverMark.ADD
        )
    # Nothing reached the cloud, so the outcome is known: not shared.
    assert not isinstance(info.value, QuectelOutcomeUnknownError)
    await simulator.start(port=port)
    assert len(await client.devices()) == 5


async def test_dropped_connection_is_retried_once_for_reads(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.DEVICE_LIST.value, times=1
    )
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.DEVICE_LIST) == 2

    simulator.clear_requests()
    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.DEVICE_LIST.value, times=2
    )
    with pytest.raises(QuectelConnectionError) as info:
        await client.devices()
    assert not isinstance(info.value, QuectelOutcomeUnknownError)
    assert count(simulator, Endpoint.DEVICE_LIST) == 2


@pytest.mark.parametrize("cover_mark", [CoverMark.REPLACE, CoverMark.EXTEND])
async def test_dropped_connection_is_retried_once_for_safe_shares(
    client: QuectelClient, simulator: Simulator, cover_mark: CoverMark
) -> None:
    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_BY_UID.value, times=1
    )
    code = await client.share_device(
        "pTest", "DEV-1", uid=GUEST_UID, cover_mark=cover_mark
    )
    assert count(simulator, Endpoint.SHARE_BY_UID) == 2
    assert [
        share.share_code for share in simulator.active_shares("pTest", "DEV-1")
    ] == [code]

    simulator.clear_requests()
    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_BY_UID.value, times=2
    )
    with pytest.raises(QuectelConnectionError):
        await client.share_device(
            "pTest", "DEV-1", uid=GUEST_UID, cover_mark=cover_mark
        )
    assert count(simulator, Endpoint.SHARE_BY_UID) == 2


async def test_revoke_and_expiry_change_are_retried_once(
    client: QuectelClient, simulator: Simulator
) -> None:
    code = await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
    shares = await client.device_shares("pTest", "DEV-1")
    assert [share.share_code for share in shares] == [code]
    expiry = shares[0].shared_at
    assert expiry is not None

    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.SET_SHARE_TIME.value, times=1
    )
    later = expiry.replace(year=expiry.year + 1)
    await client.set_share_expiry(code, later)
    assert count(simulator, Endpoint.SET_SHARE_TIME) == 2
    assert simulator.active_shares("pTest", "DEV-1")[0].expire_at_ms == int(
        later.timestamp() * 1000
    )

    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.OWNER_UNSHARE.value, times=1
    )
    await client.unshare(code)
    assert count(simulator, Endpoint.OWNER_UNSHARE) == 2
    assert simulator.active_shares("pTest", "DEV-1") == []

    simulator.inject(
        Fault.DROP_CONNECTION, endpoint=Endpoint.SHARE_USER_LIST.value, times=2
    )
    with pytest.raises(QuectelConnectionError):
        await client.device_shares("pTest", "DEV-1")
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 3  # one earlier, two now


@pytest.mark.parametrize(
    ("fault", "executed"),
    [
        (Fault.DROP_AFTER_EXECUTE, True),
        (Fault.DROP_CONNECTION, False),
        (Fault.HTTP_500, False),
        (Fault.HTTP_502, False),
        (Fault.HTML_ERROR_PAGE, False),
        (Fault.MALFORMED_JSON, False),
    ],
)
async def test_ambiguous_add_is_never_retried(
    client: QuectelClient, simulator: Simulator, fault: Fault, executed: bool
) -> None:
    simulator.inject(fault, endpoint=Endpoint.SHARE_BY_UID.value, times=1)
    with pytest.raises(QuectelOutcomeUnknownError):
        await client.share_device(
            "pTest", "DEV-1", uid=GUEST_UID, cover_mark=CoverMark.ADD
        )
    assert count(simulator, Endpoint.SHARE_BY_UID) == 1
    assert len(owner_shares(simulator)) == (1 if executed else 0)


async def test_add_that_times_out_is_not_retried(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.HANG, endpoint=Endpoint.SHARE_BY_UID.value, times=1, hang_seconds=1.0
    )
    with pytest.raises(QuectelOutcomeUnknownError):
        await client.share_device(
            "pTest", "DEV-1", uid=GUEST_UID, cover_mark=CoverMark.ADD
        )
    # The cloud carries the request out once it stops hanging.
    for _ in range(100):
        if owner_shares(simulator):
            break
        await asyncio.sleep(0.05)
    assert len(owner_shares(simulator)) == 1
    assert count(simulator, Endpoint.SHARE_BY_UID) == 1


async def test_token_revoked_mid_session_logs_in_again(
    client: QuectelClient, simulator: Simulator
) -> None:
    old = client.tokens
    simulator.inject(Fault.TOKEN_REVOKED, endpoint=Endpoint.DEVICE_LIST.value, times=1)
    assert len(await client.devices()) == 5
    # The refresh token was revoked too: one refresh attempt, then one login.
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert client.tokens != old


async def test_expired_access_token_is_refreshed_once(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.expire_access_tokens()
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_expired_refresh_token_logs_in_again(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.expire_access_tokens()
    simulator.expire_refresh_tokens()
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1


async def test_locally_expired_refresh_token_skips_the_refresh(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    stale = Tokens.from_dict(
        {
            "access_token": "Bearer old",
            "access_token_expires_at": 1,
            "refresh_token": "old",
            "refresh_token_expires_at": 1,
        }
    )
    quectel = make_client(tokens=stale)
    assert len(await quectel.devices()) == 5
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 0
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (5147, QuectelAccountLockedError),
        (5325, QuectelAccountLockedError),
        (5586, QuectelInvalidCredentialsError),
    ],
)
async def test_rejected_login_is_never_repeated_by_itself(
    make_client: ClientFactory,
    simulator: Simulator,
    code: int,
    expected: type[QuectelAuthenticationError],
) -> None:
    quectel = make_client()
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.EMAIL_LOGIN.value, code=code)
    with pytest.raises(expected) as info:
        await quectel.devices()
    assert info.value.code == code
    simulator.clear_faults()
    for _ in range(3):
        with pytest.raises(expected):
            await quectel.user_info()
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    # Only an explicit login (a new password from the user) tries again.
    await quectel.login()
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 2
    assert (await quectel.user_info()).uid == "U1"


async def test_changed_password_means_one_login_then_none(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.set_password("U1", "a-new-password")
    simulator.revoke_tokens()
    for _ in range(4):
        with pytest.raises(QuectelInvalidCredentialsError):
            await client.devices()
        with pytest.raises(QuectelInvalidCredentialsError):
            await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1
    assert simulator.user("U1").failed_logins == 1
    # The revoked tokens were rejected once; they are never sent again.
    assert count(simulator, Endpoint.DEVICE_LIST) == 1
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 1
    assert count(simulator, Endpoint.SHARE_BY_UID) == 0
    assert owner_shares(simulator) == []


@pytest.mark.parametrize("code", [5147, 5325])
async def test_lockout_codes_on_any_endpoint(
    client: QuectelClient, simulator: Simulator, code: int
) -> None:
    simulator.inject(
        Fault.ERROR_CODE, endpoint=Endpoint.DEVICE_LIST.value, code=code, times=1
    )
    with pytest.raises(QuectelAccountLockedError):
        await client.devices()
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_fresh_token_rejected_again_is_renewed_once_more(
    client: QuectelClient, simulator: Simulator
) -> None:
    """Two 5032 in a row: not a reason to ask for a new password."""
    simulator.inject(
        Fault.ERROR_CODE, endpoint=Endpoint.DEVICE_LIST.value, code=5032, times=2
    )
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.REFRESH_TOKEN) == 2
    assert count(simulator, Endpoint.DEVICE_LIST) == 3
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_login_faults_are_connection_errors(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    quectel = make_client()
    for fault in (Fault.HTTP_502, Fault.DROP_AFTER_EXECUTE, Fault.MALFORMED_JSON):
        simulator.inject(fault, endpoint=Endpoint.EMAIL_LOGIN.value, times=1)
        with pytest.raises(QuectelConnectionError) as info:
            await quectel.devices()
        # A login is never "outcome unknown" to callers: it is simply retried
        # later, by a poll.
        assert not isinstance(info.value, QuectelOutcomeUnknownError)
    assert len(await quectel.devices()) == 5


async def test_refresh_rejected_with_wrong_login_code_is_auth(
    make_client: ClientFactory, simulator: Simulator
) -> None:
    """A login answered with a token error is an authentication error."""
    quectel = make_client()
    simulator.inject(
        Fault.ERROR_CODE, endpoint=Endpoint.EMAIL_LOGIN.value, code=5032, times=1
    )
    with pytest.raises(QuectelAuthenticationError):
        await quectel.devices()


async def test_sharing_errors_keep_their_code(
    client: QuectelClient, simulator: Simulator
) -> None:
    with pytest.raises(QuectelSharingError) as info:
        await client.share_device("pTest", "DEV-U", uid=GUEST_UID)
    assert info.value.code == 5360
    assert info.value.key == "device_unverified"


@pytest.mark.parametrize("data", ["", None])
async def test_a_success_without_share_code_is_still_a_success(
    client: QuectelClient, simulator: Simulator, data: str | None
) -> None:
    # The docs' response template shows {"code": 0, "data": ""}.
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_BY_UID.value,
        body={"code": 200, "data": data},
    )
    assert await client.share_device("pTest", "DEV-1", uid=GUEST_UID) is None


@pytest.mark.parametrize("data", [{"shareCode": "X"}, ["X"], True])
async def test_a_share_code_of_another_type_is_malformed(
    client: QuectelClient, simulator: Simulator, data: object
) -> None:
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_BY_UID.value,
        body={"code": 200, "data": data},
    )
    with pytest.raises(QuectelMalformedResponseError):
        await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
