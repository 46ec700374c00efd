from __future__ import annotations

import asyncio
import struct
import wave

import pytest
from openai_speech_app import KEY, SpeechAPI, pcm_samples

from gen_openai_tts import OpenAITTSGenerator
from inference_core import InputValidationError, MissingAPIKeyError, ProviderError
from inference_core.testing import Fault, LoopbackServer


def riff_sizes(path):
    raw = path.read_bytes()
    return struct.unpack_from("<I", raw, 4)[0], struct.unpack_from("<I", raw, 40)[0], len(raw)


def test_wav_is_saved_with_true_sizes(tts, server, tmp_path):
    result = tts.generate(text="Hello from the loopback server.", voice="coral", speed=1.5)

    saved = result.save(tmp_path / "out")[0]
    riff, data, total = riff_sizes(saved)
    assert (riff, data) == (total - 8, total - 44)
    expected = pcm_samples("Hello from the loopback server.")
    with wave.open(str(saved)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24000, 1, 2)
        assert w.readframes(w.getnframes()) == expected
    asset = result.assets[0]
    assert (asset.mime_type, asset.sample_rate, saved.suffix) == ("audio/wav", 24000, ".wav")
    assert asset.duration_s == pytest.approx(len(expected) / 48000)
    assert result.usage.to_dict() == {"characters": 31}


def test_request_carries_every_field_and_the_key(tts, server):
    tts.generate(
        text="Hi", voice="sage", model="gpt-4o-mini-tts", instructions="Whisper.", speed=0.25
    )

    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/audio/speech")
    assert request.header("authorization") == f"Bearer {KEY}"
    assert request.json() == {
        "model": "gpt-4o-mini-tts",
        "voice": "sage",
        "input": "Hi",
        "instructions": "Whisper.",
        "response_format": "wav",
        "speed": 0.25,
    }


@pytest.mark.parametrize(
    ("fmt", "mime", "suffix", "magic"),
    [
        ("mp3", "audio/mpeg", ".mp3", b"ID3"),
        ("opus", "audio/ogg", ".ogg", b"OggS"),
        ("aac", "audio/aac", ".aac", b"\xff\xf1"),
        ("flac", "audio/flac", ".flac", b"fLaC"),
    ],
)
def test_compressed_formats(tts, tmp_path, fmt, mime, suffix, magic):
    result = tts.generate(text="Hi", response_format=fmt)

    saved = result.save(tmp_path)[0]
    assert (result.assets[0].mime_type, saved.suffix) == (mime, suffix)
    assert saved.read_bytes().startswith(magic)


def test_pcm_is_raw_unless_wrapped(tts, tmp_path):
    raw = tts.generate(text="Hi there", response_format="pcm").save(tmp_path / "raw")[0]
    wrapped_result = tts.generate(text="Hi there", response_format="pcm", wrap_pcm=True)
    wrapped = wrapped_result.save(tmp_path / "wrapped")[0]

    assert raw.suffix == ".pcm" and raw.read_bytes() == pcm_samples("Hi there")
    assert wrapped_result.assets[0].mime_type == "audio/wav"
    riff, data, total = riff_sizes(wrapped)
    assert (riff, data, total) == (total - 8, raw.stat().st_size, raw.stat().st_size + 44)
    with wave.open(str(wrapped)) as w:
        assert w.getframerate() == 24000 and w.readframes(w.getnframes()) == raw.read_bytes()


def test_instructions_are_refused_for_tts_1_before_any_request(tts, server):
    with pytest.raises(InputValidationError) as info:
        tts.generate(text="Hi", model="tts-1", instructions="Loud.")

    assert info.value.fields == ["instructions", "model"]
    assert "tts-1" in str(info.value)
    assert server.requests == []


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"text": "x" * 4097}, "text"),
        ({"text": ""}, "text"),
        ({"text": "Hi", "speed": 4.5}, "speed"),
        ({"text": "Hi", "voice": "robot"}, "voice"),
        ({"text": "Hi", "response_format": "ogg"}, "response_format"),
        ({"text": "Hi", "stream_format": "sse"}, "stream_format"),
    ],
)
def test_invalid_inputs_never_reach_the_server(tts, server, inputs, field):
    with pytest.raises(InputValidationError) as info:
        tts.generate(**inputs)

    assert field in info.value.fields
    assert server.requests == []


def test_text_of_exactly_4096_characters_is_sent(tts, server):
    tts.generate(text="a" * 4096, response_format="mp3")

    assert len(server.requests[0].json()["input"]) == 4096


def test_server_side_rejection_keeps_the_provider_message(tts, server, out_dir):
    with pytest.raises(ProviderError) as info:
        tts.generate(text="Hi", model="tts-2")

    assert info.value.status_code == 400 and not info.value.retryable
    assert "Invalid value for 'model'" in str(info.value)
    assert "openai_tts_generator" in str(info.value)
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_key_and_base_url_come_from_the_environment(server, monkeypatch, out_dir):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")

    result = OpenAITTSGenerator(output_dir=out_dir).generate(text="env")

    assert result.assets[0].mime_type == "audio/wav"
    assert len(server.requests) == 1


def test_missing_key_names_the_variable(server):
    with pytest.raises(MissingAPIKeyError) as info:
        OpenAITTSGenerator(base_url=f"{server.url}/v1").generate(text="Hi")

    assert info.value.env_var == "OPENAI_API_KEY"
    assert "OPENAI_API_KEY" in str(info.value) and "openai_tts_generator" in str(info.value)
    assert server.requests == []


def test_agenerate_gives_the_same_audio(tts):
    sync = tts.generate(text="same")
    async_ = asyncio.run(tts.agenerate(text="same"))

    assert sync.assets[0].sha256 == async_.assets[0].sha256


def test_the_client_is_reused_across_calls(tts, server):
    for _ in range(3):
        tts.generate(text="again", response_format="mp3")

    assert len(server.requests) == 3
    assert isinstance(server, LoopbackServer)


def test_sixteen_agenerate_calls_are_in_flight_at_once(out_dir):
    """agenerate is native (AsyncOpenAI): nothing caps it at the thread pool's size."""

    async def sixteen(url: str) -> list:
        tts = OpenAITTSGenerator(api_key=KEY, base_url=f"{url}/v1", timeout=5.0, output_dir=out_dir)
        return await asyncio.gather(*(tts.agenerate(text=f"line {i}") for i in range(16)))

    with LoopbackServer(SpeechAPI(KEY, chunk_size=1000), latency=0.3) as server:
        results = asyncio.run(sixteen(server.url))

    assert server.max_in_flight == 16
    assert len({r.assets[0].path for r in results}) == 16
    assert all(riff_sizes(r.assets[0].path)[2] > 44 for r in results)


def test_agenerate_refuses_a_wrong_content_type_and_leaves_no_file(tts, server, out_dir):
    server.script(Fault.content_type("text/html", path="/v1/audio/speech"))

    with pytest.raises(ProviderError, match="expected audio"):
        asyncio.run(tts.agenerate(text="hello"))

    assert not out_dir.exists() or list(out_dir.iterdir()) == []
