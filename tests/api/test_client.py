"""The cloud client against the simulator over real HTTP.

Happy paths of every endpoint (method, path, query-string parameters, the
Authorization header), the login signature and password encryption, every
documented error code as its exception class, pagination and the token
lifecycle (refresh before expiry, single-flight renewal, re-login, no retry
of a rejected password). Transport faults are in test_client_faults.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
import time
from typing import Any

import pytest

from custom_components.quectel_iot.api import (
    CoverMark,
    EmailAccount,
    Endpoint,
    PhoneAccount,
    QuectelAccountLockedError,
    QuectelAuthenticationError,
    QuectelClient,
    QuectelError,
    QuectelInvalidCredentialsError,
    QuectelPermissionError,
    QuectelResponseError,
    QuectelSharingError,
    QuectelSignatureError,
    QuectelUserDomainError,
    ShareStatus,
    Token,
    Tokens,
    User,
    client as client_module,
)
from custom_components.quectel_iot.api.const import (
    DEVICE_PAGE_SIZE,
    TOKEN_REFRESH_MARGIN,
)
from custom_components.quectel_iot.api.crypto import decrypt_password, sign
from custom_components.quectel_iot.api.errors import ERROR_CODES, error_for_key
from simulator import Fault, LoggedRequest, Simulator
from simulator.models import TokenKind
from tests.conftest import (
    FAMILY_EMAIL,
    GUEST_EMAIL,
    GUEST_PHONE,
    GUEST_UID,
    OTHER_UID,
    OWNER_EMAIL,
    OWNER_INTERNATIONAL_CODE,
    OWNER_PASSWORD,
    OWNER_PHONE,
)

from .conftest import ClientFactory, documented_messages

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Method and path of each endpoint, copied from the docs (not from const.py).
DOCUMENTED_ROUTES: dict[Endpoint, tuple[str, str]] = {
    Endpoint.EMAIL_LOGIN: ("POST", "/v2/enduser/enduserapi/emailPwdLogin"),
    Endpoint.PHONE_LOGIN: ("POST", "/v2/enduser/enduserapi/phonePwdLogin"),
    Endpoint.REFRESH_TOKEN: ("PUT", "/v2/enduser/enduserapi/refreshToken"),
    Endpoint.USER_INFO: ("GET", "/v2/enduser/enduserapi/userInfo"),
    Endpoint.DEVICE_LIST: ("GET", "/v2/binding/enduserapi/userDeviceList"),
    Endpoint.SHARE_BY_UID: ("POST", "/v2/binding/enduserapi/shareByUid"),
    Endpoint.SHARE_USER_LIST: ("GET", "/v2/binding/enduserapi/deviceShareUserList"),
    Endpoint.OWNER_UNSHARE: ("DELETE", "/v2/binding/enduserapi/ownerUserUnshareDevice"),
    Endpoint.SET_SHARE_TIME: ("PUT", "/v2/binding/enduserapi/setShareTime"),
    Endpoint.SHARE_INFO: ("POST", "/v2/binding/enduserapi/shareInfo"),
    Endpoint.SHARE_DEVICE: ("POST", "/v2/binding/enduserapi/shareDevice"),
    Endpoint.RECIPIENT_UNSHARE: (
        "DELETE",
        "/v2/binding/enduserapi/shareUserUnshareDevice",
    ),
}

# The error codes each endpoint's doc lists ("Response Status"); refreshToken
# lists none.
DOCUMENTED_CODES: dict[Endpoint, tuple[int, ...]] = {
    Endpoint.EMAIL_LOGIN: (
        *(5013, 5015, 5022, 5023, 5026, 5031, 5040, 5056, 5104, 5147, 5325),
        *(5420, 5550, 5583, 5584, 5585, 5586, 6084, 6085),
    ),
    Endpoint.PHONE_LOGIN: (
        *(5002, 5004, 5013, 5015, 5019, 5021, 5022, 5023, 5028, 5056, 5104),
        *(5147, 5325, 5420, 5550, 5579, 5580, 5581, 5582, 6084, 6085),
    ),
    Endpoint.USER_INFO: (5032, 5033, 5065, 5106),
    Endpoint.DEVICE_LIST: (5032, 5047, 5106, 5333),
    Endpoint.SHARE_BY_UID: (
        *(5032, 5066, 5067, 5106, 5133, 5134, 5145, 5360, 5864, 5891),
    ),
    Endpoint.SHARE_USER_LIST: (5032, 5066, 5067, 5106, 5141),
    Endpoint.OWNER_UNSHARE: (5032, 5041, 5106, 5136, 5142),
    Endpoint.SET_SHARE_TIME: (5032, 5041, 5106, 5136),
    Endpoint.SHARE_INFO: (
        *(5032, 5066, 5067, 5106, 5132, 5133, 5134, 5135, 5145, 5153, 5360),
    ),
    Endpoint.SHARE_DEVICE: (5032, 5049, 5106, 5136, 5137, 5138, 5151, 5333),
    Endpoint.RECIPIENT_UNSHARE: (5032, 5041, 5106, 5136, 5142),
}
# What the client must raise for each documented code: exception class, key
# (the integration's translation key) and, for wrong passwords, the attempts
# left. Written from the docs' descriptions, not from `ERROR_CODES`, so that
# a change of the client's table makes these tests fail.
EXPECTED_ERRORS: dict[int, tuple[str, str, int | None]] = {
    # emailPwdLogin.md, phonePwdLogin.md
    5002: ("QuectelAuthenticationError", "phone_already_registered", None),
    5004: ("QuectelInvalidCredentialsError", "phone_not_registered", None),
    5013: ("QuectelUserDomainError", "user_domain_invalid", None),
    5015: ("QuectelUserDomainError", "user_domain_unknown", None),
    5019: ("QuectelInvalidCredentialsError", "phone_invalid", None),
    5021: ("QuectelInvalidCredentialsError", "phone_missing", None),
    5022: ("QuectelInvalidCredentialsError", "password_missing", None),
    5023: ("QuectelUserDomainError", "user_domain_missing", None),
    5026: ("QuectelInvalidCredentialsError", "email_missing", None),
    5028: ("QuectelInvalidCredentialsError", "invalid_auth", None),
    5031: ("QuectelInvalidCredentialsError", "email_not_registered", None),
    5040: ("QuectelInvalidCredentialsError", "email_invalid", None),
    5056: ("QuectelInvalidCredentialsError", "password_format", None),
    5104: ("QuectelUserDomainError", "user_domain_disabled", None),
    5147: ("QuectelAccountLockedError", "account_frozen", None),
    5325: ("QuectelAccountLockedError", "account_blocked", None),
    5420: ("QuectelSignatureError", "signature_invalid", None),
    5550: ("QuectelSignatureError", "signature_missing", None),
    5579: ("QuectelInvalidCredentialsError", "invalid_auth", 1),
    5580: ("QuectelInvalidCredentialsError", "invalid_auth", 2),
    5581: ("QuectelInvalidCredentialsError", "invalid_auth", 3),
    5582: ("QuectelInvalidCredentialsError", "invalid_auth", 4),
    5583: ("QuectelInvalidCredentialsError", "invalid_auth", 1),
    5584: ("QuectelInvalidCredentialsError", "invalid_auth", 2),
    5585: ("QuectelInvalidCredentialsError", "invalid_auth", 3),
    5586: ("QuectelInvalidCredentialsError", "invalid_auth", 4),
    6084: ("QuectelUserDomainError", "mcc_wrong_data_center", None),
    6085: ("QuectelUserDomainError", "mcc_lookup_failed", None),
    # Every authenticated endpoint
    5032: ("QuectelTokenError", "token_invalid", None),
    5106: ("QuectelTokenError", "token_missing", None),
    # userInfo.md, userDeviceList.md
    5033: ("QuectelResponseError", "user_not_found", None),
    5047: ("QuectelTokenError", "user_mismatch", None),
    5065: ("QuectelResponseError", "user_id_missing", None),
    # Also shareDevice.md, the one request that sends a device name: the
    # request must change, like the other sharing refusals.
    5333: ("QuectelSharingError", "device_name_too_long", None),
    # shareByUid.md, deviceShareUserList.md, ownerUserUnshareDevice.md,
    # setShareTime.md, shareInfo.md, shareDevice.md, shareUserUnshareDevice.md
    5041: ("QuectelPermissionError", "no_permission", None),
    5049: ("QuectelSharingError", "device_already_bound", None),
    5066: ("QuectelSharingError", "product_key_missing", None),
    5067: ("QuectelSharingError", "device_key_missing", None),
    5132: ("QuectelSharingError", "accept_deadline_missing", None),
    5133: ("QuectelSharingError", "cover_mark_out_of_range", None),
    5134: ("QuectelSharingError", "share_failed", None),
    5135: ("QuectelPermissionError", "no_share_permission", None),
    5136: ("QuectelSharingError", "share_code_missing", None),
    5137: ("QuectelSharingError", "share_code_invalid", None),
    5138: ("QuectelSharingError", "share_accept_failed", None),
    5141: ("QuectelPermissionError", "no_query_permission", None),
    5142: ("QuectelSharingError", "share_expired", None),
    5145: ("QuectelSharingError", "timestamp_invalid", None),
    5151: ("QuectelSharingError", "share_code_not_longer", None),
    5153: ("QuectelSharingError", "expiry_not_after_accept_deadline", None),
    5360: ("QuectelSharingError", "device_unverified", None),
    5864: ("QuectelSharingError", "recipient_is_family_member", None),
    5891: ("QuectelSharingError", "recipient_missing", None),
}
# Not in the docs; reported by users of the live cloud (tests/api/
# test_client_reported_codes.py covers how the client handles them).
REPORTED_ERRORS: dict[int, tuple[str, str, int | None]] = {
    4007: ("QuectelDeviceNotBoundError", "device_not_bound", None),
    4026: ("QuectelQuotaError", "quota_exhausted", None),
    5014: ("QuectelAccessDeniedError", "access_denied", None),
}


def expected_class(code: int) -> str:
    return EXPECTED_ERRORS[code][0]


LOGIN_ENDPOINTS = (Endpoint.EMAIL_LOGIN, Endpoint.PHONE_LOGIN)
AUTHENTICATED_ENDPOINTS = tuple(
    endpoint for endpoint in DOCUMENTED_CODES if endpoint not in LOGIN_ENDPOINTS
)


# --- helpers -----------------------------------------------------------------


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime, in integer arithmetic."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def in_a_day(sim: Simulator, *, days: int = 1, ms: int = 250) -> datetime:
    """A moment ``days`` ahead of the simulator's clock, with milliseconds."""
    seconds = sim.now_ms() // 1000 + days * 86400
    return datetime.fromtimestamp(seconds, UTC) + timedelta(milliseconds=ms)


