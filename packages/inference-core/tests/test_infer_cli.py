from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable


SIZED = """
from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset, hookimpl
from inference_core import ProviderError

class Sized(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="sized_image", name="Sized", description="records its inputs",
        input_schema={
            "prompt": {"type": "string", "required": True},
            "width": {"type": "integer", "default": 8, "minimum": 1},
            "height": {"type": "integer", "default": 8, "minimum": 1},
            "images": {"type": "array", "items": {"type": "file"}, "default": []},
        },
    )

    def generate(self, **inputs):
        if inputs["prompt"] == "fail":
            raise ProviderError("sized_image: the provider is down", provider="test", status_code=503)
        meta = {"width": inputs["width"], "images": [str(i) for i in inputs["images"]]}
        return GenerationResult(assets=[MediaAsset(data=b"\\x89PNG\\r\\n\\x1a\\nxx", mime_type="image/png")],
                                metadata=meta, usage={"cost": 0.01, "predict_time": 2})

@hookimpl
def register_generators():
    return [Sized]
"""


@pytest.fixture
def infer(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    site = make_distribution("gen-sized-image", "gen_sized", SIZED)
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, "PYTHONPATH": str(site), **env}
        return subprocess.run(
            [sys.executable, "-m", "inference_core", *args],
            capture_output=True,
            text=True,
            env=environ,
            timeout=60,
        )

    return run


def test_list_json(infer: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    done = infer("list", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["id"]: r for r in json.loads(done.stdout)}
    assert rows["sized_image"]["distribution"] == "gen-sized-image"
    assert rows["sized_image"]["modality"] == "image"
    audio = json.loads(infer("list", "--modality", "audio", "--json").stdout)
    assert all(r["modality"] == "audio" for r in audio)
    assert infer("list", "--modality", "smell").returncode == 2


def test_generate_saves_and_prints_paths(
    infer: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    picture = tmp_path / "in.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    done = infer(
        "generate",
        "sized_image",
        "-p",
        "prompt=a fox",
        "-p",
        "width=640",
        "--input",
        str(picture),
        "--out",
        str(tmp_path / "out"),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    (saved,) = report["files"]
    assert Path(saved).read_bytes().startswith(b"\x89PNG")
    assert report["metadata"] == {"width": 640, "images": [str(picture)]}
    assert report["usage"] == {"seconds": 2.0, "cost_usd": 0.01}  # a 0.1 dict, typed
    plain = infer("generate", "sized_image", "-p", "prompt=x", "--out", str(tmp_path / "o2"))
    assert plain.stdout.strip().endswith(".png")


def test_misspelled_field_exits_2_with_a_hint(
    infer: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = infer("generate", "sized_image", "-p", "widht=5", "-p", "height=tall", "--out", str(out))
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "widht: unknown field (did you mean 'width'?)" in line
    assert "prompt: required field missing" in line
    assert "height: must be an integer" in line
    assert not out.exists()


def test_provider_failure_exits_1(
    infer: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    done = infer("generate", "sized_image", "-p", "prompt=fail", "--out", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip() == "error: sized_image: the provider is down"


def test_unknown_generator_and_bad_param_syntax(
    infer: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    done = infer("generate", "sized_imag", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "did you mean 'sized_image'" in done.stderr
    assert infer("generate", "sized_image", "-p", "novalue", "--out", str(tmp_path)).returncode == 2
    assert infer("generate", "sized_image").returncode == 2


def test_info_shows_schemas(infer: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    info = json.loads(infer("info", "sized_image", "--json").stdout)
    assert info["input_schema"]["required"] == ["prompt"]
    text = infer("info", "sized_image")
    assert text.returncode == 0 and "width" in text.stdout


def test_plugins_lists_load_errors_and_strict_mode_fails(
    infer: Callable[..., subprocess.CompletedProcess[str]], make_distribution: Callable[..., Path]
) -> None:
    make_distribution("gen-broken-image", "gen_broken", "raise ImportError('missing SDK')\n")
    done = infer("plugins", "--json")
    assert done.returncode == 0, done.stderr
    entries = {e["distribution"]: e for e in json.loads(done.stdout)}
    assert entries["gen-broken-image"]["error"] == "ImportError: missing SDK"
    assert entries["gen-sized-image"]["generators"] == ["sized_image"]
    table = infer("plugins")
    assert "gen-broken-image" in table.stdout
    strict = infer("plugins", INFERENCE_CORE_STRICT_PLUGINS="1")
    assert strict.returncode == 2
    assert "gen-broken-image" in strict.stderr and "Traceback" not in strict.stderr
    # the other generators still generate
    assert infer("list", "--json").returncode == 0
