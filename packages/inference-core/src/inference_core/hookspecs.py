"""Hook specifications of the ``inference_core`` pluggy project.

A plugin is a module named by an entry point in the ``inference_core`` group::

    [project.entry-points.inference_core]
    my_plugin = "my_package"

and implements one or more of these hooks with :data:`inference_core.hookimpl`::

    from inference_core import hookimpl

    @hookimpl
    def register_generators():
        return [MyImageGenerator]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from inference_core._generator import BaseGenerator
    from inference_core._result import GenerationResult

__all__ = [
    "PROJECT_NAME",
    "generation_finished",
    "generation_started",
    "hookimpl",
    "hookspec",
    "register_commands",
    "register_generators",
    "register_models",
]

#: pluggy project name, and the entry-point group plugins register under.
PROJECT_NAME = "inference_core"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_generators() -> list[type[BaseGenerator]]:  # type: ignore[empty-body]
    """Return the generator classes this plugin provides.

    Each must subclass one of :class:`~inference_core.BaseImageGenerator`,
    :class:`~inference_core.BaseVideoGenerator` or
    :class:`~inference_core.BaseAudioGenerator`; the base class gives the
    modality. Import provider SDKs lazily, inside ``generate``: this hook runs
    whenever generators are listed.
    """


@hookspec
def register_models() -> list[Any]:  # type: ignore[empty-body]
    """Return LLM model descriptions for the model registry.

    Each item is a ``ModelConfig`` or a mapping with the same fields
    (``name``, ``provider``, ``litellm_model`` and the rest).
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add this distribution's commands to the ``infer`` application ``cli`` (a ``typer.Typer``).

    Called only when the command line needs commands beyond the core's
    (``plugins``, ``list``, ``info``, ``generate``): keep the plugin module
    light and import the subsystem inside the hook::

        @hookimpl
        def register_commands(cli):
            from my_subsystem.cli import register

            register(cli)
    """


@hookspec
def generation_started(generator_id: str, inputs: dict[str, Any]) -> None:
    """Observe the start of a generation attempt, after its inputs were validated.

    A generation retried by its ``retry_policy`` is observed once per attempt.

    Observers must not change ``inputs``. An exception raised here is logged
    and ignored: observers never break a generation.
    """


@hookspec
def generation_finished(
    generator_id: str,
    inputs: dict[str, Any],
    result: GenerationResult | None,
    error: BaseException | None,
    elapsed_s: float,
) -> None:
    """Observe the end of a generation: ``result`` on success, ``error`` on failure.

    ``elapsed_s`` is the wall time of the generation; usage and cost are in
    ``result.usage`` (a :class:`~inference_core.Usage`). Exceptions raised here
    are logged and ignored.
    """
