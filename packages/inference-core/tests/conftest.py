from __future__ import annotations

import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from inference_core import plugins

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


@pytest.fixture(autouse=True)
def own_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry-point index of these tests goes to a folder of their own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def make_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Path]]:
    """Install a throwaway distribution (a real ``.dist-info`` on ``sys.path``) with an entry point.

    ``make_distribution("gen-foo", "gen_foo", source)`` writes module ``gen_foo``
    with ``source`` and an ``inference_core`` entry point naming it.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def make(
        dist: str, module: str, source: str, *, version: str = "1.0", ep_name: str | None = None
    ) -> Path:
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        modules.append(module)
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(
            f"[inference_core]\n{ep_name or module} = {module}\n"
        )
        return site

    yield make
    monkeypatch.undo()
    for module in modules:
        sys.modules.pop(module, None)
    plugins.reload_plugins()


GOOD_PLUGIN = """
from inference_core import BaseImageGenerator, GenerationResult, GeneratorMetadata, MediaAsset, hookimpl

class {cls}(BaseImageGenerator):
    metadata = GeneratorMetadata(id="{gid}", name="{cls}", description="test generator",
                                 input_schema={{"prompt": {{"type": "string", "required": True}}}})

    def generate(self, **inputs):
        return GenerationResult(assets=[MediaAsset(data=b"\\x89PNG\\r\\n\\x1a\\n", mime_type="image/png")])

@hookimpl
def register_generators():
    return [{cls}]
"""


def _good_plugin(cls: str, gid: str) -> str:
    return GOOD_PLUGIN.format(cls=cls, gid=gid)


@pytest.fixture
def good_plugin() -> Callable[[str, str], str]:
    """Source of a plugin module registering one working image generator ``gid`` (class ``cls``)."""
    return _good_plugin