def header(request: LoggedRequest, name: str) -> str | None:
    """A request header, looked up case-insensitively."""
    for key, value in request.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def paths(sim: Simulator) -> list[str]:
    """The paths of the requests the simulator received, in order."""
    return [request.path for request in sim.requests]


def only_request(sim: Simulator, endpoint: Endpoint) -> LoggedRequest:
    """The one request the simulator received for ``endpoint``."""
    requests = sim.requests_to(endpoint.value)
    assert len(requests) == 1, paths(sim)
    return requests[0]


def assert_request(
    request: LoggedRequest,
    endpoint: Endpoint,
    query: dict[str, str],
    token: str | None,
) -> None:
    """Documented method and path, exactly ``query``, no body, ``token``."""
    method, path = DOCUMENTED_ROUTES[endpoint]
    assert request.method == method
    assert request.path == path
    assert request.query == query
    assert request.body == ""
    assert header(request, "Authorization") == token


def assert_issued_access_token(sim: Simulator, value: str | None) -> None:
    """``value`` is an access token exactly as the simulated cloud issued it."""
    assert value is not None
    assert value.startswith("Bearer ")
    issued = sim.token(value)
    assert issued.kind is TokenKind.ACCESS
    assert issued.uid == "U1"


def with_access_expiry(tokens: Tokens, expires_at: int) -> Tokens:
    """``tokens`` with the access token's expirationTime replaced."""
    return Tokens(Token(tokens.access.token, expires_at), tokens.refresh)


