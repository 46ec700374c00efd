from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from inference_core import ConfigurationError, InputValidationError
from inference_pipeline import BUILTIN_STYLES, Character, PromptEnhancer, Scene, load_styles

if TYPE_CHECKING:
    from pathlib import Path


def test_builtin_styles() -> None:
    assert {"photorealistic", "illustration", "minimalist", "anime"} <= set(BUILTIN_STYLES)
    out = PromptEnhancer().enhance(
        Scene(id="1", prompt="a fox", negative_prompt="blur"), style="anime"
    )
    assert out.prompt.startswith("a fox") and "anime" in out.prompt
    assert out.negative_prompt is not None and out.negative_prompt.startswith("blur")


def test_user_styles_from_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "styles:\n  noir: 'black and white, {prompt}, hard shadows'\n"
        "  pastel: {prompt: 'pastel colours', negative_prompt: neon}\n"
    )
    enhancer = PromptEnhancer(load_styles(config))
    assert (
        enhancer.enhance(Scene(id="1", prompt="a cat"), style="noir").prompt
        == "black and white, a cat, hard shadows"
    )
    pastel = enhancer.enhance(Scene(id="1", prompt="a cat"), style="pastel")
    assert pastel.prompt == "a cat, pastel colours" and pastel.negative_prompt == "neon"


def test_bad_style_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("styles:\n  noir: {promt: x}\n")
    with pytest.raises(ConfigurationError, match="style 'noir'"):
        load_styles(config)


def test_unknown_style_suggests() -> None:
    with pytest.raises(InputValidationError, match="did you mean 'anime'"):
        PromptEnhancer().style("anim")


def test_characters_tags_and_visual_type() -> None:
    scene = Scene(
        id="1",
        prompt="at the beach",
        characters=("Mara", "Ghost"),
        style_tags=("dusk",),
        visual_type="video",
    )
    mara = Character(name="Mara", description="red coat", reference_images=("/refs/mara.png",))
    out = PromptEnhancer().enhance(scene, characters={"Mara": mara})
    assert (
        out.prompt
        == "at the beach, featuring Mara (red coat), dusk, cinematic shot, smooth camera motion"
    )
    assert out.reference_images == ("/refs/mara.png",)


def test_styles_from_the_inference_core_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generators: object
) -> None:
    from inference_pipeline import BatchConfig, BatchRunner

    config = tmp_path / "config.yaml"
    config.write_text("styles:\n  sketch: 'pencil sketch of {prompt}'\n")
    monkeypatch.setenv("INFERENCE_CORE_CONFIG", str(config))
    board = {"scenes": [{"id": 1, "visual": {"prompt": "a fox"}}]}
    result = BatchRunner(
        tmp_path / "out", BatchConfig(generator="plain_image", style="sketch")
    ).run_sync(board)
    assert result.results[0].params["prompt"] == "pencil sketch of a fox"
