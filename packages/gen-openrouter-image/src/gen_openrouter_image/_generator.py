"""The ``openrouter_image_generator``: images from OpenRouter's chat completions (httpx)."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

from inference_core import (
    BaseImageGenerator,
    ContentPolicyError,
    GenerationResult,
    GeneratorMetadata,
    KeySpec,
    MediaAsset,
    MediaError,
    Usage,
)
from inference_core.provider import (
    DEFAULT_RETRY_POLICY,
    HTTPErrorContext,
    RetryPolicy,
    error_for_status,
    fetch_bytes,
    http_client,
    input_url,
    loop_http_client,
    media_info,
    parse_data_url,
    resolve_setting,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["ASPECT_RATIOS", "OpenRouterImageGenerator"]

GENERATOR_ID = "openrouter_image_generator"
KEY_ENV = "OPENROUTER_API_KEY"
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
ASPECT_RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
#: Models that answer with images only; the others get ``modalities: ["image", "text"]``.
IMAGE_ONLY_PREFIXES = ("black-forest-labs/", "sourceful/", "bytedance-seed/seedream")


class OpenRouterImageGenerator(BaseImageGenerator):
    """Generate (and edit) images with any OpenRouter model that has the image output modality.

    >>> gen = OpenRouterImageGenerator()  # OPENROUTER_API_KEY from the config, env or .env
    >>> result = gen.generate(prompt="a lighthouse at dusk", aspect_ratio="16:9")  # doctest: +SKIP
    """

    metadata = GeneratorMetadata(
        id=GENERATOR_ID,
        key=KeySpec("openrouter", KEY_ENV),
        name="OpenRouter image",
        description="Text-to-image and image-to-image through OpenRouter chat completions "
        "(Gemini image models, FLUX, GPT image and others).",
        input_schema={
            "prompt": {
                "type": "string",
                "required": True,
                "min_length": 1,
                "description": "What to draw.",
            },
            "negative_prompt": {
                "type": "string",
                "default": "",
                "description": "Appended as 'Avoid: ...'.",
            },
            "model": {
                "type": "string",
                "default": "google/gemini-2.5-flash-image",
                "min_length": 1,
            },
            "aspect_ratio": {"type": "string", "enum": ASPECT_RATIOS, "default": "1:1"},
            "image_size": {"type": "string", "enum": ["1K", "2K", "4K"], "default": "1K"},
            "images": {
                "type": "array",
                "items": {"type": "file"},
                "default": [],
                "description": "Input images for image-to-image: paths, bytes, data URLs or http(s) URLs.",
            },
            "seed": {"type": "integer", "default": None},
            "modalities": {
                "type": "array",
                "items": {"type": "string", "enum": ["image", "text"]},
                "default": None,
                "description": "Output modalities; by default ['image'] for image-only models, else both.",
            },
        },
        output_schema={
            "type": "object",
            "properties": {"images": {"type": "array", "items": {"type": "string"}}},
        },
        capabilities={
            "input_media": ["image"],
            "output_media": ["image/png", "image/jpeg", "image/webp"],
        },
    )

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 180.0,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        http_referer: str | None = None,
        app_title: str | None = None,
        max_response_bytes: int = 200 * 2**20,
    ) -> None:
        super().__init__(api_key=api_key)
        self._base_url = base_url
        self.timeout, self.retry_policy, self.max_response_bytes = (
            timeout,
            retry,
            max_response_bytes,
        )
        self._referer, self._title = http_referer, app_title
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        """One pooled client per generator, closed when the generator is collected."""
        with self._lock:
            if self._client is None:
                self._client = http_client(timeout=self.timeout)
                weakref.finalize(self, self._client.close)
            return self._client

    def generate(self, **inputs: Any) -> GenerationResult:
        errors, url, headers, body = self._prepare(inputs)

        def call() -> tuple[dict[str, Any], str | None]:
            stream = self._http().stream("POST", url, json=body, headers=headers)
            with errors.translate(), stream as response:
                data = errors.json(response, status=(200,), max_bytes=self.max_response_bytes)
                data = errors.dig(data, kind=dict)
                return data, response.headers.get("x-generation-id")

        data, generation_id = call()
        return self._result(data, generation_id, errors)

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        errors, url, headers, body = self._prepare(inputs)
        cap = self.max_response_bytes
        client = loop_http_client(timeout=self.timeout)  # pooled per event loop

        async def call() -> tuple[dict[str, Any], str | None]:
            with errors.translate():
                async with client.stream("POST", url, json=body, headers=headers) as response:
                    announced = response.headers.get("content-length", "")
                    if announced.isdigit() and int(announced) > cap:
                        raise errors.invalid(f"the response is over the {cap}-byte cap")
                    if len(await response.aread()) > cap:
                        raise errors.invalid(f"the response exceeds the {cap}-byte cap")
                    data = errors.dig(errors.json(response, status=(200,)), kind=dict)
                    return data, response.headers.get("x-generation-id")

        data, generation_id = await call()
        return self._result(data, generation_id, errors)

    def _prepare(
        self, inputs: dict[str, Any]
    ) -> tuple[HTTPErrorContext, str, dict[str, str], dict[str, Any]]:
        key = self.get_api_key()
        base = (
            resolve_setting("OPENROUTER_BASE_URL", self._base_url, default=DEFAULT_BASE_URL) or ""
        )
        errors = HTTPErrorContext(
            "OpenRouter", generator_id=GENERATOR_ID, key_env=KEY_ENV, secrets=(key,)
        )
        headers = {"Authorization": f"Bearer {key}"}
        referer = resolve_setting("OPENROUTER_HTTP_REFERER", self._referer)
        title = resolve_setting("OPENROUTER_APP_TITLE", self._title)
        if referer:
            headers["HTTP-Referer"] = referer
        if title:
            headers["X-OpenRouter-Title"] = headers["X-Title"] = title
        body = self._request_body(inputs)
        return errors, f"{base.rstrip('/')}/chat/completions", headers, body

    def _request_body(self, inputs: dict[str, Any]) -> dict[str, Any]:
        prompt = inputs["prompt"]
        if inputs["negative_prompt"]:
            prompt += f"\n\nAvoid: {inputs['negative_prompt']}"
        content: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
        urls = [
            input_url(v, accept=("image/",), generator_id=GENERATOR_ID) for v in inputs["images"]
        ]
        content += [{"type": "image_url", "image_url": {"url": url}} for url in urls]
        modalities = inputs["modalities"] or (
            ["image"] if inputs["model"].startswith(IMAGE_ONLY_PREFIXES) else ["image", "text"]
        )
        body: dict[str, Any] = {
            "model": inputs["model"],
            "messages": [{"role": "user", "content": content}],
            "modalities": modalities,
            "image_config": {
                "aspect_ratio": inputs["aspect_ratio"],
                "image_size": inputs["image_size"],
            },
        }
        if inputs["seed"] is not None:
            body["seed"] = inputs["seed"]
        return body

    def _result(
        self, data: dict[str, Any], generation_id: str | None, errors: HTTPErrorContext
    ) -> GenerationResult:
        if isinstance(data.get("error"), dict):  # errors reported under HTTP 200
            code = data["error"].get("code")
            raise error_for_status(
                code if isinstance(code, int) and code >= 400 else 502,
                body=data,
                provider="OpenRouter",
                generator_id=GENERATOR_ID,
                key_env=KEY_ENV,
                secrets=errors.secrets,
            )
        choice = errors.dig(data, "choices", 0, kind=dict)
        message = errors.dig(data, "choices", 0, "message", kind=dict)
        text = message.get("content") or ""
        if choice.get("finish_reason") == "content_filter":
            raise ContentPolicyError(
                f"{GENERATOR_ID}: OpenRouter refused the prompt (content filter)",
                provider="OpenRouter",
                generator_id=GENERATOR_ID,
            )
        if not message.get("images"):
            said = f"; the model said: {str(text)[:200]!r}" if text else ""
            raise errors.invalid(f"no image in the response{said}")
        path = ("choices", 0, "message", "images")
        count = len(errors.dig(data, *path, kind=list))
        urls = [errors.dig(data, *path, i, "image_url", "url", kind=str) for i in range(count)]
        assets = [self._asset(url, errors) for url in urls]
        usage = Usage.from_raw(data.get("usage") if isinstance(data.get("usage"), dict) else None)
        usage.images = len(assets)
        return GenerationResult(
            assets=assets,
            metadata={
                "model": data.get("model"),
                "provider": data.get("provider"),
                "generation_id": generation_id or data.get("id"),
                "text": text,
                "finish_reason": choice.get("finish_reason"),
            },
            usage=usage,
        )

    def _asset(self, url: str, errors: HTTPErrorContext) -> MediaAsset:
        if url.startswith("data:"):
            try:
                raw = parse_data_url(url).data
            except MediaError as exc:
                raise errors.invalid(f"an image is a {exc.reason}") from exc
        else:
            raw = fetch_bytes(
                url, max_bytes=self.max_response_bytes, accept=("image/",), errors=errors
            )
        info = media_info(raw)
        if info.mime_type is None or not info.mime_type.startswith("image/") or info.width is None:
            raise errors.invalid(
                f"an image could not be recognised ({info.mime_type or 'unknown type'})"
            )
        return MediaAsset(data=raw, mime_type=info.mime_type, width=info.width, height=info.height)
