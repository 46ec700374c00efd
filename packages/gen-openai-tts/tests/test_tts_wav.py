from __future__ import annotations

import struct
import wave
from typing import TYPE_CHECKING

import pytest
from openai_speech_app import pcm_samples, placeholder_wav_header

from gen_openai_tts._wav import parse_header, pcm_header, repair_file

if TYPE_CHECKING:
    from pathlib import Path


def test_placeholder_sizes_are_replaced_by_true_sizes(tmp_path: Path) -> None:
    samples = pcm_samples("hello there")
    path = tmp_path / "a.wav"
    path.write_bytes(placeholder_wav_header() + samples)

    layout = repair_file(path)

    raw = path.read_bytes()
    assert struct.unpack_from("<I", raw, 4)[0] == len(raw) - 8
    assert struct.unpack_from("<I", raw, layout.data_offset - 4)[0] == len(samples)
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        assert w.getnframes() == len(samples) // 2


def test_extra_chunks_before_data_are_walked(tmp_path: Path) -> None:
    header = placeholder_wav_header()
    fmt_end = 12 + 8 + 16
    list_chunk = b"LIST" + struct.pack("<I", 5) + b"INFOx\x00"  # odd size, padded
    path = tmp_path / "b.wav"
    path.write_bytes(header[:fmt_end] + list_chunk + header[fmt_end:] + b"\x01\x00" * 100)

    layout = repair_file(path)

    assert layout.data_offset == fmt_end + len(list_chunk) + 8
    with wave.open(str(path)) as w:
        assert w.getnframes() == 100


def test_trailing_partial_frame_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "c.wav"
    path.write_bytes(placeholder_wav_header() + b"\x01\x00" * 10 + b"\x07")

    repair_file(path)

    assert path.stat().st_size == 44 + 20


def test_pcm_header_makes_a_readable_wav(tmp_path: Path) -> None:
    samples = pcm_samples("x")
    path = tmp_path / "d.wav"
    path.write_bytes(pcm_header(data_len=len(samples)) + samples)
    with wave.open(str(path)) as w:
        assert w.getnframes() == len(samples) // 2
        assert w.readframes(3) == samples[:6]


@pytest.mark.parametrize("head", [b"", b"RIFF\x00\x00\x00\x00WAVX", b"ID3\x04" + b"\x00" * 60])
def test_not_a_wav_is_refused(head: bytes) -> None:
    with pytest.raises(ValueError, match="RIFF"):
        parse_header(head)


def test_missing_data_chunk_is_refused() -> None:
    with pytest.raises(ValueError, match="data chunk"):
        parse_header(placeholder_wav_header()[:36])
