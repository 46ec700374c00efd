from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from openrouter_protocol import API_KEY, OpenRouterApp

from inference_core.testing import LoopbackServer

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator


@pytest.fixture
def openrouter_app() -> OpenRouterApp:
    return OpenRouterApp()


@pytest.fixture
def openrouter(
    openrouter_app: OpenRouterApp, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> Iterator[LoopbackServer]:
    """A loopback OpenRouter; the generator finds it and its key through the environment."""
    with LoopbackServer(openrouter_app) as server:
        monkeypatch.setenv("OPENROUTER_BASE_URL", server.url + "/api/v1")
        monkeypatch.setenv("OPENROUTER_API_KEY", API_KEY)
        monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(tmp_path / "no-config.yaml"))
        for name in ("OPENROUTER_HTTP_REFERER", "OPENROUTER_APP_TITLE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(tmp_path)
        yield server
