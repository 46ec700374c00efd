"""The kit against HTTP plugins (faults it scripts itself), import cost, and its own robustness."""

from __future__ import annotations

import base64
import importlib
import io
import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, ProviderError
from inference_core.plugins import get_plugins, reload_plugins
from inference_core.testing import LoopbackServer
from inference_core.testing.conformance import check_generator, check_import_cost, check_schema

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from types import ModuleType

HTTP_PLUGIN = """
from inference_core import (
    BaseImageGenerator, GenerationResult, GeneratorMetadata, KeySpec, MediaAsset, ProviderError, hookimpl,
)
from inference_core.provider import HTTPErrorContext, http_client

SCHEMA = {
    "prompt": {"type": "string", "required": True},
    "width": {"type": "integer", "default": 32, "minimum": 8, "maximum": 256},
    "height": {"type": "integer", "default": 24, "minimum": 8, "maximum": 256},
}


class HttpImage(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="http_image", name="HTTP image", description="Images from a JSON API.",
        input_schema=SCHEMA, key=KeySpec("acme", "ACME_API_KEY"),
    )

    def __init__(self, *, api_key=None, base_url="https://acme.invalid", timeout=60.0):
        super().__init__(api_key=api_key)
        self.base_url, self.timeout = base_url, timeout

    def generate(self, **inputs):
        key = self.get_api_key()
        errors = HTTPErrorContext("Acme", generator_id=self.metadata.id, key_env="ACME_API_KEY", secrets=(key,))
        with errors.translate(), http_client(timeout=self.timeout) as client:
            response = client.post(
                self.base_url + "/v1/images", json=inputs, headers={"Authorization": f"Bearer {key}"}
            )
            data = errors.json(response)
        import base64
        raw = base64.b64decode(data["image"])
        return GenerationResult(
            assets=[MediaAsset(data=raw, mime_type="image/png", width=inputs["width"], height=inputs["height"])]
        )


class PlainErrorImage(HttpImage):
    metadata = GeneratorMetadata(
        id="plain_error_image", name="Plain errors", description="Turns every failure into ProviderError.",
        input_schema=SCHEMA, key=KeySpec("acme", "ACME_API_KEY"),
    )

    def generate(self, **inputs):
        try:
            return super().generate(**inputs)
        except ProviderError as exc:
            raise ProviderError(f"acme failed: {exc}", provider="acme") from None


class PartialFileImage(HttpImage):
    metadata = GeneratorMetadata(
        id="partial_file_image", name="Partial", description="Spools the body to a file first.",
        input_schema=SCHEMA, key=KeySpec("acme", "ACME_API_KEY"),
    )

    def generate(self, **inputs):
        import os, tempfile
        key = self.get_api_key()
        errors = HTTPErrorContext("Acme", generator_id=self.metadata.id, key_env="ACME_API_KEY", secrets=(key,))
        fd, spool = tempfile.mkstemp(suffix=".json")
        with errors.translate(), http_client(timeout=self.timeout) as client:
            response = client.post(
                self.base_url + "/v1/images", json=inputs, headers={"Authorization": f"Bearer {key}"}
            )
            os.write(fd, response.content)
            os.close(fd)
            data = errors.json(response)  # raises on a fault: the spool file stays behind
        os.unlink(spool)
        import base64
        raw = base64.b64decode(data["image"])
        return GenerationResult(
            assets=[MediaAsset(data=raw, mime_type="image/png", width=inputs["width"], height=inputs["height"])]
        )


@hookimpl
def register_generators():
    return [HttpImage, PlainErrorImage, PartialFileImage]
"""


