from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from inference_core import InputValidationError
from inference_pipeline import Scene, Storyboard, StoryboardError, load_storyboard, output_stem

if TYPE_CHECKING:
    from pathlib import Path


def test_scenes_yaml(tmp_path: Path) -> None:
    (tmp_path / "ref.png").write_bytes(b"png")
    path = tmp_path / "scenes.yaml"
    path.write_text(
        "title: T\nstyle: anime\n"
        "characters:\n  Mara: {description: red coat, reference_images: ref.png}\n"
        "scenes:\n"
        "  - id: 1\n    visual: {type: metaphor, modality: video, prompt: waves}\n"
        "    narration: Hello.\n    characters: [Mara]\n"
        "  - id: intro\n    visual:\n      prompt: a title card\n      negative_prompt: text\n"
    )
    board = load_storyboard(path)
    assert board.title == "T" and board.style == "anime"
    first, second = board.scenes
    assert (first.id, first.prompt, first.visual_type, first.modality, first.narration) == (
        "1",
        "waves",
        "metaphor",
        "video",
        "Hello.",
    )
    assert (second.visual_type, second.modality) == (None, "image")
    assert first.characters == ("Mara",)
    assert board.characters["Mara"].reference_images == (str((tmp_path / "ref.png").resolve()),)
    assert (second.id, second.negative_prompt, second.stem) == ("intro", "text", "scene-intro")


def test_storyboard_json(tmp_path: Path) -> None:
    path = tmp_path / "board.json"
    path.write_text(
        json.dumps(
            {
                "scenes": [
                    {
                        "scene_id": 3,
                        "image_prompt": "a fox",
                        "negative_prompt": "blur",
                        "style_tags": ["dusk"],
                        "characters_in_scene": ["Fox"],
                        "camera": "ignored: LLM storyboards carry extra fields",
                    }
                ]
            }
        )
    )
    (scene,) = load_storyboard(path).scenes
    assert scene == Scene(
        id="3", prompt="a fox", negative_prompt="blur", style_tags=("dusk",), characters=("Fox",)
    )
    assert scene.stem == "scene-003"


def test_python_objects() -> None:
    board = Storyboard.from_scenes([Scene(id="a", prompt="x"), {"prompt": "y"}], title="t")
    assert [s.id for s in board.scenes] == ["a", "2"]
    assert load_storyboard(board) is board


def test_errors_name_every_scene_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "stlye: anime\n"
        "scenes:\n"
        "  - id: 1\n    visual: {promt: a}\n"
        "  - id: 2\n    visual: {prompt: ''}\n"
        "  - scene_id: 3\n"
        "  - id: 4\n    visual: {prompt: ok, type: gif, modality: gif}\n"
    )
    with pytest.raises(StoryboardError) as info:
        load_storyboard(path)
    err = info.value
    assert isinstance(err, InputValidationError)
    text = str(err)
    assert "stlye: unknown field (did you mean 'style'?)" in text
    assert "scene 1 (id 1): visual.promt: unknown field (did you mean 'prompt'?)" in text
    assert "scene 2 (id 2): visual.prompt" in text
    assert "scene 3 (id 3): image_prompt: Field required" in text
    assert "scene 4 (id 4): visual.modality" in text  # type: any kind; modality: image|video
    assert str(path) in text


def test_missing_reference_image_is_reported(tmp_path: Path) -> None:
    with pytest.raises(
        StoryboardError, match=r"characters.Mara: reference_images\[0\]: file not found"
    ):
        load_storyboard(
            {
                "characters": {"Mara": {"reference_images": ["nope.png"]}},
                "scenes": [{"prompt": "x"}],
            },
            base_dir=tmp_path,
        )


@pytest.mark.parametrize(
    ("scene_id", "stem"),
    [
        ("1", "scene-001"),
        ("007", "scene-007"),
        ("scene_12", "scene-012"),
        ("intro", "scene-intro"),
        ("1234", "scene-1234"),
    ],
)
def test_output_stems(scene_id: str, stem: str) -> None:
    assert output_stem(scene_id) == stem


@pytest.mark.parametrize(
    "scene_id", ["../../etc/passwd", "/abs", "a/b", "..", ".hidden", "c:\\x", "ü"]
)
def test_ids_never_escape_the_output_folder(scene_id: str) -> None:
    stem = output_stem(scene_id)
    assert stem.startswith("scene-") and "/" not in stem and "\\" not in stem and ".." not in stem


def test_ids_that_share_a_file_are_rejected() -> None:
    with pytest.raises(StoryboardError, match="same output file"):
        load_storyboard([{"id": "1", "prompt": "a"}, {"id": "001", "prompt": "b"}])
