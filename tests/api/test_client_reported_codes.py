"""Codes users of the live cloud report that the docs do not list, and what
each error says it takes to get past it (wait, reconfigure, new password).

The cloud's messages below are the ones users report; they are served by the
simulator over real HTTP as literal envelopes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.quectel_iot.api import (
    ERROR_CODES,
    CoverMark,
    Endpoint,
    QuectelAccessDeniedError,
    QuectelAccountLockedError,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelDeviceNotBoundError,
    QuectelError,
    QuectelInvalidCredentialsError,
    QuectelQuotaError,
    QuectelResponseError,
    QuectelSignatureError,
    QuectelUserDomainError,
    Remedy,
    client as client_module,
)
from simulator import Fault, Simulator

from .conftest import ClientFactory

QUOTA_MSG = (
    "Insufficient resources in the manufacturer's account, please contact "
    "the manufacturer"
)
GUEST_UID = "U3"


def envelope(code: int, msg: str) -> dict[str, Any]:
    return {"code": code, "msg": msg, "data": None, "extMsg": None}


def count(simulator: Simulator, endpoint: Endpoint) -> int:
    return len(simulator.requests_to(endpoint.value))


def next_midnight_utc(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.fixture
async def client(make_client: ClientFactory, simulator: Simulator) -> QuectelClient:
    """A logged-in client; the simulator's request log starts empty."""
    quectel = make_client()
    await quectel.login()
    simulator.clear_requests()
    return quectel


@pytest.fixture(autouse=True)
def no_not_bound_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second try after 4007 is not delayed in tests."""
    monkeypatch.setattr(client_module, "NOT_BOUND_RETRY_DELAY", 0)


# --- the table -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exception", "key"),
    [
        (4026, QuectelQuotaError, "quota_exhausted"),
        (4007, QuectelDeviceNotBoundError, "device_not_bound"),
        (5014, QuectelAccessDeniedError, "access_denied"),
        (5015, QuectelUserDomainError, "user_domain_unknown"),
    ],
)
def test_reported_codes_are_in_the_one_table(
    code: int, exception: type[QuectelResponseError], key: str
) -> None:
    spec = ERROR_CODES[code]
    assert spec.exception is exception
    assert spec.key == key
    assert spec.explanation.strip()


def test_reported_codes_have_keys_of_their_own() -> None:
    """5014 "No permission" is not 5041's share permission, nor an auth error."""
    keys = {code: spec.key for code, spec in ERROR_CODES.items()}
    for code in (4026, 4007, 5014):
        assert [c for c, k in keys.items() if k == keys[code]] == [code]
    for code in (4026, 4007, 5014):
        assert not issubclass(ERROR_CODES[code].exception, QuectelAuthenticationError)


# --- 4026: the manufacturer's daily quota ---------------------------------------


async def test_quota_on_a_call_says_wait_until_midnight_utc(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.DEVICE_LIST.value,
        times=1,
        body=envelope(4026, QUOTA_MSG),
    )
    before = datetime.now(UTC)

    with pytest.raises(QuectelQuotaError) as info:
        await client.devices()

    after = datetime.now(UTC)
    err = info.value
    assert not isinstance(err, QuectelAuthenticationError)
    assert (err.code, err.msg, err.key) == (4026, QUOTA_MSG, "quota_exhausted")
    assert err.remedy is Remedy.WAIT
    assert err.retry_at in {next_midnight_utc(before), next_midnight_utc(after)}
    assert count(simulator, Endpoint.DEVICE_LIST) == 1  # not retried
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


async def test_quota_answering_a_login_is_no_password_rejection(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    client = make_client()
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.EMAIL_LOGIN.value,
        times=1,
        body=envelope(4026, QUOTA_MSG),
    )

    with pytest.raises(QuectelError) as info:
        await client.devices()

    assert isinstance(info.value, QuectelQuotaError)
    assert not isinstance(info.value, QuectelAuthenticationError)
    assert simulator.user("U1").failed_logins == 0
    # Nothing recorded against the password: the next call logs in again.
    assert len(await client.devices()) == 5
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 2


# --- 5015, 5420, 5104: reconfigure, not a password -------------------------------


@pytest.mark.parametrize(
    ("code", "msg", "exception"),
    [
        (5015, "UserDomain does not exist", QuectelUserDomainError),
        (5104, "User domain disabled", QuectelUserDomainError),
        (5420, "Signature verification failed", QuectelSignatureError),
        (6084, "MCC does not belong to this data center", QuectelUserDomainError),
    ],
)
async def test_domain_secret_and_data_center_errors_say_reconfigure(
    simulator: Simulator,
    make_client: ClientFactory,
    code: int,
    msg: str,
    exception: type[QuectelAuthenticationError],
) -> None:
    client = make_client()
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.EMAIL_LOGIN.value,
        body=envelope(code, msg),
    )

    with pytest.raises(exception) as info:
        await client.devices()

    assert info.value.remedy is Remedy.RECONFIGURE
    assert info.value.retry_at is None
    assert not isinstance(info.value, QuectelInvalidCredentialsError)