def fake_acme(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The provider: POST /v1/images with {prompt, width, height} answers a base64 PNG."""
    from PIL import Image

    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    buffer = io.BytesIO()
    Image.new("RGB", (body["width"], body["height"]), (10, 120, 200)).save(buffer, "PNG")
    payload = json.dumps({"image": base64.b64encode(buffer.getvalue()).decode()}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [payload]


@pytest.fixture
def http_plugin(make_distribution: Callable[..., Path]) -> ModuleType:
    get_plugins()
    make_distribution("gen-http-test", "gen_http_test", HTTP_PLUGIN, version="1.0.0")
    reload_plugins()
    return importlib.import_module("gen_http_test")


def run_http_kit(generator_id: str) -> None:
    with LoopbackServer(fake_acme) as server:
        cls = get_plugins().generators[generator_id][0]
        check_generator(
            cls,
            {"prompt": "a fox", "width": 32, "height": 24},
            secrets={"ACME_API_KEY": "sk-acme-conformance-9876"},
            generator_kwargs={"base_url": server.url, "timeout": 30.0},
            check_listing=False,
            server=server,
            make_for_server=lambda timeout: cls(base_url=server.url, timeout=timeout),
        )


@pytest.mark.usefixtures("http_plugin")
def test_a_plugin_that_translates_http_errors_passes_every_fault() -> None:
    pytest.importorskip("PIL", reason="the kit decodes images with Pillow (the testing extra)")
    run_http_kit("http_image")


@pytest.mark.usefixtures("http_plugin")
def test_a_plugin_that_flattens_errors_fails_naming_each_fault() -> None:
    pytest.importorskip("PIL", reason="the kit decodes images with Pillow (the testing extra)")
    with pytest.raises(AssertionError) as info:
        run_http_kit("plain_error_image")
    assert str(info.value).split("; ") == [
        "plain_error_image: provider faults are not translated as the retry policy needs: "
        "401 Unauthorized: raised ProviderError, expected AuthenticationError",
        "401 Unauthorized: status_code is None, expected 401",
        "429 with Retry-After: 0.01: raised ProviderError, expected RateLimitError",
        "429 with Retry-After: 0.01: retryable is False, expected True",
        "429 with Retry-After: 0.01: status_code is None, expected 429",
        "429 with Retry-After: 0.01: retry_after is None, expected 0.01 (the Retry-After header)",
        "500 Internal Server Error: retryable is False, expected True",
        "500 Internal Server Error: status_code is None, expected 500",
        "a hang past the timeout (0.5 s): raised ProviderError, expected ProviderTimeoutError",
        "a malformed body (200, cut-off JSON): raised ProviderError, expected InvalidResponseError "
        "(use HTTPErrorContext / error_for_status from inference_core.provider)",
    ]


@pytest.mark.usefixtures("http_plugin")
def test_a_plugin_that_leaves_a_partial_file_on_a_fault_fails() -> None:
    pytest.importorskip("PIL", reason="the kit decodes images with Pillow (the testing extra)")
    with pytest.raises(AssertionError) as info:
        run_http_kit("partial_file_image")
    assert str(info.value).startswith(
        "partial_file_image: provider faults are not translated as the retry policy needs: "
        "a call under 401 Unauthorized left files behind (temporary folder: tmp"
    )


def test_import_cost_names_the_heavy_modules_and_the_time(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    source = good_plugin("Slow", "slow_image_generator").replace(
        "from inference_core import",
        "import time, jsonschema\ntime.sleep(0.6)\nfrom inference_core import",
        1,
    )
    make_distribution("gen-slow-image", "gen_slow", source)
    reload_plugins()
    with pytest.raises(AssertionError) as info:
        check_import_cost("slow_image_generator")
    message = str(info.value)
    assert re.search(
        r"slow_image_generator: importing gen_slow imports [a-z_, ]*\bjsonschema\b", message
    )
    assert re.search(
        r"importing gen_slow takes (0\.[6-9]|[1-9]\.)\d+ s \(budget 0\.50 s\)", message
    )


def test_a_malformed_schema_is_reported_not_crashed_on() -> None:
    class BadMinimum(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="bad_minimum",
            name="Bad",
            description="d",
            input_schema={"width": {"type": "integer", "minimum": "16"}},
        )

        def generate(self, **inputs: object) -> GenerationResult:
            return GenerationResult()

    with pytest.raises(AssertionError) as info:
        check_schema(BadMinimum, {})
    assert str(info.value) == (
        "bad_minimum: the input schema does not compile: "
        "TypeError: schema field 'width': minimum must be a number, not '16'"
    )


def test_errors_through_the_sync_bridge_chain_no_event_loop_error() -> None:
    class AsyncOnly(BaseImageGenerator):
        metadata = GeneratorMetadata(id="async_only", name="A", description="d")

        async def agenerate(self, **inputs: object) -> GenerationResult:
            raise ProviderError("the provider is down", provider="test")

    with pytest.raises(ProviderError) as info:
        AsyncOnly().generate()
    assert info.value.__context__ is None and info.value.__cause__ is None
