"""The text-to-image stage processor seed: every example in its seed form.

Only the import paths changed: ``apps.content.processors.text2image_stage`` and
``core.pipeline`` are ``inference_pipeline.compat.text2image``. A project is a folder
with ``storyboard.json`` (the seed kept storyboards in its database). ``jimeng-4.0``
answers from a loopback server speaking the OpenAI-compatible images protocol, with the
seed's ``ratio`` and ``resolution`` passed as the endpoint's own fields.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from inference_core.testing import LoopbackServer


@pytest.fixture
def project(seed_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = seed_env / "projects" / "xxx"
    folder.mkdir(parents=True)
    storyboards = [
        {"id": "uuid1", "image_prompt": "a fox in the snow"},
        {"id": "uuid2", "image_prompt": "a hare running", "negative_prompt": "blurry"},
        {"id": "uuid3", "image_prompt": "an owl", "custom_params": {"ratio": "1:1"}},
    ]
    (folder / "storyboard.json").write_text(json.dumps(storyboards))
    return folder


def collect(stream: Any) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        return [event async for event in stream]

    return asyncio.run(run())


def test_pipeline_use(project: Path, openai_server: LoopbackServer) -> None:
    from inference_pipeline.compat.text2image import ProjectPipeline, Text2ImageStageProcessor

    async def main() -> Any:
        # 创建处理器
        processor = Text2ImageStageProcessor()

        # 添加到Pipeline
        pipeline = ProjectPipeline()
        pipeline.add_stage(processor)

        # 执行
        context = await pipeline.execute(project_id="xxx")
        return context

    context = asyncio.run(main())

    result = context.results["image_generation"]
    assert result.success and result.data["success_count"] == 3
    bodies = [r.json() for r in openai_server.requests if r.path == "/v1/images/generations"]
    assert {b["model"] for b in bodies} == {"jimeng-4.0"}
    assert sorted((b["ratio"], b["resolution"]) for b in bodies) == [
        ("16:9", "2k"),
        ("16:9", "2k"),
        ("1:1", "2k"),
    ]
    assert next(b for b in bodies if "hare" in b["prompt"])["negative_prompt"] == "blurry"


def test_stream_all_then_some(
    project: Path, openai_server: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from inference_pipeline.compat.text2image import Text2ImageStageProcessor

    processor = Text2ImageStageProcessor()

    async def main() -> None:
        # 流式生成 - 生成所有分镜
        async for event in processor.process_stream(project_id="xxx"):
            if event["type"] == "progress":
                print(f"进度: {event['current']}/{event['total']}")
            elif event["type"] == "image_generated":
                print(f"图片已生成: {event['image']['url']}")
            elif event["type"] == "done":
                print(f"完成: {event['data']}")
            elif event["type"] == "error":
                print(f"错误: {event['error']}")

        # 流式生成 - 仅生成指定分镜
        async for event in processor.process_stream(
            project_id="xxx", storyboard_ids=["uuid1", "uuid2"]
        ):
            # 处理事件...
            print(event["type"])

    asyncio.run(main())

    out = capsys.readouterr().out
    assert "进度: 3/3" in out and out.count("图片已生成: ") == 3
    assert str(Path("projects/xxx/images/scene-uuid1.png")) in out
    assert out.count("image_generated\n") == 2  # the second stream regenerated two
    generations = [r for r in openai_server.requests if r.path == "/v1/images/generations"]
    assert len(generations) == 5


def test_sse_lines(project: Path, openai_server: LoopbackServer) -> None:
    from inference_pipeline.compat.text2image import Text2ImageStageProcessor

    async def event_stream():  # type: ignore[no-untyped-def]
        processor = Text2ImageStageProcessor()

        async for event in processor.process_stream("xxx"):
            # SSE格式
            yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"

    lines = collect(event_stream())

    events = [json.loads(line.removeprefix("data: ")) for line in lines]
    types = [e["type"] for e in events]
    assert types[0] == "stage_update" and types[-1] == "done"
    generated = [e for e in events if e["type"] == "image_generated"]
    assert {e["storyboard_id"] for e in generated} == {"uuid1", "uuid2", "uuid3"}
    assert all(set(e["image"]) == {"id", "url", "width", "height"} for e in generated)
    assert set(events[0]["stage"]) == {"id", "status", "stage_type", "started_at"}
    assert events[-1]["data"]["status"] == "completed" and "stage" in events[-1]


def test_process_result_and_retrying_failures(project: Path, openai_server: LoopbackServer) -> None:
    from inference_pipeline.compat.text2image import (
        PipelineContext,
        StageResult,
        Text2ImageStageProcessor,
    )

    boards = json.loads((project / "storyboard.json").read_text())
    boards[1]["image_prompt"] = "FORBIDDEN hare"  # the endpoint refuses it
    (project / "storyboard.json").write_text(json.dumps(boards))
    processor = Text2ImageStageProcessor()

    result = asyncio.run(processor.process(PipelineContext(project_id="xxx")))

    assert isinstance(result, StageResult) and result.success
    assert (result.data["total_storyboards"], result.data["success_count"]) == (3, 2)
    assert result.data["failed_count"] == 1 and len(result.data["generated_image_ids"]) == 2
    assert result.data["status"] == "partial"  # 部分失败: 阶段状态设为 partial

    # 重新调用process_stream,只处理失败的分镜
    boards[1]["image_prompt"] = "a hare"
    (project / "storyboard.json").write_text(json.dumps(boards))
    failed_storyboard_ids = ["uuid2"]  # 获取失败的分镜ID
    events = collect(
        processor.process_stream(project_id="xxx", storyboard_ids=failed_storyboard_ids)
    )
    assert [e["storyboard_id"] for e in events if e["type"] == "image_generated"] == ["uuid2"]


def test_a_missing_project_is_an_error_event(seed_env: Path) -> None:
    from inference_pipeline.compat.text2image import Text2ImageStageProcessor

    events = collect(Text2ImageStageProcessor().process_stream(project_id="nope"))

    assert [e["type"] for e in events] == ["error", "done"]
    assert "storyboard" in events[0]["error"]


def test_q2_other_ratio_and_resolution(project: Path, openai_server: LoopbackServer) -> None:
    # Q2: the seed edited _generate_single_image's defaults; here they are constructor arguments.
    from inference_pipeline.compat.text2image import Text2ImageStageProcessor

    processor = Text2ImageStageProcessor(ratio="1:1", resolution="4k")
    events = collect(processor.process_stream(project_id="xxx", storyboard_ids=["uuid1"]))

    assert events[-1]["type"] == "done"
    (body,) = [r.json() for r in openai_server.requests if r.path == "/v1/images/generations"]
    assert (body["ratio"], body["resolution"]) == ("1:1", "4k")
