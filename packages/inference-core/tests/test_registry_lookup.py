"""``find_generator_class``: the one lookup across modalities, with facts as attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from inference_core import (
    BaseAudioGenerator,
    GenerationResult,
    GeneratorMetadata,
    GeneratorNotFoundError,
    PluginLoadError,
    find_generator_class,
    get_audio_generator_registry,
    get_image_generator_registry,
)
from inference_core.plugins import reload_plugins

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


class Speaker(BaseAudioGenerator):
    metadata = GeneratorMetadata(id="lookup_speaker", name="Speaker", description="test")

    def generate(self, **inputs: object) -> GenerationResult:
        raise NotImplementedError


def test_finds_plugin_and_manual_generators_in_any_modality(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    reload_plugins()
    audio = get_audio_generator_registry()
    audio.register_generator(Speaker)
    try:
        assert find_generator_class("alpha_image_generator").modality == "image"
        assert find_generator_class("lookup_speaker") is Speaker
        assert find_generator_class("lookup_speaker", "audio") is Speaker
    finally:
        audio.unregister_generator("lookup_speaker")


def test_unknown_id_carries_suggestions_from_every_modality(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    reload_plugins()
    audio = get_audio_generator_registry()
    audio.register_generator(Speaker)
    try:
        with pytest.raises(GeneratorNotFoundError) as info:
            find_generator_class("lookup_speakr")
    finally:
        audio.unregister_generator("lookup_speaker")
    error = info.value
    assert (error.generator_id, error.suggestions) == ("lookup_speakr", ["lookup_speaker"])
    assert (error.modality, error.actual_modality) == (None, None)
    assert str(error) == "no generator 'lookup_speakr'; did you mean 'lookup_speaker'?"


def test_id_of_another_modality_says_which_one(
    make_distribution: Callable[..., Path], good_plugin: Callable[[str, str], str]
) -> None:
    make_distribution("gen-alpha-image", "gen_alpha", good_plugin("Alpha", "alpha_image_generator"))
    reload_plugins()
    with pytest.raises(GeneratorNotFoundError) as info:
        find_generator_class("alpha_image_generator", "video")
    assert (info.value.modality, info.value.actual_modality) == ("video", "image")
    assert info.value.suggestions == []
    with pytest.raises(GeneratorNotFoundError) as again:
        get_image_generator_registry().get_generator_class("nothing_like_it")
    assert (again.value.modality, again.value.actual_modality) == ("image", None)


def test_a_broken_plugin_is_reported_for_its_id(make_distribution: Callable[..., Path]) -> None:
    make_distribution("gen-broken-image", "gen_broken", "raise ImportError('no sdk')\n")
    reload_plugins()
    with pytest.raises(PluginLoadError) as info:
        find_generator_class("broken_image_generator")
    assert info.value.distribution == "gen-broken-image"
