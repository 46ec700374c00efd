from __future__ import annotations

import math
import struct
import tempfile
import wave

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def scratch_in_tmp_path(tmp_path, monkeypatch):
    """The generator writes its MP4s under the temp dir: keep them inside the test's tmp_path."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    return scratch


@pytest.fixture
def narration(tmp_path):
    """A 2.5 s mono 22.05 kHz WAV (a 440 Hz tone)."""
    path = tmp_path / "narration.wav"
    rate = 22_050
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(int(rate * 2.5))
            )
        )
    return path


@pytest.fixture
def stills(tmp_path):
    """Two PNG files of different colours and aspect ratios."""
    paths = []
    for name, size, colour in (
        ("red.png", (400, 300), (220, 30, 30)),
        ("blue.png", (300, 500), (30, 30, 220)),
    ):
        path = tmp_path / name
        Image.new("RGB", size, colour).save(path)
        paths.append(path)
    return paths
