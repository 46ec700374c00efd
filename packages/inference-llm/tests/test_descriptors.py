"""The descriptor executor against the loopback OpenAI-compatible chat server and the offline generators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image
from pydantic import BaseModel

from inference_core import (
    BaseImageGenerator,
    ConfigurationError,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
    MediaAsset,
    ProviderError,
)
from inference_llm import (
    Descriptor,
    JSONOutputError,
    LLMClient,
    execute_descriptor,
    load_descriptor,
)
from inference_llm.descriptors import aexecute_descriptor, media_items

if TYPE_CHECKING:
    from collections.abc import Callable

    from openai_chat_app import OpenAIChatApp

    from inference_core.provider import RetryPolicy
    from inference_core.testing import LoopbackServer

STORY = (
    "Mira found a brass key on the beach at dawn. It opened a door in the old lighthouse. "
    "Inside, a staircase of light led her up to the stars."
)
PLAN = {
    "title": "The Brass Key",
    "characters": [{"name": "Mira", "description": "a girl in a yellow raincoat"}],
    "scenes": [
        {
            "scene_id": 1,
            "image_prompt": "a girl finds a brass key on a beach at dawn",
            "narration": "Mira found a brass key on the beach.",
        },
        {
            "scene_id": 2,
            "image_prompt": "an old lighthouse door opening, warm light",
            "narration": "It opened the lighthouse door.",
        },
    ],
}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d2a3c90000000049454e44ae426082"
)


def _client() -> LLMClient:
    return LLMClient("openai/gpt-4o-mini")


def test_story_descriptor_turns_a_paragraph_into_frames_and_narration(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, tmp_path: Path
) -> None:
    openai_app.reply('{"title": "The Brass Key", "scenes": [')  # truncated: one repair round-trip
    openai_app.reply(json.dumps(PLAN))
    out = tmp_path / "out"

    result = execute_descriptor(
        "story_scenes", {"story": STORY, "n_scenes": "2"}, out_dir=out, client=_client()
    )

    first, second = openai_app.bodies
    assert "Split it into 2 scenes" in first["messages"][0]["content"]
    assert STORY in first["messages"][-1]["content"]
    assert "response_format" in first
    assert "not usable (invalid JSON" in second["messages"][-1]["content"]
    assert len(openai_server.requests) == 2

    assert result.ok and result.output["title"] == "The Brass Key"
    assert result.inputs == {"story": STORY, "n_scenes": 2, "style": "cinematic, soft light"}
    assert [(a.role, a.field, a.path.name) for a in result.assets] == [
        ("frame", "scenes[0].image_prompt", "frame-001.png"),
        ("frame", "scenes[1].image_prompt", "frame-002.png"),
        ("narration", "scenes[0].narration", "narration-001.wav"),
        ("narration", "scenes[1].narration", "narration-002.wav"),
    ]
    for frame in result.files("frame"):
        with Image.open(frame) as image:
            assert image.size == (640, 360)
    for clip in result.files("narration"):
        with wave.open(str(clip)) as audio:
            assert audio.getnframes() / audio.getframerate() > 0.5
    assert {a.mime_type for a in result.assets} == {"image/png", "audio/wav"}

    written = json.loads((out / "result.json").read_text())
    assert written["status"] == "ok"
    assert written["output"] == PLAN
    assert [(f["role"], f["field"], Path(f["path"]).name) for f in written["files"]] == [
        (a.role, a.field, a.path.name) for a in result.assets
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        "frame-001.png",
        "frame-002.png",
        "narration-001.wav",
        "narration-002.wav",
        "result.json",
    ]


def test_infer_run_on_the_shipped_story_descriptor(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, tmp_path: Path
) -> None:
    openai_app.reply("Sure! Here are your scenes.")  # not JSON: repaired once
    openai_app.reply(json.dumps(PLAN))
    (tmp_path / "story.txt").write_text(STORY)
    out = tmp_path / "out"
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"{openai_server.url}/v1",
        "OPENAI_API_KEY": "sk-loopback-test",
    }
    command = [
        sys.executable,
        "-m",
        "inference_core",
        "run",
        "story_scenes",
        "-i",
        f"story=@{tmp_path / 'story.txt'}",
        "-i",
        "n_scenes=2",
        "--out",
        str(out),
    ]

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert lines == [
        ["frame", "scenes[0].image_prompt", str(out / "frame-001.png")],
        ["frame", "scenes[1].image_prompt", str(out / "frame-002.png")],
        ["narration", "scenes[0].narration", str(out / "narration-001.wav")],
        ["narration", "scenes[1].narration", str(out / "narration-002.wav")],
        ["result", "-", str(out / "result.json")],
    ]
    files = json.loads((out / "result.json").read_text())["files"]
    assert [f["role"] for f in files] == ["frame", "frame", "narration", "narration"]
    assert all(Path(f["path"]).stat().st_size == f["size_bytes"] > 0 for f in files)
    assert len(openai_server.requests) == 2


def test_bad_inputs_fail_before_any_request(openai_server: LoopbackServer, tmp_path: Path) -> None:
    with pytest.raises(InputValidationError) as caught:
        execute_descriptor("story_scenes", {"n_scenes": 0, "stlye": "x"}, out_dir=tmp_path)
    assert caught.value.fields == ["story", "n_scenes", "stlye"]
    assert "did you mean 'style'" in str(caught.value)

    env = {**os.environ, "OPENAI_BASE_URL": f"{openai_server.url}/v1", "OPENAI_API_KEY": "sk-x"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "inference_core",
            "run",
            "story_scenes",
            "-i",
            "n_scenes=two",
            "--out",
            str(tmp_path / "o"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: invalid input for story_scenes: story: required")
    assert done.stderr.count("\n") == 1
    assert openai_server.requests == []


@pytest.mark.parametrize("target", ["file", "/dev/null"])
def test_infer_run_refuses_an_output_it_cannot_write_before_the_llm(
    openai_server: LoopbackServer, tmp_path: Path, target: str
) -> None:
    out = tmp_path / "taken" if target == "file" else Path(target)
    if target == "file":
        out.write_text("mine")
    env = {**os.environ, "OPENAI_BASE_URL": f"{openai_server.url}/v1", "OPENAI_API_KEY": "sk-x"}
    done = subprocess.run(
        [sys.executable, "-m", "inference_core", "run", "story_scenes", "-i", "story=x",
         "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: --out {out} is ") and done.stderr.count("\n") == 1
    assert openai_server.requests == []


def test_an_answer_still_invalid_after_the_repair_raises(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, tmp_path: Path
) -> None:
    openai_app.reply('{"title": "x"}').reply('{"title": "x", "scenes": "none"}')
    with pytest.raises(JSONOutputError, match="scenes"):
        execute_descriptor(
            "story_scenes", {"story": STORY}, out_dir=tmp_path / "o", client=_client()
        )
    assert len(openai_server.requests) == 2
    assert list((tmp_path / "o").iterdir()) == []


class Flaky(BaseImageGenerator):
    calls: list[str] = []
    metadata = GeneratorMetadata(
        id="flaky_descriptor_image",
        name="Flaky",
        description="Fails once with a retryable error, then draws.",
        input_schema={"prompt": {"type": "string", "required": True}},
    )

    def generate(self, **inputs: Any) -> GenerationResult:
        Flaky.calls.append(inputs["prompt"])
        if inputs["prompt"].startswith("down"):
            raise ProviderError("flaky is down", provider="flaky", retryable=False)
        if Flaky.calls.count(inputs["prompt"]) == 1:
            raise ProviderError("flaky hiccup", provider="flaky", retryable=True)
        return GenerationResult(assets=[MediaAsset(data=PNG, mime_type="image/png")])


class Answer(BaseModel):
    items: list[dict[str, str]]


def _descriptor(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "items",
        "prompt": "List {n} things",
        "variables": ["n"],
        "input_schema": {
            "type": "object",
            "properties": {"n": {"type": "integer"}},
            "required": ["n"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"prompt": {"type": "string"}}},
                }
            },
        },
        "media": [
            {
                "field": "items[].prompt",
                "role": "picture",
                "modality": "image",
                "generators": ["not_installed_image", "flaky_descriptor_image"],
            }
        ],
    }
    spec.update(changes)
    return spec


def test_retries_fallbacks_and_failures_are_recorded(
    register_generator: Callable[..., None],
    openai_server: LoopbackServer,
    openai_app: OpenAIChatApp,
    tmp_path: Path,
    fast_retry: RetryPolicy,
    slept: list[float],
) -> None:
    register_generator(Flaky)
    Flaky.calls.clear()
    openai_app.reply(json.dumps({"items": [{"prompt": "a cat"}, {"prompt": "down dog"}]}))

    result = execute_descriptor(
        Descriptor.model_validate(_descriptor(output_schema=Answer)),
        {"n": 2},
        out_dir=tmp_path,
        client=_client(),
        retry=fast_retry,
    )

    assert isinstance(result.output, Answer)
    assert [a.path.name for a in result.assets] == ["picture-001.png"]
    assert result.assets[0].generator_id == "flaky_descriptor_image"
    assert sorted(Flaky.calls) == ["a cat", "a cat", "down dog"]
    assert len(slept) == 1
    [failure] = result.failures
    assert failure.field == "items[1].prompt"
    assert failure.reasons[0].startswith("not_installed_image: no image generator")
    assert failure.reasons[1] == "flaky_descriptor_image: flaky is down"
    assert json.loads((tmp_path / "result.json").read_text())["status"] == "partial"


def test_async_twin_and_descriptor_files(
    register_generator: Callable[..., None],
    openai_server: LoopbackServer,
    openai_app: OpenAIChatApp,
    tmp_path: Path,
    fast_retry: RetryPolicy,
) -> None:
    import asyncio

    register_generator(Flaky)
    Flaky.calls.clear()
    path = tmp_path / "items.json"
    path.write_text(json.dumps(_descriptor()))
    openai_app.reply(json.dumps({"items": [{"prompt": "a cat"}]}))

    async def main() -> Any:
        async with _client() as client:
            return await aexecute_descriptor(
                path, {"n": "1"}, out_dir=tmp_path / "o", client=client, retry=fast_retry
            )

    result = asyncio.run(main())
    assert result.files() == [tmp_path / "o" / "picture-001.png"]
    assert load_descriptor(path).name == "items"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prompt": "List {n} {kind}"}, "undeclared variables in the template: ['kind']"),
        ({"variables": ["n", "m"]}, "declared variables not in the template: ['m']"),
        ({"prompt": "List {n!r}"}, "takes no format spec"),
        (
            {
                "media": [
                    {
                        "field": "items[].caption",
                        "role": "p",
                        "modality": "image",
                        "generators": ["x"],
                    }
                ]
            },
            "the output schema has no 'items[].caption'",
        ),
        (
            {
                "media": [
                    {"field": "items[0]", "role": "p", "modality": "image", "generators": ["x"]}
                ]
            },
            "is not a field path",
        ),
        ({"modle": "x"}, "modle: Extra inputs are not permitted"),
    ],
)
def test_descriptor_mistakes_are_configuration_errors(
    changes: dict[str, Any], message: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    import yaml

    path.write_text(yaml.safe_dump(_descriptor(**changes)))
    with pytest.raises(ConfigurationError, match="invalid descriptor") as caught:
        load_descriptor(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_chain_with_nothing_installed_fails_before_the_llm(
    openai_server: LoopbackServer, tmp_path: Path
) -> None:
    spec = _descriptor()
    spec["media"][0]["generators"] = ["not_installed_image"]
    with pytest.raises(ConfigurationError, match="none of not_installed_image is an installed"):
        execute_descriptor(spec, {"n": 1}, out_dir=tmp_path, client=_client())
    assert openai_server.requests == []


def test_media_items_walks_lists_and_skips_blanks() -> None:
    data = {"a": [{"b": "x"}, {"b": ""}, {"c": 1}, {"b": "y"}], "t": "top"}
    assert media_items(data, "a[].b") == [("a[0].b", "x"), ("a[3].b", "y")]
    assert media_items(data, "t") == [("t", "top")]
    assert media_items(data, "missing[].b") == []


def test_the_readme_descriptor_runs(
    openai_server: LoopbackServer, openai_app: OpenAIChatApp, tmp_path: Path
) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme[readme.index("## Descriptors") :]
    yaml_text = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "poster_ideas.yaml").write_text(yaml_text)
    ideas = [
        {"headline": "Light the Night", "image_prompt": "a lighthouse under fireworks"},
        {"headline": "Beacon Days", "image_prompt": "lanterns along a harbour wall"},
    ]
    openai_app.reply(json.dumps({"posters": ideas}))

    result = execute_descriptor(
        tmp_path / "poster_ideas.yaml",
        {"topic": "a lighthouse festival"},
        out_dir=tmp_path / "out",
    )

    assert "Write 2 poster ideas for: a lighthouse festival" in json.dumps(openai_app.bodies[0])
    assert [(a.role, a.field, a.path.name) for a in result.assets] == [
        ("poster", "posters[0].image_prompt", "poster-001.png"),
        ("poster", "posters[1].image_prompt", "poster-002.png"),
    ]
    for poster in result.files("poster"):
        with Image.open(poster) as image:
            assert image.size == (1024, 1024)