async def logged_in(client: QuectelClient, sim: Simulator) -> Tokens:
    """Log ``client`` in, then forget the login request."""
    tokens = await client.login()
    sim.clear_requests()
    return tokens


# --- login -------------------------------------------------------------------


async def test_email_login_request_and_signature(
    simulator: Simulator, client: QuectelClient
) -> None:
    tokens = await client.login()

    request = only_request(simulator, Endpoint.EMAIL_LOGIN)
    query = request.query
    assert set(query) == {"email", "pwd", "random", "signature", "userDomain"}
    assert_request(request, Endpoint.EMAIL_LOGIN, query, None)
    assert query["email"] == OWNER_EMAIL
    assert query["userDomain"] == simulator.user_domain
    assert len(query["random"]) == 16
    assert query["signature"] == sign(
        OWNER_EMAIL, query["pwd"], query["random"], simulator.user_domain_secret
    )
    assert decrypt_password(query["pwd"], query["random"]) == OWNER_PASSWORD
    # The tokens are the ones the cloud issued, "Bearer " prefix included.
    assert client.tokens == tokens
    assert_issued_access_token(simulator, tokens.access.token)
    assert simulator.token(tokens.access.token).expires_at == tokens.access.expires_at
    refresh = simulator.token(tokens.refresh.token)
    assert refresh.kind is TokenKind.REFRESH
    assert refresh.expires_at == tokens.refresh.expires_at


