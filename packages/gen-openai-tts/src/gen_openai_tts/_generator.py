"""``openai_tts_generator``: OpenAI ``/v1/audio/speech`` through the openai SDK."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gen_openai_tts import _wav
from inference_core import (
    BaseAudioGenerator,
    FieldError,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    KeySpec,
    MediaAsset,
    Usage,
    atomic_write,
    scratch_dir,
    sniff_mime,
)
from inference_core.provider import (
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRY_POLICY,
    HTTPErrorContext,
    async_openai_client,
    openai_client,
    resolve_setting,
    translate_openai_errors,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping
    from typing import IO

    from openai import AsyncOpenAI, OpenAI

    from inference_core.provider import RetryPolicy, Secret

__all__ = ["OpenAITTSGenerator"]

GENERATOR_ID = "openai_tts_generator"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_ENV = "OPENAI_API_KEY"
MODELS = ("gpt-4o-mini-tts", "tts-1", "tts-1-hd")
NO_INSTRUCTIONS = ("tts-1", "tts-1-hd")
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx",
          "nova", "sage", "shimmer", "verse", "marin", "cedar")  # fmt: skip
FORMATS = ("wav", "mp3", "opus", "aac", "flac", "pcm")
MIME = {"wav": "audio/wav", "mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac",
        "flac": "audio/flac", "pcm": "audio/pcm"}  # fmt: skip
SAMPLE_RATE = 24000
_CHUNK = 1 << 16

INPUT_SCHEMA: dict[str, Any] = {
    "text": {"type": "string", "required": True, "min_length": 1, "max_length": 4096,
             "description": "The text to speak (at most 4096 characters, the API's limit)."},
    "voice": {"type": "string", "enum": list(VOICES), "default": "alloy", "description": "The voice."},
    "model": {"type": "string", "default": "gpt-4o-mini-tts",
              "description": f"TTS model: {', '.join(MODELS)} (or what a compatible server offers)."},
    "instructions": {"type": "string", "max_length": 4096, "default": None,
                     "description": "How to speak (tone, accent, pace); not supported by tts-1 / tts-1-hd."},
    "response_format": {"type": "string", "enum": list(FORMATS), "default": "wav",
                        "description": "Audio format. wav is saved with true RIFF/data sizes."},
    "speed": {"type": "float", "minimum": 0.25, "maximum": 4.0, "default": 1.0,
              "description": "Playback speed, 0.25 to 4.0."},
    "wrap_pcm": {"type": "boolean", "default": False,
                 "description": "With response_format=pcm, save the raw 24 kHz samples as a WAV file."},
}  # fmt: skip


class OpenAITTSGenerator(BaseAudioGenerator):
    """Speech from OpenAI's text-to-speech endpoint, streamed to disk.

    Configuration (each: argument, then the config file, then the environment):
    ``api_key`` (``OPENAI_API_KEY``), ``base_url`` (``OPENAI_BASE_URL``).
    ``timeout`` bounds each network read, ``retry_policy`` decides retries
    (the SDK's own are off), ``max_output_bytes`` caps one file and
    ``output_dir`` is where files are streamed. Without it they go to a
    scratch folder, removed when the process exits, and are not fsynced there
    (``result.save()`` writes the durable copy)::

        result = OpenAITTSGenerator().generate(text="Hello", voice="coral")
        result.save("out/")
    """

    metadata = GeneratorMetadata(
        id=GENERATOR_ID,
        key=KeySpec("openai", KEY_ENV),
        name="OpenAI text to speech",
        description="Speech from text with OpenAI's /v1/audio/speech (tts-1, tts-1-hd, gpt-4o-mini-tts).",
        input_schema=INPUT_SCHEMA,
        output_schema={"audio": {"type": "file", "mime_types": sorted(set(MIME.values()))}},
        capabilities={"input_media": [], "output_formats": list(FORMATS), "streams_to_disk": True},
    )

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        retry_policy: RetryPolicy | None = None,
        max_output_bytes: int = DEFAULT_MAX_BYTES,
        output_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(api_key=api_key)
        self._base_url = base_url
        self.timeout = timeout
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self.max_output_bytes = max_output_bytes
        self._output_dir = Path(output_dir) if output_dir is not None else None
        # Files in our own scratch folder are copied again by MediaAsset.save(), which fsyncs.
        self._durable = output_dir is not None
        self._lock = threading.Lock()

    def validate_inputs(
        self, inputs: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The schema's checks, then the API's rule that tts-1 / tts-1-hd take no ``instructions``."""
        params = super().validate_inputs(inputs, **kwargs)
        if params["instructions"] is not None and params["model"] in NO_INSTRUCTIONS:
            model = params["model"]
            raise InputValidationError(GENERATOR_ID, [
                FieldError("instructions", f"not supported by model {model!r}", hint="leave it out"),
                FieldError("model", f"{model!r} takes no instructions", hint="use gpt-4o-mini-tts"),
            ])  # fmt: skip
        return params

    def generate(self, **inputs: Any) -> GenerationResult:
        key, base_url, errors, request, path, saved_as, wrap = self._prepare(inputs)
        client = openai_client(key.reveal(), base_url, self.timeout)
        meta = self._download(client, errors, request, path, saved_as, wrap)
        return self._result(inputs, meta, path, saved_as)

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        key, base_url, errors, request, path, saved_as, wrap = self._prepare(inputs)
        client = async_openai_client(key.reveal(), base_url, self.timeout)
        meta = await self._adownload(client, errors, request, path, saved_as, wrap)
        return self._result(inputs, meta, path, saved_as)

    def _prepare(
        self, inputs: dict[str, Any]
    ) -> tuple[Secret, str, HTTPErrorContext, dict[str, Any], Path, str, bool]:
        fmt = inputs["response_format"]
        wrap = fmt == "pcm" and inputs["wrap_pcm"]
        key = self.get_api_key()
        base_url = (
            resolve_setting("OPENAI_BASE_URL", self._base_url, default=DEFAULT_BASE_URL)
            or DEFAULT_BASE_URL
        )
        errors = HTTPErrorContext(
            "OpenAI", generator_id=GENERATOR_ID, key_env=KEY_ENV, secrets=(key,)
        )
        request: dict[str, Any] = {
            "model": inputs["model"], "voice": inputs["voice"], "input": inputs["text"],
            "response_format": fmt, "speed": inputs["speed"],
        }  # fmt: skip
        if inputs["instructions"] is not None:
            request["instructions"] = inputs["instructions"]
        saved_as = "wav" if wrap else fmt
        import uuid  # with tempfile, imported on use: listing stays light

        path = self._directory() / f"speech-{uuid.uuid4().hex}{'.wav' if wrap else _suffix(fmt)}"
        return key, base_url, errors, request, path, saved_as, wrap

    def _result(
        self, inputs: dict[str, Any], meta: dict[str, Any], path: Path, saved_as: str
    ) -> GenerationResult:
        layout = meta.pop("layout")
        asset = MediaAsset(mime_type=MIME[saved_as], path=path, metadata={"format": saved_as})
        if layout is not None:
            asset.sample_rate = layout.sample_rate
            asset.duration_s = (path.stat().st_size - layout.data_offset) / (
                layout.sample_rate * layout.block_align
            )
        elif inputs["response_format"] == "pcm":
            asset.sample_rate, asset.duration_s = (
                SAMPLE_RATE,
                path.stat().st_size / (2 * SAMPLE_RATE),
            )
        return GenerationResult(
            assets=[asset],
            metadata={
                "model": inputs["model"],
                "voice": inputs["voice"],
                "response_format": saved_as,
                **meta,
            },
            usage=Usage(characters=len(inputs["text"])),
        )

    def _directory(self) -> Path:
        with self._lock:
            if self._output_dir is None:
                import tempfile

                self._output_dir = Path(tempfile.mkdtemp(dir=scratch_dir(self.metadata.id)))
            return self._output_dir

    def _download(
        self,
        client: OpenAI,
        errors: HTTPErrorContext,
        request: dict[str, Any],
        path: Path,
        saved_as: str,
        wrap: bool,
    ) -> dict[str, Any]:
        """One attempt: stream the speech into ``path`` atomically, repairing WAV sizes."""
        with translate_openai_errors(errors):
            with client.audio.speech.with_streaming_response.create(**request) as response:
                self._check_type(response.headers.get("content-type", ""), errors)
                with atomic_write(path, fsync=self._durable) as out:
                    prefix = _wav.pcm_header() if wrap else b""
                    out.write(prefix)
                    copy = _Copy(self.max_output_bytes, out, errors)
                    for chunk in response.iter_bytes(_CHUNK):
                        copy.write(chunk)
                    layout = self._complete(out, errors, saved_as, prefix, copy)
            return {"request_id": response.headers.get("x-request-id"), "layout": layout}

    async def _adownload(
        self,
        client: AsyncOpenAI,
        errors: HTTPErrorContext,
        request: dict[str, Any],
        path: Path,
        saved_as: str,
        wrap: bool,
    ) -> dict[str, Any]:
        """The async twin of :meth:`_download` (file writes stay synchronous and small)."""
        with translate_openai_errors(errors):
            async with client.audio.speech.with_streaming_response.create(**request) as response:
                self._check_type(response.headers.get("content-type", ""), errors)
                with atomic_write(path, fsync=self._durable) as out:
                    prefix = _wav.pcm_header() if wrap else b""
                    out.write(prefix)
                    copy = _Copy(self.max_output_bytes, out, errors)
                    async for chunk in response.iter_bytes(_CHUNK):
                        copy.write(chunk)
                    layout = self._complete(out, errors, saved_as, prefix, copy)
            return {"request_id": response.headers.get("x-request-id"), "layout": layout}

    @staticmethod
    def _check_type(content_type: str, errors: HTTPErrorContext) -> None:
        if not content_type.startswith(("audio/", "application/octet-stream")):
            raise errors.invalid(f"expected audio, got content type {content_type or 'none'!r}")

    @staticmethod
    def _complete(
        out: IO[bytes], errors: HTTPErrorContext, saved_as: str, prefix: bytes, copy: _Copy
    ) -> _wav.WavLayout | None:
        layout = _check(errors, saved_as, prefix + copy.head, copy.size)
        if layout is not None:
            try:
                _wav.fix_sizes(out, prefix + copy.head, len(prefix) + copy.size)
            except ValueError as exc:
                raise errors.invalid(f"unusable WAV: {exc}") from exc
        return layout


class _Copy:
    """Writes chunks to ``out`` under a size cap, keeping the first bytes for the checks."""

    def __init__(self, cap: int, out: IO[bytes], errors: HTTPErrorContext) -> None:
        self.cap, self.out, self.errors = cap, out, errors
        self.head, self.size = b"", 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.cap:
            raise self.errors.invalid(f"the audio exceeds the {self.cap}-byte cap")
        if len(self.head) < _wav.HEADER_PROBE:
            self.head += chunk[: _wav.HEADER_PROBE - len(self.head)]
        self.out.write(chunk)


def _suffix(fmt: str) -> str:
    return ".opus" if fmt == "opus" else f".{fmt}"


def _check(
    errors: HTTPErrorContext, saved_as: str, head: bytes, size: int
) -> _wav.WavLayout | None:
    """Check the audio's magic bytes; for WAV return its layout."""
    if size == 0:
        raise errors.invalid("the audio is empty")
    if saved_as == "wav":
        try:
            return _wav.parse_header(head)
        except ValueError as exc:
            raise errors.invalid(f"expected a WAV file: {exc}") from exc
    if saved_as == "pcm":
        return None
    found = sniff_mime(head)
    if found != MIME[saved_as]:
        raise errors.invalid(
            f"expected {saved_as} audio, the bytes look like {found or 'nothing known'}"
        )
    return None
