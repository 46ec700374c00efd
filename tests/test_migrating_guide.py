"""Every Python block of docs/migrating-from-the-seeds.md runs, against the loopback servers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from inference_core.testing import LoopbackServer

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "migrating-from-the-seeds.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_the_guide_has_blocks_for_every_seed() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for heading in (
        "## The generation module",
        "## The inference module",
        "## The text-to-image stage processor",
        "## The novaclips image generator",
        "## The stage-3 image service",
        "## Deliberate design changes",
    ):
        assert heading in text
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_guide_block_runs(
    index: int, openai_server: LoopbackServer, seed_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    Image.new("RGB", (24, 16), (1, 2, 3)).save("photo.jpg")
    Path("planning").mkdir()
    Path("planning/scenes.yaml").write_text(
        "scenes:\n"
        + "".join(
            f"  - id: {i}\n    visual: {{prompt: scene {i}, type: diagram}}\n" for i in (1, 2, 3)
        )
    )
    Path("projects/demo").mkdir(parents=True)
    Path("projects/demo/storyboard.json").write_text(
        json.dumps(
            [{"id": "sb1", "image_prompt": "a fox"}, {"id": "sb2", "image_prompt": "a hare"}]
        )
    )

    exec(compile(BLOCKS[index], f"{GUIDE.name}[block {index}]", "exec"), {"__name__": "__guide__"})

    assert capsys.readouterr().out.strip()  # every block shows something
