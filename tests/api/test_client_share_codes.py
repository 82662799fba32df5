"""Share codes at the client: shareInfo, shareDevice, shareUserUnshareDevice.

Requests (method, path, query parameters, the always-2 coverMark), answers,
the cloud's refusals and lost answers, against the simulator over real HTTP.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from custom_components.quectel_iot.api import (
    EmailAccount,
    Endpoint,
    QuectelClient,
    QuectelMalformedResponseError,
    QuectelOutcomeUnknownError,
    QuectelPermissionError,
    QuectelSharingError,
    ShareStatus,
)
from simulator import Fault, Simulator
from tests.conftest import GUEST_EMAIL, GUEST_PASSWORD, GUEST_UID

from .conftest import ClientFactory
from .test_client import (
    assert_error,
    assert_request,
    epoch_ms,
    in_a_day,
    logged_in,
    only_request,
)

HOUR = timedelta(hours=1)
FAULT_TIMEOUT = 0.5


@pytest.fixture
def guest(make_client: ClientFactory) -> QuectelClient:
    """A client of the test scenario's guest (U3), who accepts share codes."""
    return make_client(account=EmailAccount(GUEST_EMAIL), password=GUEST_PASSWORD)


def _invitation(simulator: Simulator, dk: str = "DEV-1") -> str:
    """An open share code of the owner's device ``dk``."""
    return simulator.add_invitation(
        "pTest", dk, accept_by_ms=simulator.now_ms() + 3_600_000
    ).share_code


# --- create_share_code (shareInfo) -------------------------------------------


async def test_create_share_code_sends_every_parameter(
    simulator: Simulator, client: QuectelClient
) -> None:
    tokens = await logged_in(client, simulator)
    accept_by = in_a_day(simulator)
    expires = accept_by + timedelta(days=6, milliseconds=5)

    share_code = await client.create_share_code(
        "pTest", "DEV-1", accept_by=accept_by, expires_at=expires, auth_key="auth-1"
    )

    assert_request(
        only_request(simulator, Endpoint.SHARE_INFO),
        Endpoint.SHARE_INFO,
        {
            "acceptingExpireAt": str(epoch_ms(accept_by)),
            "dk": "DEV-1",
            "pk": "pTest",
            "authKey": "auth-1",
            "coverMark": "2",
            "sharingExpireAt": str(epoch_ms(expires)),
        },
        tokens.access.token,
    )
    share = simulator.share(share_code)
    assert (share.pk, share.dk, share.share_uid) == ("pTest", "DEV-1", None)
    assert share.status == ShareStatus.PENDING
    assert share.accepting_expire_at_ms == epoch_ms(accept_by)
    assert share.expire_at_ms == epoch_ms(expires)


async def test_create_share_code_for_life_always_adds(
    simulator: Simulator, client: QuectelClient
) -> None:
    tokens = await logged_in(client, simulator)
    accept_by = in_a_day(simulator)
    open_code = _invitation(simulator)

    share_code = await client.create_share_code(
        "pTest", "DEV-1", accept_by=accept_by, expires_at=None
    )

    # coverMark 2 overrides nothing: the other open share code stays.
    assert_request(
        only_request(simulator, Endpoint.SHARE_INFO),
        Endpoint.SHARE_INFO,
        {
            "acceptingExpireAt": str(epoch_ms(accept_by)),
            "dk": "DEV-1",
            "pk": "pTest",
            "coverMark": "2",
        },
        tokens.access.token,
    )
    assert simulator.share(share_code).expire_at_ms is None
    assert simulator.share(open_code).status == ShareStatus.PENDING


@pytest.mark.parametrize("after_deadline", [timedelta(0), -HOUR])
async def test_an_end_not_after_the_deadline_is_refused_without_a_request(
    simulator: Simulator, client: QuectelClient, after_deadline: timedelta
) -> None:
    await logged_in(client, simulator)
    accept_by = in_a_day(simulator)

    with pytest.raises(QuectelSharingError) as exc_info:
        await client.create_share_code(
            "pTest", "DEV-1", accept_by=accept_by, expires_at=accept_by + after_deadline
        )

    assert exc_info.value.code == 5153
    assert exc_info.value.key == "expiry_not_after_accept_deadline"
    assert simulator.requests == []


@pytest.mark.parametrize(
    ("dk", "exception", "code"),
    [
        ("DEV-U", QuectelSharingError, 5360),
        ("NOPE", QuectelPermissionError, 5135),
    ],
    ids=["unverified", "not-owned"],
)
async def test_create_share_code_rejections(
    simulator: Simulator,
    client: QuectelClient,
    dk: str,
    exception: type[QuectelSharingError],
    code: int,
) -> None:
    with pytest.raises(QuectelSharingError) as exc_info:
        await client.create_share_code(
            "pTest", dk, accept_by=in_a_day(simulator), expires_at=None
        )
    assert type(exc_info.value) is exception
    assert_error(exc_info.value, code)


