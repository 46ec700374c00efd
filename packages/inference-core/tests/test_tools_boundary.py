"""The agent boundary on tool calls: workspace-only files, no private URLs, no keys or base URLs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from inference_core import (
    BaseImageGenerator,
    GenerationResult,
    GeneratorMetadata,
    MediaAsset,
    get_image_generator_registry,
)
from inference_core.tools import as_tools, execute_tool_call

if TYPE_CHECKING:
    from collections.abc import Callable

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a3c90000000049454e44ae426082"
)
SEEN: list[dict[str, Any]] = []


class EditImage(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="boundary_edit_image",
        name="Edit",
        description="Returns the first input image.",
        input_schema={
            "prompt": {"type": "string", "required": True},
            "images": {"type": "array", "items": {"type": "file"}, "default": []},
            "mask": {"type": "file"},
            "api_key": {"type": "string", "secret": True},
            "base_url": {"type": "string"},
        },
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        SEEN.append(inputs)
        return GenerationResult(assets=[MediaAsset(data=PNG, mime_type="image/png")])


@pytest.fixture(autouse=True)
def edit(register_generator: Callable[..., None]) -> None:
    SEEN.clear()
    register_generator(EditImage)


def _run(tmp_path: Path, arguments: dict[str, Any], **options: Any) -> dict[str, Any]:
    call = {"id": "c1", "function": {"name": "boundary_edit_image", "arguments": arguments}}
    out = tmp_path / "out"
    options.setdefault("workspace", tmp_path / "ws")
    message = execute_tool_call(get_image_generator_registry(), call, out_dir=out, **options)
    result: dict[str, Any] = json.loads(message["content"])
    return result


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "frames").mkdir(parents=True)
    (ws / "frames" / "a.png").write_bytes(PNG)
    return ws


def test_tool_definitions_hide_keys_and_base_urls() -> None:
    [tool] = [t for t in as_tools(None) if t["function"]["name"] == "boundary_edit_image"]
    properties = tool["function"]["parameters"]["properties"]
    assert set(properties) == {"prompt", "images", "mask"}
    assert "$schema" not in tool["function"]["parameters"]


def test_relative_path_resolves_under_the_workspace(tmp_path: Path, workspace: Path) -> None:
    content = _run(tmp_path, {"prompt": "x", "images": ["frames/a.png"]})
    assert content["status"] == "ok"
    assert SEEN[0]["images"] == [str(workspace / "frames" / "a.png")]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"images": ["/etc/passwd"]}, "images[0]"),
        ({"images": ["frames/a.png", "../outside.png"]}, "images[1]"),
        ({"mask": "~/secret.png"}, "mask"),
    ],
)
def test_paths_outside_the_workspace_are_refused(
    tmp_path: Path, workspace: Path, arguments: dict[str, Any], field: str
) -> None:
    (tmp_path / "outside.png").write_bytes(PNG)
    content = _run(tmp_path, {"prompt": "x", **arguments})
    assert content["status"] == "error"
    assert content["error"]["type"] == "InvalidArguments"
    assert [f["field"] for f in content["error"]["fields"]] == [field]
    assert "outside the workspace" in content["error"]["message"]
    assert SEEN == []
    assert not (tmp_path / "out").exists()


def test_a_symlink_out_of_the_workspace_is_refused(tmp_path: Path, workspace: Path) -> None:
    (tmp_path / "outside.png").write_bytes(PNG)
    (workspace / "link.png").symlink_to(tmp_path / "outside.png")
    content = _run(tmp_path, {"prompt": "x", "mask": "link.png"})
    assert content["error"]["fields"][0]["field"] == "mask"
    assert SEEN == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:8080/a.png", "loopback"),
        ("http://localhost/a.png", "loopback"),
        ("http://[::1]/a.png", "loopback"),
        ("http://10.1.2.3/a.png", "private"),
        ("http://192.168.0.10/a.png", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://0.0.0.0/a.png", "unspecified"),
    ],
)
def test_private_urls_are_refused(tmp_path: Path, url: str, kind: str) -> None:
    content = _run(tmp_path, {"prompt": "x", "images": [url]})
    assert content["status"] == "error"
    assert content["error"]["fields"][0]["field"] == "images[0]"
    assert kind in content["error"]["message"]
    assert SEEN == []


def test_private_urls_allowed_on_request_and_public_ones_always(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8080/a.png"
    assert (
        _run(tmp_path, {"prompt": "x", "images": [url]}, allow_private_urls=True)["status"] == "ok"
    )
    public = "https://93.184.215.14/a.png"
    assert _run(tmp_path, {"prompt": "x", "mask": public})["status"] == "ok"
    assert [SEEN[0]["images"], SEEN[1]["mask"]] == [[url], public]


def test_keys_and_base_urls_cannot_be_set(tmp_path: Path) -> None:
    content = _run(tmp_path, {"prompt": "x", "api_key": "sk-planted", "base_url": "http://evil"})
    assert [f["field"] for f in content["error"]["fields"]] == ["api_key", "base_url"]
    assert "cannot set keys or base URLs" in content["error"]["message"]
    assert "sk-planted" not in json.dumps(content)
    assert SEEN == []


def test_without_a_workspace_the_out_dir_is_the_root(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "prev.png").write_bytes(PNG)
    call = {"id": "c", "function": {"name": "boundary_edit_image", "arguments": {}}}
    call["function"]["arguments"] = {"prompt": "x", "images": ["prev.png"]}
    message = execute_tool_call(None, call, out_dir=out)
    assert json.loads(message["content"])["status"] == "ok"
    assert SEEN[0]["images"] == [str(out / "prev.png")]


class FetchImage(BaseImageGenerator):
    metadata = GeneratorMetadata(
        id="boundary_fetch_image",
        name="Fetch",
        description="Reads its input image (http(s) URLs are fetched).",
        input_schema={"images": {"type": "array", "items": {"type": "file"}, "required": True}},
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        from inference_core import load_file

        data = load_file(inputs["images"][0])
        return GenerationResult(assets=[MediaAsset(data=data, mime_type="image/png")])


def test_a_redirect_to_a_private_address_is_refused(
    register_generator: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A public URL that redirects to loopback: the first hop passes, the redirect is refused."""
    from inference_core import _boundary
    from inference_core.testing import LoopbackServer

    register_generator(FetchImage)
    real = _boundary._private_address
    # "localhost" plays a public host here (as if DNS said so); 127.0.0.1 stays loopback.
    monkeypatch.setattr(
        _boundary, "_private_address", lambda h: None if h == "localhost" else real(h)
    )
    hits: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        hits.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] == "/public.png":
            target = f"http://127.0.0.1:{environ['SERVER_PORT']}/private.png"
            start_response("302 Found", [("Location", target), ("Content-Length", "0")])
            return [b""]
        start_response("200 OK", [("Content-Type", "image/png")])
        return [PNG]

    with LoopbackServer(app) as server:
        port = server.url.rsplit(":", 1)[1]
        call = {
            "id": "r",
            "function": {
                "name": "boundary_fetch_image",
                "arguments": {"images": [f"http://localhost:{port}/public.png"]},
            },
        }
        refused = json.loads(execute_tool_call(None, call, out_dir=tmp_path)["content"])
        assert hits == ["/public.png"]
        assert refused["status"] == "error"
        assert "refused to fetch 127.0.0.1, a loopback address" in refused["error"]["message"]
        assert list(tmp_path.iterdir()) == []

        allowed = execute_tool_call(None, call, out_dir=tmp_path, allow_private_urls=True)
        assert json.loads(allowed["content"])["status"] == "ok"
        assert hits == ["/public.png", "/public.png", "/private.png"]
