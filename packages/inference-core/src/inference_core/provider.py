"""Everything a provider plugin may use beside the top-level ``inference_core`` names.

This module is the declared surface for plugin authors: keys and settings,
HTTP error translation (the one status-to-error table), downloads, media
sniffing, dimensions and ``data:`` URLs, the retry policy, the openai SDK
boundary and the audio helpers. Every other module of the core is private
(underscored) and may change between releases. A complete plugin::

    from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata
    from inference_core import KeySpec, MediaAsset, hookimpl
    from inference_core.provider import HTTPErrorContext, http_client


    class MyImage(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="my_image_generator",
            name="My image",
            description="...",
            key=KeySpec("my", "MY_API_KEY"),  # `infer keys set my`, or MY_API_KEY
            input_schema={"prompt": {"type": "string", "required": True}},
        )

        def generate(self, **inputs):
            key = self.get_api_key()  # the core finds it: argument, key store, config, env, .env
            errors = HTTPErrorContext(
                "My provider", generator_id=self.metadata.id, key_env="MY_API_KEY", secrets=(key,)
            )
            with errors.translate():
                response = http_client().post("https://example.invalid/v1/images", json=inputs)
                data = errors.json(response)  # raises the right ProviderError for 4xx/5xx
            return GenerationResult(assets=[MediaAsset(data=..., mime_type="image/png")])


    @hookimpl
    def register_generators():
        return [MyImage]

Names are imported on first use, so that importing this module at the top of
a plugin costs nothing when generators are only listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.lazy import lazy_exports

__all__ = [
    "AUDIO_FORMATS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRY_POLICY",
    "NO_RETRY",
    "AudioInfo",
    "DataURL",
    "DownloadResult",
    "HTTPErrorContext",
    "MediaInfo",
    "RetryAttempt",
    "RetryPolicy",
    "Secret",
    "StatusVerdict",
    "adownload",
    "afetch_bytes",
    "async_http_client",
    "async_openai_client",
    "atomic_write",
    "audio_mime_type",
    "check_url",
    "classify_status",
    "concatenate_audio",
    "convert_audio",
    "data_url",
    "decode_to_wav",
    "download",
    "encode_wav",
    "ensure_output_dir",
    "error_for_status",
    "fetch_bytes",
    "http_client",
    "image_dimensions",
    "input_url",
    "is_retryable",
    "load_file",
    "loop_http_client",
    "media_info",
    "openai_client",
    "parse_data_url",
    "parse_retry_after",
    "peak_level",
    "provider_message",
    "read_audio_info",
    "redact",
    "resample_wav",
    "resolve_key",
    "resolve_setting",
    "scratch_dir",
    "silence_wav",
    "single_attempt",
    "sniff_mime",
    "translate_openai_errors",
]

if TYPE_CHECKING:
    from inference_core._audio import (
        AUDIO_FORMATS,
        AudioInfo,
        audio_mime_type,
        concatenate_audio,
        convert_audio,
        decode_to_wav,
        encode_wav,
        peak_level,
        read_audio_info,
        resample_wav,
        silence_wav,
    )
    from inference_core._download import (
        DEFAULT_MAX_BYTES,
        DownloadResult,
        adownload,
        afetch_bytes,
        async_http_client,
        check_url,
        download,
        fetch_bytes,
        http_client,
        loop_http_client,
    )
    from inference_core._files import atomic_write, ensure_output_dir, scratch_dir
    from inference_core._http_errors import (
        HTTPErrorContext,
        StatusVerdict,
        classify_status,
        error_for_status,
        provider_message,
    )
    from inference_core._inputs import input_url, load_file
    from inference_core._keys import Secret, redact, resolve_key, resolve_setting
    from inference_core._media import (
        DataURL,
        MediaInfo,
        data_url,
        image_dimensions,
        media_info,
        parse_data_url,
        sniff_mime,
    )
    from inference_core._openai_sdk import (
        async_openai_client,
        openai_client,
        translate_openai_errors,
    )
    from inference_core._retry import (
        DEFAULT_RETRY_POLICY,
        NO_RETRY,
        RetryAttempt,
        RetryPolicy,
        is_retryable,
        parse_retry_after,
        single_attempt,
    )

_MODULES = {
    "inference_core._audio": (
        "AUDIO_FORMATS",
        "AudioInfo",
        "audio_mime_type",
        "concatenate_audio",
        "convert_audio",
        "decode_to_wav",
        "encode_wav",
        "peak_level",
        "read_audio_info",
        "resample_wav",
        "silence_wav",
    ),
    "inference_core._download": (
        "DEFAULT_MAX_BYTES",
        "DownloadResult",
        "adownload",
        "afetch_bytes",
        "async_http_client",
        "check_url",
        "download",
        "fetch_bytes",
        "http_client",
        "loop_http_client",
    ),
    "inference_core._files": ("atomic_write", "ensure_output_dir", "scratch_dir"),
    "inference_core._http_errors": (
        "HTTPErrorContext",
        "StatusVerdict",
        "classify_status",
        "error_for_status",
        "provider_message",
    ),
    "inference_core._inputs": ("input_url", "load_file"),
    "inference_core._media": (
        "DataURL",
        "MediaInfo",
        "data_url",
        "image_dimensions",
        "media_info",
        "parse_data_url",
        "sniff_mime",
    ),
    "inference_core._keys": ("Secret", "redact", "resolve_key", "resolve_setting"),
    "inference_core._openai_sdk": (
        "async_openai_client",
        "openai_client",
        "translate_openai_errors",
    ),
    "inference_core._retry": (
        "DEFAULT_RETRY_POLICY",
        "NO_RETRY",
        "RetryAttempt",
        "RetryPolicy",
        "is_retryable",
        "parse_retry_after",
        "single_attempt",
    ),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