async def test_phone_login_request_and_signature(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    client = make_client(account=PhoneAccount(OWNER_PHONE, OWNER_INTERNATIONAL_CODE))
    await client.login()

    request = only_request(simulator, Endpoint.PHONE_LOGIN)
    query = request.query
    assert set(query) == {
        "internationalCode",
        "phone",
        "pwd",
        "random",
        "signature",
        "userDomain",
    }
    assert_request(request, Endpoint.PHONE_LOGIN, query, None)
    assert query["internationalCode"] == "1"
    assert query["phone"] == "5550001"
    assert query["userDomain"] == simulator.user_domain
    assert len(query["random"]) == 16
    assert query["signature"] == sign(
        "1", "5550001", query["pwd"], query["random"], simulator.user_domain_secret
    )
    assert decrypt_password(query["pwd"], query["random"]) == OWNER_PASSWORD
    assert (await client.user_info()).uid == "U1"


async def test_random_is_fresh_for_every_login(
    simulator: Simulator, client: QuectelClient
) -> None:
    for _ in range(4):
        await client.login()

    logins = simulator.requests_to(Endpoint.EMAIL_LOGIN.value)
    randoms = [request.query["random"] for request in logins]
    assert len(randoms) == 4
    assert all(len(random) == 16 for random in randoms)
    assert len(set(randoms)) == 4
    assert len({request.query["pwd"] for request in logins}) == 4
    for request in logins:
        query = request.query
        assert decrypt_password(query["pwd"], query["random"]) == OWNER_PASSWORD


# --- account and devices -----------------------------------------------------


async def test_user_info(simulator: Simulator, client: QuectelClient) -> None:
    tokens = await logged_in(client, simulator)

    user = await client.user_info()

    assert user == User(uid="U1", email=OWNER_EMAIL, phone="5550001", nickname="Owner")
    request = only_request(simulator, Endpoint.USER_INFO)
    assert_request(request, Endpoint.USER_INFO, {}, tokens.access.token)
    assert_issued_access_token(simulator, header(request, "Authorization"))


async def test_device_list_reads_every_field(
    simulator: Simulator, client: QuectelClient
) -> None:
    tokens = await logged_in(client, simulator)

    devices = {device.unique_id: device for device in await client.devices()}

    assert set(devices) == {
        "pTest_DEV-1",
        "pTest_DEV-2",
        "pTest2_DEV-3",
        "pTest_DEV-U",
        "pOther_OTHER-1",
    }
    first = devices["pTest_DEV-1"]
    assert (first.name, first.product_name, first.auth_key) == (
        "Device 1",
        "Test product",
        "auth-1",
    )
    assert first.owned
    assert first.verified
    assert first.online
    assert not devices["pTest_DEV-2"].online
    assert not devices["pTest_DEV-U"].verified
    shared = devices["pOther_OTHER-1"]
    assert not shared.owned
    assert shared.auth_key is None
    request = only_request(simulator, Endpoint.DEVICE_LIST)
    assert_request(
        request,
        Endpoint.DEVICE_LIST,
        {"page": "1", "pageSize": str(DEVICE_PAGE_SIZE)},
        tokens.access.token,
    )


@pytest.mark.parametrize(
    ("extra", "pages"),
    [(95, 1), (96, 2), (195, 2), (196, 3), (250, 3)],
    ids=["exactly-one-page", "one-more", "exactly-two", "two-and-one", "three"],
)
async def test_device_list_walks_every_page(
    simulator: Simulator, client: QuectelClient, extra: int, pages: int
) -> None:
    for number in range(extra):
        simulator.add_device("pBulk", f"BULK-{number:03d}", "U1")
    expected = {f"{pk}_{dk}" for pk, dk in simulator.devices if pk != "pOther"}
    expected.add("pOther_OTHER-1")  # shared with the owner
    tokens = await logged_in(client, simulator)

    devices = await client.devices()

    ids = [device.unique_id for device in devices]
    assert len(ids) == len(set(ids)) == 5 + extra
    assert set(ids) == expected
    requests = simulator.requests_to(Endpoint.DEVICE_LIST.value)
    assert len(requests) == pages
    for number, request in enumerate(requests, start=1):
        assert_request(
            request,
            Endpoint.DEVICE_LIST,
            {"page": str(number), "pageSize": str(DEVICE_PAGE_SIZE)},
            tokens.access.token,
        )


async def test_device_list_follows_a_smaller_page_size_of_the_cloud(
    simulator: Simulator, client: QuectelClient
) -> None:
    simulator.max_page_size = 2
    await logged_in(client, simulator)

    devices = await client.devices()

    assert len(devices) == len({device.unique_id for device in devices}) == 5
    requests = simulator.requests_to(Endpoint.DEVICE_LIST.value)
    assert [request.query["page"] for request in requests] == ["1", "2", "3"]


async def test_device_list_stops_at_the_page_cap(
    simulator: Simulator, client: QuectelClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cloud that always claims a next page is not followed forever."""
    monkeypatch.setattr(client_module, "_MAX_DEVICE_PAGES", 3)
    await logged_in(client, simulator)
    page = {
        "total": None,
        "hasNextPage": True,
        "list": [{"productKey": "pLoop", "deviceKey": "LOOP"}],
    }
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.DEVICE_LIST.value,
        body={"code": 200, "msg": "", "data": page},
    )

    devices = await client.devices()

    assert len(devices) == 3
    assert len(simulator.requests_to(Endpoint.DEVICE_LIST.value)) == 3


# --- sharing -----------------------------------------------------------------


@pytest.mark.parametrize("cover_mark", list(CoverMark))
async def test_share_by_uid_sends_every_parameter(
    simulator: Simulator, client: QuectelClient, cover_mark: CoverMark
) -> None:
    tokens = await logged_in(client, simulator)
    expires = in_a_day(simulator)

    share_code = await client.share_device(
        "pTest",
        "DEV-1",
        email=GUEST_EMAIL,
        phone=GUEST_PHONE,
        uid=GUEST_UID,
        expires_at=expires,
        cover_mark=cover_mark,
        auth_key="auth-1",
    )

    request = only_request(simulator, Endpoint.SHARE_BY_UID)
    assert_request(
        request,
        Endpoint.SHARE_BY_UID,
        {
            "dk": "DEV-1",
            "pk": "pTest",
            "authKey": "auth-1",
            "coverMark": str(int(cover_mark)),
            "email": GUEST_EMAIL,
            "phone": GUEST_PHONE,
            "shareUid": GUEST_UID,
            "sharingExpireAt": str(epoch_ms(expires)),
        },
        tokens.access.token,
    )
    [share] = simulator.active_shares("pTest", "DEV-1")
    assert share.share_code == share_code
    assert share.share_uid == GUEST_UID
    assert share.cover_mark == cover_mark
    assert share.expire_at_ms == epoch_ms(expires)


@pytest.mark.parametrize(
    "recipient",
    [{"email": GUEST_EMAIL}, {"phone": GUEST_PHONE}, {"uid": GUEST_UID}],
    ids=["email", "phone", "uid"],
)
async def test_share_by_uid_for_life_with_one_recipient_field(
    simulator: Simulator, client: QuectelClient, recipient: dict[str, Any]
) -> None:
    tokens = await logged_in(client, simulator)

    share_code = await client.share_device("pTest2", "DEV-3", **recipient)

    name = {"email": "email", "phone": "phone", "uid": "shareUid"}
    [(field, value)] = recipient.items()
    assert_request(
        only_request(simulator, Endpoint.SHARE_BY_UID),
        Endpoint.SHARE_BY_UID,
        {"dk": "DEV-3", "pk": "pTest2", "coverMark": "1", name[field]: value},
        tokens.access.token,
    )
    [share] = simulator.active_shares("pTest2", "DEV-3")
    assert (share.share_code, share.share_uid) == (share_code, GUEST_UID)
    assert share.expire_at_ms is None  # for life


async def test_cover_marks_replace_add_and_extend(
    simulator: Simulator, client: QuectelClient
) -> None:
    first = await client.share_device("pTest", "DEV-1", uid=GUEST_UID)

    replaced = await client.share_device(
        "pTest", "DEV-1", uid=GUEST_UID, expires_at=in_a_day(simulator, days=2)
    )
    assert [s.share_code for s in simulator.active_shares("pTest", "DEV-1")] == [
        replaced
    ]
    assert replaced != first

    added = await client.share_device(
        "pTest",
        "DEV-1",
        uid=GUEST_UID,
        expires_at=in_a_day(simulator, days=2),
        cover_mark=CoverMark.ADD,
    )
    active = {s.share_code for s in simulator.active_shares("pTest", "DEV-1")}
    assert active == {replaced, added}

    kept = await client.share_device(
        "pTest",
        "DEV-1",
        uid=GUEST_UID,
        expires_at=in_a_day(simulator, days=1),
        cover_mark=CoverMark.EXTEND,
    )
    assert kept in {replaced, added}
    extended = await client.share_device(
        "pTest",
        "DEV-1",
        uid=GUEST_UID,
        expires_at=in_a_day(simulator, days=3),
        cover_mark=CoverMark.EXTEND,
    )
    assert [s.share_code for s in simulator.active_shares("pTest", "DEV-1")] == [
        extended
    ]


async def test_device_shares(simulator: Simulator, client: QuectelClient) -> None:
    expires = in_a_day(simulator)
    share_code = await client.share_device(
        "pTest", "DEV-1", email=GUEST_EMAIL, expires_at=expires
    )
    simulator.clear_requests()

    [share] = await client.device_shares("pTest", "DEV-1")

    assert share.share_code == share_code
    assert (share.product_key, share.device_key) == ("pTest", "DEV-1")
    assert share.status == ShareStatus.ACTIVE
    assert share.is_active()
    assert share.expires_at == expires
    assert share.shared_at is not None
    assert share.recipient.uid == GUEST_UID
    assert share.recipient.email == GUEST_EMAIL
    assert share.recipient.nickname == "Guest"
    assert client.tokens is not None
    assert_request(
        only_request(simulator, Endpoint.SHARE_USER_LIST),
        Endpoint.SHARE_USER_LIST,
        {"dk": "DEV-1", "pk": "pTest"},
        client.tokens.access.token,
    )
    assert await client.device_shares("pTest2", "DEV-3") == []


async def test_unshare(simulator: Simulator, client: QuectelClient) -> None:
    share_code = await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
    simulator.clear_requests()

    await client.unshare(share_code)

    assert client.tokens is not None
    assert_request(
        only_request(simulator, Endpoint.OWNER_UNSHARE),
        Endpoint.OWNER_UNSHARE,
        {"shareCode": share_code},
        client.tokens.access.token,
    )
    assert simulator.active_shares("pTest", "DEV-1") == []
    [share] = await client.device_shares("pTest", "DEV-1")
    assert share.status == ShareStatus.CANCELLED
    assert not share.is_active()


async def test_set_share_expiry(simulator: Simulator, client: QuectelClient) -> None:
    share_code = await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
    simulator.clear_requests()
    expires = in_a_day(simulator, days=5, ms=7)

    await client.set_share_expiry(share_code, expires)

    assert client.tokens is not None
    assert_request(
        only_request(simulator, Endpoint.SET_SHARE_TIME),
        Endpoint.SET_SHARE_TIME,
        {"shareCode": share_code, "sharingExpireAt": str(epoch_ms(expires))},
        client.tokens.access.token,
    )
    [share] = simulator.active_shares("pTest", "DEV-1")
    assert share.expire_at_ms == epoch_ms(expires)
    [listed] = await client.device_shares("pTest", "DEV-1")
    assert listed.expires_at == expires


async def test_every_request_carries_the_issued_token_and_no_body(
    simulator: Simulator, client: QuectelClient
) -> None:
    await client.user_info()
    await client.devices()
    code = await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
    await client.device_shares("pTest", "DEV-1")
    await client.set_share_expiry(code, in_a_day(simulator))
    await client.unshare(code)

    assert client.tokens is not None
    token = client.tokens.access.token
    assert_issued_access_token(simulator, token)
    login, *calls = simulator.requests
    assert login.path == Endpoint.EMAIL_LOGIN.value
    assert header(login, "Authorization") is None
    assert [request.path for request in calls] == [
        Endpoint.USER_INFO.value,
        Endpoint.DEVICE_LIST.value,
        Endpoint.SHARE_BY_UID.value,
        Endpoint.SHARE_USER_LIST.value,
        Endpoint.SET_SHARE_TIME.value,
        Endpoint.OWNER_UNSHARE.value,
    ]
    for request in calls:
        assert header(request, "Authorization") == token
        assert request.body == ""


# --- documented error codes --------------------------------------------------


def test_every_documented_code_is_in_the_error_table() -> None:
    documented = {code for codes in DOCUMENTED_CODES.values() for code in codes}
    assert documented - set(ERROR_CODES) == set()
    assert documented - set(EXPECTED_ERRORS) == set()


def test_error_table_matches_the_docs() -> None:
    table = {
        code: (spec.exception.__name__, spec.key, spec.remaining_attempts)
        for code, spec in ERROR_CODES.items()
    }
    assert table == EXPECTED_ERRORS | REPORTED_ERRORS


def test_an_error_built_by_key_is_the_one_code_of_that_key() -> None:
    err = error_for_key("expiry_not_after_accept_deadline")

    assert type(err).__name__ == "QuectelSharingError"
    assert err.code == 5153


@pytest.mark.parametrize("key", ["no_such_key", "invalid_auth"])
def test_an_error_by_key_needs_exactly_one_code(key: str) -> None:
    # "invalid_auth" is the key of several codes: it names none of them.
    with pytest.raises(ValueError, match="error codes have the key"):
        error_for_key(key)


def _call(
    client: QuectelClient, sim: Simulator, endpoint: Endpoint
) -> Callable[[], Awaitable[Any]]:
    """A call of ``client`` that makes a request to ``endpoint``."""
    share_code = sim.add_share("pTest", "DEV-1", GUEST_UID).share_code
    # Another user's share code the owner may accept.
    sim.add_device("pOther", "OTHER-2", OTHER_UID)
    invitation = sim.add_invitation(
        "pOther", "OTHER-2", accept_by_ms=sim.now_ms() + 3_600_000
    ).share_code
    calls: dict[Endpoint, Callable[[], Awaitable[Any]]] = {
        Endpoint.USER_INFO: client.user_info,
        Endpoint.DEVICE_LIST: client.devices,
        Endpoint.SHARE_BY_UID: lambda: client.share_device(
            "pTest", "DEV-2", uid=GUEST_UID
        ),
        Endpoint.SHARE_USER_LIST: lambda: client.device_shares("pTest", "DEV-1"),
        Endpoint.OWNER_UNSHARE: lambda: client.unshare(share_code),
        Endpoint.SET_SHARE_TIME: lambda: client.set_share_expiry(
            share_code, in_a_day(sim)
        ),
        Endpoint.SHARE_INFO: lambda: client.create_share_code(
            "pTest", "DEV-1", accept_by=in_a_day(sim), expires_at=None
        ),
        Endpoint.SHARE_DEVICE: lambda: client.accept_share_code(invitation),
        # The scenario's share of another user's device with the owner.
        Endpoint.RECIPIENT_UNSHARE: lambda: client.leave_share("OTHER-SHARE"),
    }
    return calls[endpoint]


def assert_error(err: QuectelResponseError, code: int) -> None:
    """``err`` carries ``code``, its key and the cloud's message."""
    assert err.code == code
    assert err.key == EXPECTED_ERRORS[code][1]
    # The cloud's own message, as the docs word it (not our explanation).
    assert err.msg in documented_messages(code)
    if isinstance(err, QuectelInvalidCredentialsError):
        assert err.remaining_attempts == EXPECTED_ERRORS[code][2]


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        (endpoint, code)
        for endpoint in LOGIN_ENDPOINTS
        for code in DOCUMENTED_CODES[endpoint]
    ],
    ids=lambda value: value.name if isinstance(value, Endpoint) else str(value),
)
async def test_login_error_codes(
    simulator: Simulator, make_client: ClientFactory, endpoint: Endpoint, code: int
) -> None:
    account: Any = (
        PhoneAccount(OWNER_PHONE, OWNER_INTERNATIONAL_CODE)
        if endpoint is Endpoint.PHONE_LOGIN
        else None
    )
    client = make_client(**({"account": account} if account else {}))
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=endpoint.value)

    with pytest.raises(QuectelError) as exc_info:
        await client.login()

    err = exc_info.value
    assert type(err).__name__ == expected_class(code)
    assert isinstance(err, QuectelAuthenticationError)
    assert_error(err, code)
    assert paths(simulator) == [endpoint.value]
    assert client.tokens is None


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        (endpoint, code)
        for endpoint in AUTHENTICATED_ENDPOINTS
        for code in DOCUMENTED_CODES[endpoint]
    ],
    ids=lambda value: value.name if isinstance(value, Endpoint) else str(value),
)
async def test_authenticated_error_codes(
    simulator: Simulator, client: QuectelClient, endpoint: Endpoint, code: int
) -> None:
    call = _call(client, simulator, endpoint)
    await logged_in(client, simulator)
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=endpoint.value)

    with pytest.raises(QuectelError) as exc_info:
        await call()

    err = exc_info.value
    assert isinstance(err, QuectelResponseError)
    assert_error(err, code)
    if expected_class(code) == "QuectelTokenError":
        # A rejected token is renewed at most twice per call; no login was
        # refused, so it is not an authentication error (no reauth).
        assert type(err).__name__ == expected_class(code)
        assert not isinstance(err, QuectelAuthenticationError)
        assert paths(simulator) == [
            endpoint.value,
            Endpoint.REFRESH_TOKEN.value,
            endpoint.value,
            Endpoint.REFRESH_TOKEN.value,
            endpoint.value,
        ]
    else:
        assert type(err).__name__ == expected_class(code)
        assert paths(simulator) == [endpoint.value]


