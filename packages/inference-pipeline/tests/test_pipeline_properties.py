"""Property-based tests of the storyboard parser: whatever it is given, it raises only
:class:`StoryboardError` (a file it cannot read or parse, a scene it cannot use), and
:func:`load_yaml` reads what ``yaml.safe_load`` reads, or raises ``yaml.YAMLError``."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inference_pipeline import StoryboardError, load_storyboard
from inference_pipeline._yaml import load_yaml
from inference_pipeline.scenes import output_stem

if TYPE_CHECKING:
    from pathlib import Path

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
#: Mappings built from the keys the parser knows, with any values: the shapes users write.
visual = st.fixed_dictionaries(
    {},
    optional={k: values for k in ("prompt", "type", "modality", "negative_prompt", "style_tags")},
)
yaml_scene = st.fixed_dictionaries(
    {"visual": visual | values},
    optional={k: values for k in ("id", "narration", "characters", "duration", "params", "extra")},
)
json_scene = st.fixed_dictionaries(
    {"scene_id": values},
    optional={
        k: values
        for k in (
            "image_prompt",
            "negative_prompt",
            "style_tags",
            "characters_in_scene",
            "narration",
            "visual_type",
            "modality",
            "duration",
            "params",
        )
    },
)
scene = yaml_scene | json_scene | st.fixed_dictionaries({"prompt": values}) | values
board = st.fixed_dictionaries(
    {"scenes": st.lists(scene, max_size=4) | values},
    optional={k: values for k in ("title", "style", "styles", "characters", "defaults", "stlye")},
)


def _loads(source: Any, **kwargs: Any) -> None:
    """Load ``source``; a storyboard comes back or StoryboardError is raised, nothing else."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # type: image|video, the old form
        try:
            loaded = load_storyboard(source, **kwargs)
        except StoryboardError as exc:
            assert str(exc)
            return
    assert loaded.scenes
    json.dumps(loaded.model_dump(mode="json"))  # what the history keeps


@SETTINGS
@given(source=board | values | st.lists(scene, max_size=4))
def test_any_object_loads_or_raises_a_storyboard_error(source: Any) -> None:
    _loads(source)


@SETTINGS
@given(text=st.text(max_size=300), suffix=st.sampled_from([".yaml", ".yml", ".json"]))
def test_any_file_loads_or_raises_a_storyboard_error(
    tmp_path: Path, text: str, suffix: str
) -> None:
    path = tmp_path / f"board{suffix}"
    path.write_text(text, encoding="utf-8")
    _loads(path)


@SETTINGS
@given(data=board, suffix=st.sampled_from([".yaml", ".json"]))
def test_any_written_board_loads_or_raises_a_storyboard_error(
    tmp_path: Path, data: dict[str, Any], suffix: str
) -> None:
    path = tmp_path / f"board{suffix}"
    text = json.dumps(data) if suffix == ".json" else yaml.safe_dump(data)
    path.write_text(text, encoding="utf-8")
    _loads(path)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(type(a) is type(b) and a == b)


yaml_texts = (
    st.text(max_size=200)
    | values.map(lambda v: yaml.safe_dump(v, default_flow_style=None))
    | st.lists(
        st.sampled_from(
            ["a: 1", "- x", "&a [1]", "*a", "<<: {k: v}", "? k", "  b: 2", "'q'", "!!str 3", "---"]
        ),
        max_size=6,
    ).map("\n".join)
)


@SETTINGS
@given(text=yaml_texts)
def test_load_yaml_reads_what_safe_load_reads(text: str) -> None:
    try:
        expected = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        try:
            load_yaml(text)
        except yaml.YAMLError:
            return
        raise AssertionError("load_yaml read a document the safe loader refuses") from None
    assert _same(load_yaml(text), expected)


@SETTINGS
@given(scene_id=st.text(max_size=80).filter(lambda s: s.strip()))
def test_every_scene_id_names_a_plain_file(scene_id: str) -> None:
    stem = output_stem(scene_id)
    assert stem.startswith("scene-") and "/" not in stem and "\\" not in stem
    assert stem not in (".", "..") and "\x00" not in stem


@SETTINGS
@given(raw=st.binary(max_size=200), suffix=st.sampled_from([".yaml", ".json"]))
def test_any_bytes_load_or_raise_a_storyboard_error(
    tmp_path: Path, raw: bytes, suffix: str
) -> None:
    path = tmp_path / f"board{suffix}"
    path.write_bytes(raw)
    _loads(path)
