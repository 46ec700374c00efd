"""``inference_core.lazy.lazy_exports``: the PEP 562 hooks every package ``__init__`` shares."""

from __future__ import annotations

import sys
import types

import pytest

from inference_core.lazy import lazy_exports


def test_a_name_is_imported_on_first_use_then_kept() -> None:
    module = types.ModuleType("pkg_under_test")
    module.__dict__["__all__"] = ["dumps", "JSONDecoder"]
    exports = {"dumps": "json", "JSONDecoder": "json.decoder"}
    module.__getattr__, module.__dir__ = lazy_exports(vars(module), exports)  # type: ignore[method-assign]
    sys.modules["pkg_under_test"] = module
    try:
        import json
        import json.decoder

        assert "dumps" not in vars(module)
        assert module.dumps is json.dumps
        assert vars(module)["dumps"] is json.dumps  # kept: __getattr__ is not asked again
        assert module.JSONDecoder is json.decoder.JSONDecoder
        assert dir(module) == ["JSONDecoder", "dumps"]
        with pytest.raises(AttributeError, match="module 'pkg_under_test' has no attribute 'nope'"):
            module.nope  # noqa: B018
    finally:
        del sys.modules["pkg_under_test"]


def test_the_provider_surface_uses_it() -> None:
    import inference_core.provider as provider

    assert dir(provider) == sorted(provider.__all__)
    with pytest.raises(AttributeError, match="module 'inference_core.provider' has no attribute"):
        provider.nope  # noqa: B018
