"""What ``infer batch``, ``regenerate``, ``history`` and ``story`` print while and after they run:
a progress bar fed by the pipeline's events, and the summary tables."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING, Any

from inference_core.cli import verbose_enabled

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence
    from pathlib import Path

    from rich.console import Console

    from inference_pipeline.events import ProgressEvent
    from inference_pipeline.store import SceneResult

__all__ = ["MAX_NOTES", "SUMMARY_ROWS", "run_with_progress", "summary_table"]


#: Warnings and errors printed above the progress bar; the rest are counted, not printed.
MAX_NOTES = 20


class _Progress:
    """A rich progress bar fed by progress events; warnings and errors printed above it.

    At most :data:`MAX_NOTES` of those are printed, then one line saying where the
    rest are: the output stays bounded for any batch size. A batch that stopped
    leaves no bar behind: its one line says it all.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled  # the bar (only on a terminal)
        self.quiet = not enabled  # --json: neither bar nor notes
        self._progress: Any = None
        self._task: Any = None
        self._notes = 0
        self.stopped = False

    def __enter__(self) -> _Progress:
        return self

    def _start(self) -> None:
        """Show the bar at the first event (a run refused by its checks prints only the
        error), on stderr (results go to stdout), and only on a terminal (no bar drawn
        into a pipe or a file)."""
        if self._progress is not None or not self.enabled:
            return
        from rich.console import Console

        console = Console(stderr=True)
        if not console.is_terminal:
            self.enabled = False
            return
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
            console=console,
            transient=False,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task("generating", total=None)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            if self.stopped:  # leave no bar behind
                self._progress.remove_task(self._task)
                self._progress.live.transient = True
            self._progress.__exit__(None, None, None)

    @property
    def console(self) -> Console:
        from rich.console import Console

        return self._progress.console if self._progress is not None else Console(stderr=True)

    def __call__(self, event: ProgressEvent) -> None:
        if event.data.get("waiting_for") is not None:
            # said even with --json (on stderr): a run that waits must not look hung
            self.console.print(
                f"[yellow]waiting:[/] {event.message}", highlight=False, soft_wrap=True
            )
            return
        if self.quiet:
            return
        if event.data.get("retry") and not verbose_enabled():
            return  # a retried attempt is not the outcome; -v shows it
        self._start()
        bar = self._progress
        if event.type == "stage_update":
            if bar is not None:
                bar.update(
                    self._task,
                    description=event.message,
                    total=event.data.get("total"),
                    completed=0,
                )
        elif event.type == "progress":
            if bar is not None:
                bar.update(
                    self._task,
                    completed=event.data.get("current", 0),
                    total=event.data.get("total"),
                )
        elif event.type == "error" and event.data.get("status") == "stopped":
            self.stopped = True  # said once, by the report
        elif event.type in ("warning", "error"):
            self._notes += 1
            if self._notes <= MAX_NOTES:
                color = "yellow" if event.type == "warning" else "red"
                self.console.print(
                    f"[{color}]{event.type}:[/] {event.message}", highlight=False, soft_wrap=True
                )
            elif self._notes == MAX_NOTES + 1:
                self.console.print(
                    "further warnings and errors are not shown: see "
                    "'infer history --out FOLDER --attempts' once the batch is done",
                    highlight=False,
                    soft_wrap=True,
                )


def run_with_progress(
    coro_factory: Callable[[Callable[[ProgressEvent], None]], Coroutine[Any, Any, Any]], quiet: bool
) -> Any:
    """Run a batch with a progress bar; standard output is kept for what the command prints at the end.

    While the batch runs, anything else written to standard output (a plugin's
    ``print``, Ray's ``(raylet) A worker died ...``) goes to standard error, so
    that with ``--json`` standard output holds the JSON document and nothing else.
    """
    with _Progress(not quiet) as progress, contextlib.redirect_stdout(sys.stderr):
        return asyncio.run(coro_factory(progress))


#: Above this many outputs the summary shows counts and the failures, not one row per output.
SUMMARY_ROWS = 50


def summary_table(results: Sequence[SceneResult], out: Path, title: str) -> None:
    """One row per output, or counts and the first failures above :data:`SUMMARY_ROWS`
    (the results are gone over once, and only those failures are held)."""
    from rich.console import Console
    from rich.table import Table

    shown: Sequence[SceneResult] = results
    if len(results) > SUMMARY_ROWS:
        ok = cached = fell_back = failed = 0
        first_failures: list[SceneResult] = []
        for r in results:
            if r.status == "ok":
                ok += 1
                cached += r.cached
                fell_back += bool(r.fallbacks)
                continue
            failed += 1
            if len(first_failures) < SUMMARY_ROWS:
                first_failures.append(r)
        Console().print(
            f"{title}: {len(results)} outputs, {ok} ok ({cached} from the cache, "
            f"{fell_back} from a fallback), {failed} failed",
            highlight=False,
            soft_wrap=True,
        )
        if not failed:
            return
        shown = first_failures
        title = "failures" if failed == len(shown) else f"the first {len(shown)} failures"
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
            ", ".join(a["path"] for a in r.assets) if len(r.assets) > 1 else r.path or "",
            r.generator_id or "",
            str(r.attempts),
            note[:120],
        )
    Console().print(table)