@pytest.mark.parametrize("data", ["", None, {"code": "X"}, True])
async def test_a_success_without_a_share_code_is_malformed(
    simulator: Simulator, client: QuectelClient, data: Any
) -> None:
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_INFO.value,
        body={"code": 200, "msg": "", "data": data},
    )
    with pytest.raises(QuectelMalformedResponseError):
        await client.create_share_code(
            "pTest", "DEV-1", accept_by=in_a_day(simulator), expires_at=None
        )


# --- accept_share_code (shareDevice) -----------------------------------------


async def test_accept_share_code_with_a_device_name(
    simulator: Simulator, guest: QuectelClient
) -> None:
    share_code = _invitation(simulator)
    tokens = await logged_in(guest, simulator)

    await guest.accept_share_code(share_code, "Hall light")

    assert_request(
        only_request(simulator, Endpoint.SHARE_DEVICE),
        Endpoint.SHARE_DEVICE,
        {"shareCode": share_code, "deviceName": "Hall light"},
        tokens.access.token,
    )
    share = simulator.share(share_code)
    assert (share.share_uid, share.status) == (GUEST_UID, ShareStatus.ACTIVE)
    [device] = await guest.devices()
    assert device.shared_with_me
    assert device.name == "Hall light"
    assert device.share_code == share_code
    assert device.owner_uid == "U1"
    assert device.share_expires_at is None


async def test_accept_share_code_without_a_name(
    simulator: Simulator, guest: QuectelClient
) -> None:
    share_code = _invitation(simulator)
    tokens = await logged_in(guest, simulator)

    await guest.accept_share_code(share_code)

    assert_request(
        only_request(simulator, Endpoint.SHARE_DEVICE),
        Endpoint.SHARE_DEVICE,
        {"shareCode": share_code},
        tokens.access.token,
    )


async def test_accept_share_code_rejections(
    simulator: Simulator, client: QuectelClient, guest: QuectelClient
) -> None:
    share_code = _invitation(simulator)

    with pytest.raises(QuectelSharingError) as unknown:
        await guest.accept_share_code("NO-SUCH-CODE")
    assert_error(unknown.value, 5137)
    with pytest.raises(QuectelSharingError) as own_device:
        await client.accept_share_code(share_code)
    assert_error(own_device.value, 5049)
    simulator.advance_clock(3601)
    with pytest.raises(QuectelSharingError) as too_late:
        await guest.accept_share_code(share_code)
    assert_error(too_late.value, 5137)


# --- leave_share (shareUserUnshareDevice) ------------------------------------


async def test_leave_share(simulator: Simulator, client: QuectelClient) -> None:
    # The test scenario's owner received OTHER-SHARE from another user.
    tokens = await logged_in(client, simulator)

    await client.leave_share("OTHER-SHARE")

    assert_request(
        only_request(simulator, Endpoint.RECIPIENT_UNSHARE),
        Endpoint.RECIPIENT_UNSHARE,
        {"shareCode": "OTHER-SHARE"},
        tokens.access.token,
    )
    assert simulator.share("OTHER-SHARE").status == ShareStatus.CANCELLED
    assert not [device for device in await client.devices() if device.shared_with_me]


async def test_leave_share_rejections(
    simulator: Simulator, client: QuectelClient
) -> None:
    mine = simulator.add_share("pTest", "DEV-1", GUEST_UID).share_code
    with pytest.raises(QuectelPermissionError) as not_received:
        await client.leave_share(mine)
    assert_error(not_received.value, 5041)

    await client.leave_share("OTHER-SHARE")
    with pytest.raises(QuectelSharingError) as ended:
        await client.leave_share("OTHER-SHARE")
    assert type(ended.value) is QuectelSharingError
    assert_error(ended.value, 5142)


# --- lost answers ------------------------------------------------------------

LOST_ANSWERS = [
    (Fault.DROP_AFTER_EXECUTE, True),
    (Fault.DROP_CONNECTION, False),
    (Fault.HTTP_500, False),
    (Fault.MALFORMED_JSON, False),
    (Fault.HANG, None),  # the cloud may still carry it out once it stops hanging
]
# aiohttp itself sends a DELETE once more when the connection drops before the
# answer starts (RFC 9112, 9.3.1.1): a dropped leave_share is that retry's.
LOST_ANSWERS_TO_A_DELETE = [(Fault.HTTP_500, False), (Fault.MALFORMED_JSON, False)]


@pytest.fixture
def clients(
    simulator: Simulator, make_client: ClientFactory
) -> tuple[QuectelClient, QuectelClient]:
    """The owner and the guest, with a short request timeout."""
    owner = make_client(request_timeout=FAULT_TIMEOUT)
    guest = make_client(
        account=EmailAccount(GUEST_EMAIL),
        password=GUEST_PASSWORD,
        request_timeout=FAULT_TIMEOUT,
    )
    return owner, guest


