"""The aiohttp application: routes, the request pipeline and the handlers.

Every request goes through `pipeline`, in this order: it is logged; it counts
as in flight (overall and for the uid of its token, or of the account a login
names); the simulator's latency is waited; a path that is not an endpoint
gets 404 and a method other than the documented one 405; an account whose
daily quota is spent gets 4026 (see `Traffic.take_quota`); an injected fault
may then answer instead, or drop the connection; otherwise the endpoint
answers (HTTP 200, JSON envelope, error codes included).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import auth, devices, invitations, sharing
from .docs import METHODS, Endpoint
from .envelope import QUOTA_CODE, ApiError, error, ok
from .faults import Fault, FaultBook, FaultRule, canned_response
from .models import LoggedRequest, SimUser
from .params import Params
from .state import CloudState
from .traffic import RequestPacer, Traffic


@dataclass(frozen=True, slots=True)
class Backend:
    """What the HTTP application serves and reports to."""

    state: CloudState
    faults: FaultBook
    traffic: Traffic
    pacer: RequestPacer


BACKEND: web.AppKey[Backend] = web.AppKey("backend")
METHODS_BY_PATH = {endpoint.value: method for endpoint, method in METHODS.items()}

type Action = Callable[[CloudState, Params], Any]
type UserAction = Callable[[CloudState, SimUser, Params], Any]

PUBLIC_ACTIONS: dict[Endpoint, Action] = {
    Endpoint.EMAIL_LOGIN: lambda s, p: auth.login(s, p, auth.LoginKind.EMAIL),
    Endpoint.PHONE_LOGIN: lambda s, p: auth.login(s, p, auth.LoginKind.PHONE),
    Endpoint.REFRESH_TOKEN: auth.refresh,
}
USER_ACTIONS: dict[Endpoint, UserAction] = {
    Endpoint.USER_INFO: lambda _s, user, _p: devices.get_user_info(user),
    Endpoint.DEVICE_LIST: devices.device_list,
    Endpoint.SHARE_BY_UID: sharing.share_by_uid,
    Endpoint.SHARE_USER_LIST: sharing.share_user_list,
    Endpoint.OWNER_UNSHARE: sharing.owner_unshare,
    Endpoint.SET_SHARE_TIME: sharing.set_share_time,
    Endpoint.SHARE_INFO: invitations.share_info,
    Endpoint.SHARE_DEVICE: invitations.share_device,
    Endpoint.RECIPIENT_UNSHARE: invitations.recipient_unshare,
}


def build_app(
    state: CloudState, faults: FaultBook, traffic: Traffic, pacer: RequestPacer
) -> web.Application:
    """Return the application serving ``state``.

    Requests are logged and counted in ``traffic``, delayed by ``pacer`` and
    may be hit by a rule of ``faults``.
    """
    app = web.Application(middlewares=[pipeline])
    app[BACKEND] = Backend(state, faults, traffic, pacer)
    for endpoint in Endpoint:
        app.router.add_route("*", endpoint.value, _handler(endpoint))
    return app


async def read_params(request: web.Request) -> Params:
    """Return the request's parameters: query string, then form body."""
    form: dict[str, str] = {}
    if request.content_type == "application/x-www-form-urlencoded":
        for name, value in (await request.post()).items():
            form.setdefault(name, value if isinstance(value, str) else "")
    return Params(first_values(request.query.items()), form)


def first_values(items: Any) -> dict[str, str]:
    """Return a dict keeping the first value of each repeated name."""
    values: dict[str, str] = {}
    for name, value in items:
        values.setdefault(name, value)
    return values


def _handler(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        state = request.app[BACKEND].state
        params = await read_params(request)
        try:
            if endpoint in PUBLIC_ACTIONS:
                data = PUBLIC_ACTIONS[endpoint](state, params)
            else:
                user = state.authenticate(request.headers.get("Authorization"))
                data = USER_ACTIONS[endpoint](state, user, params)
        except ApiError as err:
            return web.json_response(error(err.code, endpoint))
        return web.json_response(ok(data))

    return handle


@web.middleware
async def pipeline(
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    """Log, count, delay, check the method, apply faults, then answer."""
    backend = request.app[BACKEND]
    body = await request.text()
    backend.traffic.record(
        LoggedRequest(
            method=request.method,
            path=request.path,
            query=first_values(request.query.items()),
            headers=dict(request.headers.items()),
            body=body,
        )
    )
    uid = _uid_of(backend.state, request)
    with backend.traffic.in_flight(uid):
        if not await backend.pacer.sleep(backend.pacer.latency):
            return _drop(request)
        method = METHODS_BY_PATH.get(request.path)
        if method is None:
            raise web.HTTPNotFound
        if request.method != method:
            raise web.HTTPMethodNotAllowed(request.method, [method])
        if uid is not None and not backend.traffic.take_quota(
            uid, backend.state.clock.utc_day()
        ):
            return web.json_response(error(QUOTA_CODE))
        rule = backend.faults.take(request.path)
        if rule is None:
            return await handler(request)
        return await _apply_fault(backend, rule, request, handler)


async def _apply_fault(
    backend: Backend,
    rule: FaultRule,
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    canned = canned_response(rule, request.path)
    if canned is not None:
        return canned
    match rule.fault:
        case Fault.DROP_CONNECTION:
            return _drop(request)
        case Fault.DROP_AFTER_EXECUTE:
            await handler(request)
            return _drop(request)
        case Fault.HANG:
            if not await backend.pacer.sleep(rule.hang_seconds):
                return _drop(request)
            return await handler(request)
        case _:  # Fault.TOKEN_REVOKED
            backend.state.revoke_tokens()
            return web.json_response(error(5032, request.path))


def _drop(request: web.Request) -> web.Response:
    """Close the connection; aiohttp then gives up writing the response."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def _uid_of(state: CloudState, request: web.Request) -> str | None:
    uid = state.uid_of_token(request.headers.get("Authorization"))
    if uid is not None:
        return uid
    query = request.query
    if request.path == Endpoint.EMAIL_LOGIN and "email" in query:
        user = state.user_by_email(query["email"])
    elif request.path == Endpoint.PHONE_LOGIN and "phone" in query:
        user = state.user_by_phone(query["phone"])
    elif request.path == Endpoint.REFRESH_TOKEN:
        return state.uid_of_token(query.get("refreshToken"))
    else:
        return None
    return user.uid if user else None
