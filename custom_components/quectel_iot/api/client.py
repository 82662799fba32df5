"""Async client of the Quectel end-user (App) OpenAPI.

Every request parameter goes in the query string, as the docs specify, even on
POST, PUT and DELETE. The client logs in, keeps the tokens fresh (refreshing
shortly before expiry) and never logs in again by itself once the cloud has
rejected the password: five wrong passwords freeze the account.

Tokens are renewed in waves: every call whose token was rejected (or found
expiring) while a renewal is under way, or that was already under way when
the renewal started, uses the outcome of that one renewal (the new tokens,
or its error) instead of renewing again. A rejected token is never sent
again. A refresh the cloud refuses with any code leads to one login with the
stored password, unless the cloud says to wait (lockout, quota).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
import logging
import re
from typing import Any, Protocol

import aiohttp

from .const import (
    DEVICE_PAGE_SIZE,
    ENDPOINT_METHODS,
    MAX_CONCURRENT_REQUESTS,
    NOT_BOUND_RETRY_DELAY,
    REQUEST_TIMEOUT,
    SUCCESS_CODES,
    TOKEN_REFRESH_MARGIN,
    CoverMark,
    Endpoint,
)
from .crypto import encrypt_password, make_random, sign
from .errors import (
    QuectelAuthenticationError,
    QuectelConnectionError,
    QuectelDeviceNotBoundError,
    QuectelError,
    QuectelMalformedResponseError,
    QuectelOutcomeUnknownError,
    QuectelResponseError,
    QuectelTimeoutError,
    QuectelTokenError,
    Remedy,
    error_for_key,
    error_from_code,
)
from .models import Device, DevicePage, Share, Tokens, User, parse_list

_LOGGER = logging.getLogger(__name__)

# A lockout whose message names no duration: the docs' 20 minutes.
LOCKOUT_WITHOUT_DURATION = timedelta(minutes=20)

# Never walk more pages than this, whatever the cloud says about the next one.
_MAX_DEVICE_PAGES = 1000
# A call whose token is rejected is sent again after each renewal, at most
# this many times: a freshly issued token rejected once more may be a glitch
# of the cloud (and is not a reason to ask for a new password).
_MAX_RENEWALS_PER_CALL = 2

# aiohttp itself sends a request with one of these methods once more when the
# connection drops before the response starts (RFC 9112, 9.3.1.1). For them,
# that is the one retry; the client adds its own only for the other methods.
_RETRIED_BY_AIOHTTP = frozenset({"GET", "PUT", "DELETE"})
# A code sent as text: ASCII digits only (int() would take "٣" or "1_0").
_CODE_TEXT = re.compile(r"\s*-?[0-9]{1,9}\s*", re.ASCII)


@dataclass(frozen=True, slots=True)
class EmailAccount:
    """An app account that logs in with its email address."""

    email: str


@dataclass(frozen=True, slots=True)
class PhoneAccount:
    """An app account that logs in with its phone number."""

    phone: str
    international_code: str


type Account = EmailAccount | PhoneAccount
type TokenListener = Callable[[Tokens], None]


class RequestObserver(Protocol):
    """Told of every HTTP request the client sends, and of every cloud answer."""

    def request_sent(self) -> None:
        """Note that a request leaves for the cloud (retries included)."""

    def answer_received(self, error: QuectelResponseError | None) -> None:
        """Note the cloud's answer: a success (``None``) or an error code."""


class _NotSentError(Exception):
    """The connection failed before the request reached the cloud."""


class _TokenRejectedError(Exception):
    """The cloud rejected the access token a request was sent with.

    Also raised, without sending, for a request about to go out with tokens
    the cloud already rejected.
    """

    def __init__(self, tokens: Tokens, error: QuectelTokenError) -> None:
        super().__init__(str(error))
        self.tokens = tokens
        self.error = error


@dataclass(frozen=True, slots=True)
class _Renewal:
    """One renewal of the tokens (a refresh, or a login), shared by its wave."""

    stale: Tokens | None  # the tokens it replaces
    number: int  # renewals started before it, plus one
    task: asyncio.Task[Tokens]


