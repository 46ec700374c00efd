from __future__ import annotations

import asyncio
import hashlib
import struct
import zlib
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import (
    AuthenticationError,
    ConfigurationError,
    InvalidResponseError,
    ProviderError,
    ProviderTimeoutError,
    load_file,
)
from inference_core.provider import (
    HTTPErrorContext,
    adownload,
    afetch_bytes,
    check_url,
    download,
    fetch_bytes,
    http_client,
    image_dimensions,
    input_url,
)
from inference_core.testing import Fault, LoopbackServer

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterable, Iterator


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = (b"\x00" + b"\x10\x20\x30" * width) * height
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = png()
TOKEN = "r8_download_test_token"
FILES = {
    "/out.png": ("image/png", PNG),
    "/clip.wav": ("audio/wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(60)),
    "/page.html": (
        "text/html",
        b"<!doctype html><html><body>not an image</body></html>" + bytes(40),
    ),
    "/big.png": ("image/png", PNG + bytes(300_000)),
    "/empty.png": ("image/png", b""),
}


def files_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("HTTP_AUTHORIZATION") != f"Bearer {TOKEN}":
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"detail": "Unauthenticated"}']
    mime, body = FILES.get(environ["PATH_INFO"], ("text/plain", b""))
    if environ["PATH_INFO"] not in FILES:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"missing"]
    start_response("200 OK", [("Content-Type", mime), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(files_app) as srv:
        yield srv


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_download_streams_to_disk_and_reports_what_arrived(
    server: LoopbackServer, tmp_path: pathlib.Path
) -> None:
    result = download(
        server.url + "/out.png", tmp_path / "a" / "out.png", headers=AUTH, accept=("image/",)
    )
    assert result.path == tmp_path / "a" / "out.png"
    assert result.path.read_bytes() == PNG
    assert (result.mime_type, result.size, result.sha256) == (
        "image/png",
        len(PNG),
        hashlib.sha256(PNG).hexdigest(),
    )
    assert server.requests[0].header("authorization") == f"Bearer {TOKEN}"


def listing(path: pathlib.Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


@pytest.mark.parametrize(
    ("path", "kwargs", "error", "text"),
    [
        ("/big.png", {"max_bytes": 100_000}, InvalidResponseError, "over the 100000-byte cap"),
        ("/page.html", {}, InvalidResponseError, "not a recognised media type"),
        ("/clip.wav", {"accept": ("image/",)}, InvalidResponseError, "the download is audio/wav"),
        ("/empty.png", {}, InvalidResponseError, "empty"),
        ("/missing.png", {}, ProviderError, "HTTP 404"),
    ],
)
def test_rejected_downloads_leave_nothing_on_disk(
    server: LoopbackServer,
    tmp_path: pathlib.Path,
    path: str,
    kwargs: dict[str, Any],
    error: type[Exception],
    text: str,
) -> None:
    with pytest.raises(error, match=text):
        download(server.url + path, tmp_path / "out.bin", headers=AUTH, **kwargs)
    assert listing(tmp_path) == []


def test_cap_is_enforced_while_streaming_without_content_length(tmp_path: pathlib.Path) -> None:
    def chunked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "image/png")])
        yield PNG
        for _ in range(50):
            yield bytes(10_000)

    with (
        LoopbackServer(chunked) as srv,
        pytest.raises(InvalidResponseError, match="exceeds the 100000-byte cap"),
    ):
        download(srv.url + "/x.png", tmp_path / "x.png", max_bytes=100_000)
    assert listing(tmp_path) == []


def test_auth_failure_truncation_and_hang(server: LoopbackServer, tmp_path: pathlib.Path) -> None:
    errors = HTTPErrorContext(
        "Replicate", generator_id="replicate_sd_generator", key_env="REPLICATE_API_TOKEN"
    )
    with pytest.raises(AuthenticationError, match="REPLICATE_API_TOKEN"):
        download(server.url + "/out.png", tmp_path / "o.png", errors=errors)
    server.script(Fault.truncated())
    with pytest.raises(InvalidResponseError, match="cut short"):
        download(server.url + "/big.png", tmp_path / "o.png", headers=AUTH, errors=errors)
    server.script(Fault.hang(5))
    with pytest.raises(ProviderTimeoutError):
        download(
            server.url + "/out.png", tmp_path / "o.png", headers=AUTH, timeout=0.2, errors=errors
        )
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x.png", "/tmp/x.png", "http://"]
)
def test_only_http_urls(url: str, tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigurationError, match="only http"):
        check_url(url)
    with pytest.raises(ConfigurationError):
        download(url, tmp_path / "x")


