"""``infer batch``, ``infer regenerate``, ``infer history`` and ``infer story``.

Exit codes: 0 when every output was made, 1 when the batch ended ``partial``
or ``failed``, 2 for usage and validation errors, 130 when interrupted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from inference_core.cli import Debug, Verbose, fail, handle_errors
from inference_pipeline._cli_output import SUMMARY_ROWS, run_with_progress, summary_table
from inference_pipeline.batch import BatchConfig, BatchResult
from inference_pipeline.database import STORE_ENV, Database, redact_url, resolve_store_url
from inference_pipeline.runner import BatchRunner
from inference_pipeline.scenes import Storyboard, load_storyboard
from inference_pipeline.store import HistoryStore

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator

    from inference_pipeline.events import ProgressEvent
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
Store = Annotated[
    str | None,
    typer.Option(
        "--store",
        help=f"History in this postgresql:// database (default ${STORE_ENV}, else SQLite in --out).",
        show_default=False,
    ),
]
AllowMixed = Annotated[
    bool,
    typer.Option(
        "--allow-mixed",
        help="Write into a folder that holds another storyboard's results (its files may be replaced).",
    ),
]
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


def _load(file: Path) -> Storyboard:
    """:func:`load_storyboard`, its deprecation warnings printed as one-line notes on stderr."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        board = load_storyboard(file)
    for warning in caught:
        if issubclass(warning.category, DeprecationWarning):
            typer.echo(f"note: {warning.message}", err=True)
        else:
            warnings.warn(warning.message, warning.category, stacklevel=2)
    return board


def _with_styles(board: Storyboard, styles_file: Path | None) -> Storyboard:
    if styles_file is None:
        return board
    from inference_pipeline.styles import load_styles

    return board.model_copy(update={"styles": {**load_styles(styles_file), **board.styles}})


def _check_folder(
    out: Path, board: Storyboard, source: Path | None, allow_mixed: bool, url: str | None
) -> None:
    """Before any progress or request: ``out`` holds no other storyboard's results."""
    if allow_mixed or not HistoryStore.exists(out, store_url=url):
        return
    from inference_pipeline.session import check_same_storyboard

    with HistoryStore(out, store_url=url) as store:
        check_same_storyboard(store, board, str(source.resolve()) if source else None, out)


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


def _echo_json(result: BatchResult) -> None:
    """``json.dumps(result.to_dict(), indent=2)``, written a result at a time: the results
    of a large batch are never all in memory at once."""
    head = json.dumps(result.summary(), indent=2, default=str)
    typer.echo(head[: -len("\n}")] + ',\n  "results": [', nl=False)
    for index, record in enumerate(result.results):
        item = json.dumps(record.to_dict(), indent=2, default=str).replace("\n", "\n    ")
        typer.echo(("," if index else "") + "\n    " + item, nl=False)
    typer.echo("\n  ]\n}" if result.results else "]\n}")


