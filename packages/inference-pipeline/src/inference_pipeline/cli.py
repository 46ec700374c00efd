"""``infer batch``, ``infer regenerate``, ``infer history`` and ``infer story``.

Exit codes: 0 when every output was made, 1 when the batch ended ``partial``
or ``failed``, 2 for usage and validation errors, 130 when interrupted.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inference_core.cli import fail, handle_errors
from inference_pipeline.batch import BatchConfig, BatchResult
from inference_pipeline.runner import BatchRunner
from inference_pipeline.scenes import Storyboard, load_storyboard
from inference_pipeline.store import HistoryStore

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator

    from rich.console import Console

    from inference_pipeline.events import ProgressEvent
    from inference_pipeline.store import SceneResult
    from inference_pipeline.story import StoryResult

__all__ = ["register"]

Out = Annotated[Path, typer.Option("--out", "-o", help="Output folder (files, history and cache).")]
Concurrency = Annotated[
    int, typer.Option("--concurrency", "-c", min=1, max=256, help="Requests at once per generator.")
]
Style = Annotated[
    str | None,
    typer.Option(
        "--style",
        "-s",
        help="Prompt style: photorealistic, illustration, minimalist, anime, or one from --styles-file.",
    ),
]
StylesFile = Annotated[
    Path | None, typer.Option("--styles-file", help="YAML/JSON file with a 'styles:' section.")
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Generator input for every scene, key=value; repeatable."),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of progress and tables.")]
ExecutorName = Annotated[
    str,
    typer.Option(
        "--executor",
        envvar="INFERENCE_EXECUTOR",
        help="Where scenes run: local (this process) or an installed executor, e.g. ray.",
    ),
]
Address = Annotated[
    str | None,
    typer.Option(
        "--address",
        help="Cluster of --executor (ray: host:port, auto; default $RAY_ADDRESS, else a new local one).",
    ),
]


def _parse_params(pairs: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            fail(f"--param expects key=value, got {pair!r}", 2)
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _with_styles(board: Storyboard, styles_file: Path | None) -> Storyboard:
    if styles_file is None:
        return board
    from inference_pipeline.styles import load_styles

    return board.model_copy(update={"styles": {**load_styles(styles_file), **board.styles}})


def _check_chain(*chains: list[str | None]) -> str:
    """Resolve every generator named on the command line (a typo is a usage error); the first's modality."""
    from inference_pipeline.execute import find_generator

    modality = ""
    for chain in chains:
        for generator_id in chain:
            if generator_id:
                found = find_generator(generator_id).modality
                modality = modality or found
    return modality