def test_async_download_and_fetch(server: LoopbackServer, tmp_path: pathlib.Path) -> None:
    async def main() -> tuple[Any, bytes]:
        result = await adownload(server.url + "/out.png", tmp_path / "o.png", headers=AUTH)
        data = await afetch_bytes(server.url + "/out.png", headers=AUTH)
        return result, data

    result, data = asyncio.run(main())
    assert result.path.read_bytes() == PNG == data
    with pytest.raises(AuthenticationError):
        asyncio.run(afetch_bytes(server.url + "/out.png"))
    with pytest.raises(InvalidResponseError):
        asyncio.run(adownload(server.url + "/page.html", tmp_path / "p.bin", headers=AUTH))
    assert listing(tmp_path) == ["o.png"]


def test_fetch_bytes_with_a_shared_client(server: LoopbackServer) -> None:
    with http_client(headers=AUTH) as client:
        assert fetch_bytes(server.url + "/out.png", client=client) == PNG
        assert fetch_bytes(server.url + "/out.png", client=client, accept=("image/png",)) == PNG


def test_load_file_reads_http_urls_through_fetch_bytes(tmp_path: pathlib.Path) -> None:
    def public(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "image/png")])
        return [PNG]

    with LoopbackServer(public) as srv:
        assert load_file(srv.url + "/in.png") == PNG


def test_image_dimensions_of_common_formats() -> None:
    import io

    Image = pytest.importorskip("PIL.Image", reason="needs Pillow (the testing extra)")

    assert image_dimensions(png(7, 5)) == (7, 5)
    for fmt, kwargs in [("JPEG", {}), ("GIF", {}), ("WEBP", {}), ("WEBP", {"lossless": True})]:
        buffer = io.BytesIO()
        Image.new("RGB", (33, 17), (10, 20, 30)).save(buffer, fmt, **kwargs)
        assert image_dimensions(buffer.getvalue()) == (33, 17), fmt
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 9), (10, 20, 30, 0)).save(buffer, "WEBP")
    assert image_dimensions(buffer.getvalue()) == (40, 9)
    assert image_dimensions(b"not an image at all") is None
    assert image_dimensions(b"\x89PNG\r\n\x1a\n\x00\x00") is None


def test_input_url_passes_urls_and_encodes_files(tmp_path: pathlib.Path) -> None:
    import base64

    from inference_core import InputValidationError

    assert input_url("https://example.com/a.png") == "https://example.com/a.png"
    assert input_url("data:image/png;base64,AAAA") == "data:image/png;base64,AAAA"
    expected = "data:image/png;base64," + base64.b64encode(PNG).decode()
    path = tmp_path / "in.png"
    path.write_bytes(PNG)
    assert input_url(PNG) == input_url(path) == input_url(str(path)) == expected
    with pytest.raises(InputValidationError) as info:
        input_url(
            b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(60),
            accept=("image/",),
            field="image",
            generator_id="g",
        )
    assert info.value.fields == ["image"] and "audio/wav" in str(info.value)
    with pytest.raises(InputValidationError, match="not a recognised media type"):
        input_url(b"hello", generator_id="g")
    with pytest.raises(ConfigurationError, match="not found"):
        input_url(tmp_path / "missing.png")


def test_loop_http_client_reuses_one_connection_and_closes_with_the_loop() -> None:
    from inference_core.provider import loop_http_client

    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:  # requests without a body, answered on the same connection
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:  # also when the loop's shutdown cancels this handler
            writer.close()

    async def main() -> Any:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        async with server:
            client = loop_http_client(timeout=5.0, headers={"Authorization": "Bearer k"})
            for _ in range(3):  # as three scenes of a batch would
                shared = loop_http_client(timeout=5.0, headers={"Authorization": "Bearer k"})
                assert shared is client
                assert (await shared.get(url)).text == "ok"
            other = loop_http_client(timeout=5.0)  # other settings: a client of its own
            assert other is not client
            return client

    client = asyncio.run(main())
    assert len(connections) == 1
    assert client.is_closed  # closed while its loop still ran
