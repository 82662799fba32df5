"""Request parameters: the query string, with a form body as fallback.

The docs put every parameter in the query string ("Request Type: query"),
whatever the method. Public clients of the live cloud also send them as an
``application/x-www-form-urlencoded`` body, which the cloud (a Spring service
binding ``@RequestParam``) accepts too; so does the simulator, and the query
string wins when both carry a parameter. A JSON body is ignored, as the live
cloud ignores it for these endpoints. An empty value counts as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
import re

_INT = re.compile(r"[+-]?\d{1,19}")


class Params:
    """Read-only view of the parameters of one request."""

    def __init__(self, query: Mapping[str, str], form: Mapping[str, str]) -> None:
        """Merge ``form`` and ``query``; ``query`` wins."""
        self._values: dict[str, str] = {**form, **query}

    def get(self, name: str) -> str | None:
        """Return the value of ``name``, or None when absent or empty."""
        value = self._values.get(name)
        return value if value else None

    def text(self, name: str) -> str:
        """Return the value of ``name``, or "" when absent."""
        return self._values.get(name, "")


def parse_int(value: str | None) -> int | None:
    """Return ``value`` as an int when it is a plain decimal integer, else None."""
    if value is None or not _INT.fullmatch(value.strip()):
        return None
    return int(value)
