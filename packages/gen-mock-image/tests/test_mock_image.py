from __future__ import annotations

import base64
import io
import subprocess
import sys

import pytest
from PIL import Image

from inference_core import InputValidationError, get_image_generator_registry

GEN = "mock_image_generator"


def generate(**inputs):
    return get_image_generator_registry().generate(GEN, **inputs)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_of_the_asked_size() -> None:
    result = generate(prompt="a red fox", width=640, height=360)
    (asset,) = result.assets
    assert asset.mime_type == "image/png"
    assert (asset.width, asset.height) == (640, 360)
    image = decode(asset.read_bytes())
    assert image.format == "PNG"
    assert image.size == (640, 360)


def test_same_call_twice_gives_identical_bytes() -> None:
    first = generate(prompt="a red fox", width=320, height=200, seed=7, n=2)
    second = generate(prompt="a red fox", width=320, height=200, seed=7, n=2)
    assert [a.read_bytes() for a in first.assets] == [a.read_bytes() for a in second.assets]


def test_prompt_seed_and_index_change_the_image() -> None:
    base = generate(prompt="a red fox", width=64, height=64, n=2)
    other_seed = generate(prompt="a red fox", width=64, height=64, seed=1)
    other_prompt = generate(prompt="a blue fox", width=64, height=64)
    digests = {a.sha256 for r in (base, other_seed, other_prompt) for a in r.assets}
    assert len(digests) == 4


def test_png_carries_no_metadata() -> None:
    image = decode(generate(prompt="a red fox", width=64, height=64).assets[0].read_bytes())
    assert not {k for k in image.info if k not in {"dpi"}}


@pytest.mark.parametrize(
    ("fmt", "mime", "pil_format"), [("jpeg", "image/jpeg", "JPEG"), ("webp", "image/webp", "WEBP")]
)
def test_jpeg_and_webp_decode(fmt: str, mime: str, pil_format: str) -> None:
    (asset,) = generate(prompt="a red fox", width=200, height=100, output_format=fmt).assets
    assert asset.mime_type == mime
    image = decode(asset.read_bytes())
    assert (image.format, image.size) == (pil_format, (200, 100))
    assert (
        generate(prompt="a red fox", width=200, height=100, output_format=fmt)
        .assets[0]
        .read_bytes()
        == asset.read_bytes()
    )


@pytest.mark.parametrize(
    ("inputs", "size"),
    [
        ({}, (1024, 1024)),
        ({"aspect_ratio": "16:9"}, (1024, 576)),
        ({"aspect_ratio": "9:16"}, (576, 1024)),
        ({"aspect_ratio": "4:3", "width": 640}, (640, 480)),
        ({"aspect_ratio": "3:2", "height": 200}, (300, 200)),
        ({"width": 300}, (300, 300)),
        ({"size": "512x256"}, (512, 256)),
        ({"size": "512x256", "width": 512, "height": 256}, (512, 256)),
    ],
)
def test_size_from_width_height_size_or_aspect_ratio(
    inputs: dict[str, object], size: tuple[int, int]
) -> None:
    result = generate(prompt="x", **inputs)
    assert decode(result.assets[0].read_bytes()).size == size
    assert (result.parameters["width"], result.parameters["height"]) == size


def test_resolved_parameters_validate_again() -> None:
    result = generate(prompt="x", aspect_ratio="16:9", width=320)
    again = generate(**result.parameters)
    assert again.assets[0].read_bytes() == result.assets[0].read_bytes()


def test_n_images() -> None:
    result = generate(prompt="four", width=32, height=32, n=4)
    assert len(result.assets) == 4
    assert len({a.sha256 for a in result.assets}) == 4


@pytest.fixture
def photo_png(tmp_path):
    image = Image.new("RGB", (300, 200), (0, 128, 255))
    image.paste((255, 255, 0), (0, 0, 150, 100))
    path = tmp_path / "photo.png"
    image.save(path)
    return path


def test_image_to_image_from_path_bytes_and_data_url(photo_png) -> None:
    data = photo_png.read_bytes()
    data_url = "data:image/png;base64," + base64.b64encode(data).decode()
    outputs = [
        generate(prompt="tinted", images=[source], width=120, height=160).assets[0].read_bytes()
        for source in (str(photo_png), photo_png, data, data_url)
    ]
    assert len(set(outputs)) == 1
    result_image = decode(outputs[0])
    assert result_image.size == (120, 160)
    assert (
        generate(prompt="tinted", images=[data], width=120, height=160).metadata["mode"]
        == "image-to-image"
    )
    # derived from the input: the top-left stays yellowish, the right side bluish
    red, _, blue = result_image.convert("RGB").getpixel((2, 2))
    assert red > blue
    red, _, blue = result_image.convert("RGB").getpixel((118, 100))
    assert blue > red


def test_image_to_image_differs_from_text_to_image(photo_png) -> None:
    plain = generate(prompt="p", width=64, height=64).assets[0].sha256
    derived = generate(prompt="p", width=64, height=64, images=[str(photo_png)]).assets[0].sha256
    assert plain != derived


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"n": 5}, "n"),
        ({"output_format": "gif"}, "output_format"),
        ({"width": 8}, "width"),
        ({"aspect_ratio": "wide"}, "aspect_ratio"),
        ({"aspect_ratio": "16:9", "width": 100, "height": 100}, "aspect_ratio"),
        ({"size": "big"}, "size"),
        ({"size": "100x100", "width": 50}, "size"),
        ({"aspect_ratio": "100:1", "width": 200}, "height"),
        ({"images": ["/no/such/file.png"]}, "images[0]"),
        ({"images": [b"not an image"]}, "images[0]"),
    ],
)
def test_validation_errors_name_the_field(inputs: dict[str, object], field: str) -> None:
    with pytest.raises(InputValidationError) as info:
        generate(prompt="x", **inputs)
    assert field in info.value.fields


def test_unknown_field_is_rejected_with_a_hint() -> None:
    with pytest.raises(InputValidationError, match="widht"):
        generate(prompt="x", widht=10)


def infer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args], capture_output=True, text=True
    )


def test_cli_writes_the_same_png_twice(tmp_path) -> None:
    outputs = []
    for name in ("one", "two"):
        proc = infer(
            "generate",
            GEN,
            "-p",
            "prompt=a red fox",
            "-p",
            "width=640",
            "-p",
            "height=360",
            "--out",
            str(tmp_path / name),
        )
        assert proc.returncode == 0, proc.stderr
        (path,) = (tmp_path / name).iterdir()
        assert path.suffix == ".png"
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
    assert decode(outputs[0]).size == (640, 360)


def test_cli_validation_error_exits_2(tmp_path) -> None:
    proc = infer("generate", GEN, "-p", "prompt=x", "-p", "n=9", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "n" in proc.stderr + proc.stdout


def test_a_malformed_data_url_is_an_input_error_naming_the_field() -> None:
    with pytest.raises(InputValidationError) as info:
        generate(prompt="p", images=["data:image/png;base64,@@@"], width=64, height=64)
    assert info.value.fields == ["images[0]"]
    assert "malformed data URL: invalid base64" in str(info.value)
    assert "mock_image_generator" in str(info.value)
