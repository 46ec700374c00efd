"""Frame sources: each yields exactly ``count`` PIL images of the output size, one at a time.

- :func:`text_frames`: procedural motion (a drifting gradient, orbiting shapes,
  a progress bar) with the prompt as a caption.
- :func:`ken_burns_frames`: pan-and-zoom across still images, cross-fading between them.
- :func:`filtered_frames`: the frames of input videos, resampled to the output
  rate and size, through a visible filter.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import TYPE_CHECKING

import av
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from gen_mock_video._encode import MediaSource

ZOOM = 1.2  # Ken Burns: how far each still is zoomed in (or out) over its segment


def _rng(prompt: str, seed: int) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _colour(rng: random.Random, low: int = 30, high: int = 225) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def _wrap(
    text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int
) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if face.getlength(candidate) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    return [*lines, current] if current else lines


def caption(text: str, width: int, height: int) -> Image.Image:
    """An RGBA band (``width`` wide, about a fifth of ``height``) with ``text`` on a translucent strip."""
    band_height = max(16, height // 5)
    size = max(8, band_height // 3)
    while True:
        face = ImageFont.load_default(size=size)
        lines = _wrap(text, face, int(width * 0.92))
        if (
            len(lines) <= 2 and all(face.getlength(line) <= width * 0.92 for line in lines)
        ) or size <= 8:
            break
        size = max(8, int(size * 0.85))
    if len(lines) > 2:
        lines = [lines[0], lines[1] + "..."]
    band = Image.new("RGBA", (width, band_height), (0, 0, 0, 140))
    ImageDraw.Draw(band).multiline_text(
        (width / 2, band_height / 2),
        "\n".join(lines),
        font=face,
        fill=(255, 255, 255, 255),
        anchor="mm",
        align="center",
        stroke_width=max(1, size // 16),
        stroke_fill=(0, 0, 0, 255),
    )
    return band


def _overlay(frame: Image.Image, band: Image.Image | None) -> Image.Image:
    if band is not None:
        frame.paste(band, (0, frame.height - band.height), band)
    return frame


def text_frames(
    prompt: str, width: int, height: int, count: int, fps: int, *, seed: int
) -> Iterator[Image.Image]:
    """Procedural motion with ``prompt`` as a caption."""
    rng = _rng(prompt, seed)
    start, end = _colour(rng), _colour(rng)
    # A horizontally periodic gradient (start -> end -> start) three widths long: sliding a
    # window across it loops seamlessly without redrawing the background.
    ramp = Image.linear_gradient("L").rotate(90).resize((width, height))
    half = Image.composite(
        Image.new("RGB", (width, height), start), Image.new("RGB", (width, height), end), ramp
    )
    strip = Image.new("RGB", (3 * width, height))
    for i, tile in enumerate((half, ImageOps.mirror(half), half)):
        strip.paste(tile, (i * width, 0))
    shapes = [
        (
            _colour(rng, 0, 255),
            rng.uniform(0.04, 0.12) * min(width, height),
            rng.uniform(0.2, 0.8),
            rng.uniform(0.2, 0.8),
            rng.uniform(0.1, 0.35),
            rng.uniform(0.1, 0.35),
            rng.uniform(0.1, 0.5),
            rng.uniform(0, 2 * math.pi),
        )
        for _ in range(rng.randint(3, 6))
    ]
    band = caption(prompt, width, height)
    clock = ImageFont.load_default(size=max(8, height // 24))
    seconds_per_loop = 8.0
    for index in range(count):
        t = index / fps
        offset = int((t / seconds_per_loop) % 1.0 * 2 * width)
        frame = strip.crop((offset, 0, offset + width, height))
        draw = ImageDraw.Draw(frame)
        for colour, radius, cx, cy, ax, ay, speed, phase in shapes:
            angle = 2 * math.pi * speed * t + phase
            x = (cx + ax * math.sin(angle)) * width
            y = (cy + ay * math.sin(2 * angle)) * height
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        bar = max(2, height // 90)
        draw.rectangle((0, 0, int(width * (index + 1) / count), bar), fill=(255, 255, 255))
        draw.text((bar * 3, bar * 3), f"{t:05.2f}s  #{index + 1}", font=clock, fill=(255, 255, 255))
        yield _overlay(frame, band)


def _prepare_still(image: Image.Image, width: int, height: int) -> Image.Image:
    """Crop to the output aspect ratio at ZOOM times the output size, so zooming never upsamples much."""
    still = ImageOps.exif_transpose(image).convert("RGB")
    return ImageOps.fit(
        still, (round(width * ZOOM), round(height * ZOOM)), Image.Resampling.LANCZOS
    )


def _ken_burns(
    still: Image.Image,
    progress: float,
    width: int,
    height: int,
    motion: tuple[bool, float, float, float, float],
) -> Image.Image:
    zoom_in, x0, y0, x1, y1 = motion
    ease = 0.5 - 0.5 * math.cos(math.pi * min(max(progress, 0.0), 1.0))
    zoom = 1.0 + (ZOOM - 1.0) * (ease if zoom_in else 1.0 - ease)
    box_w, box_h = still.width / zoom, still.height / zoom
    left = (still.width - box_w) * (x0 + (x1 - x0) * ease)
    top = (still.height - box_h) * (y0 + (y1 - y0) * ease)
    return still.resize(
        (width, height), Image.Resampling.BILINEAR, box=(left, top, left + box_w, top + box_h)
    )


def ken_burns_frames(
    images: Sequence[Image.Image],
    width: int,
    height: int,
    count: int,
    fps: int,
    *,
    prompt: str = "",
    seed: int = 0,
) -> Iterator[Image.Image]:
    """Pan and zoom across ``images`` in turn, each for an equal share, cross-fading at the cuts."""
    rng = _rng(prompt, seed)
    stills = [_prepare_still(image, width, height) for image in images]
    motions = [
        (i % 2 == 0, rng.random(), rng.random(), rng.random(), rng.random())
        for i in range(len(stills))
    ]
    duration = count / fps
    segment = duration / len(stills)
    fade = min(0.75, segment / 3)
    band = caption(prompt, width, height) if prompt else None

    def shot(k: int, t: float) -> Image.Image:
        # Each shot runs from half a fade before its segment to half a fade after it.
        progress = (t - (k * segment - fade / 2)) / (segment + fade)
        return _ken_burns(stills[k], progress, width, height, motions[k])

    for index in range(count):
        t = (index + 0.5) / fps
        k = min(int(t / segment), len(stills) - 1)
        frame = shot(k, t)
        boundary = (k + 1) * segment
        if k + 1 < len(stills) and t > boundary - fade / 2:
            frame = Image.blend(frame, shot(k + 1, t), (t - (boundary - fade / 2)) / fade)
        elif k > 0 and t < k * segment + fade / 2:
            frame = Image.blend(shot(k - 1, t), frame, (t - (k * segment - fade / 2)) / fade)
        yield _overlay(frame, band)


def _sepia(image: Image.Image) -> Image.Image:
    return ImageOps.colorize(
        ImageOps.grayscale(image), black=(40, 26, 13), white=(255, 240, 200), mid=(160, 120, 70)
    )


FILTERS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "sepia": _sepia,
    "invert": ImageOps.invert,
    "grayscale": lambda image: ImageOps.grayscale(image).convert("RGB"),
    "posterize": lambda image: ImageOps.posterize(image, 2),
    "edges": lambda image: ImageOps.autocontrast(image.filter(ImageFilter.FIND_EDGES)),
}


def _decoded(sources: Sequence[MediaSource]) -> Iterator[tuple[float, av.VideoFrame]]:
    """(time, frame) of the input videos one after another, looping forever; time counts on across loops."""
    offset = 0.0
    while True:
        start = offset
        for source in sources:
            if not isinstance(source, str):
                source.seek(0)
            with av.open(source, "r") as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                rate = float(stream.average_rate or stream.guessed_rate or 25)
                frames = 0
                for frames, frame in enumerate(container.decode(stream), start=1):
                    yield offset + (frames - 1) / rate, frame
                offset += frames / rate
        if offset == start:
            raise ValueError("the input videos hold no frames")


def filtered_frames(
    sources: Sequence[MediaSource],
    width: int,
    height: int,
    count: int,
    fps: int,
    *,
    effect: str,
    prompt: str = "",
) -> Iterator[Image.Image]:
    """The input videos played in turn (looping if the output is longer), through ``effect``.

    Frames are picked by time, so the input's frame rate need not match ``fps``.
    """
    apply = FILTERS[effect]
    band = caption(prompt, width, height) if prompt else None
    decoded = _decoded(sources)
    current = next(decoded)[1]
    upcoming = next(decoded)
    for index in range(count):
        t = index / fps
        while upcoming[0] <= t + 1e-9:
            current = upcoming[1]
            upcoming = next(decoded)
        picture = current.to_image()  # type: ignore[no-untyped-call]
        image = ImageOps.fit(picture, (width, height), Image.Resampling.BILINEAR)
        yield _overlay(apply(image), band)


def video_duration(source: MediaSource) -> float:
    """Seconds of video in ``source`` (frame count over frame rate when the header does not say)."""
    if not isinstance(source, str):
        source.seek(0)
    with av.open(source, "r") as container:
        if not container.streams.video:
            raise ValueError("it holds no video stream")
        stream = container.streams.video[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / av.time_base
        rate = float(stream.average_rate or 25)
        frames = 0
        for _ in container.decode(stream):
            frames += 1
        return frames / rate
