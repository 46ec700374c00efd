from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from inference_core import (
    DuplicateGeneratorError,
    GeneratorNotFoundError,
    PluginLoadError,
    get_image_generator_registry,
)
from inference_core.plugins import reload_plugins

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


def test_an_installed_distribution_is_discovered(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    found = reload_plugins()
    _, info = found.generators["alpha_image_generator"]
    assert (info.distribution, info.version, info.entry_point) == (
        "gen-alpha-image",
        "1.0",
        "gen_alpha",
    )
    assert "alpha_image_generator" in get_image_generator_registry().list_generators()
    assert get_image_generator_registry().generate("alpha_image_generator", prompt="x").assets


def test_import_error_is_isolated_and_raised_on_use(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    make_distribution("gen-broken-image", "gen_broken", "import no_such_module_anywhere\n")
    found = reload_plugins()
    (failure,) = found.failures
    assert failure.distribution == "gen-broken-image"
    assert failure.version == "1.0"
    assert "ModuleNotFoundError" in failure.error
    registry = get_image_generator_registry()
    assert registry.generate("alpha_image_generator", prompt="x").assets
    with pytest.raises(PluginLoadError, match="gen-broken-image 1.0") as info:
        registry.get_generator("broken_image_generator")
    assert info.value.distribution == "gen-broken-image"


def test_strict_mode_raises_the_load_failure(
    make_distribution: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_distribution("gen-broken-image", "gen_broken", "raise ImportError('boom')\n")
    monkeypatch.setenv("INFERENCE_CORE_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="gen-broken-image.*boom"):
        reload_plugins()


def test_a_raising_hook_is_isolated(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    make_distribution(
        "gen-raiser",
        "gen_raiser",
        """
        from inference_core import hookimpl

        @hookimpl
        def register_generators():
            raise RuntimeError("hook exploded")
    """,
    )
    found = reload_plugins()
    assert [f.distribution for f in found.failures] == ["gen-raiser"]
    assert "hook exploded" in found.failures[0].error
    assert "alpha_image_generator" in found.generators


def test_a_non_generator_return_is_isolated(make_distribution: Callable[..., Path]) -> None:
    make_distribution(
        "gen-odd",
        "gen_odd",
        """
        from inference_core import hookimpl

        @hookimpl
        def register_generators():
            return [dict, "nope"]
    """,
    )
    found = reload_plugins()
    assert len(found.failures) == 2
    assert all("not a generator class" in f.error for f in found.failures)


def test_a_misspelled_hook_is_the_plugins_failure(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    make_distribution(
        "gen-typo",
        "gen_typo",
        """
        from inference_core import hookimpl

        @hookimpl
        def register_generatorz():
            return []
    """,
    )
    found = reload_plugins()
    (failure,) = found.failures
    assert failure.distribution == "gen-typo"
    assert "register_generatorz" in failure.error
    assert "alpha_image_generator" in found.generators


def test_duplicate_ids_across_distributions(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-one", "gen_one", good_plugin("One", "same_generator"))
    make_distribution("gen-two", "gen_two", good_plugin("Two", "same_generator"), version="2.0")
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    found = reload_plugins()
    assert found.duplicates["same_generator"] == ["gen-one 1.0", "gen-two 2.0"]
    registry = get_image_generator_registry()
    with pytest.raises(DuplicateGeneratorError, match="gen-one 1.0, gen-two 2.0"):
        registry.get_generator("same_generator")
    assert "same_generator" not in registry.list_generators()
    assert registry.generate("alpha_image_generator", prompt="x").assets


def test_plugin_selection_by_environment(
    make_distribution: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    good_plugin: Callable[[str, str], str],
) -> None:
    make_distribution("gen-one", "gen_one", good_plugin("One", "one_generator"))
    make_distribution("gen-two", "gen_two", good_plugin("Two", "two_generator"))
    monkeypatch.setenv("INFERENCE_CORE_PLUGINS", "gen_two")
    found = reload_plugins()
    assert "two_generator" in found.generators
    assert "one_generator" not in found.generators
    monkeypatch.setenv("INFERENCE_CORE_PLUGINS", "")
    assert reload_plugins().generators == {}


def test_unknown_id_suggests_close_ids(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    reload_plugins()
    with pytest.raises(GeneratorNotFoundError) as info:
        get_image_generator_registry().get_generator("alpha_imag_generator")
    assert info.value.suggestions[0] == "alpha_image_generator"
    assert "did you mean 'alpha_image_generator'" in str(info.value)


def test_observers_see_each_generation_and_cannot_break_it(
    make_distribution: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
    good_plugin: Callable[[str, str], str],
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    make_distribution(
        "gen-watch",
        "gen_watch",
        """
        from inference_core import hookimpl

        seen = []

        @hookimpl
        def generation_started(generator_id):
            seen.append(("started", generator_id))

        @hookimpl
        def generation_finished(generator_id, result, error, elapsed_s):
            seen.append(("finished", generator_id, result is not None, error, elapsed_s >= 0))
            raise RuntimeError("observer bug")
    """,
    )
    reload_plugins()
    import gen_watch  # type: ignore[import-not-found]

    result = get_image_generator_registry().generate("alpha_image_generator", prompt="x")
    assert result.assets
    assert gen_watch.seen == [
        ("started", "alpha_image_generator"),
        ("finished", "alpha_image_generator", True, None, True),
    ]
    assert "observer bug" in caplog.text
