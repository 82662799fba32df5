"""The JSON envelope every answer of the cloud is wrapped in."""

from __future__ import annotations

from typing import Any

from custom_components.quectel_iot.api.errors import ERROR_CODES

SUCCESS = 200
# A code the client cannot know (Fault.UNKNOWN_CODE).
UNKNOWN_CODE = 9999
UNKNOWN_CODE_MSG = "Unknown error"


class ApiError(Exception):
    """A documented error code the simulator answers with (HTTP 200)."""

    def __init__(self, code: int) -> None:
        """Answer with ``code``; its message comes from `ERROR_CODES`."""
        super().__init__(code)
        self.code = code


def message_for(code: int) -> str:
    """Return the ``msg`` the cloud sends with ``code``."""
    if code == UNKNOWN_CODE:
        return UNKNOWN_CODE_MSG
    spec = ERROR_CODES.get(code)
    return spec.explanation if spec else ""


def ok(data: Any = None) -> dict[str, Any]:
    """Return a success envelope around ``data``."""
    return {"code": SUCCESS, "msg": "", "data": data, "extMsg": None}


def error(code: int) -> dict[str, Any]:
    """Return an error envelope for ``code``."""
    return {"code": code, "msg": message_for(code), "data": None, "extMsg": None}
