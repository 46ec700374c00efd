from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING

import pytest

from inference_core import GenerationResult, MediaAsset, atomic_write, load_file, sniff_mime
from inference_core.errors import ConfigurationError, MediaError

if TYPE_CHECKING:
    from pathlib import Path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_seed_compatible_reading(tmp_path: Path) -> None:
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF....WAVE")
    result = GenerationResult(
        assets=[
            MediaAsset(data=PNG, mime_type="image/png"),
            MediaAsset(path=wav, mime_type="audio/wav"),
        ],
        metadata={"seed": 3},
    )
    assert result["images"] == [base64.b64encode(PNG).decode()]
    assert base64.b64decode(result["audio"]) == b"RIFF....WAVE"
    assert result["video"] is None
    assert result["metadata"] == {"seed": 3}
    assert "images" in result and result.get("nope", 1) == 1
    with pytest.raises(KeyError):
        result["nope"]


def test_save_names_files_and_writes_whole_files(tmp_path: Path) -> None:
    result = GenerationResult(
        assets=[
            MediaAsset(data=PNG, mime_type="image/png"),
            MediaAsset(data=b"ID3xx", mime_type="audio/mpeg"),
        ],
        generator_id="g",
    )
    paths = result.save(tmp_path / "out", stem="scene-001")
    assert [p.name for p in paths] == ["scene-001-1.png", "scene-001-2.mp3"]
    assert paths[0].read_bytes() == PNG
    default = result.save(tmp_path / "d")
    assert default[0].name == f"g-{result.assets[0].sha256[:12]}.png"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".part")]


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.bin"]


def test_asset_repr_hides_bytes_and_needs_content() -> None:
    assert repr(MediaAsset(data=PNG, mime_type="image/png", width=2, height=3)) == (
        "MediaAsset(image/png, 16 bytes, 2x3)"
    )
    with pytest.raises(ValueError):
        MediaAsset(mime_type="image/png")


def test_load_file_reads_paths_bytes_and_data_urls(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(PNG)
    assert load_file(path) == PNG
    assert load_file(str(path)) == PNG
    assert load_file(PNG) == PNG
    assert load_file("data:image/png;base64," + base64.b64encode(PNG).decode()) == PNG
    with pytest.raises(ConfigurationError, match="not found"):
        load_file(tmp_path / "missing.png")
    with pytest.raises(MediaError, match="invalid media: malformed data URL: invalid base64"):
        load_file("data:image/png;base64,@@@")


def test_sniff_mime() -> None:
    assert sniff_mime(PNG) == "image/png"
    assert sniff_mime(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff_mime(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "audio/wav"
    assert sniff_mime(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert sniff_mime(b"<html>") is None


def test_atomic_write_gives_the_usual_permissions(tmp_path: Path) -> None:
    with atomic_write(tmp_path / "f.bin") as handle:
        handle.write(b"x")
    mode = (tmp_path / "f.bin").stat().st_mode & 0o777
    umask = os.umask(0o022)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_scratch_dir_is_one_root_per_process() -> None:
    from inference_core import scratch_dir

    first, second = scratch_dir("gen_a"), scratch_dir("gen_b")
    assert first.is_dir() and second.is_dir()
    assert first.parent == second.parent
    assert first.parent.name.startswith("inference-core-")
