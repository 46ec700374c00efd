"""The ``replicate_sd_generator``: Stable Diffusion XL through Replicate's predictions API (httpx)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from inference_core import (
    BaseImageGenerator,
    ContentPolicyError,
    GenerationResult,
    GeneratorMetadata,
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
    RetryPolicy,
    adownload,
    image_dimensions,
    input_url,
    loop_http_client,
    media_info,
    parse_data_url,
    resolve_setting,
)

if TYPE_CHECKING:
    import os
    from datetime import datetime

    import httpx

__all__ = ["SDXL_VERSION", "ReplicateSDGenerator"]

#: Consecutive retryable failures of the status request before a prediction is given up.
MAX_POLL_FAILURES = 3
GENERATOR_ID = "replicate_sd_generator"
KEY_ENV = "REPLICATE_API_TOKEN"
DEFAULT_BASE_URL = "https://api.replicate.com"
SDXL_VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
SCHEDULERS = ["DDIM", "DPMSolverMultistep", "HeunDiscrete", "KarrasDPM", "K_EULER_ANCESTRAL", "K_EULER", "PNDM"]  # fmt: skip
REFINERS = ["no_refiner", "expert_ensemble_refiner", "base_image_refiner"]
TERMINAL = {"succeeded", "failed", "canceled", "aborted"}
#: Inputs sent to the model as they are (``None`` values are left out).
SDXL_FIELDS = (
    "prompt", "negative_prompt", "width", "height", "num_outputs", "scheduler", "num_inference_steps",
    "guidance_scale", "seed", "prompt_strength", "refine", "refine_steps", "high_noise_frac",
    "apply_watermark", "lora_scale", "disable_safety_checker",
)  # fmt: skip


def _num(
    kind: str, default: object, low: float | None = None, high: float | None = None
) -> dict[str, Any]:
    bounds = {"minimum": low, "maximum": high}
    return {"type": kind, "default": default, **{k: v for k, v in bounds.items() if v is not None}}


class ReplicateSDGenerator(BaseImageGenerator):
    """SDXL on Replicate: text-to-image, or image-to-image with ``image`` (and inpainting with ``mask``).

    >>> gen = ReplicateSDGenerator()  # REPLICATE_API_TOKEN from the config, env or .env
    >>> result = gen.generate(prompt="an astronaut riding a horse", num_outputs=2)  # doctest: +SKIP
    """

    metadata = GeneratorMetadata(
        id=GENERATOR_ID,
        key=KeySpec("replicate", KEY_ENV),
        name="Replicate SDXL",
        description="Stable Diffusion XL on Replicate (predictions API): text-to-image, img2img, inpainting.",
        input_schema={
            "prompt": {"type": "string", "required": True, "min_length": 1},
            "negative_prompt": {"type": "string", "default": ""},
            "width": _num("integer", 1024, 64, 4096),
            "height": _num("integer", 1024, 64, 4096),
            "num_outputs": _num("integer", 1, 1, 4),
            "scheduler": {"type": "string", "enum": SCHEDULERS, "default": "K_EULER"},
            "num_inference_steps": _num("integer", 50, 1, 500),
            "guidance_scale": _num("float", 7.5, 1, 50),
            "seed": {
                "type": "integer",
                "default": None,
                "description": "Random if unset; read back from the logs.",
            },
            "images": {"type": "array", "items": {"type": "file"}, "default": [], "max_length": 1},
            "image": {"type": "file", "default": None, "description": "Input image for img2img."},
            "mask": {
                "type": "file",
                "default": None,
                "description": "Inpainting mask (white = repaint).",
            },
            "prompt_strength": _num("float", 0.8, 0, 1),
            "refine": {"type": "string", "enum": REFINERS, "default": "no_refiner"},
            "refine_steps": _num("integer", None, 1, 500),
            "high_noise_frac": _num("float", 0.8, 0, 1),
            "apply_watermark": {"type": "boolean", "default": True},
            "lora_scale": _num("float", 0.6, 0, 1),
            "disable_safety_checker": {"type": "boolean", "default": False},
            "version": {
                "type": "string",
                "default": SDXL_VERSION,
                "min_length": 64,
                "max_length": 64,
            },
        },
        output_schema={
            "type": "object",
            "properties": {"images": {"type": "array", "items": {"type": "string"}}},
        },
        capabilities={"input_media": ["image"], "output_media": ["image/png"]},
    )

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 600.0,
        wait: int = 60,
        poll_interval: float = 1.0,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        max_output_bytes: int = DEFAULT_MAX_BYTES,
        output_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(api_key=api_key)
        self._base_url = base_url
        self.timeout, self.wait, self.poll_interval = timeout, max(1, min(wait, 60)), poll_interval
        self.retry_policy, self.max_output_bytes = retry, max_output_bytes
        self.output_dir = output_dir
        self._adopted: set[str] = set()  # predictions found after an ambiguous create

    async def agenerate(self, **inputs: Any) -> GenerationResult:
        import asyncio

        key = self.get_api_key()
        base = resolve_setting("REPLICATE_BASE_URL", self._base_url, default=DEFAULT_BASE_URL) or ""
        base = base.rstrip("/")
        errors = HTTPErrorContext(
            "Replicate", generator_id=GENERATOR_ID, key_env=KEY_ENV, secrets=(key,)
        )
        body = {"version": inputs["version"], "input": _model_input(inputs)}
        deadline = time.monotonic() + self.timeout
        # One pooled client per event loop: a batch reuses its connections.
        client = loop_http_client(
            timeout=min(self.timeout, self.wait + 30.0), headers={"Authorization": f"Bearer {key}"}
        )
        pred = await self._create(client, base, body, errors)
        try:
            failures, delay = 0, self.poll_interval
            while pred["status"] not in TERMINAL:
                if time.monotonic() + delay > deadline:
                    raise errors.timeout(
                        f"prediction {pred['id']} did not finish within {self.timeout:g}s"
                    )
                await asyncio.sleep(delay)
                try:
                    polled = await self._get(client, pred["urls"]["get"], errors)
                    pred = _prediction(polled, errors)
                    failures, delay = 0, self.poll_interval
                except ProviderError as exc:
                    # Polling is not a new attempt: the prediction runs on, so a
                    # transient status failure is asked again, a few times at most.
                    failures += 1
                    if not exc.retryable or failures >= MAX_POLL_FAILURES:
                        raise
                    delay = max(self.poll_interval, exc.retry_after or 0.0)
        except BaseException:  # timeout, caller cancellation, Ctrl-C: stop paying for it
            if pred["status"] not in TERMINAL:
                await asyncio.shield(self._cancel(client, pred, errors))
            raise
        return await self._result(client, pred, errors)

    async def _create(
        self, client: httpx.AsyncClient, base: str, body: dict[str, Any], errors: HTTPErrorContext
    ) -> dict[str, Any]:
        """Create once; after an ambiguous failure, look for the prediction instead of creating another."""
        from datetime import datetime, timedelta  # on use: listing stays light

        since = datetime.now().astimezone() - timedelta(minutes=2)

        async def attempt() -> dict[str, Any]:
            try:
                with errors.translate():
                    response = await client.post(
                        f"{base}/v1/predictions", json=body, headers={"Prefer": f"wait={self.wait}"}
                    )
                    await response.aread()
                    return _prediction(errors.json(response, status=(200, 201)), errors)
            except ProviderError as exc:
                if _not_sent(exc):
                    raise
                found = await self._find(client, base, body, since, errors)
                if found is not None:
                    return found
                answered = exc.status_code is not None and exc.status_code >= 500
                if not answered:  # the server may still be creating it: never create again
                    exc.retryable = False
                    exc.add_note(
                        "the prediction may have been created; see https://replicate.com/predictions"
                    )
                raise

        return await attempt()

    async def _find(
        self,
        client: httpx.AsyncClient,
        base: str,
        body: dict[str, Any],
        since: datetime,
        errors: HTTPErrorContext,
    ) -> dict[str, Any] | None:
        from datetime import UTC, datetime

        try:
            listed = await self._get(client, f"{base}/v1/predictions", errors)
        except ProviderError:
            return None
        wanted = (body["version"], body["input"])
        results = listed.get("results")
        for pred in results if isinstance(results, list) else []:
            if not isinstance(pred, dict):
                continue
            try:
                created = datetime.fromisoformat(str(pred.get("created_at")))
            except ValueError:
                continue
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            fresh = created >= since and pred.get("id") not in self._adopted
            if fresh and (pred.get("version"), pred.get("input")) == wanted:
                found = _prediction(pred, errors)
                self._adopted.add(found["id"])
                return _prediction(await self._get(client, found["urls"]["get"], errors), errors)
        return None

    async def _get(
        self, client: httpx.AsyncClient, url: str, errors: HTTPErrorContext
    ) -> dict[str, Any]:
        with errors.translate():
            response = await client.get(url)
            await response.aread()
            data = errors.json(response)
        return dict(errors.dig(data, kind=dict))

    async def _cancel(
        self, client: httpx.AsyncClient, pred: dict[str, Any], errors: HTTPErrorContext
    ) -> None:
        try:
            await client.post(pred["urls"]["cancel"], timeout=10.0)
        except Exception:  # best effort: the original error matters more
            return

    async def _result(
        self, client: httpx.AsyncClient, pred: dict[str, Any], errors: HTTPErrorContext
    ) -> GenerationResult:
        if pred["status"] != "succeeded":
            reason = pred.get("error") or "no reason given"
            kind = ContentPolicyError if "nsfw" in str(reason).lower() else ProviderError
            raise errors.error(f"prediction {pred['id']} {pred['status']}: {reason}", kind)
        output = errors.dig(pred, "output")
        urls = output if isinstance(output, list) else [output]
        if not urls or not all(isinstance(u, str) for u in urls):
            raise errors.invalid(f"prediction {pred['id']} succeeded without output files")
        import shutil  # on use: listing stays light

        folder = Path(self.output_dir or scratch_dir(self.metadata.id)) / pred["id"]
        assets = []
        try:
            for i, url in enumerate(urls):
                if url.startswith("data:"):  # what `Prefer: wait` may answer with
                    assets.append(self._inline(url, errors))
                    continue
                path = folder / f"{i}-{Path(urlsplit(url).path).name or 'output'}"
                got = await adownload(
                    url, path, client=client, errors=errors, accept=("image/",),
                    max_bytes=self.max_output_bytes, timeout=self.timeout, fsync=False,
                )  # fmt: skip
                with path.open("rb") as handle:
                    width, height = image_dimensions(handle.read(1 << 16)) or (None, None)
                asset = MediaAsset(
                    path=path, mime_type=got.mime_type, url=url, width=width, height=height,
                    digest=got.sha256,
                )  # fmt: skip
                assets.append(asset)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        seed = re.search(r"Using seed: (\d+)", pred.get("logs") or "")
        metrics = pred.get("metrics") or {}
        return GenerationResult(
            assets=assets,
            metadata={
                "prediction_id": pred["id"],
                "version": pred.get("version"),
                "seed": int(seed[1]) if seed else None,
                "web_url": (pred.get("urls") or {}).get("web"),
            },
            usage=Usage(
                images=len(assets),
                seconds=_seconds(metrics.get("predict_time")),
                extra={"total_time": metrics["total_time"]} if "total_time" in metrics else {},
            ),
        )

    def _inline(self, url: str, errors: HTTPErrorContext) -> MediaAsset:
        """An output sent inline as a ``data:`` URL, checked as a download would be."""
        if len(url) > self.max_output_bytes * 4 // 3 + 256:
            raise errors.invalid(f"an inline output exceeds the {self.max_output_bytes}-byte cap")
        try:
            data = parse_data_url(url, field="output").data
        except MediaError as exc:
            raise errors.invalid(f"an output is a {exc.reason}") from exc
        info = media_info(data)
        if info.mime_type is None or not info.mime_type.startswith("image/"):
            found = info.mime_type or "unrecognised"
            raise errors.invalid(f"an inline output is not an image ({found})")
        return MediaAsset(mime_type=info.mime_type, data=data, width=info.width, height=info.height)


def _prediction(data: Any, errors: HTTPErrorContext) -> dict[str, Any]:
    """``data`` checked to be a prediction: an object with ``id``, ``status`` and ``urls.get``."""
    for path in (("id",), ("status",), ("urls", "get")):
        errors.dig(data, *path, kind=str)
    return dict(data)


def _seconds(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _not_sent(exc: ProviderError) -> bool:
    """Whether the create certainly made no prediction (refused, rate limited, or never sent)."""
    import httpx

    if exc.status_code is not None and 400 <= exc.status_code < 500:
        return True
    return isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _model_input(inputs: dict[str, Any]) -> dict[str, Any]:
    body = {name: inputs[name] for name in SDXL_FIELDS if inputs.get(name) is not None}
    image = inputs["image"] if inputs["image"] is not None else (inputs["images"] or [None])[0]
    for name, value in (("image", image), ("mask", inputs["mask"])):
        if value is not None:
            body[name] = input_url(value, accept=("image/",), field=name, generator_id=GENERATOR_ID)
    return body