def _copy[E: BaseException](err: E) -> E:
    """Return a copy of ``err`` to raise again (one traceback per raise)."""
    return copy.copy(err)


def _lifted(rejection: QuectelAuthenticationError) -> bool:
    """Whether a login refused with "wait" (a lockout) may be tried again.

    Any other refusal stands until `QuectelClient.login` is called.
    """
    if rejection.remedy is not Remedy.WAIT:
        return False
    retry_at = rejection.retry_at or rejection.received_at + LOCKOUT_WITHOUT_DURATION
    return datetime.now(UTC) >= retry_at


def _retrieve(task: asyncio.Task[Tokens]) -> None:
    """Mark a renewal's outcome as seen, even if every caller gave up."""
    if not task.cancelled():
        task.exception()


class QuectelClient:
    """One app account on one Quectel cloud."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        user_domain: str,
        user_domain_secret: str,
        account: Account,
        password: str,
        tokens: Tokens | None = None,
        on_tokens_changed: TokenListener | None = None,
        observer: RequestObserver | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
        max_concurrent_requests: int = MAX_CONCURRENT_REQUESTS,
    ) -> None:
        """Set up the client; no request is made until a method is called."""
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._user_domain = user_domain
        self._secret = user_domain_secret
        self._account = account
        self._password = password
        self._tokens = tokens
        self._on_tokens_changed = on_tokens_changed
        self._observer = observer
        self._timeout = request_timeout
        self._slots = asyncio.Semaphore(max_concurrent_requests)
        # Cleared while the tokens are being renewed.
        self._renewed = asyncio.Event()
        self._renewed.set()
        # The latest renewal, and how many were started.
        self._renewal: _Renewal | None = None
        self._renewals_started = 0
        # Tokens whose access token the cloud rejected, and how.
        self._rejected: Tokens | None = None
        self._rejected_error: QuectelTokenError | None = None
        # A refresh token the cloud refused: not sent again.
        self._refused_refresh: str | None = None
        # The cloud refused a login with these credentials: no new login
        # until `login` is called (a new password).
        self._login_rejection: QuectelAuthenticationError | None = None

    @property
    def tokens(self) -> Tokens | None:
        """The current tokens, to persist and hand back after a restart."""
        return self._tokens

    # Account and devices

    async def login(self) -> Tokens:
        """Log in with the password now (the only way past a rejected login)."""
        self._login_rejection = None
        tokens = await self._login()
        self._set_tokens(tokens)
        return tokens

    async def user_info(self) -> User:
        """Return the logged-in user."""
        return User.from_api(await self._call(Endpoint.USER_INFO, {}))

    async def devices(self) -> list[Device]:
        """Return every device of the account, walking all pages.

        Paging follows what the cloud answered (see `DevicePage.from_api`),
        never more than `_MAX_DEVICE_PAGES` pages.
        """
        devices: list[Device] = []
        for page in range(1, _MAX_DEVICE_PAGES + 1):
            data = await self._call(
                Endpoint.DEVICE_LIST, {"page": page, "pageSize": DEVICE_PAGE_SIZE}
            )
            result = DevicePage.from_api(
                data, page, DEVICE_PAGE_SIZE, received_before=len(devices)
            )
            devices.extend(result.devices)
            if not result.has_next_page:
                break
        return devices

    # Sharing

    async def share_device(
        self,
        product_key: str,
        device_key: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        uid: str | None = None,
        expires_at: datetime | None = None,
        cover_mark: CoverMark = CoverMark.REPLACE,
        auth_key: str | None = None,
    ) -> str | None:
        """Share a device with one user (`shareByUid`); return the share code.

        ``expires_at`` of ``None`` shares the device for life. In ``ADD`` mode
        each call creates a new share, so an ambiguous failure raises
        `QuectelOutcomeUnknownError` instead of being retried.

        The docs' response template shows an empty ``data``: a success without
        a share code is still a success (``None``), not an unreadable answer,
        so that nobody shares again because of it.
        """
        params: dict[str, str | int | None] = {
            "dk": device_key,
            "pk": product_key,
            "authKey": auth_key,
            "coverMark": int(cover_mark),
            "email": email,
            "phone": phone,
            "shareUid": uid,
            "sharingExpireAt": _epoch_ms(expires_at) if expires_at else None,
        }
        data = await self._call(
            Endpoint.SHARE_BY_UID, params, idempotent=cover_mark != CoverMark.ADD
        )
        if data is None or data == "":
            return None
        if not isinstance(data, str | int) or isinstance(data, bool):
            raise QuectelMalformedResponseError("shareByUid returned no share code")
        return str(data)

    async def device_shares(self, product_key: str, device_key: str) -> list[Share]:
        """Return every share of a device the account owns."""
        data = await self._call(
            Endpoint.SHARE_USER_LIST, {"dk": device_key, "pk": product_key}
        )
        return [Share.from_api(item) for item in parse_list(data, "share list")]

    async def unshare(self, share_code: str) -> None:
        """Revoke a share (`ownerUserUnshareDevice`)."""
        await self._call(Endpoint.OWNER_UNSHARE, {"shareCode": share_code})

    async def set_share_expiry(self, share_code: str, expires_at: datetime) -> None:
        """Change until when a share lasts (`setShareTime`)."""
        await self._call(
            Endpoint.SET_SHARE_TIME,
            {"shareCode": share_code, "sharingExpireAt": _epoch_ms(expires_at)},
        )

    # Share codes (invitations)

    async def create_share_code(
        self,
        product_key: str,
        device_key: str,
        *,
        accept_by: datetime,
        expires_at: datetime | None,
        auth_key: str | None = None,
    ) -> str:
        """Create a share code of a device (`shareInfo`); return the code.

        Whoever accepts it before ``accept_by`` may use the device until
        ``expires_at`` (``None``: for life). An ``expires_at`` not later than
        ``accept_by`` is refused before any request, as the cloud would
        (5153). Each call makes a new code, so a lost answer raises
        `QuectelOutcomeUnknownError` instead of being retried.
        """
        if expires_at is not None and expires_at <= accept_by:
            raise error_for_key("expiry_not_after_accept_deadline")
        params: dict[str, str | int | None] = {
            "acceptingExpireAt": _epoch_ms(accept_by),
            "dk": device_key,
            "pk": product_key,
            "authKey": auth_key,
            # Always "add". shareInfo names no recipient, so coverMark 1
            # ("override the previous valid share (the share code)") and 3
            # can only mean the device's previous share or share code: they
            # could end someone else's access or invitation.
            "coverMark": int(CoverMark.ADD),
            "sharingExpireAt": _epoch_ms(expires_at) if expires_at else None,
        }
        data = await self._call(Endpoint.SHARE_INFO, params, idempotent=False)
        if not isinstance(data, str | int) or isinstance(data, bool) or data == "":
            raise QuectelMalformedResponseError("shareInfo returned no share code")
        return str(data)

    async def accept_share_code(
        self, share_code: str, device_name: str | None = None
    ) -> None:
        """Accept a share code someone created (`shareDevice`).

        ``device_name`` names the device in this account. A lost answer
        raises `QuectelOutcomeUnknownError`: accepting twice is refused.
        """
        await self._call(
            Endpoint.SHARE_DEVICE,
            {"shareCode": share_code, "deviceName": device_name},
            idempotent=False,
        )

    async def leave_share(self, share_code: str) -> None:
        """Give back a share this account received (`shareUserUnshareDevice`).

        A lost answer raises `QuectelOutcomeUnknownError`: once carried out,
        the same request is answered 5142 ("this share has expired"). That
        is also the answer when the connection dropped after the cloud left
        the share and aiohttp sent the DELETE once more by itself: for a
        share held when last seen, 5142 means it was left.
        """
        await self._call(
            Endpoint.RECIPIENT_UNSHARE, {"shareCode": share_code}, idempotent=False
        )

    # Tokens

    def _set_tokens(self, tokens: Tokens) -> None:
        self._tokens = tokens
        self._rejected = None
        self._rejected_error = None
        if self._on_tokens_changed is not None:
            self._on_tokens_changed(tokens)

    async def _login(self) -> Tokens:
        rejection = self._login_rejection
        if rejection is not None:
            if not _lifted(rejection):
                # The cloud rejected these credentials: trying again by
                # ourselves would count towards freezing the account.
                raise _copy(rejection)
            # A lockout is over: one attempt again.
            self._login_rejection = None
        random = make_random()
        pwd = encrypt_password(self._password, random)
        params: dict[str, str | int | None]
        if isinstance(self._account, EmailAccount):
            endpoint = Endpoint.EMAIL_LOGIN
            signature = sign(self._account.email, pwd, random, self._secret)
            params = {"email": self._account.email}
        else:
            endpoint = Endpoint.PHONE_LOGIN
            signature = sign(
                self._account.international_code,
                self._account.phone,
                pwd,
                random,
                self._secret,
            )
            params = {
                "internationalCode": self._account.international_code,
                "phone": self._account.phone,
            }
        params |= {
            "pwd": pwd,
            "random": random,
            "signature": signature,
            "userDomain": self._user_domain,
        }
        try:
            data = await self._request(endpoint, params, None, idempotent=False)
        except QuectelTokenError as err:
            raise QuectelAuthenticationError(
                str(err), code=err.code, msg=err.msg
            ) from err
        except QuectelAuthenticationError as err:
            self._login_rejection = err
            raise
        except QuectelOutcomeUnknownError as err:
            raise QuectelConnectionError(str(err)) from err
        _LOGGER.debug("Logged in to %s", self._base_url)
        return Tokens.from_api(data)

    async def _refresh(self, refresh_token: str) -> Tokens:
        data = await self._request(
            Endpoint.REFRESH_TOKEN,
            {"refreshToken": refresh_token},
            None,
            idempotent=True,
        )
        _LOGGER.debug("Refreshed the access token")
        return Tokens.from_api(data)

    def _usable(self, tokens: Tokens | None) -> bool:
        return (
            tokens is not None
            and tokens is not self._rejected
            and not tokens.access.expires_within(TOKEN_REFRESH_MARGIN)
        )

    async def _valid_tokens(self, since: int) -> Tokens:
        """Return tokens to send; ``since``: renewals started before the call."""
        tokens = self._tokens
        if tokens is not None and self._usable(tokens):
            return tokens
        return await self._renewed_tokens(tokens, since)

    async def _renewed_tokens(self, stale: Tokens | None, since: int) -> Tokens:
        """Return tokens that replace ``stale``, renewing them once per wave.

        A caller joins the latest renewal when it replaces the current tokens
        and is still under way, or started after the caller's call did
        (``since`` renewals had started then): its outcome, success or error,
        is the caller's. Otherwise the caller starts a new renewal.
        """
        current = self._tokens
        if current is not stale and current is not None and self._usable(current):
            return current  # renewed meanwhile
        renewal = self._renewal
        if (
            renewal is None
            or renewal.stale is not current
            or (renewal.task.done() and renewal.number <= since)
        ):
            renewal = self._start_renewal(current)
        try:
            return await asyncio.shield(renewal.task)
        except QuectelError as err:
            raise _copy(err) from err

    def _start_renewal(self, current: Tokens | None) -> _Renewal:
        self._renewals_started += 1
        self._renewed.clear()
        task = asyncio.get_running_loop().create_task(
            self._run_renewal(current), name="quectel_iot token renewal"
        )
        task.add_done_callback(_retrieve)
        self._renewal = _Renewal(current, self._renewals_started, task)
        return self._renewal

    async def _run_renewal(self, current: Tokens | None) -> Tokens:
        try:
            tokens = await self._renew(current)
        finally:
            self._renewed.set()
        self._set_tokens(tokens)
        return tokens

    async def _renew(self, current: Tokens | None) -> Tokens:
        """Refresh ``current``; log in when there is nothing to refresh.

        A refresh the cloud refuses with a code (the docs list none for
        `refreshToken`) falls back to one password login, unless the cloud
        says to wait (a lockout, the request quota): a login would not help
        then. A connection failure or an unreadable answer is not a refusal:
        it is raised, and the next call tries the refresh again.
        """
        if (
            current is not None
            and not current.refresh.expires_within(0)
            and current.refresh.token != self._refused_refresh
        ):
            try:
                return await self._refresh(current.refresh.token)
            except QuectelResponseError as err:
                if err.code is None or err.remedy is Remedy.WAIT:
                    raise
                self._refused_refresh = current.refresh.token
                _LOGGER.debug(
                    "Refresh refused (cloud code %s); logging in again", err.code
                )
        return await self._login()

    # Requests

    async def _call(
        self,
        endpoint: Endpoint,
        params: Mapping[str, str | int | None],
        *,
        idempotent: bool = True,
    ) -> Any:
        """Make an authenticated call, renewing rejected tokens.

        A rejected token means the call was not executed, so sending it again
        with renewed tokens is safe even when the call is not idempotent; so
        is sending it once more after "device not bound" (4007), which users
        report as often transient.
        """
        since = self._renewals_started
        tokens = await self._valid_tokens(since)
        renewals = 0
        not_bound_retried = False
        while True:
            try:
                return await self._request(
                    endpoint, params, tokens, idempotent=idempotent
                )
            except _TokenRejectedError as rejected:
                if renewals == _MAX_RENEWALS_PER_CALL:
                    raise _copy(rejected.error) from rejected.error
                renewals += 1
                _LOGGER.debug("Access token rejected by %s; renewing it", endpoint.name)
                tokens = await self._renewed_tokens(rejected.tokens, since)
            except QuectelDeviceNotBoundError:
                if not_bound_retried:
                    raise
                not_bound_retried = True
                _LOGGER.debug("%s: device not bound; asking once more", endpoint.name)
                await asyncio.sleep(NOT_BOUND_RETRY_DELAY)

    @asynccontextmanager
    async def _slot(self, authenticated: bool) -> AsyncIterator[None]:
        """Hold one of the account's request slots.

        An authenticated request waits while the tokens are renewed: it would
        be sent with the old ones and fail, and the renewal's own request
        must not queue behind a crowd of requests bound to fail.
        """
        while True:
            if authenticated:
                await self._renewed.wait()
            await self._slots.acquire()
            if not authenticated or self._renewed.is_set():
                break
            self._slots.release()
        try:
            yield
        finally:
            self._slots.release()

    async def _request(
        self,
        endpoint: Endpoint,
        params: Mapping[str, str | int | None],
        tokens: Tokens | None,
        *,
        idempotent: bool,
    ) -> Any:
        """Send one request, retrying a safe one once if it was never sent.

        ``tokens`` (None for login and refresh) are replaced by newer ones
        when they were renewed while the request waited for a slot.
        """
        query = {key: str(value) for key, value in params.items() if value is not None}
        headers = {"Accept": "application/json"}
        async with self._slot(tokens is not None):
            if tokens is not None:
                tokens = self._tokens or tokens
                if tokens is self._rejected and self._rejected_error is not None:
                    # Never send a token the cloud already rejected.
                    raise _TokenRejectedError(tokens, self._rejected_error)
                # The token already starts with "Bearer ", as the cloud issued it.
                headers["Authorization"] = tokens.access.token
            try:
                return await self._send_once_more(
                    endpoint, query, headers, idempotent=idempotent
                )
            except QuectelTokenError as err:
                if tokens is None:
                    raise
                if self._tokens is tokens:
                    self._rejected, self._rejected_error = tokens, err
                raise _TokenRejectedError(tokens, err) from err

    async def _send_once_more(
        self,
        endpoint: Endpoint,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        *,
        idempotent: bool,
    ) -> Any:
        try:
            return await self._send(endpoint, query, headers, idempotent=idempotent)
        except _NotSentError as err:
            if not idempotent:
                raise QuectelConnectionError(str(err)) from err
            _LOGGER.debug("Retrying %s once after: %s", endpoint.name, err)
        try:
            return await self._send(endpoint, query, headers, idempotent=idempotent)
        except _NotSentError as err:
            raise QuectelConnectionError(str(err)) from err

    async def _send(
        self,
        endpoint: Endpoint,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        *,
        idempotent: bool,
    ) -> Any:
        method = ENDPOINT_METHODS[endpoint]
        _LOGGER.debug("%s %s (%s)", method, endpoint.value, ", ".join(sorted(query)))
        if self._observer is not None:
            self._observer.request_sent()
        try:
            async with asyncio.timeout(self._timeout):
                async with self._session.request(
                    method,
                    self._base_url + endpoint.value,
                    params=query,
                    headers=headers,
                ) as response:
                    status = response.status
                    body = await response.read()
        except aiohttp.ClientConnectorError as err:
            raise _NotSentError(f"Cannot connect to the cloud: {err}") from err
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as err:
            if not idempotent:
                raise _outcome_unknown(endpoint) from err
            if method in _RETRIED_BY_AIOHTTP:
                # aiohttp has already sent it a second time: that was the retry.
                raise QuectelConnectionError(
                    f"Connection to the cloud lost: {err}"
                ) from err
            raise _NotSentError(f"Connection to the cloud lost: {err}") from err
        except TimeoutError as err:
            if not idempotent:
                raise _outcome_unknown(endpoint) from err
            raise QuectelTimeoutError(
                f"The cloud did not answer within {self._timeout:g} s"
            ) from err
        except aiohttp.ClientError as err:
            if not idempotent:
                raise _outcome_unknown(endpoint) from err
            raise QuectelConnectionError(f"Request to the cloud failed: {err}") from err
        try:
            return self._read_answer(status, body)
        except (QuectelConnectionError, QuectelMalformedResponseError) as err:
            if not idempotent:
                raise _outcome_unknown(endpoint) from err
            raise

    def _read_answer(self, status: int, body: bytes) -> Any:
        """Read the envelope, and tell the observer what the cloud answered."""
        try:
            data = _read_envelope(status, body)
        except QuectelMalformedResponseError:
            raise
        except QuectelResponseError as err:
            if self._observer is not None:
                self._observer.answer_received(err)
            raise
        if self._observer is not None:
            self._observer.answer_received(None)
        return data


def _outcome_unknown(endpoint: Endpoint) -> QuectelOutcomeUnknownError:
    return QuectelOutcomeUnknownError(
        f"The connection failed after {endpoint.name} was sent; it may or may not "
        "have been carried out"
    )


def _read_envelope(status: int, body: bytes) -> Any:
    """Return ``data`` of a success envelope, or raise the matching error."""
    if status >= 500:
        raise QuectelConnectionError(f"The cloud answered HTTP {status}")
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        if status != 200:
            raise QuectelConnectionError(f"The cloud answered HTTP {status}") from err
        raise QuectelMalformedResponseError(
            "The cloud answered with invalid JSON"
        ) from err
    if not isinstance(envelope, dict):
        raise QuectelMalformedResponseError("The cloud's answer is not a JSON object")
    code = envelope.get("code")
    if isinstance(code, str) and _CODE_TEXT.fullmatch(code):
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        raise QuectelMalformedResponseError("The cloud's answer has no valid code")
    msg = envelope.get("msg")
    if code in SUCCESS_CODES:
        return envelope.get("data")
    raise error_from_code(code, msg if isinstance(msg, str) else "")


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


__all__ = [
    "Account",
    "EmailAccount",
    "PhoneAccount",
    "QuectelClient",
    "QuectelError",
    "QuectelResponseError",
]
