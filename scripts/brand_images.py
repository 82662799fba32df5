"""Draw the integration's brand images into custom_components/quectel_iot/brand/.

Original artwork: a chip (the cloud device) linked to a person (the user it is
shared with), flat, two colours, transparent background. Drawn at 4x and
downsampled for smooth edges. Run with the minimum lane's Python (Pillow comes
with Home Assistant): ``.venv/bin/python scripts/brand_images.py``.
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parents[1] / "custom_components/quectel_iot/brand"
SCALE = 4  # supersampling factor
UNIT = 20  # pixels per layout unit at 1x of the @2x images

# (chip, person) colours for light and dark backgrounds.
LIGHT = ((0x0B, 0x6E, 0x79), (0xE8, 0x6A, 0x1C))
DARK = ((0x3C, 0xC8, 0xD4), (0xFF, 0x9A, 0x4D))


def draw_motif(width: float, colours: tuple[tuple[int, ...], ...]) -> Image.Image:
    """Chip on the left, link, person on the right; ``width`` layout units wide."""
    chip, person = colours
    s = UNIT * SCALE
    img = Image.new("RGBA", (round(width * s), 12 * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * s, y0 * s, x1 * s, y1 * s]

    # Chip: body 6x6 units centred at (4, 6), pins on three sides, a hollow core.
    d.rounded_rectangle(box(1, 3, 7, 9), radius=0.9 * s, fill=chip)
    for offset in (2.3, 4.0, 5.7):
        d.rounded_rectangle(box(offset - 0.38, 1.6, offset + 0.38, 3.2), 0.2 * s, chip)
        d.rounded_rectangle(box(offset - 0.38, 8.8, offset + 0.38, 10.4), 0.2 * s, chip)
    for offset in (4.3, 6.0, 7.7):
        d.rounded_rectangle(box(-0.6, offset - 0.38, 1.2, offset + 0.38), 0.2 * s, chip)
    d.ellipse(box(2.45, 4.45, 5.55, 7.55), fill=(0, 0, 0, 0))
    d.ellipse(box(3.25, 5.25, 4.75, 6.75), fill=chip)

    # Link: from the chip's right side towards the person, a node halfway.
    right = width - 3.4
    end = right - 3.6
    d.rounded_rectangle(box(6.8, 5.45, end, 6.55), 0.55 * s, chip)
    mid = (7 + end) / 2
    d.ellipse(box(mid - 1.0, 5.0, mid + 1.0, 7.0), fill=chip)
    d.ellipse(box(mid - 0.45, 5.55, mid + 0.45, 6.45), fill=(0, 0, 0, 0))

    # Person: head and shoulders.
    d.ellipse(box(right - 1.4, 2.4, right + 1.4, 5.2), fill=person)
    d.pieslice(box(right - 3.2, 5.8, right + 3.2, 12.6), 180, 360, fill=person)
    return img


def draw_icon(colours: tuple[tuple[int, ...], ...]) -> Image.Image:
    """Chip with a person badge on its corner: a device shared with someone."""
    chip, person = colours
    s = UNIT * SCALE
    img = Image.new("RGBA", (13 * s, 13 * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * s, y0 * s, x1 * s, y1 * s]

    # Chip: body 7x7 units, three pins a side, a hollow core.
    d.rounded_rectangle(box(1.5, 1.5, 8.5, 8.5), radius=1.0 * s, fill=chip)
    for offset in (3.0, 5.0, 7.0):
        d.rounded_rectangle(box(offset - 0.45, 0, offset + 0.45, 2), 0.25 * s, chip)
        d.rounded_rectangle(box(offset - 0.45, 8, offset + 0.45, 10), 0.25 * s, chip)
        d.rounded_rectangle(box(0, offset - 0.45, 2, offset + 0.45), 0.25 * s, chip)
        d.rounded_rectangle(box(8, offset - 0.45, 10, offset + 0.45), 0.25 * s, chip)
    d.ellipse(box(3.2, 3.2, 6.8, 6.8), fill=(0, 0, 0, 0))
    d.ellipse(box(4.1, 4.1, 5.9, 5.9), fill=chip)

    # Person badge on the bottom-right corner, cut out of the chip.
    cx, cy = 9.4, 9.4
    d.ellipse(box(cx - 3.6, cy - 3.6, cx + 3.6, cy + 3.6), fill=(0, 0, 0, 0))
    d.ellipse(box(cx - 1.25, cy - 3.1, cx + 1.25, cy - 0.6), fill=person)
    d.pieslice(box(cx - 2.9, cy - 0.1, cx + 2.9, cy + 5.6), 180, 360, fill=person)
    return img


def trimmed(img: Image.Image) -> Image.Image:
    """Crop to the drawn pixels (brand images are trimmed)."""
    bbox = img.getbbox()
    assert bbox is not None
    return img.crop(bbox)


def fit(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale ``img`` into ``size``, centred on a transparent canvas."""
    ratio = min(size[0] / img.width, size[1] / img.height)
    scaled = img.resize(
        (round(img.width * ratio), round(img.height * ratio)), Image.Resampling.LANCZOS
    )
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    canvas.paste(
        scaled, ((size[0] - scaled.width) // 2, (size[1] - scaled.height) // 2)
    )
    return canvas


def save(img: Image.Image, name: str) -> None:
    """Write an optimised PNG: a 64-colour palette with alpha is plenty here."""
    img.quantize(64, method=Image.Quantize.FASTOCTREE).save(BRAND / name, optimize=True)


def main() -> None:
    """Write icon, logo and their @2x and dark variants."""
    BRAND.mkdir(exist_ok=True)
    for prefix, colours in (("", LIGHT), ("dark_", DARK)):
        icon = trimmed(draw_icon(colours))
        logo = trimmed(draw_motif(18, colours))
        for suffix, factor in (("", 1), ("@2x", 2)):
            save(fit(icon, (256 * factor, 256 * factor)), f"{prefix}icon{suffix}.png")
            height = 128 * factor
            width = round(logo.width * height / logo.height)
            save(fit(logo, (width, height)), f"{prefix}logo{suffix}.png")


if __name__ == "__main__":
    main()
