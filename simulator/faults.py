"""Injected failures: what can go wrong between the client and the cloud.

A `FaultRule` says which `Fault` hits which endpoint (None: every endpoint)
how many times (None: until cleared). Each request to a matching endpoint
consumes one use of the first matching rule; a rule used up disappears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
import json
from typing import Any, Final

from aiohttp import web

from .envelope import UNKNOWN_CODE, error

DEFAULT_HANG_SECONDS = 30.0
# Fault.BAD_ENVELOPE's default body: JSON without the `code` member.
DEFAULT_BAD_ENVELOPE: Final[dict[str, Any]] = {"data": 1}

NGINX_502_PAGE = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


class Fault(StrEnum):
    """The kinds of failure `Simulator.inject` can cause."""

    HTTP_500 = "http_500"
    """Status 500 with a Spring-style JSON error body (no ``code``)."""
    HTTP_502 = "http_502"
    """Status 502 with an empty body."""
    HTTP_503 = "http_503"
    """Status 503 with a plain-text body."""
    HTML_ERROR_PAGE = "html_error_page"
    """Status 502 with nginx's HTML error page."""
    MALFORMED_JSON = "malformed_json"
    """Status 200, ``application/json``, but the JSON is cut off."""
    BAD_ENVELOPE = "bad_envelope"
    """Status 200 with valid JSON that is not the envelope: ``body`` (any JSON
    value, e.g. ``{"code": "abc"}``), by default ``{"data": 1}``."""
    UNKNOWN_CODE = "unknown_code"
    """A normal envelope with code 9999, which no doc lists."""
    ERROR_CODE = "error_code"
    """A normal envelope with the error ``code`` given (its documented msg)."""
    DROP_CONNECTION = "drop_connection"
    """Close the connection without answering; the request is not executed."""
    DROP_AFTER_EXECUTE = "drop_after_execute"
    """Execute the request, then close the connection without answering."""
    HANG = "hang"
    """Wait ``hang_seconds`` (default 30), then execute and answer normally;
    `Simulator.stop` cuts the wait short and drops the connection."""
    TOKEN_REVOKED = "token_revoked"
    """Revoke every issued token now, then answer 5032."""


@dataclass(slots=True)
class FaultRule:
    """One injected fault and how often it still applies."""

    fault: Fault
    endpoint: str | None = None
    times: int | None = None
    code: int | None = None
    body: Any = None
    hang_seconds: float = DEFAULT_HANG_SECONDS

    def matches(self, path: str) -> bool:
        """Whether this rule applies to a request for ``path``."""
        return self.endpoint is None or self.endpoint == path


class FaultBook:
    """The rules in force, in the order they were injected."""

    def __init__(self) -> None:
        """Start with no fault."""
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        """Put ``rule`` in force."""
        if rule.fault is Fault.ERROR_CODE and rule.code is None:
            raise ValueError("Fault.ERROR_CODE needs code=")
        if rule.times is not None and rule.times < 1:
            raise ValueError("times must be at least 1, or None for always")
        self.rules.append(rule)
        return rule

    def take(self, path: str) -> FaultRule | None:
        """Consume one use of the first rule matching ``path``."""
        for rule in self.rules:
            if rule.matches(path):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self.rules.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()


def canned_response(rule: FaultRule, path: str) -> web.Response | None:
    """Return the answer a fault gives instead of the real one, if it is canned.

    None for the faults that need the connection or the request executed
    (drops, hangs, token revocation).
    """
    match rule.fault:
        case Fault.HTTP_500:
            body = {
                "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "status": 500,
                "error": "Internal Server Error",
                "path": path,
            }
            return web.json_response(body, status=500)
        case Fault.HTTP_502:
            return web.Response(status=502)
        case Fault.HTTP_503:
            return web.Response(status=503, text="Service Unavailable")
        case Fault.HTML_ERROR_PAGE:
            return web.Response(
                status=502, text=NGINX_502_PAGE, content_type="text/html"
            )
        case Fault.MALFORMED_JSON:
            return web.Response(
                text='{"code": 200, "msg": "", "data": {"total": 1, "list": [',
                content_type="application/json",
            )
        case Fault.BAD_ENVELOPE:
            body = DEFAULT_BAD_ENVELOPE if rule.body is None else rule.body
            return web.Response(text=json.dumps(body), content_type="application/json")
        case Fault.UNKNOWN_CODE:
            return web.json_response(error(UNKNOWN_CODE))
        case Fault.ERROR_CODE:
            return web.json_response(error(rule.code or 0, path))
        case _:
            return None
