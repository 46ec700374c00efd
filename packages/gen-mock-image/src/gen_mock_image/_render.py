"""Pillow drawing for the mock image generator.

Imported lazily by the generator, so that listing generators never imports PIL.
Every function here is a pure function of its arguments: the same call gives
the same pixels, and :func:`encode` writes no metadata, so the same pixels give
the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw, ImageFont, ImageOps

RGB = tuple[int, int, int]

_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "png": {"format": "PNG", "optimize": False, "compress_level": 6},
    "jpeg": {"format": "JPEG", "quality": 90, "optimize": False},
    "webp": {"format": "WEBP", "quality": 90, "method": 4},
}


def rng_for(prompt: str, seed: int, index: int) -> random.Random:
    """A random generator seeded from a hash of the prompt, the seed and the image index."""
    digest = hashlib.sha256(f"{seed}\x00{index}\x00{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _colour(rng: random.Random, lightness: tuple[int, int]) -> RGB:
    low, high = lightness
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def _luma(colour: RGB) -> float:
    red, green, blue = colour
    return 0.299 * red + 0.587 * green + 0.114 * blue


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at ``size`` pixels (no font files needed)."""
    return ImageFont.load_default(size=max(size, 6))


def wrap(
    text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int
) -> list[str]:
    """Greedy word wrap so that no line is wider than ``max_width`` (long words are split)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if face.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if current and face.getlength(current + char) > max_width:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines or [""]


def fit_text(
    text: str, box_width: int, box_height: int, *, max_size: int, max_lines: int = 6
) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]:
    """The largest font (down to 6 px) at which ``text`` wraps into the box; returns font and wrapped text."""
    size = max_size
    while True:
        face = font(size)
        lines = wrap(text, face, box_width)
        line_height = size * 1.25
        fits = len(lines) <= max_lines and len(lines) * line_height <= box_height
        if fits or size <= 6:
            if len(lines) > max_lines:
                lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip() + "..."]
            return face, "\n".join(lines)
        size = max(6, int(size * 0.85))


def _draw_caption(
    image: Image.Image, text: str, box: tuple[int, int, int, int], colour: RGB
) -> None:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    face, wrapped = fit_text(
        text, int(width * 0.9), int(height * 0.9), max_size=max(8, height // 3)
    )
    fill = (20, 20, 20) if _luma(colour) > 140 else (245, 245, 245)
    stroke = (245, 245, 245) if fill[0] < 128 else (20, 20, 20)
    draw = ImageDraw.Draw(image)
    size = getattr(face, "size", 10)
    draw.multiline_text(
        ((left + right) / 2, (top + bottom) / 2),
        wrapped,
        font=face,
        fill=fill,
        anchor="mm",
        align="center",
        spacing=max(2, int(size * 0.25)),
        stroke_width=max(1, int(size / 18)),
        stroke_fill=stroke,
    )


def placeholder(prompt: str, width: int, height: int, *, seed: int, index: int = 0) -> Image.Image:
    """A gradient with a few translucent shapes and the prompt written across the middle."""
    rng = rng_for(prompt, seed, index)
    start, end = _colour(rng, (30, 225)), _colour(rng, (30, 225))
    mask = Image.linear_gradient("L").rotate(rng.choice((0, 45, 90, 135)), expand=False)
    mask = mask.resize((width, height), Image.Resampling.BILINEAR)
    image = Image.composite(
        Image.new("RGB", (width, height), end), Image.new("RGB", (width, height), start), mask
    )

    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    short = min(width, height)
    for _ in range(rng.randint(3, 7)):
        radius = rng.randint(max(2, short // 12), max(3, short // 3))
        x, y = rng.randint(0, width), rng.randint(0, height)
        fill = (*_colour(rng, (0, 255)), rng.randint(40, 110))
        if rng.random() < 0.5:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
        else:
            draw.rectangle((x - radius, y - radius // 2, x + radius, y + radius // 2), fill=fill)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")

    margin_x, margin_y = width // 12, height // 8
    middle = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2, (start[2] + end[2]) // 2)
    _draw_caption(image, prompt, (margin_x, margin_y, width - margin_x, height - margin_y), middle)
    return image


def derive(
    source: Image.Image,
    prompt: str,
    width: int,
    height: int,
    *,
    seed: int,
    index: int = 0,
    strength: float = 0.5,
) -> Image.Image:
    """A copy of ``source`` cropped to ``width`` x ``height``, tinted, with the prompt as a caption band."""
    rng = rng_for(prompt, seed, index)
    tint = _colour(rng, (0, 255))
    base = ImageOps.fit(
        ImageOps.exif_transpose(source).convert("RGB"), (width, height), Image.Resampling.LANCZOS
    )
    image = Image.blend(base, Image.new("RGB", (width, height), tint), alpha=0.6 * strength)

    band_height = max(12, height // 6)
    band = Image.new("RGBA", (width, band_height), (0, 0, 0, 150))
    image.paste(band, (0, height - band_height), band)
    _draw_caption(image, prompt, (0, height - band_height, width, height), (0, 0, 0))
    return image


def decode(data: bytes) -> Image.Image:
    """Open image bytes fully (raises ``PIL.UnidentifiedImageError``/``OSError`` when they are not an image)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def encode(image: Image.Image, output_format: str) -> bytes:
    """Encode without metadata (no EXIF, ICC profile or text chunks), so equal pixels give equal bytes."""
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    buffer = io.BytesIO()
    clean.save(buffer, **_SAVE_OPTIONS[output_format])  # type: ignore[arg-type]
    return buffer.getvalue()
