"""``openai_image_generator``: ``/v1/images/generations`` through the openai SDK."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gen_openai_image import _rules
from inference_core import (
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    KeySpec,
    MediaAsset,
    MediaError,
    ProviderError,
    Usage,
    scratch_dir,
)
from inference_core.provider import (
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRY_POLICY,
    HTTPErrorContext,
    adownload,
    async_openai_client,
    download,
    http_client,
    media_info,
    openai_client,
    parse_data_url,
    resolve_setting,
    translate_openai_errors,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping

    import httpx
    from openai import AsyncOpenAI, OpenAI

    from inference_core.provider import DownloadResult, RetryPolicy, Secret

__all__ = ["OpenAIImageGenerator"]

GENERATOR_ID = "openai_image_generator"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_ENV = "OPENAI_API_KEY"
#: How long (seconds) and how many answers with a failed download are kept for the retry.
_PENDING_TTL, _PENDING_MAX = 600.0, 16

INPUT_SCHEMA: dict[str, Any] = {
    "prompt": {"type": "string", "required": True, "min_length": 1, "max_length": 32000,
               "description": "What to draw (dall-e-2: 1000, dall-e-3: 4000, gpt-image-1: 32000 characters)."},
    "model": {"type": "string", "default": "gpt-image-1", "min_length": 1,
              "description": "dall-e-2, dall-e-3, gpt-image-1, gpt-image-1-mini, or any model an "
                             "OpenAI-compatible endpoint offers (checked permissively)."},
    "n": {"type": "integer", "default": 1, "minimum": 1, "maximum": 10, "description": "Images (dall-e-3: 1)."},
    "size": {"type": "string", "default": None,
             "description": "WIDTHxHEIGHT. dall-e-3: 1024x1024, 1792x1024, 1024x1792; gpt-image-1: "
                            "1024x1024, 1536x1024, 1024x1536, auto."},
    "width": {"type": "integer", "default": None, "minimum": 1, "description": "With height, instead of size."},
    "height": {"type": "integer", "default": None, "minimum": 1, "description": "With width, instead of size."},
    "quality": {"type": "string", "default": None, "enum": ["standard", "hd", "low", "medium", "high", "auto"],
                "description": "dall-e-3: standard, hd; gpt-image-1: low, medium, high, auto; "
                               "dall-e-2 takes none."},
    "style": {"type": "string", "default": None, "enum": ["vivid", "natural"], "description": "dall-e-3 only."},
    "response_format": {"type": "string", "default": None, "enum": ["url", "b64_json"],
                        "description": "dall-e models: url (downloaded) or b64_json; gpt-image-1 always "
                                       "answers with base64 and refuses this field."},
    "output_format": {"type": "string", "default": None, "enum": ["png", "jpeg", "webp"],
                      "description": "gpt-image-1 only."},
    "output_compression": {"type": "integer", "default": None, "minimum": 0, "maximum": 100,
                           "description": "gpt-image-1 only, jpeg/webp compression 0-100."},
    "background": {"type": "string", "default": None, "enum": ["transparent", "opaque", "auto"],
                   "description": "gpt-image-1 only; transparent needs output_format png or webp."},
    "moderation": {"type": "string", "default": None, "enum": ["low", "auto"], "description": "gpt-image-1 only."},
    "user": {"type": "string", "default": None, "description": "End-user id for abuse monitoring."},
    "resolution": {"type": "string", "default": None,
                   "description": "WIDTHxHEIGHT wanted (e.g. 1920x1080): the nearest size the model makes "
                                  "is used and recorded (metadata size, requested_resolution)."},
    "negative_prompt": {"type": "string", "default": None,
                        "description": "Sent to compatible endpoints; OpenAI's models get it folded into the "
                                       "prompt as 'Avoid: ...' (or dropped when it does not fit), with a warning."},
    "seed": {"type": "integer", "default": None,
             "description": "Only for compatible endpoints that take it (not OpenAI's models)."},
    "extra_body": {"type": "object", "default": None,
                   "description": "Fields a compatible endpoint understands (e.g. jimeng's ratio, resolution), "
                                  "merged into the request body as the openai SDK's extra_body does; "
                                  "checked only against a 16 KiB size limit."},
}  # fmt: skip


class OpenAIImageGenerator(BaseImageGenerator):
    """Images from OpenAI's ``/v1/images/generations`` or any endpoint that speaks it.

    ``api_key`` (``OPENAI_API_KEY``) and ``base_url`` (``OPENAI_BASE_URL``)
    come from the argument, the config file or the environment; ``timeout``
    bounds each network read, ``retry_policy`` decides retries (the SDK's own
    are off), ``max_output_bytes`` caps each image, ``output_dir`` is where
    ``url`` outputs are downloaded (default: a scratch folder, removed when
    the process exits, where files are not fsynced since ``result.save()``
    writes the durable copy)::

        gen = OpenAIImageGenerator(base_url="http://localhost:5100/v1")
        gen.generate(prompt="a lighthouse at dusk", model="jimeng-4.0").save("out/")
    """

    metadata = GeneratorMetadata(
        id=GENERATOR_ID,
        key=KeySpec("openai", KEY_ENV),
        name="OpenAI images",
        description="Images from OpenAI's /v1/images/generations (dall-e-3, gpt-image-1) "
        "or any OpenAI-compatible images endpoint.",
        input_schema=INPUT_SCHEMA,
        output_schema={
            "images": {"type": "array", "items": {"type": "file", "mime_types": ["image/*"]}}
        },
        capabilities={"input_media": [], "models": sorted(_rules.MODEL_RULES)},
    )

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 300.0,
        retry_policy: RetryPolicy | None = None,
        max_output_bytes: int = 64 * 2**20,
        output_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(api_key=api_key)
        self._base_url = base_url
        self.timeout = timeout
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self.max_output_bytes = min(max_output_bytes, DEFAULT_MAX_BYTES)
        self._output_dir = Path(output_dir) if output_dir is not None else None
        # Files in our own scratch folder are copied again by MediaAsset.save(), which fsyncs.
        self._durable = output_dir is not None
        self._downloader: httpx.Client | None = None
        self._lock = threading.Lock()
        #: Answers whose image download failed, by request, for the retry to download.
        self._pending: dict[str, tuple[float, dict[str, Any]]] = {}

    def validate_inputs(
        self, inputs: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The schema's checks, then the rules of the chosen model (size, quality, n, fields)."""
        params = super().validate_inputs(inputs, **kwargs)
        problems = _rules.check(params)
        if problems:
            raise InputValidationError(GENERATOR_ID, problems)
        return params

    def generate(self, **inputs: Any) -> GenerationResult:
        key, base_url, errors, request, extra, fitted = self._prepare(inputs)
        fingerprint = json.dumps([base_url, request, extra], sort_keys=True, default=str)
        answer = self._take_pending(fingerprint)
        if answer is None:
            client = openai_client(key.reveal(), base_url, self.timeout)
            answer = self._request(client, errors, request, extra)
        try:
            assets = self._assets(answer, errors)
        except ProviderError as exc:
            if exc.retryable:  # the retry downloads the images made, it does not pay for new ones
                self._keep_pending(fingerprint, answer)
            raise
        return self._result(inputs, fitted, answer, assets)

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        key, base_url, errors, request, extra, fitted = self._prepare(inputs)
        fingerprint = json.dumps([base_url, request, extra], sort_keys=True, default=str)
        answer = self._take_pending(fingerprint)
        if answer is None:
            client = async_openai_client(key.reveal(), base_url, self.timeout)
            answer = await self._arequest(client, errors, request, extra)
        downloaded: dict[int, MediaAsset] = {}
        try:
            for index, item in enumerate(answer["data"]):
                url = item.get("url") if isinstance(item, dict) else None
                if isinstance(url, str) and url.startswith(("http://", "https://")):
                    downloaded[index] = await self._adownload(url, errors)
            assets = self._assets(answer, errors, downloaded)
        except BaseException as exc:
            _discard(downloaded.values())
            if isinstance(exc, ProviderError) and exc.retryable:
                self._keep_pending(fingerprint, answer)  # the retry downloads, not regenerates
            raise
        return self._result(inputs, fitted, answer, assets)

    def _keep_pending(self, fingerprint: str, answer: dict[str, Any]) -> None:
        with self._lock:
            self._pending[fingerprint] = (time.monotonic(), answer)
            while len(self._pending) > _PENDING_MAX:
                self._pending.pop(next(iter(self._pending)))

    def _take_pending(self, fingerprint: str) -> dict[str, Any] | None:
        """The answer of the same request whose download failed moments ago, if any."""
        with self._lock:
            kept = self._pending.pop(fingerprint, None)
        if kept is None or time.monotonic() - kept[0] > _PENDING_TTL:
            return None
        return kept[1]

    def _prepare(
        self, inputs: dict[str, Any]
    ) -> tuple[Secret, str, HTTPErrorContext, dict[str, Any], dict[str, Any], _rules.Adapted]:
        key = self.get_api_key()
        base_url = (
            resolve_setting("OPENAI_BASE_URL", self._base_url, default=DEFAULT_BASE_URL)
            or DEFAULT_BASE_URL
        )
        errors = HTTPErrorContext(
            "OpenAI", generator_id=GENERATOR_ID, key_env=KEY_ENV, secrets=(key,)
        )
        fitted = _rules.adapt(inputs)
        request = {"prompt": fitted.prompt, "model": inputs["model"], "n": inputs["n"]}
        request.update({k: inputs[k] for k in _rules.OPTIONAL_FIELDS if inputs[k] is not None})
        if fitted.size is not None:
            request["size"] = fitted.size
        if fitted.notes and "negative_prompt_handling" in fitted.notes:
            del request["negative_prompt"]
        extra: dict[str, Any] = {
            k: request.pop(k) for k in ("negative_prompt", "seed") if k in request
        }
        extra.update(inputs.get("extra_body") or {})
        return key, base_url, errors, request, extra, fitted

    def _result(
        self,
        inputs: dict[str, Any],
        fitted: _rules.Adapted,
        answer: dict[str, Any],
        assets: list[MediaAsset],
    ) -> GenerationResult:
        revised = [a.metadata["revised_prompt"] for a in assets if "revised_prompt" in a.metadata]
        metadata: dict[str, Any] = {"model": inputs["model"], "created": answer.get("created")}
        metadata.update(fitted.notes or {})
        if fitted.warnings:
            metadata["warnings"] = list(fitted.warnings)
        if revised:
            metadata["revised_prompt"], metadata["revised_prompts"] = revised[0], revised
        usage = Usage.from_raw(
            answer.get("usage") if isinstance(answer.get("usage"), dict) else None
        )
        usage.images = len(assets)
        return GenerationResult(assets=assets, metadata=metadata, usage=usage)

    def _request(
        self,
        client: OpenAI,
        errors: HTTPErrorContext,
        request: dict[str, Any],
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        """One call: the parsed JSON answer, or the matching core error."""
        with translate_openai_errors(errors):
            raw = client.images.with_raw_response.generate(**request, extra_body=extra or None)
            return _parse(raw.headers.get("content-type", ""), raw.content, errors)

    async def _arequest(
        self,
        client: AsyncOpenAI,
        errors: HTTPErrorContext,
        request: dict[str, Any],
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        """The async twin of :meth:`_request`."""
        with translate_openai_errors(errors):
            raw = await client.images.with_raw_response.generate(
                **request, extra_body=extra or None
            )
            return _parse(raw.headers.get("content-type", ""), raw.content, errors)

    def _assets(
        self,
        answer: dict[str, Any],
        errors: HTTPErrorContext,
        downloaded: Mapping[int, MediaAsset] | None = None,
    ) -> list[MediaAsset]:
        assets: list[MediaAsset] = []
        try:
            for index, item in enumerate(answer["data"]):
                if not isinstance(item, dict):
                    raise errors.invalid("an entry of 'data' is not an object")
                if isinstance(item.get("b64_json"), str):
                    asset = self._decode(item["b64_json"], errors)
                elif isinstance(item.get("url"), str) and item["url"].startswith("data:"):
                    # some compatible servers inline the image as a data: URL
                    asset = self._inline(item["url"], errors)
                elif isinstance(item.get("url"), str):
                    if not item["url"].startswith(("http://", "https://")):
                        raise errors.invalid(f"the image URL is not http(s): {item['url'][:40]!r}")
                    if downloaded is not None and index in downloaded:
                        asset = downloaded[index]
                    else:
                        asset = self._download(item["url"], errors)
                else:
                    raise errors.invalid("an entry of 'data' has neither 'b64_json' nor 'url'")
                if isinstance(item.get("revised_prompt"), str):
                    asset.metadata["revised_prompt"] = item["revised_prompt"]
                assets.append(asset)
        except BaseException:
            _discard(assets)  # no half-finished set of files is left behind
            raise
        return assets

    def _decode(self, b64: str, errors: HTTPErrorContext) -> MediaAsset:
        import base64  # on use: listing stays light
        import binascii

        self._check_size(len(b64), errors)
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.invalid(f"invalid base64 image ({exc})") from exc
        return self._image(data, errors)

    def _inline(self, url: str, errors: HTTPErrorContext) -> MediaAsset:
        self._check_size(len(url), errors)
        try:
            parsed = parse_data_url(url)
        except MediaError as exc:
            raise errors.invalid(f"an image is a {exc.reason}") from exc
        return self._image(parsed.data, errors)

    def _check_size(self, encoded: int, errors: HTTPErrorContext) -> None:
        if encoded > self.max_output_bytes * 4 // 3 + 64:
            raise errors.invalid(f"the image exceeds the {self.max_output_bytes}-byte cap")

    @staticmethod
    def _image(data: bytes, errors: HTTPErrorContext) -> MediaAsset:
        info = media_info(data)
        if info.mime_type is None or not info.mime_type.startswith("image/"):
            raise errors.invalid(
                f"the decoded bytes are not an image ({info.mime_type or 'unrecognised'})"
            )
        return MediaAsset(mime_type=info.mime_type, data=data, width=info.width, height=info.height)

    def _target(self) -> Path:
        with self._lock:
            if self._output_dir is None:
                import tempfile  # on use: listing stays light

                self._output_dir = Path(tempfile.mkdtemp(dir=scratch_dir(self.metadata.id)))
            directory = self._output_dir
        import uuid

        return directory / f"image-{uuid.uuid4().hex}"

    def _download(self, url: str, errors: HTTPErrorContext) -> MediaAsset:
        path = self._target()
        with self._lock:
            if self._downloader is None:
                self._downloader = http_client(timeout=self.timeout)
            client = self._downloader
        done = download(
            url, path, max_bytes=self.max_output_bytes, timeout=self.timeout,
            accept=("image/",), client=client, errors=errors, fsync=self._durable,
        )  # fmt: skip
        return _downloaded(url, path, done)

    async def _adownload(self, url: str, errors: HTTPErrorContext) -> MediaAsset:
        path = self._target()
        done = await adownload(
            url, path, max_bytes=self.max_output_bytes, timeout=self.timeout,
            accept=("image/",), errors=errors, fsync=self._durable,
        )  # fmt: skip
        return _downloaded(url, path, done)


def _parse(content_type: str, content: bytes, errors: HTTPErrorContext) -> dict[str, Any]:
    if "json" not in content_type:
        raise errors.invalid(f"expected JSON, got content type {content_type or 'none'!r}")
    try:
        answer = json.loads(content)
    except ValueError as exc:
        raise errors.invalid(f"malformed JSON ({exc})") from exc
    if (
        not isinstance(answer, dict)
        or not isinstance(answer.get("data"), list)
        or not answer["data"]
    ):
        raise errors.invalid("no image in the response")
    return answer


def _downloaded(url: str, path: Path, done: DownloadResult) -> MediaAsset:
    asset = MediaAsset(mime_type=done.mime_type, path=path, url=url, digest=done.sha256)
    asset.path = path.rename(path.with_suffix(asset.extension))
    info = media_info(asset.path)
    asset.width, asset.height = info.width, info.height
    return asset


def _discard(assets: Iterable[MediaAsset]) -> None:
    for done in assets:
        if done.path is not None:
            done.path.unlink(missing_ok=True)
