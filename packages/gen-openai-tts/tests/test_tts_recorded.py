"""Every response recorded from the real OpenAI speech API, replayed to the generator over loopback HTTP.

The loopback server answers ``POST /v1/audio/speech`` with the recorded
audio, status and headers (chunked as recorded: no ``Content-Length``),
through the real openai SDK (2.x or 3.x, whichever the session installed).
The generator is given the inputs of the recorded request and must send that
very request (plus ``speed``, which the API takes for every model). The
tests check what a user gets: the file holds the recorded bytes (a WAV with
its streamed placeholder sizes made true), its type, rate and duration.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import subprocess
import sys
import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from openai_speech_app import KEY

from gen_openai_tts import OpenAITTSGenerator
from inference_core import AuthenticationError
from inference_core.provider import NO_RETRY
from inference_core.testing import LoopbackServer, Recording, Replay

if TYPE_CHECKING:
    from collections.abc import Iterator

RECORDED = pathlib.Path(__file__).parent / "recorded"
SPEECH = Recording.load_all(RECORDED / "tts")
ERRORS = Recording.load_all(RECORDED / "openai")
ENDPOINT = "/v1/audio/speech"


@dataclass(frozen=True)
class Audio:
    mime_type: str
    suffix: str
    magic: bytes
    duration_s: float | None = None


EXPECTED = {
    "aac": Audio("audio/aac", ".aac", b"\xff\xf1"),
    "flac": Audio("audio/flac", ".flac", b"fLaC"),
    "mp3": Audio("audio/mpeg", ".mp3", b"\xff\xf3"),
    "opus": Audio("audio/ogg", ".opus", b"OggS"),
    "pcm": Audio("audio/pcm", ".pcm", b"", duration_s=74400 / 48000),
    "wav": Audio("audio/wav", ".wav", b"RIFF", duration_s=(91244 - 44) / 48000),
}


@pytest.fixture
def replay(request: pytest.FixtureRequest) -> Iterator[tuple[Recording, LoopbackServer]]:
    recording = SPEECH.get(request.param) or ERRORS[request.param]
    with LoopbackServer(Replay().route("POST", ENDPOINT, recording)) as server:
        yield recording, server


def generator(
    server: LoopbackServer, out_dir: pathlib.Path, api_key: str = KEY
) -> OpenAITTSGenerator:
    return OpenAITTSGenerator(
        api_key=api_key, base_url=f"{server.url}/v1", retry_policy=NO_RETRY, output_dir=out_dir
    )


def inputs_of(recording: Recording) -> dict[str, object]:
    """The generator's inputs for the recorded request (``input`` is our ``text``)."""
    request = dict(recording.request)
    return {"text": request.pop("input"), **request}


def test_every_recorded_response_has_an_expectation() -> None:
    assert set(SPEECH) == set(EXPECTED)
    assert all(r.chunked and r.status == 200 for r in SPEECH.values())
    assert set(ERRORS) == {"401_invalid_api_key"}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("replay", sorted(EXPECTED), indirect=True)
def test_recorded_audio_is_saved_as_recorded(
    replay: tuple[Recording, LoopbackServer], mode: str, tmp_path: pathlib.Path
) -> None:
    recording, server = replay
    fmt = recording.request["response_format"]
    expected = EXPECTED[fmt]
    gen = generator(server, tmp_path / "audio")
    if mode == "sync":
        result = gen.generate(**inputs_of(recording))
    else:
        result = asyncio.run(gen.agenerate(**inputs_of(recording)))

    assert server.requests[0].json() == {**recording.request, "speed": 1.0}
    assert len(server.requests) == 1
    (asset,) = result.assets
    saved = asset.save(tmp_path / "out" / f"speech{expected.suffix}")
    data = saved.read_bytes()
    assert (asset.mime_type, saved.suffix) == (expected.mime_type, expected.suffix)
    assert data.startswith(expected.magic)
    if fmt == "wav":
        # streamed with 0xFFFFFFFF sizes; saved with true ones, the audio untouched
        assert recording.body[4:8] == recording.body[40:44] == b"\xff\xff\xff\xff"
        assert (data[:4], data[8:40], data[44:]) == (
            recording.body[:4], recording.body[8:40], recording.body[44:]
        )  # fmt: skip
        with wave.open(str(saved)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
            assert w.getnframes() == (len(data) - 44) // 2
    else:
        assert data == recording.body
    if expected.duration_s is not None:
        assert asset.sample_rate == 24000
        assert asset.duration_s == pytest.approx(expected.duration_s)
    assert result.metadata["response_format"] == fmt
    assert result.usage.characters == len("Hello, world!")


def test_recorded_pcm_wrapped_is_a_wav_of_the_recorded_samples(tmp_path: pathlib.Path) -> None:
    recording = SPEECH["pcm"]
    with LoopbackServer(Replay().route("POST", ENDPOINT, recording)) as server:
        result = generator(server, tmp_path / "audio").generate(
            **inputs_of(recording), wrap_pcm=True
        )

    saved = result.save(tmp_path / "out")[0]
    with wave.open(str(saved)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        assert w.readframes(w.getnframes()) == recording.body
    assert result.assets[0].duration_s == pytest.approx(1.55)
    assert server.requests[0].json()["response_format"] == "pcm"


@pytest.mark.parametrize("replay", ["401_invalid_api_key"], indirect=True)
def test_recorded_401_is_one_line_naming_the_variable(
    replay: tuple[Recording, LoopbackServer], tmp_path: pathlib.Path
) -> None:
    _, server = replay
    out_dir = tmp_path / "audio"
    with pytest.raises(AuthenticationError) as info:
        generator(server, out_dir, api_key="fake_key").generate(text="Hello, world!")

    message = str(info.value)
    assert message.startswith("openai_tts_generator: OpenAI answered HTTP 401: ")
    assert "Incorrect API key provided: ***." in message and "OPENAI_API_KEY" in message
    assert "fake_key" not in message and "\n" not in message
    assert (info.value.status_code, info.value.retryable) == (401, False)
    assert len(server.requests) == 1
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def infer(
    server: LoopbackServer, cwd: pathlib.Path, *params: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update({"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": KEY, "TMPDIR": str(cwd)})
    args = [arg for param in params for arg in ("-p", param)]
    return subprocess.run(
        [sys.executable, "-m", "inference_core", "generate", "openai_tts_generator", *args,
         "--out", str(cwd / "out")],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )  # fmt: skip


def test_cli_saves_the_recorded_mp3(tmp_path: pathlib.Path) -> None:
    recording = SPEECH["mp3"]
    with LoopbackServer(Replay().route("POST", ENDPOINT, recording)) as server:
        done = infer(server, tmp_path, "text=Hello, world!", "response_format=mp3")

    assert done.returncode == 0, done.stderr
    (saved,) = (tmp_path / "out").iterdir()
    assert saved.suffix == ".mp3" and saved.read_bytes() == recording.body
    assert len(server.requests) == 1


@pytest.mark.parametrize("model", ["tts-1", "tts-1-hd"])
def test_cli_refuses_instructions_for_tts_1_before_sending(
    tmp_path: pathlib.Path, model: str
) -> None:
    with LoopbackServer(Replay().route("POST", ENDPOINT, SPEECH["mp3"])) as server:
        done = infer(server, tmp_path, "text=Hi", f"model={model}", "instructions=Whisper.")

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "openai_tts_generator" in line and "instructions" in line and model in line
    assert "use gpt-4o-mini-tts" in line
    assert server.requests == []
