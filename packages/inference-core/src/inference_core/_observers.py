"""Calls the ``generation_started`` / ``generation_finished`` observers, isolating their failures.

Kept apart from plugin loading so that a generation with no observers costs
one truthiness check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from inference_core._result import GenerationResult

_started: tuple[Callable[..., Any], ...] = ()
_finished: tuple[Callable[..., Any], ...] = ()


def set_observers(
    started: Sequence[Callable[..., Any]], finished: Sequence[Callable[..., Any]]
) -> None:
    """Install the observer functions (called by the plugin loader)."""
    global _started, _finished
    _started, _finished = tuple(started), tuple(finished)


def active() -> bool:
    """Whether any observer is installed."""
    return bool(_started or _finished)


def _call_each(functions: Sequence[Callable[..., Any]], **kwargs: Any) -> None:
    for function in functions:
        try:
            function(**kwargs)
        except Exception:
            import logging  # on failure only: importing the core stays light

            logging.getLogger("inference_core").exception(
                "generation observer %s.%s failed; ignored",
                getattr(function, "__module__", "?"),
                getattr(function, "__qualname__", function),
            )


def started(generator_id: str, inputs: dict[str, Any]) -> None:
    _call_each(_started, generator_id=generator_id, inputs=inputs)


def finished(
    generator_id: str,
    inputs: dict[str, Any],
    result: GenerationResult | None,
    error: BaseException | None,
    elapsed_s: float,
) -> None:
    _call_each(
        _finished,
        generator_id=generator_id,
        inputs=inputs,
        result=result,
        error=error,
        elapsed_s=elapsed_s,
    )