@pytest.mark.parametrize(
    ("code", "remedy"),
    [
        (5586, Remedy.NEW_PASSWORD),
        (5028, Remedy.NEW_PASSWORD),
        (5031, Remedy.RECONFIGURE),
        (5004, Remedy.RECONFIGURE),
    ],
    ids=["wrong-password", "password-incorrect", "email-unknown", "phone-unknown"],
)
def test_credentials_errors_tell_password_from_account(
    code: int, remedy: Remedy
) -> None:
    spec = ERROR_CODES[code]
    err = spec.exception("x", code=code, msg=spec.explanation)
    assert err.remedy is remedy


# --- 5147 / 5325: wait, for as long as the message says -------------------------


@pytest.mark.parametrize(
    ("code", "msg", "wait"),
    [
        (
            5147,
            "Account frozen, please try again after 20 minutes",
            timedelta(minutes=20),
        ),
        (5147, "账号被冻结，请20分钟后再登录", timedelta(minutes=20)),  # noqa: RUF001
        (
            5325,
            "We have temporarily blocked your access, which will be automatically "
            "lifted after 24 hours",
            timedelta(hours=24),
        ),
        (5325, "我们暂时阻止了您的本次访问，24小时将自动解除限制", timedelta(hours=24)),  # noqa: RUF001
        (5147, "Account frozen", None),
        (5325, "", None),
    ],
)
async def test_lockout_says_how_long_when_the_message_does(
    simulator: Simulator,
    make_client: ClientFactory,
    code: int,
    msg: str,
    wait: timedelta | None,
) -> None:
    client = make_client()
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.EMAIL_LOGIN.value,
        times=1,
        body=envelope(code, msg),
    )

    with pytest.raises(QuectelAccountLockedError) as info:
        await client.devices()

    err = info.value
    assert err.remedy is Remedy.WAIT
    assert err.msg == msg
    assert err.retry_after == wait
    if wait is None:
        assert err.retry_at is None
    else:
        assert err.retry_at == err.received_at + wait
    # Told again later (no new login): the same moment, not a moving one.
    with pytest.raises(QuectelAccountLockedError) as again:
        await client.user_info()
    assert again.value.retry_at == err.retry_at
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 1


# --- 5014: no permission ---------------------------------------------------------


async def test_no_permission_5014_is_its_own_error(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_USER_LIST.value,
        times=1,
        body=envelope(5014, "No permission"),
    )

    with pytest.raises(QuectelAccessDeniedError) as info:
        await client.device_shares("pTest", "DEV-1")

    assert info.value.key == "access_denied"
    assert info.value.remedy is None
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 1
    assert count(simulator, Endpoint.EMAIL_LOGIN) == 0


# --- 4007: device not bound, often transient ---------------------------------------


async def test_device_not_bound_once_is_asked_again(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_USER_LIST.value,
        times=1,
        body=envelope(4007, "device is not bound"),
    )

    await client.device_shares("pTest", "DEV-1")

    assert count(simulator, Endpoint.SHARE_USER_LIST) == 2


async def test_device_not_bound_twice_is_raised(
    client: QuectelClient, simulator: Simulator
) -> None:
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_USER_LIST.value,
        body=envelope(4007, "device is not bound"),
    )

    with pytest.raises(QuectelDeviceNotBoundError) as info:
        await client.device_shares("pTest", "DEV-1")

    assert info.value.key == "device_not_bound"
    assert count(simulator, Endpoint.SHARE_USER_LIST) == 2


async def test_device_not_bound_share_in_add_mode_is_asked_again_once(
    client: QuectelClient, simulator: Simulator
) -> None:
    """A refusal means nothing was done: asking again cannot duplicate a share."""

    def guest_shares() -> list[str]:
        return [
            share.share_code
            for share in simulator.shares
            if (share.pk, share.dk, share.share_uid) == ("pTest", "DEV-1", GUEST_UID)
        ]

    before = guest_shares()
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_BY_UID.value,
        times=1,
        body=envelope(4007, "device is not bound"),
    )

    code = await client.share_device(
        "pTest", "DEV-1", uid=GUEST_UID, cover_mark=CoverMark.ADD
    )

    assert count(simulator, Endpoint.SHARE_BY_UID) == 2
    assert guest_shares() == [*before, code]