class _Progress:
    """A rich progress bar fed by progress events; warnings and errors printed above it."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("generating", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)

    @property
    def console(self) -> Console:
        from rich.console import Console

        return self._progress.console if self._progress is not None else Console(stderr=True)

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        if event.type == "stage_update":
            self._progress.update(
                self._task, description=event.message, total=event.data.get("total"), completed=0
            )
        elif event.type == "progress":
            self._progress.update(
                self._task, completed=event.data.get("current", 0), total=event.data.get("total")
            )
        elif event.type == "warning":
            self.console.print(f"[yellow]warning:[/] {event.message}", highlight=False)
        elif event.type == "error":
            self.console.print(f"[red]error:[/] {event.message}", highlight=False)


def _run(
    coro_factory: Callable[[Callable[[ProgressEvent], None]], Coroutine[Any, Any, Any]], quiet: bool
) -> Any:
    with _Progress(not quiet) as progress:
        return asyncio.run(coro_factory(progress))


#: Above this many outputs the summary shows counts and the failures, not one row per output.
SUMMARY_ROWS = 50


def _summary_table(results: list[SceneResult], out: Path, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    shown = results
    if len(results) > SUMMARY_ROWS:
        ok = [r for r in results if r.status == "ok"]
        cached = sum(1 for r in ok if r.cached)
        fell_back = sum(1 for r in ok if r.fallbacks)
        failed = [r for r in results if r.status != "ok"]
        Console().print(
            f"{title}: {len(results)} outputs, {len(ok)} ok ({cached} from the cache, "
            f"{fell_back} from a fallback), {len(failed)} failed",
            highlight=False,
            soft_wrap=True,
        )
        if not failed:
            return
        shown = failed[:SUMMARY_ROWS]
        title = "failures" if len(failed) == len(shown) else f"the first {len(shown)} failures"
    table = Table(title=title)
    for column in ("scene", "role", "status", "file", "generator", "attempts", "note"):
        table.add_column(column)
    for r in shown:
        note = "cached" if r.cached else ""
        if r.fallbacks:
            note = (
                (note + "; " if note else "")
                + "fell back from "
                + ", ".join(f["generator_id"] for f in r.fallbacks)
            )
        if r.status != "ok":
            note = r.error or ""
        style = "" if r.status == "ok" else "red"
        table.add_row(
            r.scene_id or "-",
            r.role,
            f"[{style}]{r.status}[/]" if style else r.status,
            r.path or "",
            r.generator_id or "",
            str(r.attempts),
            note[:120],
        )
    Console().print(table)


def _report(result: BatchResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        _summary_table(result.results, result.out_dir, f"batch {result.status} ({result.out_dir})")
        if result.failed:
            ids = [r.scene_id or "-" for r in result.failed]
            more = f" and {len(ids) - SUMMARY_ROWS} more" if len(ids) > SUMMARY_ROWS else ""
            typer.echo(
                "failed scenes: "
                + ", ".join(ids[:SUMMARY_ROWS])
                + more
                + f"\nretry them with: infer regenerate --out {result.out_dir} --failed"
            )
    raise typer.Exit(0 if result.status == "completed" else 1)


def batch_command(
    file: Annotated[Path, typer.Argument(help="scenes.yaml or storyboard JSON.")],
    generator: Annotated[
        str, typer.Option("--generator", "-g", help="Generator id for each scene.")
    ],
    out: Out,
    fallback: Annotated[
        list[str] | None,
        typer.Option("--fallback", "-f", help="Generator to try next; repeatable."),
    ] = None,
    narration_generator: Annotated[
        str | None,
        typer.Option("--narration-generator", help="Audio generator for scenes with narration."),
    ] = None,
    concurrency: Concurrency = 8,
    style: Style = None,
    styles_file: StylesFile = None,
    param: Params = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds allowed per call.")] = 300.0,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a retryable error per generator.")
    ] = 2,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Make every request even if cached.")
    ] = False,
    as_json: Json = False,
    executor: ExecutorName = "local",
    address: Address = None,
) -> None:
    """Generate one file per scene of FILE into --out (scene-001.png, ...)."""
    with handle_errors():
        board = _with_styles(load_storyboard(file), styles_file)
        config = BatchConfig(
            generator=generator,
            fallbacks=list(fallback or []),
            narration_generator=narration_generator,
            concurrency=concurrency,
            style=style,
            timeout=timeout,
            use_cache=not no_cache,
        )
        config.retry = config.retry.replace(max_attempts=retries + 1)
        modality = _check_chain([generator, *config.fallbacks], [narration_generator])
        if param:
            config.params = {modality: _parse_params(param)}
        if address and executor == "local":
            fail("--address needs --executor (e.g. --executor ray)", 2)
        from inference_pipeline.executor import load_executor

        chosen = load_executor(executor, address=address)

        async def go(cb: Callable[[ProgressEvent], None]) -> BatchResult:
            try:
                return await BatchRunner(out, config, on_event=cb, executor=chosen).run(
                    board, manifest_extra={"source": str(file.resolve())}
                )
            finally:
                if chosen is not None:
                    await chosen.aclose()

        result = _run(go, as_json)
    _report(result, as_json)


def regenerate_command(
    out: Out,
    scene: Annotated[
        list[str] | None, typer.Option("--scene", help="Scene id to generate again; repeatable.")
    ] = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="Generate the scenes that failed last time.")
    ] = False,
    generator: Annotated[
        str | None, typer.Option("--generator", "-g", help="Use another generator.")
    ] = None,
    fallback: Annotated[
        list[str] | None, typer.Option("--fallback", "-f", help="Replace the fallback chain.")
    ] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-c", min=1, max=256)] = None,
    as_json: Json = False,
) -> None:
    """Run scenes of the last batch in --out again: given --scene ids, or --failed ones."""
    if bool(scene) == failed:
        fail("give --scene ID (repeatable) or --failed", 2)
    with handle_errors():
        if not HistoryStore.exists(out):
            fail(f"no batch history in {out}", 2)
        with HistoryStore(out) as store:
            manifest = store.last_manifest()
        if manifest is None:
            fail(f"no batch recorded in {out}", 2)
        board = Storyboard.model_validate(manifest["storyboard"])
        config = BatchConfig.from_dict(manifest["config"])
        if generator:
            config.generator = generator
        if fallback is not None:
            config.fallbacks = list(fallback)
        if concurrency:
            config.concurrency = concurrency
        _check_chain([config.generator, *config.fallbacks])
        ids = list(scene) if scene else None
        if ids:
            known = {s.id for s in board.scenes}
            missing = [i for i in ids if i not in known]
            if missing:
                fail(
                    f"unknown scene id(s): {', '.join(missing)}; known: {', '.join(sorted(known))}",
                    2,
                )
        if manifest.get("kind") == "story":
            from inference_pipeline.story import StoryPipeline

            def story(cb: Callable[[ProgressEvent], None]) -> Coroutine[Any, Any, StoryResult]:
                pipeline = StoryPipeline(
                    out, video_generator=manifest.get("video_generator"), on_event=cb
                )
                pipeline.config = config
                return pipeline.run(board, scene_ids=ids, failed_only=failed)

            story_result = _run(story, as_json)
            _story_report(story_result, as_json)
            return
        extra = {k: v for k, v in manifest.items() if k not in ("kind", "storyboard", "config")}
        result = _run(
            lambda cb: BatchRunner(out, config, on_event=cb).run(
                board, scene_ids=ids, failed_only=failed, manifest_extra=extra
            ),
            as_json,
        )
    _report(result, as_json)


def history_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder of a batch.")] = Path("."),
    attempts: Annotated[
        bool, typer.Option("--attempts", help="List every attempt, not just the outputs.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Show what was generated in --out: each output, its generator and file, or every attempt."""
    if not HistoryStore.exists(out):
        fail(f"no batch history in {out} (looked for {out}/.inference/history.sqlite)", 2)
    with HistoryStore(out) as store:
        outputs = store.outputs()
        batches = store.batches()
        tries = store.attempts()
    if as_json:
        data = {"batches": batches, "outputs": [o.to_dict() for o in outputs], "attempts": tries}
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"batches in {out}")
    for column in ("batch", "status", "ok", "failed", "requests", "seconds"):
        table.add_column(column)
    for b in batches:
        s = b.get("summary") or {}
        table.add_row(
            b["id"],
            b["status"],
            str(s.get("ok", "")),
            str(s.get("failed", "")),
            str(s.get("requests", "")),
            str(s.get("elapsed_s", "")),
        )
    console.print(table)
    if attempts:
        t = Table(title="attempts")
        for column in ("scene", "role", "generator", "try", "status", "seconds", "file / error"):
            t.add_column(column)
        for a in tries:
            t.add_row(
                a["scene_id"] or "-",
                a["role"],
                a["generator_id"],
                str(a["attempt"]),
                a["status"],
                f"{a['duration_s']:.2f}",
                a["path"] or (a["error"] or "")[:100],
            )
        console.print(t)
    else:
        _summary_table(outputs, out, "outputs")