@pytest.mark.parametrize(
    ("endpoint", "code"),
    [
        (endpoint, code)
        for endpoint in AUTHENTICATED_ENDPOINTS
        for code in DOCUMENTED_CODES[endpoint]
        if expected_class(code) == "QuectelTokenError"
    ],
    ids=lambda value: value.name if isinstance(value, Endpoint) else str(value),
)
async def test_rejected_token_is_refreshed_and_the_call_retried(
    simulator: Simulator, client: QuectelClient, endpoint: Endpoint, code: int
) -> None:
    call = _call(client, simulator, endpoint)
    old = await logged_in(client, simulator)
    simulator.inject(Fault.ERROR_CODE, code=code, endpoint=endpoint.value, times=1)

    await call()

    assert paths(simulator) == [
        endpoint.value,
        Endpoint.REFRESH_TOKEN.value,
        endpoint.value,
    ]
    first, refresh, retry = simulator.requests
    assert_request(
        refresh, Endpoint.REFRESH_TOKEN, {"refreshToken": old.refresh.token}, None
    )
    assert header(first, "Authorization") == old.access.token
    assert client.tokens is not None
    assert client.tokens != old
    assert header(retry, "Authorization") == client.tokens.access.token
    assert retry.query == first.query


# --- real (not injected) errors ----------------------------------------------


