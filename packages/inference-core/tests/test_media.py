"""The one media module: sniffing, dimensions from headers, data: URLs, and its one error."""

from __future__ import annotations

import base64
import contextlib
import io
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import InputValidationError, MediaError, load_file, sniff_mime
from inference_core.provider import (
    DataURL,
    MediaInfo,
    data_url,
    encode_wav,
    image_dimensions,
    media_info,
    parse_data_url,
)

if TYPE_CHECKING:
    from pathlib import Path


def image(fmt: str, size: tuple[int, int] = (33, 17)) -> bytes:
    Image = pytest.importorskip("PIL.Image", reason="needs Pillow (the testing extra)")

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("WEBP", "image/webp"),
        ("GIF", "image/gif"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_every_image_format_is_sniffed_and_measured(fmt: str, mime: str) -> None:
    data = image(fmt)
    assert sniff_mime(data[:16]) == mime
    info = media_info(data)
    assert info.mime_type == mime
    if fmt != "TIFF":  # TIFF keeps its size in an IFD anywhere in the file: not cheap
        assert (info.width, info.height) == (33, 17) == image_dimensions(data)


def test_text_is_no_media() -> None:
    assert sniff_mime(b"BM but just text here") is None
    assert media_info(b"hello world") == MediaInfo(None)
    assert image_dimensions(b"\x89PNG\r\n\x1a\n\x00\x00") is None


def test_wav_duration_and_rate_from_bytes_and_file(tmp_path: Path) -> None:
    data = encode_wav(b"\x00\x00" * 8000, sample_rate=16000)  # 0.5 s mono 16-bit
    assert media_info(data) == MediaInfo("audio/wav", duration_s=0.5, sample_rate=16000)
    path = tmp_path / "clip"
    path.write_bytes(data)
    assert media_info(path).duration_s == 0.5
    streamed = data[:40] + b"\xff\xff\xff\xff" + data[44:]  # a streamed WAV's unknown length
    assert media_info(streamed).duration_s == 0.5


@pytest.mark.parametrize("faststart", [False, True])
def test_mp4_size_and_duration_from_its_boxes(tmp_path: Path, faststart: bool) -> None:
    av = pytest.importorskip("av", reason="needs PyAV (the testing extra)")

    path = tmp_path / "clip.mp4"
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_image(_frame(i))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = media_info(path)
    assert (info.mime_type, info.width, info.height) == ("video/mp4", 64, 48)
    assert info.duration_s == pytest.approx(2.0, abs=0.15)
    assert media_info(path.read_bytes()) == info


def _frame(i: int) -> Any:
    Image = pytest.importorskip("PIL.Image", reason="needs Pillow (the testing extra)")

    return Image.new("RGB", (64, 48), (i * 10, 0, 0))


def test_a_truncated_mp4_gives_its_type_only() -> None:
    assert media_info(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41") == MediaInfo("video/mp4")


def test_data_urls_round_trip() -> None:
    png = image("PNG")
    url = data_url(png)
    assert url.startswith("data:image/png;base64,")
    assert parse_data_url(url) == DataURL("image/png", png)
    assert data_url(b"plain") == "data:application/octet-stream;base64,cGxhaW4="
    assert data_url(b"x", "text/plain") == "data:text/plain;base64,eA=="
    spaced = "data:image/png;base64," + "\n".join(
        base64.b64encode(png).decode()[i : i + 76] for i in range(0, 200, 76)
    )
    assert parse_data_url(spaced + base64.b64encode(png).decode()[228:]).data == png
    assert parse_data_url("data:,hello%20world") == DataURL(None, b"hello world", base64=False)
    assert parse_data_url("data:text/plain;charset=utf-8;base64,aGk=").mime_type == "text/plain"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "data:image/png;base64",
            "malformed data URL: no comma after the header 'image/png;base64'",
        ),
        ("data:image/png;base64,@@@", "malformed data URL: invalid base64"),
        ("data:png;base64,aGk=", "malformed data URL: 'png' is not a media type"),
        ("https://example.com/a.png", "not a data: URL (it starts 'https://example.'"),
    ],
)
def test_malformed_data_urls_raise_the_one_media_error(url: str, reason: str) -> None:
    with pytest.raises(MediaError) as info:
        parse_data_url(url, field="images[0]")
    assert info.value.reason.startswith(reason)
    assert str(info.value).startswith(f"invalid images[0]: {reason}")
    assert isinstance(info.value, InputValidationError) and info.value.fields == ["images[0]"]
    with pytest.raises(MediaError, match="invalid media: malformed"):
        load_file("data:image/png;base64,@@@")


def test_a_media_error_for_a_generator_reads_like_any_input_error() -> None:
    error = MediaError("malformed data URL: invalid base64", field="images", generator_id="g")
    assert str(error) == "invalid input for g: images: malformed data URL: invalid base64"
    assert error.generator_id == "g"


def test_cut_or_corrupted_headers_never_raise(tmp_path: Path) -> None:
    """Whatever the bytes, the header readers answer (perhaps with less), they never raise."""
    import random

    av = pytest.importorskip("av", reason="needs PyAV (the testing extra)")

    clip = tmp_path / "clip.mp4"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for packet in [*stream.encode(av.VideoFrame.from_image(_frame(1))), *stream.encode()]:
            container.mux(packet)
    samples = [image(fmt) for fmt in ("PNG", "JPEG", "WEBP", "GIF", "BMP")]
    samples += [encode_wav(b"\x01\x00" * 400, sample_rate=8000), clip.read_bytes()]
    rng = random.Random(7)
    for sample in samples:
        for cut in range(0, min(len(sample), 2048), 7):
            info = media_info(sample[:cut])
            assert info.mime_type in (None, sniff_mime(sample))
        for _ in range(200):
            data = bytearray(sample)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(min(len(data), 4096))] = rng.randrange(256)
            media_info(bytes(data))
            image_dimensions(bytes(data))
    for _ in range(300):
        junk = "data:" + "".join(rng.choice("ab;,=/+%0 \n") for _ in range(rng.randint(0, 30)))
        with contextlib.suppress(MediaError):
            parse_data_url(junk)
