"""The picture of an invitation: a QR code of its share code, and the code as text.

The vendor's app does not document what its own QR codes hold, so the QR
holds the plain share code; the code itself is written under it (to type
in), with the acceptance deadline. An SVG drawn from segno's module matrix:
one unit per module, a quiet zone of four.
"""

from __future__ import annotations

from typing import Final
from xml.sax.saxutils import escape

import segno

CONTENT_TYPE: Final = "image/svg+xml"
# Medium error correction (segno raises it when the symbol has room).
ERROR_CORRECTION: Final = "m"
QUIET_ZONE: Final = 4
# Pixels per module in the picture's default size.
PIXELS_PER_MODULE: Final = 8
# Text below the code, in modules: the largest font size, and the line height.
FONT_SIZE: Final = 2.4
LINE_HEIGHT: Final = 3.6
# A monospace glyph is about this wide, in ems.
GLYPH_WIDTH: Final = 0.62


def qr_matrix(share_code: str) -> tuple[bytearray, ...]:
    """Return the QR code's modules of ``share_code``, row by row (1: dark)."""
    matrix: tuple[bytearray, ...] = segno.make_qr(
        share_code, error=ERROR_CORRECTION
    ).matrix
    return matrix


def _font_size(text: str, width: int) -> float:
    """Return a font size at which ``text`` fits ``width`` less the margins."""
    return min(FONT_SIZE, (width - 2) / (GLYPH_WIDTH * max(len(text), 1)))


def invitation_svg(share_code: str, caption: str) -> bytes:
    """Draw the QR code of ``share_code``, with the code and ``caption`` under it."""
    matrix = qr_matrix(share_code)
    width = len(matrix) + 2 * QUIET_ZONE
    height = width + 2 * LINE_HEIGHT + 1
    modules = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    lines = "".join(
        f'<text x="{width / 2:g}" y="{width + FONT_SIZE + LINE_HEIGHT * index:g}" '
        f'font-size="{_font_size(text, width):.2f}">{escape(text)}</text>'
        for index, text in enumerate((share_code, caption))
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width * PIXELS_PER_MODULE}" '
        f'height="{height * PIXELS_PER_MODULE:g}" '
        f'viewBox="0 0 {width} {height:g}">'
        f'<rect width="{width}" height="{height:g}" fill="#fff"/>'
        f'<path fill="#000" d="{modules}"/>'
        '<g fill="#000" font-family="monospace" text-anchor="middle">'
        f"{lines}</g></svg>"
    )
    return svg.encode()