async def _lose_the_answer(
    simulator: Simulator,
    clients: tuple[QuectelClient, QuectelClient],
    endpoint: Endpoint,
    fault: Fault,
) -> None:
    for client in clients:
        await client.login()
    simulator.clear_requests()
    simulator.inject(fault, endpoint=endpoint.value, times=1, hang_seconds=5.0)


def _open_codes_of_dev_2(simulator: Simulator) -> list[str]:
    return [
        share.share_code
        for share in simulator.shares
        if share.dk == "DEV-2" and share.status == ShareStatus.PENDING
    ]


@pytest.mark.parametrize(("fault", "executed"), LOST_ANSWERS)
async def test_a_lost_answer_to_create_share_code_is_outcome_unknown(
    simulator: Simulator,
    clients: tuple[QuectelClient, QuectelClient],
    fault: Fault,
    executed: bool | None,
) -> None:
    owner, _ = clients
    await _lose_the_answer(simulator, clients, Endpoint.SHARE_INFO, fault)

    with pytest.raises(QuectelOutcomeUnknownError):
        await owner.create_share_code(
            "pTest", "DEV-2", accept_by=in_a_day(simulator), expires_at=None
        )

    assert len(simulator.requests_to(Endpoint.SHARE_INFO.value)) == 1
    if executed is not None:
        assert len(_open_codes_of_dev_2(simulator)) == int(executed)


@pytest.mark.parametrize(("fault", "executed"), LOST_ANSWERS)
async def test_a_lost_answer_to_accept_share_code_is_outcome_unknown(
    simulator: Simulator,
    clients: tuple[QuectelClient, QuectelClient],
    fault: Fault,
    executed: bool | None,
) -> None:
    share_code = _invitation(simulator)
    _, guest = clients
    await _lose_the_answer(simulator, clients, Endpoint.SHARE_DEVICE, fault)

    with pytest.raises(QuectelOutcomeUnknownError):
        await guest.accept_share_code(share_code)

    assert len(simulator.requests_to(Endpoint.SHARE_DEVICE.value)) == 1
    if executed is not None:
        assert (simulator.share(share_code).share_uid == GUEST_UID) is executed


@pytest.mark.parametrize(("fault", "executed"), LOST_ANSWERS_TO_A_DELETE)
async def test_a_lost_answer_to_leave_share_is_outcome_unknown(
    simulator: Simulator,
    clients: tuple[QuectelClient, QuectelClient],
    fault: Fault,
    executed: bool,
) -> None:
    owner, _ = clients
    await _lose_the_answer(simulator, clients, Endpoint.RECIPIENT_UNSHARE, fault)

    with pytest.raises(QuectelOutcomeUnknownError):
        await owner.leave_share("OTHER-SHARE")

    assert len(simulator.requests_to(Endpoint.RECIPIENT_UNSHARE.value)) == 1
    left = simulator.share("OTHER-SHARE").status == ShareStatus.CANCELLED
    assert left is executed


async def test_a_leave_share_that_times_out_is_outcome_unknown(
    simulator: Simulator, clients: tuple[QuectelClient, QuectelClient]
) -> None:
    owner, _ = clients
    await _lose_the_answer(simulator, clients, Endpoint.RECIPIENT_UNSHARE, Fault.HANG)

    with pytest.raises(QuectelOutcomeUnknownError):
        await owner.leave_share("OTHER-SHARE")

    assert len(simulator.requests_to(Endpoint.RECIPIENT_UNSHARE.value)) == 1


async def test_a_dropped_leave_share_is_sent_again_by_aiohttp(
    simulator: Simulator, clients: tuple[QuectelClient, QuectelClient]
) -> None:
    owner, _ = clients
    await _lose_the_answer(
        simulator, clients, Endpoint.RECIPIENT_UNSHARE, Fault.DROP_CONNECTION
    )

    await owner.leave_share("OTHER-SHARE")

    assert len(simulator.requests_to(Endpoint.RECIPIENT_UNSHARE.value)) == 2
    assert simulator.share("OTHER-SHARE").status == ShareStatus.CANCELLED


async def test_a_leave_share_done_then_dropped_answers_5142_the_second_time(
    simulator: Simulator, clients: tuple[QuectelClient, QuectelClient]
) -> None:
    # The caller tells this from a real refusal by what it knew: the share
    # was held when last seen (as revokes do).
    owner, _ = clients
    await _lose_the_answer(
        simulator, clients, Endpoint.RECIPIENT_UNSHARE, Fault.DROP_AFTER_EXECUTE
    )

    with pytest.raises(QuectelSharingError) as exc_info:
        await owner.leave_share("OTHER-SHARE")

    assert_error(exc_info.value, 5142)
    assert len(simulator.requests_to(Endpoint.RECIPIENT_UNSHARE.value)) == 2
    assert simulator.share("OTHER-SHARE").status == ShareStatus.CANCELLED
