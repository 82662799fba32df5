"""The JSON envelope every answer of the cloud is wrapped in."""

from __future__ import annotations

from typing import Any

from .docs import error_message

SUCCESS = 200
# A code the client cannot know (Fault.UNKNOWN_CODE).
UNKNOWN_CODE = 9999
UNKNOWN_CODE_MSG = "Unknown error"
# The daily request quota is spent (not in the docs; Simulator daily_quota).
QUOTA_CODE = 4026


class ApiError(Exception):
    """A documented error code the simulator answers with (HTTP 200)."""

    def __init__(self, code: int) -> None:
        """Answer with ``code``; its message comes from the docs (`docs.DOCS`)."""
        super().__init__(code)
        self.code = code


def message_for(code: int, endpoint: str | None = None) -> str:
    """Return the ``msg`` the cloud sends with ``code`` on ``endpoint``.

    The endpoint's page's description of the code (see `docs.error_message`);
    "" for a code no page lists.
    """
    if code == UNKNOWN_CODE:
        return UNKNOWN_CODE_MSG
    return error_message(code, endpoint) or ""


def ok(data: Any = None) -> dict[str, Any]:
    """Return a success envelope around ``data``."""
    return {"code": SUCCESS, "msg": "", "data": data, "extMsg": None}


def error(code: int, endpoint: str | None = None) -> dict[str, Any]:
    """Return an error envelope for ``code`` answered on ``endpoint``."""
    return {
        "code": code,
        "msg": message_for(code, endpoint),
        "data": None,
        "extMsg": None,
    }
