"""What every ``infer`` command shares: one-line errors with the documented exit codes, tables."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, NoReturn

import typer

from inference_core._listing import exit_code
from inference_core.errors import InferenceError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["fail", "handle_errors", "print_table"]


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn library errors into one-line messages and the documented exit codes."""
    try:
        yield
    except InferenceError as exc:
        fail(" ".join(str(exc).split()), exit_code(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)


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