def _report(result: BatchResult, as_json: bool) -> None:
    if as_json:
        _echo_json(result)
    if result.status == "stopped":
        fail(result.error or "batch stopped", 1)  # the one line, on stderr
    if not as_json:
        summary_table(result.results, result.out_dir, f"batch {result.status} ({result.out_dir})")
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
    store: Store = None,
    allow_mixed: AllowMixed = False,
    as_json: Json = False,
    verbose: Verbose = False,
    debug: Debug = False,
    executor: ExecutorName = "local",
    address: Address = None,
) -> None:
    """Generate one file per scene of FILE into --out (scene-001.png, ...)."""
    with handle_errors():
        url = _store_url(store)
        board = _with_styles(_load(file), styles_file)
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
        _check_folder(out, board, file, allow_mixed, url)
        if address and executor == "local":
            fail("--address needs --executor (e.g. --executor ray)", 2)
        from inference_pipeline.executor import load_executor

        chosen = load_executor(executor, address=address)

        async def go(cb: Callable[[ProgressEvent], None]) -> BatchResult:
            try:
                return await BatchRunner(
                    out, config, on_event=cb, store_url=url, executor=chosen
                ).run(
                    board, manifest_extra={"source": str(file.resolve())}, allow_mixed=allow_mixed
                )
            finally:
                if chosen is not None:
                    await chosen.aclose()

        result = run_with_progress(go, as_json)
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
    store: Store = None,
    as_json: Json = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """Run scenes of the last batch in --out again: given --scene ids, or --failed ones."""
    if bool(scene) == failed:
        fail("give --scene ID (repeatable) or --failed", 2)
    with handle_errors():
        url = _store_url(store)
        if not HistoryStore.exists(out, store_url=url):
            fail(f"no batch history in {out}{_in_store(url)}", 2)
        with HistoryStore(out, store_url=url) as history:
            manifest = history.last_manifest()
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
                    out, video_generator=manifest.get("video_generator"), on_event=cb, store_url=url
                )
                pipeline.config = config
                return pipeline.run(board, scene_ids=ids, failed_only=failed)

            story_result = run_with_progress(story, as_json)
            _story_report(story_result, as_json)
            return
        extra = {k: v for k, v in manifest.items() if k not in ("kind", "storyboard", "config")}
        result = run_with_progress(
            lambda cb: BatchRunner(out, config, on_event=cb, store_url=url).run(
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
    store: Store = None,
    as_json: Json = False,
    debug: Debug = False,
) -> None:
    """Show what was generated in --out: each output, its generator and file, or every attempt."""
    with handle_errors():
        url = _store_url(store)
        if not HistoryStore.exists(out, store_url=url):
            where = _in_store(url) or f" (looked for {out}/.inference/history.sqlite)"
            fail(f"no batch history in {out}{where}", 2)
        with HistoryStore(out, store_url=url) as history:
            outputs = history.outputs()
            batches = history.batches()
            tries = history.attempts()
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
        summary_table(outputs, out, "outputs")


def _store_url(store: str | None) -> str | None:
    """The store URL; a bad one, or a server that cannot be reached, fails before any progress."""
    url = resolve_store_url(store)
    if url is not None:
        Database.postgresql(url).close()
    return url


def _in_store(url: str | None) -> str:
    return f" (in the store {redact_url(url)})" if url else ""


def _story_report(result: StoryResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    if result.batch.status == "stopped":
        fail(result.batch.error or "story stopped", 1)
    if not as_json:
        summary_table(
            [*result.batch.results, *([result.final] if result.final else [])],
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
    store: Store = None,
    allow_mixed: AllowMixed = False,
    as_json: Json = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """The whole story: scenes (from FILE or, with --model, from --text), frames, narration, one MP4."""
    from inference_pipeline.story import StoryPipeline

    if text_file is not None:
        text = text_file.read_text(encoding="utf-8")
    if (file is None) == (text is None):
        fail("give a scenes FILE or --text/--text-file (with --model)", 2)
    with handle_errors():
        url = _store_url(store)
        # Every stage's generators and the folder, before the LLM or any frame is paid for.
        StoryPipeline(
            out,
            image_generator=image_generator,
            image_fallbacks=list(fallback or []),
            audio_generator=audio_generator,
            video_generator=video_generator,
            concurrency=concurrency,
        ).check()
        given = _load(file) if file is not None else None
        if given is not None:
            _check_folder(out, given, None, allow_mixed, url)

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
                store_url=url,
            )

            async def main() -> StoryResult:
                if given is not None:
                    board = given
                else:
                    assert text is not None
                    cb_event("stage_update", f"writing {scenes} scenes with {model}", cb)
                    board = await pipeline.storyboard_from_text(text, scenes=scenes)
                return await pipeline.run(_with_styles(board, styles_file), allow_mixed=allow_mixed)

            return main()

        result = run_with_progress(go, as_json)
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
