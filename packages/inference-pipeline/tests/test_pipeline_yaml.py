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
