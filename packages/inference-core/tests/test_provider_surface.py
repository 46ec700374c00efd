"""The plugin authors' surface: ``inference_core.provider``, and the 0.1 module paths that now warn."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import inference_core.provider as provider

OLD_MODULES = ("audio", "download", "http_errors", "keys", "openai_sdk", "retry")


def test_every_exported_name_resolves_and_is_listed() -> None:
    assert provider.__all__ == sorted(provider.__all__, key=lambda n: (not n.isupper(), n))
    for name in provider.__all__:
        assert getattr(provider, name) is not None
    assert set(dir(provider)) == set(provider.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        provider.nope  # noqa: B018


@pytest.mark.parametrize("name", OLD_MODULES)
def test_old_module_paths_warn_and_keep_working(name: str) -> None:
    sys.modules.pop(f"inference_core.{name}", None)
    with pytest.warns(DeprecationWarning, match=f"inference_core.{name} is deprecated"):
        module = importlib.import_module(f"inference_core.{name}")
    private = importlib.import_module(f"inference_core._{name}")
    for exported in private.__all__:
        assert getattr(module, exported) is getattr(private, exported)


def test_importing_the_surface_imports_no_toolkit_module() -> None:
    code = (
        "import sys, inference_core.provider\n"
        "loaded = [m for m in ('inference_core._download', 'inference_core._http_errors',"
        " 'inference_core._openai_sdk', 'inference_core._audio', 'httpx') if m in sys.modules]\n"
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