def _story_report(result: StoryResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        _summary_table(
            result.batch.results + ([result.final] if result.final else []),
            result.out_dir,
            f"story {result.status}",
        )
        frames = result.frames
        names = (
            f"{frames[0].name} ... {frames[-1].name}"
            if len(frames) > 1
            else ", ".join(p.name for p in frames)
        )
        typer.echo(f"frames:    {result.out_dir} ({len(frames)} files: {names})")
        typer.echo(f"narration: {result.narration or '(none)'}")
        typer.echo(f"video:     {result.video or '(not made)'}")
        for problem in result.problems:
            typer.echo(f"problem: {problem}")
    raise typer.Exit(0 if result.status == "completed" else 1)


def story_command(
    file: Annotated[
        Path | None, typer.Argument(help="scenes.yaml / storyboard JSON (omit with --text).")
    ] = None,
    out: Out = Path("story-out"),
    text: Annotated[
        str | None, typer.Option("--text", help="Story text to split into scenes (needs --model).")
    ] = None,
    text_file: Annotated[
        Path | None, typer.Option("--text-file", help="File holding the story text.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="LLM model that writes the scenes, e.g. openai/gpt-4o-mini."),
    ] = None,
    scenes: Annotated[
        int, typer.Option("--scenes", min=1, max=50, help="Scenes to ask the LLM for.")
    ] = 4,
    image_generator: Annotated[
        str, typer.Option("--image-generator", "-g")
    ] = "mock_image_generator",
    fallback: Annotated[list[str] | None, typer.Option("--fallback", "-f")] = None,
    audio_generator: Annotated[str, typer.Option("--audio-generator")] = "espeak_tts_generator",
    video_generator: Annotated[str, typer.Option("--video-generator")] = "mock_video_generator",
    concurrency: Concurrency = 4,
    style: Style = None,
    styles_file: StylesFile = None,
    as_json: Json = False,
) -> None:
    """The whole story: scenes (from FILE or, with --model, from --text), frames, narration, one MP4."""
    from inference_pipeline.story import StoryPipeline

    if text_file is not None:
        text = text_file.read_text(encoding="utf-8")
    if (file is None) == (text is None):
        fail("give a scenes FILE or --text/--text-file (with --model)", 2)
    with handle_errors():

        def go(cb: Callable[[ProgressEvent], None]) -> Coroutine[Any, Any, StoryResult]:
            pipeline = StoryPipeline(
                out,
                image_generator=image_generator,
                image_fallbacks=list(fallback or []),
                audio_generator=audio_generator,
                video_generator=video_generator,
                concurrency=concurrency,
                style=style,
                model=model,
                on_event=cb,
            )

            async def main() -> StoryResult:
                if file is not None:
                    board = load_storyboard(file)
                else:
                    assert text is not None
                    cb_event("stage_update", f"writing {scenes} scenes with {model}", cb)
                    board = await pipeline.storyboard_from_text(text, scenes=scenes)
                return await pipeline.run(_with_styles(board, styles_file))

            return main()

        result = _run(go, as_json)
    _story_report(result, as_json)


def cb_event(kind: str, message: str, cb: Callable[[ProgressEvent], None]) -> None:
    from inference_pipeline.events import ProgressEvent

    cb(ProgressEvent(type=kind, message=message))  # type: ignore[arg-type]


def _iter_commands() -> Iterator[tuple[str, Callable[..., None]]]:
    yield "batch", batch_command
    yield "regenerate", regenerate_command
    yield "history", history_command
    yield "story", story_command


def register(app: typer.Typer) -> None:
    """Add the batch pipeline's commands to the ``infer`` application."""
    for name, command in _iter_commands():
        app.command(name)(command)
