"""What every ``infer`` command shares: one-line errors with the documented exit codes, tables.

Every expected error is one line on stderr (``error: ...``) and an exit code:
2 for usage, validation and configuration errors, 1 for failed generations,
130 when interrupted. An unexpected exception (a bug in a plugin, say) is one
line too, naming its type and where it was raised; ``--debug`` (or
``INFERENCE_CORE_DEBUG=1``) prints the traceback instead. ``-v`` shows what
the library logs at INFO level, such as each retried attempt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from inference_core._listing import exit_code
from inference_core.errors import InferenceError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "DEBUG_ENV",
    "Debug",
    "Verbose",
    "debug_enabled",
    "enable_verbose",
    "fail",
    "handle_errors",
    "print_table",
    "report_unexpected",
    "verbose_enabled",
]

#: Set to 1 to print tracebacks (as ``--debug`` does).
DEBUG_ENV = "INFERENCE_CORE_DEBUG"
#: The loggers ``-v`` shows: the ecosystem's own.
_LOGGERS = ("inference_core", "inference_pipeline", "inference_llm", "inference_serve")
_debug = [False]
_verbose = [False]
_HINT = f"run with --debug or {DEBUG_ENV}=1 for the traceback"


def debug_enabled() -> bool:
    """Whether ``--debug`` was given or ``INFERENCE_CORE_DEBUG`` is set (to anything but 0)."""
    return _debug[0] or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def verbose_enabled() -> bool:
    """Whether ``-v`` was given."""
    return _verbose[0]


def enable_verbose() -> None:
    """Show the library's INFO logs (retried attempts, waits) on stderr, one line each."""
    _verbose[0] = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(getattr(h, "_inference_verbose", False) for h in logger.handlers):
            handler._inference_verbose = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _verbose_option(value: bool) -> None:
    if value:
        enable_verbose()


def _debug_option(value: bool) -> None:
    if value:
        _debug[0] = True


#: ``-v/--verbose`` on a command: show retried attempts and other INFO logs on stderr.
Verbose = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Show retried attempts and other details on stderr.",
        callback=_verbose_option,
        expose_value=False,
        is_eager=True,
    ),
]
#: ``--debug`` on a command: print the traceback of any error.
Debug = Annotated[
    bool,
    typer.Option(
        "--debug",
        help=f"Print the traceback of an error (also {DEBUG_ENV}=1).",
        callback=_debug_option,
        expose_value=False,
        is_eager=True,
    ),
]


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _origin(exc: BaseException) -> str:
    """The top-level package of the innermost non-stdlib frame that raised ``exc`` (a plugin's)."""
    tb = exc.__traceback__
    origin = ""
    while tb is not None:
        top = str(tb.tb_frame.f_globals.get("__name__", "")).partition(".")[0]
        if top and top not in sys.stdlib_module_names:
            origin = top
        tb = tb.tb_next
    return origin


def report_unexpected(exc: BaseException) -> NoReturn:
    """One line for an exception nobody expected (exit 1); the traceback with ``--debug``."""
    if debug_enabled():
        traceback.print_exception(exc)
    where = _origin(exc)
    text = " ".join(str(exc).split())[:300]
    shown = f"{type(exc).__name__}" + (f" in {where}" if where else "")
    hint = "" if debug_enabled() else f" ({_HINT})"
    fail(f"unexpected {shown}: {text or '(no message)'}{hint}", 1)


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn library errors into one-line messages and the documented exit codes."""
    try:
        yield
    except InferenceError as exc:
        if debug_enabled():
            traceback.print_exception(exc)
        fail(" ".join(str(exc).split()), exit_code(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        report_unexpected(exc)


def print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """Print a rich table of ``rows`` (cells escaped) on stdout."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    Console().print(table)