async def test_wrong_password_counts_down_then_freezes(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    client = make_client(password="wrong-pass")
    for code, attempts in ((5586, 4), (5585, 3), (5584, 2), (5583, 1)):
        with pytest.raises(QuectelInvalidCredentialsError) as exc_info:
            await client.login()
        assert_error(exc_info.value, code)
        assert exc_info.value.remaining_attempts == attempts
        assert exc_info.value.key == "invalid_auth"

    with pytest.raises(QuectelAccountLockedError) as locked:
        await client.login()
    assert_error(locked.value, 5147)
    # Frozen: even the right password is refused now.
    with pytest.raises(QuectelAccountLockedError):
        await make_client().login()
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN.value)) == 6


async def test_wrong_phone_password_counts_down(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    client = make_client(
        account=PhoneAccount(OWNER_PHONE, OWNER_INTERNATIONAL_CODE),
        password="wrong-pass",
    )
    for code, attempts in ((5582, 4), (5581, 3)):
        with pytest.raises(QuectelInvalidCredentialsError) as exc_info:
            await client.login()
        assert_error(exc_info.value, code)
        assert exc_info.value.remaining_attempts == attempts


@pytest.mark.parametrize(
    ("overrides", "exception", "code"),
    [
        (
            {"account": PhoneAccount("5559999", "1")},
            QuectelInvalidCredentialsError,
            5004,
        ),
        ({"user_domain_secret": "wrong-secret"}, QuectelSignatureError, 5420),
        ({"user_domain": "C.DM.9999.9"}, QuectelUserDomainError, 5015),
        ({"user_domain": "C.DM.1000.2"}, QuectelUserDomainError, 5104),
        ({"user_domain": "not-a-domain"}, QuectelUserDomainError, 5013),
    ],
    ids=["unknown-phone", "wrong-secret", "unknown-domain", "disabled", "bad-domain"],
)
async def test_login_rejections(
    simulator: Simulator,
    make_client: ClientFactory,
    overrides: dict[str, Any],
    exception: type[QuectelResponseError],
    code: int,
) -> None:
    with pytest.raises(QuectelError) as exc_info:
        await make_client(**overrides).login()
    assert type(exc_info.value) is exception
    assert isinstance(exc_info.value, QuectelResponseError)
    assert_error(exc_info.value, code)


async def test_unknown_email(simulator: Simulator, make_client: ClientFactory) -> None:
    with pytest.raises(QuectelInvalidCredentialsError) as exc_info:
        await make_client(account=EmailAccount("nobody@example.test")).login()
    assert_error(exc_info.value, 5031)
    assert exc_info.value.key == "email_not_registered"


@pytest.mark.parametrize(
    ("device", "recipient", "expected"),
    [
        (("pTest", "DEV-U"), {"uid": GUEST_UID}, (QuectelSharingError, 5360)),
        (("pTest", "DEV-1"), {"email": FAMILY_EMAIL}, (QuectelSharingError, 5864)),
        (("pTest", "DEV-1"), {"email": "no@example.test"}, (QuectelSharingError, 5134)),
        (("pTest", "DEV-1"), {"email": OWNER_EMAIL}, (QuectelSharingError, 5134)),
        (("pOther", "OTHER-1"), {"uid": GUEST_UID}, (QuectelPermissionError, 5135)),
        (("pTest", "NOPE"), {"uid": GUEST_UID}, (QuectelPermissionError, 5135)),
    ],
    ids=["unverified", "family", "unknown", "self", "not-owner", "unknown-device"],
)
async def test_share_rejections(
    simulator: Simulator,
    client: QuectelClient,
    device: tuple[str, str],
    recipient: dict[str, Any],
    expected: tuple[type[QuectelResponseError], int],
) -> None:
    exception, code = expected
    shares_before = len(simulator.shares)

    with pytest.raises(QuectelError) as exc_info:
        await client.share_device(*device, **recipient)

    assert type(exc_info.value) is exception
    assert isinstance(exc_info.value, QuectelResponseError)
    assert_error(exc_info.value, code)
    assert len(simulator.shares) == shares_before


async def test_share_with_a_wrong_auth_key_or_past_expiry(
    simulator: Simulator, client: QuectelClient
) -> None:
    with pytest.raises(QuectelPermissionError) as exc_info:
        await client.share_device("pTest", "DEV-1", uid=GUEST_UID, auth_key="nope")
    assert_error(exc_info.value, 5135)
    with pytest.raises(QuectelSharingError) as exc_info2:
        await client.share_device(
            "pTest", "DEV-1", uid=GUEST_UID, expires_at=in_a_day(simulator, days=-1)
        )
    assert_error(exc_info2.value, 5145)


async def test_unshare_and_set_expiry_rejections(
    simulator: Simulator, client: QuectelClient
) -> None:
    with pytest.raises(QuectelPermissionError) as unknown:
        await client.unshare("NO-SUCH-SHARE")
    assert_error(unknown.value, 5041)
    # The share the owner received is not the owner's to revoke.
    with pytest.raises(QuectelPermissionError) as not_mine:
        await client.unshare("OTHER-SHARE")
    assert_error(not_mine.value, 5041)

    share_code = await client.share_device("pTest", "DEV-1", uid=GUEST_UID)
    await client.unshare(share_code)
    with pytest.raises(QuectelSharingError) as ended:
        await client.unshare(share_code)
    assert type(ended.value) is QuectelSharingError
    assert_error(ended.value, 5142)

    with pytest.raises(QuectelPermissionError) as unknown_time:
        await client.set_share_expiry("NO-SUCH-SHARE", in_a_day(simulator))
    assert_error(unknown_time.value, 5041)


async def test_share_list_of_a_device_not_owned(
    simulator: Simulator, client: QuectelClient
) -> None:
    with pytest.raises(QuectelPermissionError) as exc_info:
        await client.device_shares("pOther", "OTHER-1")
    assert_error(exc_info.value, 5141)


# --- token lifecycle ---------------------------------------------------------


async def test_fifty_concurrent_calls_make_one_refresh_when_the_cloud_expired_it(
    simulator: Simulator, client: QuectelClient
) -> None:
    await logged_in(client, simulator)
    simulator.expire_access_tokens()

    results = await asyncio.gather(*(client.devices() for _ in range(50)))

    assert all(len(devices) == 5 for devices in results)
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN.value)) == 1
    assert simulator.requests_to(Endpoint.EMAIL_LOGIN.value) == []


