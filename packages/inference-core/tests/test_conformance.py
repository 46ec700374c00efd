"""The conformance kit passes good generators and fails broken ones with a message saying why."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# The kit decodes media with Pillow and PyAV (the `testing` extra); a core-only install skips it.
pytest.importorskip("PIL", reason="the conformance kit needs the testing extra (Pillow)")
pytest.importorskip("av", reason="the conformance kit needs the testing extra (PyAV)")

from inference_core.plugins import get_plugins, reload_plugins
from inference_core.testing.conformance import (
    check_generator,
    check_listing_lightweight,
    check_metadata,
    check_no_secrets,
    decode_media,
    find_secrets,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

pytest_plugins = ["pytester"]

#: A plugin distribution with good generators of every modality and broken variants.
#: Pillow and PyAV are imported only inside the code that generates, as the contract asks.
PLUGIN = """
import io
import math
import os
import struct
import wave

from inference_core import (
    BaseAudioGenerator, BaseImageGenerator, BaseVideoGenerator, GenerationResult,
    ConfigurationError, FieldError, GeneratorMetadata, InputValidationError, MediaAsset,
    MissingAPIKeyError, ProviderError, hookimpl,
)

IMAGE_SCHEMA = {
    "prompt": {"type": "string", "required": True, "min_length": 1, "description": "what to draw"},
    "width": {"type": "integer", "default": 64, "minimum": 8, "maximum": 512},
    "height": {"type": "integer", "default": 48, "minimum": 8, "maximum": 512},
    "fail": {"type": "boolean", "default": False, "description": "make the provider fail"},
}


def meta(gid, schema=IMAGE_SCHEMA, **overrides):
    fields = {"name": gid.replace("_", " "), "description": "A test generator.", "version": "1.0.0"}
    return GeneratorMetadata(id=gid, input_schema=schema, **{**fields, **overrides})


def png(width, height, fmt="PNG"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 40)).save(buffer, fmt)
    return buffer.getvalue()


