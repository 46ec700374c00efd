from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import pytest

from inference_core import InputValidationError
from inference_llm.multimodal import ImageUtils, InputUtils, MultimodalUtils

if TYPE_CHECKING:
    from pathlib import Path

Image = pytest.importorskip("PIL.Image")


def _image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def png_file(tmp_path: Path) -> Path:
    path = tmp_path / "red.png"
    path.write_bytes(_image_bytes())
    return path


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_encode_uses_the_mime_type_of_the_content(tmp_path: Path, fmt: str, mime: str) -> None:
    path = tmp_path / "misnamed.bin"
    path.write_bytes(_image_bytes(fmt))
    url = ImageUtils.encode_image_to_base64(path)
    assert url.startswith(f"data:{mime};base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == path.read_bytes()
    assert ImageUtils.encode_image_to_base64(str(path), data_url=False) == url.split(",", 1)[1]


def test_encode_accepts_bytes_and_pil_images() -> None:
    assert ImageUtils.encode_image_to_base64(_image_bytes("JPEG")).startswith(
        "data:image/jpeg;base64,"
    )
    assert ImageUtils.encode_image_to_base64(Image.new("RGB", (4, 4))).startswith(
        "data:image/png;base64,"
    )


def test_bad_inputs_raise_clear_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("hello, not an image")
    with pytest.raises(InputValidationError, match="file not found: .*missing.png"):
        ImageUtils.encode_image_to_base64(tmp_path / "missing.png")
    with pytest.raises(InputValidationError, match="not an image file"):
        ImageUtils.encode_image_to_base64(text)
    with pytest.raises(InputValidationError, match="is a directory"):
        ImageUtils.encode_image_to_base64(tmp_path)
    with pytest.raises(InputValidationError, match="malformed data URL"):
        ImageUtils.decode_base64_to_image("data:image/png;base64")
    with pytest.raises(InputValidationError, match="not base64-encoded"):
        ImageUtils.decode_base64_to_image("data:image/png,rawdata")
    with pytest.raises(InputValidationError, match="invalid base64"):
        ImageUtils.decode_base64_to_image("data:image/png;base64,@@@")
    with pytest.raises(InputValidationError, match="not an image"):
        ImageUtils.decode_base64_to_image(base64.b64encode(b"plain text").decode())
    with pytest.raises(InputValidationError, match="is a URL"):
        ImageUtils.get_image_info("https://example.com/cat.png")


def test_decode_save_and_info(tmp_path: Path, png_file: Path) -> None:
    url = ImageUtils.encode_image_to_base64(png_file)
    image = ImageUtils.decode_base64_to_image(url)
    assert image.size == (40, 20)

    saved = ImageUtils.save_base64_image(url, tmp_path / "out" / "copy.png")
    assert saved.read_bytes() == png_file.read_bytes()
    into_dir = ImageUtils.save_base64_image(url.split(",", 1)[1], tmp_path / "out")
    assert into_dir.name == "image.png"

    info = ImageUtils.get_image_info(png_file)
    assert info == {
        "width": 40,
        "height": 20,
        "format": "PNG",
        "mime_type": "image/png",
        "mode": "RGB",
        "size_bytes": png_file.stat().st_size,
    }


def test_resize_keeps_aspect_and_never_upscales(png_file: Path) -> None:
    assert ImageUtils.resize_image(png_file, 10).size == (10, 5)
    assert ImageUtils.resize_image(png_file, (100, 5)).size == (10, 5)
    assert ImageUtils.resize_image(png_file, 1000).size == (40, 20)
    with pytest.raises(InputValidationError, match="max_size"):
        ImageUtils.resize_image(png_file, 0)


def test_create_message_and_extract(png_file: Path) -> None:
    message = InputUtils.create_multimodal_message(
        "What is this?", images=[png_file, "https://example.com/cat.jpg"], detail="low"
    )
    assert message["role"] == "user"
    assert message["content"][0] == {"type": "text", "text": "What is this?"}
    assert message["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert message["content"][1]["image_url"]["detail"] == "low"
    assert message["content"][2]["image_url"]["url"] == "https://example.com/cat.jpg"
    assert InputUtils.extract_text_from_message(message) == "What is this?"
    assert len(InputUtils.extract_images_from_message(message)) == 2
    assert InputUtils.extract_text_from_message({"role": "user", "content": "plain"}) == "plain"
    InputUtils.validate_multimodal_message(message)
    assert MultimodalUtils is InputUtils
    with pytest.raises(InputValidationError, match="needs text or at least one image"):
        InputUtils.create_multimodal_message()


def test_prepare_content_normalises_items(png_file: Path) -> None:
    parts = InputUtils.prepare_multimodal_content(
        ["Describe", str(png_file), _image_bytes("JPEG"), {"type": "text", "text": "done"}]
    )
    assert [p["type"] for p in parts] == ["text", "image_url", "image_url", "text"]
    assert parts[2]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert InputUtils.prepare_multimodal_content("just text") == [
        {"type": "text", "text": "just text"}
    ]


def test_validate_reports_every_problem_at_once() -> None:
    bad_png = "data:image/png;base64," + base64.b64encode(b"not an image").decode()
    jpeg_as_png = "data:image/png;base64," + base64.b64encode(_image_bytes("JPEG")).decode()
    message = {
        "role": "wizard",
        "content": [
            {"type": "text", "text": 3},
            {"type": "image_url", "image_url": {"url": bad_png}},
            {"type": "image_url", "image_url": {"url": "ftp://x/y.png"}},
            {"type": "image_url", "image_url": {"url": jpeg_as_png}},
            "loose string",
        ],
    }
    with pytest.raises(InputValidationError) as info:
        InputUtils.validate_multimodal_message(message)
    assert info.value.fields == [
        "role",
        "content[0].text",
        "content[1].image_url.url",
        "content[2].image_url.url",
        "content[3].image_url.url",
        "content[4]",
    ]
    assert "declared image/png but holds image/jpeg" in str(info.value)


def test_count_tokens_includes_images(png_file: Path) -> None:
    text_only = InputUtils.count_tokens_multimodal([{"role": "user", "content": "x" * 40}])
    assert text_only == 4 + 10
    low = InputUtils.create_multimodal_message("x" * 40, [png_file], detail="low")
    assert InputUtils.count_tokens_multimodal(low) == text_only + 85
    high = InputUtils.create_multimodal_message("x" * 40, [png_file])
    assert InputUtils.count_tokens_multimodal([high]) == text_only + 85 + 170  # one 512px tile
    remote = InputUtils.create_multimodal_message(None, ["https://example.com/a.png"])
    assert (
        InputUtils.count_tokens_multimodal(remote) == 4 + 85 + 170 * 4
    )  # 1024x1024 -> 768x768: 4 tiles


def test_plain_functions_beside_the_seed_classes(png_file: Path) -> None:
    from inference_llm import multimodal

    url = multimodal.encode_image_to_base64(png_file)
    assert url == ImageUtils.encode_image_to_base64(png_file)
    message = multimodal.create_multimodal_message("What is this?", images=[url])
    multimodal.validate_multimodal_message(message)
    assert multimodal.extract_images_from_message(message) == [url]
    assert multimodal.get_image_info(url) == ImageUtils.get_image_info(url)
    for name in multimodal.__all__:
        assert callable(getattr(multimodal, name))