async def test_fifty_concurrent_calls_make_one_refresh_of_a_known_expired_token(
    simulator: Simulator, client: QuectelClient, make_client: ClientFactory
) -> None:
    tokens = await logged_in(client, simulator)
    stored = with_access_expiry(tokens, int(time.time()) - 60)
    renewed: list[Tokens] = []
    client = make_client(tokens=stored, on_tokens_changed=renewed.append)

    users = await asyncio.gather(*(client.user_info() for _ in range(50)))

    assert {user.uid for user in users} == {"U1"}
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN.value)) == 1
    assert simulator.requests_to(Endpoint.EMAIL_LOGIN.value) == []
    # Renewed before the calls: no call was sent with the old token.
    assert len(simulator.requests_to(Endpoint.USER_INFO.value)) == 50
    assert len(renewed) == 1
    assert renewed[0] == client.tokens


async def test_fifty_concurrent_first_calls_make_one_login(
    simulator: Simulator, client: QuectelClient
) -> None:
    await asyncio.gather(*(client.user_info() for _ in range(50)))

    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN.value)) == 1
    assert len(simulator.requests_to(Endpoint.USER_INFO.value)) == 50


async def test_token_is_refreshed_shortly_before_it_expires(
    simulator: Simulator, client: QuectelClient
) -> None:
    simulator.access_token_lifetime = TOKEN_REFRESH_MARGIN - 60
    old = await logged_in(client, simulator)
    simulator.access_token_lifetime = 7200

    await client.user_info()

    assert paths(simulator) == [Endpoint.REFRESH_TOKEN.value, Endpoint.USER_INFO.value]
    refresh, call = simulator.requests
    assert_request(
        refresh, Endpoint.REFRESH_TOKEN, {"refreshToken": old.refresh.token}, None
    )
    assert client.tokens is not None
    assert client.tokens.access.token != old.access.token
    assert header(call, "Authorization") == client.tokens.access.token

    # The new token lasts: the next call needs no refresh.
    simulator.clear_requests()
    await client.user_info()
    assert paths(simulator) == [Endpoint.USER_INFO.value]