def wav(seconds, rate=16000, amplitude=0.4):
    frames = b"".join(
        struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def mp3(seconds, rate=16000):
    import av

    buffer = io.BytesIO()
    with av.open(io.BytesIO(wav(seconds, rate))) as source, av.open(buffer, "w", format="mp3") as sink:
        stream = sink.add_stream("libmp3lame", rate=rate, layout="mono")
        for frame in source.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                sink.mux(packet)
        for packet in stream.encode():
            sink.mux(packet)
    return buffer.getvalue()


def mp4(seconds, fps=8, size=32):
    import av
    from PIL import Image

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as sink:
        stream = sink.add_stream("libx264", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for index in range(round(seconds * fps)):
            image = Image.new("RGB", (size, size), (index * 20 % 256, 80, 160))
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                sink.mux(packet)
        for packet in stream.encode():
            sink.mux(packet)
    return buffer.getvalue()


class GoodImage(BaseImageGenerator):
    metadata = meta("good_image")

    def __init__(self):
        self._api_key = os.environ.get("OPENAI_API_KEY", "")

    def generate(self, *, prompt, width, height, fail):
        if not self._api_key:
            raise MissingAPIKeyError("good_image: set OPENAI_API_KEY", env_var="OPENAI_API_KEY")
        if fail:
            raise ProviderError("the provider refused", provider="test", generator_id=self.metadata.id)
        return GenerationResult(assets=self.assets(width, height), metadata={"prompt": prompt})

    def assets(self, width, height):
        return [MediaAsset(data=png(width, height), mime_type="image/png", width=width, height=height)]


class WrongTypeImage(GoodImage):
    metadata = meta("wrong_type_image")

    def assets(self, width, height):
        return [MediaAsset(data=wav(0.1), mime_type="audio/wav", duration_s=0.1, sample_rate=16000)]


class UndecodableImage(GoodImage):
    metadata = meta("undecodable_image")

    def assets(self, width, height):
        return [MediaAsset(data=b"not a png at all", mime_type="image/png", width=width, height=height)]


class MislabelledImage(GoodImage):
    metadata = meta("mislabelled_image")

    def assets(self, width, height):
        return [MediaAsset(data=png(width, height, "JPEG"), mime_type="image/png", width=width, height=height)]


class WrongSizeImage(GoodImage):
    metadata = meta("wrong_size_image")

    def assets(self, width, height):
        return [MediaAsset(data=png(width, height), mime_type="image/png", width=width + 10, height=height)]


class SizelessImage(GoodImage):
    metadata = meta("sizeless_image")

    def assets(self, width, height):
        return [MediaAsset(data=png(width, height), mime_type="image/png")]


class EmptyImage(GoodImage):
    metadata = meta("empty_image")

    def assets(self, width, height):
        return []


class LeakyMetadataImage(GoodImage):
    metadata = meta("leaky_metadata_image")

    def generate(self, **inputs):
        result = super().generate(**inputs)
        result.metadata["request"] = {"headers": {"Authorization": f"Bearer {self._api_key}"}}
        return result


class LeakyReprImage(GoodImage):
    metadata = meta("leaky_repr_image")

    def __repr__(self):
        return f"<LeakyReprImage key={self._api_key}>"


class LeakyErrorImage(GoodImage):
    metadata = meta("leaky_error_image")

    def generate(self, *, prompt, width, height, fail):
        if fail:
            raise ProviderError(f"401 for key {self._api_key}", provider="test", status_code=401)
        return super().generate(prompt=prompt, width=width, height=height, fail=fail)


class BypassImage(GoodImage):
    metadata = meta("bypass_image")

    def validate_inputs(self, inputs=None, **kwargs):
        return {"width": 64, "height": 48, "fail": False, **(inputs or {}), **kwargs}


class MisnamedErrorImage(GoodImage):
    metadata = meta("misnamed_error_image")

    def validate_inputs(self, inputs=None, **kwargs):
        try:
            return super().validate_inputs(inputs, **kwargs)
        except InputValidationError:
            raise InputValidationError(self.metadata.id, [FieldError("inputs", "invalid")]) from None


class RawErrorImage(GoodImage):
    metadata = meta("raw_error_image")

    def generate(self, *, prompt, width, height, fail):
        if fail:
            raise ValueError("HTTP 500 from the provider")
        return super().generate(prompt=prompt, width=width, height=height, fail=fail)


class AsyncMismatchImage(GoodImage):
    metadata = meta("async_mismatch_image")

    async def agenerate(self, *, prompt, width, height, fail):
        return GenerationResult(assets=super().assets(width // 2, height // 2))


class KeyErrorImage(GoodImage):
    metadata = meta("key_error_image")

    def __init__(self):
        self._api_key = os.environ["OPENAI_API_KEY"]


class VagueKeyImage(GoodImage):
    metadata = meta("vague_key_image")

    def generate(self, **inputs):
        if not self._api_key:
            raise ConfigurationError("no API key")
        return super().generate(**inputs)


class UndescribedImage(GoodImage):
    metadata = meta("undescribed_image", description="")


class StaleVersionImage(GoodImage):
    metadata = meta("stale_version_image", version="0.9.0")


AUDIO_SCHEMA = {
    "text": {"type": "string", "required": True, "min_length": 1},
    "response_format": {"type": "string", "enum": ["wav", "mp3", "pcm"], "default": "wav"},
    "fail": {"type": "boolean", "default": False},
}


class BlockingImage(GoodImage):
    metadata = meta("blocking_image")

    async def agenerate(self, *, prompt, width, height, fail):
        import time
        if fail:
            raise ProviderError("refused", provider="test")
        time.sleep(0.4)  # a sync HTTP client inside agenerate
        return GenerationResult(assets=self.assets(width, height))


class SwallowingImage(GoodImage):
    metadata = meta("swallowing_image")

    async def agenerate(self, *, prompt, width, height, fail):
        import asyncio
        if fail:
            raise ProviderError("refused", provider="test")
        try:
            await asyncio.sleep(0.3)
        except asyncio.CancelledError:
            pass  # keeps going
        return GenerationResult(assets=self.assets(width, height))


class SharedStateImage(GoodImage):
    metadata = meta("shared_state_image")

    async def agenerate(self, *, prompt, width, height, fail):
        import asyncio
        if fail:
            raise ProviderError("refused", provider="test")
        self.width, self.height = width, height
        await asyncio.sleep(0.05)
        return GenerationResult(assets=self.assets(self.width, self.height))


class FixedSizeImage(GoodImage):
    metadata = meta("fixed_size_image")

    def generate(self, *, prompt, width, height, fail):
        return GenerationResult(assets=self.assets(64, 48))


class SeedZeroImage(GoodImage):
    metadata = meta("seed_zero_image", {**IMAGE_SCHEMA, "seed": {"type": "integer", "default": 0}})

    def generate(self, *, prompt, width, height, fail, seed):
        if not seed:
            seed = {"random": True}["seed"]  # "0 means no seed": a plain bug
        return GenerationResult(assets=self.assets(width, height))


class BadDefaultImage(GoodImage):
    metadata = meta(
        "bad_default_image",
        {**IMAGE_SCHEMA, "style": {"type": "string", "enum": ["photo", "art"], "default": "vivid"}},
    )

    def generate(self, *, prompt, width, height, fail, style):
        return GenerationResult(assets=self.assets(width, height))


class RequiredDefaultImage(GoodImage):
    metadata = meta(
        "required_default_image",
        {**IMAGE_SCHEMA, "prompt": {"type": "string", "required": True, "default": "a cat"}},
    )


class BadMinimumImage(GoodImage):
    metadata = meta("bad_minimum_image", {**IMAGE_SCHEMA, "width": {"type": "integer", "minimum": "16"}})


class MutatingImage(GoodImage):
    metadata = meta("mutating_image", {**IMAGE_SCHEMA, "options": {"type": "object", "default": None}})

    def generate(self, *, prompt, width, height, fail, options):
        if fail:
            raise ProviderError("refused", provider="test")
        if options and "lora" in options:
            options["lora"]["scale"] = options["lora"]["scale"] * 2
        return GenerationResult(assets=self.assets(width, height))


class DebugKeyImage(GoodImage):
    metadata = meta("debug_key_image")

    def generate(self, **inputs):
        import logging
        logging.getLogger("gen_kit_test").debug("calling with key %s", self._api_key)
        return super().generate(**inputs)


class LitterImage(GoodImage):
    metadata = meta("litter_image")

    def generate(self, **inputs):
        with open("request.json", "w") as out:
            out.write("{}")
        return super().generate(**inputs)


class TempLitterImage(GoodImage):
    metadata = meta("temp_litter_image")

    def generate(self, **inputs):
        import tempfile
        tempfile.NamedTemporaryFile(suffix=".png", delete=False).close()
        return super().generate(**inputs)


class GonePathImage(GoodImage):
    metadata = meta("gone_path_image")

    def assets(self, width, height):
        import pathlib, tempfile
        folder = pathlib.Path(tempfile.mkdtemp())
        path = folder / "out.png"
        path.write_bytes(png(width, height))
        path.unlink()
        folder.rmdir()
        return [MediaAsset(path=path, mime_type="image/png", width=width, height=height)]


class WarnKeyImage(GoodImage):
    metadata = meta("warn_key_image")

    def generate(self, **inputs):
        import warnings
        warnings.warn(f"key {self._api_key} is about to expire", UserWarning, stacklevel=2)
        return super().generate(**inputs)


class GoodAudio(BaseAudioGenerator):
    metadata = meta("good_audio", AUDIO_SCHEMA)
    seconds = 0.25

    async def agenerate(self, *, text, response_format, fail):
        if fail:
            raise ProviderError("the provider refused", provider="test")
        if response_format == "pcm":  # headerless 16-bit samples: the WAV without its header
            asset = MediaAsset(data=self.wav()[44:], mime_type="audio/pcm", duration_s=self.seconds, sample_rate=16000)
        elif response_format == "mp3":
            asset = MediaAsset(data=mp3(self.seconds), mime_type="audio/mpeg", duration_s=self.seconds, sample_rate=16000)
        else:
            asset = MediaAsset(data=self.wav(), mime_type="audio/wav", duration_s=self.seconds, sample_rate=16000)
        return GenerationResult(assets=[asset])

    def wav(self):
        return wav(self.seconds)


class SilentAudio(GoodAudio):
    metadata = meta("silent_audio", AUDIO_SCHEMA)

    def wav(self):
        return wav(self.seconds, amplitude=0.0)


class WrongRateAudio(GoodAudio):
    metadata = meta("wrong_rate_audio", AUDIO_SCHEMA)

    def wav(self):
        return wav(self.seconds, rate=8000)


VIDEO_SCHEMA = {
    "prompt": {"type": "string", "required": True},
    "duration": {"type": "float", "default": 0.5, "minimum": 0.125, "maximum": 5},
    "fail": {"type": "boolean", "default": False},
}


class GoodVideo(BaseVideoGenerator):
    metadata = meta("good_video", VIDEO_SCHEMA)

    def generate(self, *, prompt, duration, fail):
        if fail:
            raise ProviderError("the provider refused", provider="test")
        return GenerationResult(assets=[self.asset(duration)])

    def asset(self, duration):
        return MediaAsset(data=mp4(duration), mime_type="video/mp4", width=32, height=32, duration_s=duration)


class ShortVideo(GoodVideo):
    metadata = meta("short_video", VIDEO_SCHEMA)

    def asset(self, duration):
        return MediaAsset(data=mp4(duration), mime_type="video/mp4", width=32, height=32, duration_s=duration * 4)


class TruncatedVideo(GoodVideo):
    metadata = meta("truncated_video", VIDEO_SCHEMA)

    def asset(self, duration):
        data = mp4(duration)
        return MediaAsset(data=data[: len(data) // 3], mime_type="video/mp4", width=32, height=32, duration_s=duration)


@hookimpl
def register_generators():
    return [
        value for value in globals().values()
        if isinstance(value, type) and issubclass(value, (GoodImage, GoodAudio, GoodVideo))
        and value is not BadMinimumImage
    ]
"""

SECRETS = {"OPENAI_API_KEY": "sk-test-conformance-4242"}
IMAGE = {"prompt": "a red fox", "width": 64, "height": 48}
AUDIO = {"text": "hello"}
VIDEO = {"prompt": "waves", "duration": 0.5}
INPUTS = {"image": IMAGE, "audio": AUDIO, "video": VIDEO}
INVALID = {
    "image": [{"width": "abc"}, {"prompt": ""}, {"width": 4, "height": 9999}],
    "audio": [{"response_format": "flac"}],
    "video": [{"duration": "long"}],
}


#: Inputs that the broken generators' callers give (the defaults are what is broken).
EXTRA_INPUTS: dict[str, dict[str, Any]] = {
    "seed_zero_image": {"seed": 7},
    "mutating_image": {"options": {"lora": {"scale": 1}}},
}


def modality_of(generator_id: str) -> str:
    return next(m for m in INPUTS if m in generator_id)


def run_kit(generator_id: str, **overrides: Any) -> None:
    modality = modality_of(generator_id)
    inputs = overrides.pop("valid_inputs", INPUTS[modality])
    options: dict[str, Any] = {
        "invalid_inputs": INVALID[modality],
        "error_inputs": [{**inputs, "fail": True}],
        "secrets": SECRETS,
        "check_listing": False,
    }
    check_generator(generator_id, inputs, **{**options, **overrides})


@pytest.fixture
def kit_plugin(make_distribution: Callable[..., Path]) -> ModuleType:
    """The PLUGIN source installed as distribution gen-kit-test 1.0.0."""
    get_plugins()  # discover the real environment first
    make_distribution("gen-kit-test", "gen_kit_test", PLUGIN, version="1.0.0")
    reload_plugins()
    return importlib.import_module("gen_kit_test")


@pytest.mark.usefixtures("kit_plugin")
@pytest.mark.parametrize(
    ("generator_id", "inputs"),
    [
        ("good_image", IMAGE),
        ("good_audio", AUDIO),
        ("good_audio", {"text": "hello", "response_format": "mp3"}),
        ("good_audio", {"text": "hello", "response_format": "pcm"}),
        ("good_video", VIDEO),
    ],
)
def test_good_generators_pass_every_check(generator_id: str, inputs: dict[str, Any]) -> None:
    run_kit(generator_id, valid_inputs=inputs, check_listing=True)


BROKEN = [
    (
        "wrong_type_image",
        "wrong_type_image: generate: asset 0 has mime_type 'audio/wav', expected image/*",
    ),
    (
        "undecodable_image",
        "undecodable_image: generate: asset 0 claims image/png but Pillow cannot decode it: ",
    ),
    (
        "mislabelled_image",
        "mislabelled_image: generate: asset 0 claims image/png but Pillow reads the bytes as JPEG",
    ),
    (
        "wrong_size_image",
        "wrong_size_image: generate: asset 0 (image/png) declares 74x48 but Pillow decodes 64x48",
    ),
    ("sizeless_image", "sizeless_image: generate: asset 0 (image/png) does not declare its size"),
    ("empty_image", "empty_image: generate returned a result with no assets"),
    (
        "leaky_metadata_image",
        "leaky_metadata_image: secret leaked: OPENAI_API_KEY in result.metadata['request']['headers']['Authorization']",
    ),
    ("leaky_repr_image", "leaky_repr_image: secret leaked: OPENAI_API_KEY in repr(generator)"),
    (
        "leaky_error_image",
        "leaky_error_image: secret leaked: OPENAI_API_KEY in error 0 (ProviderError)",
    ),
    (
        "bypass_image",
        "bypass_image: invalid input {'width': 'abc'}: validate_inputs accepted it (validation bypassed?) "
        "instead of raising InputValidationError",
    ),
    (
        "misnamed_error_image",
        "misnamed_error_image: invalid input {'width': 'abc'}: validate_inputs raised "
        "InputValidationError naming ['inputs'], none of ['width']",
    ),
    (
        "raw_error_image",
        "raw_error_image: generate(**error_inputs[0]) raised ValueError: HTTP 500 from the provider at ",
    ),
    (
        "async_mismatch_image",
        "async_mismatch_image: generate and agenerate disagree: asset 0 width is 64 from generate but 32 from agenerate",
    ),
    (
        "key_error_image",
        "key_error_image: without OPENAI_API_KEY set, generate raised KeyError: 'OPENAI_API_KEY', "
        "which is not an InferenceError",
    ),
    (
        "vague_key_image",
        "vague_key_image: without OPENAI_API_KEY set, the error does not name the variable: "
        "ConfigurationError: no API key",
    ),
    ("undescribed_image", "undescribed_image: metadata.description is empty"),
    (
        "stale_version_image",
        "stale_version_image: metadata.version is '0.9.0' but the installed distribution gen-kit-test is 1.0.0",
    ),
    (
        "blocking_image",
        "blocking_image: agenerate blocked the event loop for 0.",
    ),
    (
        "swallowing_image",
        "swallowing_image: agenerate was cancelled (as asyncio.timeout does) but returned a result: "
        "it swallowed CancelledError",
    ),
    (
        "shared_state_image",
        "shared_state_image: 8 concurrent agenerate calls on one instance: call 0: asked for width=",
    ),
    (
        "fixed_size_image",
        "fixed_size_image: the result does not match the request: asked for width=56 but asset 0 has width=64",
    ),
    (
        "seed_zero_image",
        "seed_zero_image: generate(only the required fields) raised KeyError: 'seed' at ",
    ),
    (
        "bad_default_image",
        "bad_default_image: the default of 'style' ('vivid') fails its own field: ",
    ),
    (
        "required_default_image",
        "required_default_image: field 'prompt' is both required and has a default ('a cat')",
    ),
    (
        "mutating_image",
        "mutating_image: generate changed the caller's inputs ['options']",
    ),
    (
        "debug_key_image",
        "debug_key_image: secret leaked: OPENAI_API_KEY in a DEBUG log record of 'gen_kit_test'",
    ),
    (
        "warn_key_image",
        "warn_key_image: secret leaked: OPENAI_API_KEY in a warning (UserWarning)",
    ),
    ("litter_image", "litter_image: the calls left files behind (working folder: request.json"),
    ("temp_litter_image", "temp_litter_image: the calls left files behind (temporary folder: tmp"),
    ("gone_path_image", "gone_path_image: generate: asset 0 (image/png) has no readable bytes: "),
    (
        "silent_audio",
        "silent_audio: generate: asset 0 (audio/wav) is silent: peak amplitude 0.000000",
    ),
    (
        "wrong_rate_audio",
        "wrong_rate_audio: generate: asset 0 (audio/wav) declares sample_rate=16000 but wave decodes 8000 Hz",
    ),
    (
        "short_video",
        "short_video: generate: asset 0 (video/mp4) declares duration_s=2.000 but PyAV decodes 0.500 s",
    ),
    (
        "truncated_video",
        "truncated_video: generate: asset 0 claims video/mp4 but PyAV cannot decode it: ",
    ),
]


@pytest.mark.usefixtures("kit_plugin")
@pytest.mark.parametrize(("generator_id", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_generator_fails_with_a_message_saying_what_is_wrong(
    generator_id: str, message: str
) -> None:
    inputs = {**INPUTS[modality_of(generator_id)], **EXTRA_INPUTS.get(generator_id, {})}
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_kit(generator_id, valid_inputs=inputs)


def test_headerless_pcm_is_read_at_the_rate_in_its_mime_type() -> None:
    samples = b"\x00\x40" * 800  # 800 samples at half scale
    found = decode_media(samples, "audio/L16; rate=8000; channels=1")
    assert (found.duration_s, found.sample_rate, found.peak) == (0.1, 8000, 0.5)
    with pytest.raises(ValueError, match="not headerless PCM"):
        decode_media(b"RIFF" + samples, "audio/pcm", 8000)


def test_a_gone_asset_file_does_not_crash_the_secrets_check(tmp_path: Path) -> None:
    from inference_core import GenerationResult, MediaAsset

    gone = tmp_path / "deleted" / "out.png"
    result = GenerationResult(assets=[MediaAsset(path=gone, mime_type="image/png")])
    check_no_secrets(GoneGenerator(), {"K": "sk-secret-1234"}, [result])


class GoneGenerator:
    """Just enough of a generator for check_no_secrets."""

    metadata = None

    def get_info(self) -> dict[str, Any]:
        return {}


def test_secrets_are_found_anywhere_in_nested_data() -> None:
    data = {"a": [1, {"b": ("x", b"--sk-123--")}], "sk-123": None}
    assert list(find_secrets(data, {"KEY": "sk-123"}, "result")) == [
        "KEY in result['a'][1]['b'][1]",
        "KEY in result (a key)",
    ]


def test_secrets_in_an_error_cause_are_found(kit_plugin: ModuleType) -> None:
    error = RuntimeError("wrapped")
    error.__cause__ = ValueError("Authorization: Bearer sk-test-conformance-4242")
    with pytest.raises(AssertionError, match=r"OPENAI_API_KEY in error 0 \(ValueError\)"):
        check_no_secrets(kit_plugin.GoodImage(), SECRETS, errors=[error])


def test_metadata_check_accepts_a_class(kit_plugin: ModuleType) -> None:
    check_metadata(kit_plugin.GoodImage, expected_id="good_image")
    with pytest.raises(
        AssertionError, match="good_image: metadata.id is 'good_image', expected 'other_id'"
    ):
        check_metadata(kit_plugin.GoodImage, expected_id="other_id")


def test_an_unknown_id_names_the_installed_ones(kit_plugin: ModuleType) -> None:
    with pytest.raises(
        AssertionError, match="good_imag: no generator with this id is registered .*good_image"
    ):
        check_generator("good_imag", IMAGE)


HEAVY_PLUGIN = """
import PIL.Image

from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, hookimpl


class HeavyImage(BaseImageGenerator):
    metadata = GeneratorMetadata(id="heavy_image", name="Heavy", description="Imports Pillow eagerly.")

    def generate(self, **inputs):
        return GenerationResult()


@hookimpl
def register_generators():
    return [HeavyImage]
"""


def test_listing_that_imports_pillow_fails_naming_the_import(
    make_distribution: Callable[..., Path],
) -> None:
    get_plugins()
    make_distribution("gen-heavy", "gen_heavy", HEAVY_PLUGIN)
    with pytest.raises(
        AssertionError,
        match=r"heavy_image: listing generators imports PIL \(first imported at .*gen_heavy.py:2\)",
    ):
        check_listing_lightweight("heavy_image")


def test_listing_an_uninstalled_generator_fails() -> None:
    with pytest.raises(
        AssertionError,
        match="nowhere_image: not found when listing generators in a fresh interpreter",
    ):
        check_listing_lightweight("nowhere_image")


KIT_TESTS = """
from inference_core.testing.conformance import GeneratorConformance

SECRETS = {"OPENAI_API_KEY": "sk-test-conformance-4242"}
IMAGE = {"prompt": "a red fox", "width": 64, "height": 48}


class TestGoodImage(GeneratorConformance):
    generator_id = "good_image"
    valid_inputs = IMAGE
    invalid_inputs = [{"width": "abc"}]
    error_inputs = [{**IMAGE, "fail": True}]
    secrets = SECRETS


class TestGoodVideo(GeneratorConformance):
    generator_id = "good_video"
    valid_inputs = {"prompt": "waves"}


class TestLeakyMetadataImage(TestGoodImage):
    generator_id = "leaky_metadata_image"


class TestBypassImage(TestGoodImage):
    generator_id = "bypass_image"
"""


def test_the_pytest_class_runs_every_check_in_a_session(
    make_distribution: Callable[..., Path],
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    get_plugins()
    site = make_distribution("gen-kit-test", "gen_kit_test", PLUGIN, version="1.0.0")
    monkeypatch.setenv("PYTHONPATH", str(site))
    pytester.makepyfile(test_kit=KIT_TESTS)
    result = pytester.runpytest_subprocess("-rA", "-p", "no:cacheprovider")
    # no skips: checks that do not apply (no error_inputs, no http_app) are not collected
    result.assert_outcomes(passed=18 + 17 + 17 + 17, failed=2, skipped=0)
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: leaky_metadata_image: secret leaked: OPENAI_API_KEY in result.metadata*",
            "E * AssertionError: bypass_image: invalid input {'width': 'abc'}: validate_inputs accepted it*",
            "PASSED test_kit.py::TestGoodImage::test_concurrent_calls_on_one_instance",
            "PASSED test_kit.py::TestGoodVideo::test_cancellation_stops_promptly",
            "FAILED test_kit.py::TestLeakyMetadataImage::test_no_secret_leaks_and_nothing_left_behind*",
            "FAILED test_kit.py::TestBypassImage::test_rejects_invalid_and_unknown_inputs*",
        ]
    )


REPO = Path(__file__).resolve().parents[3]
GUIDE = REPO / "docs" / "writing-a-plugin.md"
EXAMPLE = REPO / "examples" / "gen-example-echo"


@pytest.mark.skipif(not GUIDE.exists(), reason="needs the repository checkout")
def test_the_plugin_guide_quotes_the_example_package() -> None:
    guide = GUIDE.read_text()
    for name in ("pyproject.toml", "tests/test_conformance.py"):
        assert (EXAMPLE / name).read_text().strip() in guide, f"docs/writing-a-plugin.md: {name}"
    source = (EXAMPLE / "src" / "gen_example_echo" / "__init__.py").read_text()
    generator = source[source.index("class ExampleEchoImage") :]
    assert generator.strip() in guide, "docs/writing-a-plugin.md: the generator class and hook"
