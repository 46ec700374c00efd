"""The streaming YAML loader gives what ``yaml.safe_load`` gives, errors included."""

from __future__ import annotations

import pytest
import yaml

from inference_pipeline._yaml import load_yaml

DOCUMENTS = [
    "a: 1\nb: [1, 2.5, true, null, '3', 2024-01-02, 0x1f, .inf]\n",
    "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd: [*b, *b]\n",
    "m:\n  <<: [{a: 1}, {a: 2, b: 2}]\n  c: 3\n",
    "",
    "---\n- 1\n- {id: 7, visual: {prompt: 'a fox: at night'}}\n",
    "k: !!binary aGVsbG8=\n",
    "s: !!set {a, b}\n",
    "o: !!omap [a: 1, b: 2]\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
]
BROKEN = [
    "? [1, 2]\n: x\n",
    "x: *nope\n",
    "a: 1\n---\nb: 2\n",
    "a: [1, 2\n",
    "t: !python/object x\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_same_objects_as_safe_load(text: str) -> None:
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", BROKEN)
def test_same_error_class_as_safe_load(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.safe_load(text)
    with pytest.raises(type(expected.value)):
        load_yaml(text)


def test_a_large_board() -> None:
    text = "scenes:\n" + "".join(
        f"  - id: {i}\n    visual: {{prompt: scene {i}}}\n" for i in range(1, 2001)
    )
    assert load_yaml(text) == yaml.safe_load(text)


def test_items_of_the_top_level_scenes_list_are_handed_over_one_at_a_time() -> None:
    text = (
        "title: t\nscenes:\n  - {id: 1}\n  - &two {id: 2}\n  - *two\n  - [3]\n"
        "other:\n  scenes: [{id: 9}]\n"
    )
    seen: list[tuple[object, int]] = []

    def each(item: object, index: int) -> object:
        seen.append((item, index))
        return ("made", index)

    loaded = load_yaml(text, items=each)

    # The anchored item and the alias to it stay as they are (the document may refer to
    # them); nested lists named "scenes" are not the storyboard's.
    assert seen == [({"id": 1}, 0), ([3], 3)]
    assert loaded == {
        "title": "t",
        "scenes": [("made", 0), {"id": 2}, {"id": 2}, ("made", 3)],
        "other": {"scenes": [{"id": 9}]},
    }