async def test_token_far_from_expiry_is_not_refreshed(
    simulator: Simulator, client: QuectelClient, make_client: ClientFactory
) -> None:
    tokens = await logged_in(client, simulator)
    stored = with_access_expiry(tokens, int(time.time()) + TOKEN_REFRESH_MARGIN + 600)

    await make_client(tokens=stored).user_info()

    assert paths(simulator) == [Endpoint.USER_INFO.value]


async def test_expired_refresh_token_leads_to_one_login(
    simulator: Simulator, client: QuectelClient
) -> None:
    await logged_in(client, simulator)
    simulator.expire_access_tokens()
    simulator.expire_refresh_tokens()

    users = await asyncio.gather(*(client.user_info() for _ in range(20)))

    assert {user.uid for user in users} == {"U1"}
    assert len(simulator.requests_to(Endpoint.REFRESH_TOKEN.value)) == 1
    assert len(simulator.requests_to(Endpoint.EMAIL_LOGIN.value)) == 1
    assert client.tokens is not None
    assert_issued_access_token(simulator, client.tokens.access.token)


async def test_known_expired_refresh_token_goes_straight_to_login(
    simulator: Simulator, client: QuectelClient, make_client: ClientFactory
) -> None:
    tokens = await logged_in(client, simulator)
    past = int(time.time()) - 60
    stored = Tokens(Token(tokens.access.token, past), Token(tokens.refresh.token, past))

    await make_client(tokens=stored).user_info()

    assert paths(simulator) == [Endpoint.EMAIL_LOGIN.value, Endpoint.USER_INFO.value]


async def test_wrong_password_is_not_retried_by_the_client(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    client = make_client(password="wrong-pass")

    with pytest.raises(QuectelInvalidCredentialsError) as first:
        await client.user_info()
    assert_error(first.value, 5586)
    assert paths(simulator) == [Endpoint.EMAIL_LOGIN.value]

    with pytest.raises(QuectelInvalidCredentialsError) as second:
        await client.devices()
    assert second.value.code == 5586
    assert paths(simulator) == [Endpoint.EMAIL_LOGIN.value]  # no new request

    with pytest.raises(QuectelInvalidCredentialsError) as explicit:
        await client.login()
    assert_error(explicit.value, 5585)
    assert paths(simulator) == [Endpoint.EMAIL_LOGIN.value] * 2


async def test_password_changed_while_logged_in(
    simulator: Simulator, client: QuectelClient
) -> None:
    await logged_in(client, simulator)
    simulator.set_password(OWNER_EMAIL, "changed-pass")
    simulator.revoke_tokens("U1")

    with pytest.raises(QuectelInvalidCredentialsError):
        await client.user_info()
    assert paths(simulator) == [
        Endpoint.USER_INFO.value,
        Endpoint.REFRESH_TOKEN.value,
        Endpoint.EMAIL_LOGIN.value,
    ]

    simulator.clear_requests()
    with pytest.raises(QuectelInvalidCredentialsError):
        await client.user_info()
    # Neither the rejected tokens nor the rejected password are sent again.
    assert paths(simulator) == []


async def test_tokens_are_exposed_and_reported(
    simulator: Simulator, make_client: ClientFactory
) -> None:
    changes: list[Tokens] = []
    client = make_client(on_tokens_changed=changes.append)
    assert client.tokens is None

    await client.login()
    assert changes == [client.tokens]

    simulator.expire_access_tokens()
    await client.user_info()
    assert len(changes) == 2
    assert changes[1] == client.tokens
    assert changes[1].access != changes[0].access
    assert changes[1].refresh != changes[0].refresh

    # A client built with the stored tokens does not log in.
    simulator.clear_requests()
    restored = make_client(tokens=Tokens.from_dict(changes[1].as_dict()))
    assert (await restored.user_info()).uid == "U1"
    assert paths(simulator) == [Endpoint.USER_INFO.value]


# --- success codes -----------------------------------------------------------


async def test_success_code_zero_is_accepted(
    simulator: Simulator, client: QuectelClient
) -> None:
    await logged_in(client, simulator)
    user = {"uid": "U1", "email": OWNER_EMAIL, "nikeName": "Zero"}
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.USER_INFO.value,
        times=1,
        body={"code": 0, "msg": "", "data": user, "extMsg": ""},
    )
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.SHARE_BY_UID.value,
        times=1,
        body={"code": 0, "msg": "", "data": "ZERO-CODE", "extMsg": ""},
    )
    simulator.inject(Fault.ERROR_CODE, endpoint=Endpoint.OWNER_UNSHARE.value, code=0)

    assert (await client.user_info()).nickname == "Zero"
    assert await client.share_device("pTest", "DEV-1", uid=GUEST_UID) == "ZERO-CODE"
    await client.unshare("ANY")  # data null: nothing to read
    assert (await client.user_info()).nickname == "Owner"  # 200 again


async def test_success_code_zero_on_login(
    simulator: Simulator, client: QuectelClient
) -> None:
    expires = int(time.time()) + 7200
    simulator.inject(
        Fault.BAD_ENVELOPE,
        endpoint=Endpoint.EMAIL_LOGIN.value,
        times=1,
        body={
            "code": 0,
            "msg": "",
            "data": {
                "accessToken": {"token": "Bearer zero", "expirationTime": expires},
                "refreshToken": {"token": "zero-r", "expirationTime": expires},
            },
        },
    )

    tokens = await client.login()

    assert tokens.access == Token("Bearer zero", expires)
