from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import pytest
from openai_images_app import ImagesAPI

from gen_openai_image import OpenAIImageGenerator
from inference_core.retry import RetryPolicy
from inference_core.testing import LoopbackServer

KEY = "sk-test-loopback-key"


@pytest.fixture(autouse=True)
def isolated_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No key, base URL, config file or .env from the machine running the tests."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(home / "absent.yaml"))
    monkeypatch.chdir(home)


@pytest.fixture
def api() -> ImagesAPI:
    return ImagesAPI(KEY, image_size=(32, 24))


@pytest.fixture
def server(api) -> Iterator[LoopbackServer]:
    with LoopbackServer(api) as running:
        yield running


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def out_dir(tmp_path):
    return tmp_path / "images"


@pytest.fixture
def gen(server, out_dir, slept) -> OpenAIImageGenerator:
    """The generator against the loopback server; retries record their waits instead of sleeping."""
    return OpenAIImageGenerator(
        api_key=KEY,
        base_url=f"{server.url}/v1",
        timeout=2.0,
        retry_policy=RetryPolicy(max_attempts=3, base_delay=0.01, sleep=slept.append),
        output_dir=out_dir,
    )


def decode_png(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG whose chunks, CRCs and pixel data all check out."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, size = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(
            kind + body
        )
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert size is not None
    width, height = size
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height
