"""Checks made before a run spends anything.

:func:`check_run` is called by :meth:`BatchRunner.run` (and so by ``infer
batch``, ``regenerate``, ``story``, the services and the HTTP API) before the
output folder is opened and before any request: every generator named
resolves and has the modality its role needs, numeric settings are sane,
every parameter is one that some generator of its chain declares (a typo gets
a did-you-mean) and every job's parameters validate against the schema of
every generator that may be called for it. Problems are the core's errors
(:class:`~inference_core.ConfigurationError`,
:class:`~inference_core.InputValidationError`, the plugin errors), which the
command line prints as one line with exit code 2.
"""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING, Any

from inference_core import ConfigurationError, InputValidationError
from inference_core.errors import FieldError, PluginError
from inference_pipeline.fingerprint import is_secret_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from inference_pipeline.batch import BatchConfig, Job
    from inference_pipeline.execute import GeneratorInfo
    from inference_pipeline.scenes import Storyboard
    from inference_pipeline.styles import PromptEnhancer

__all__ = [
    "check_board",
    "check_chain_modality",
    "check_numbers",
    "check_params",
    "check_run",
]

#: The modalities each role of a job may be made with.
ROLE_MODALITIES: dict[str, tuple[str, ...]] = {
    "visual": ("image", "video"),
    "narration": ("audio",),
    "final": ("video",),
    "frame": ("image",),
}
_ROLE_OPTION = {
    "visual": "--generator/--fallback",
    "narration": "narration (--narration-generator, --audio-generator)",
    "final": "the final video (--video-generator)",
    "frame": "story frames (--image-generator/--fallback)",
}


def check_numbers(config: BatchConfig) -> None:
    """``timeout`` above 0 and finite (or ``None``), ``concurrency`` at least 1."""
    timeout = config.timeout
    if timeout is not None and (
        isinstance(timeout, bool) or not math.isfinite(timeout) or timeout <= 0
    ):
        raise ConfigurationError(f"--timeout must be a number of seconds above 0, not {timeout!r}")
    if config.concurrency < 1:
        raise ConfigurationError(f"--concurrency must be at least 1, not {config.concurrency}")


def check_chain_modality(
    role: str, chain: Sequence[str], resolve: Callable[[str, str | None], GeneratorInfo]
) -> list[GeneratorInfo]:
    """Resolve the generators of a chain; each must have a modality ``role`` allows, and one
    modality for the whole chain. Raises :class:`ConfigurationError`, or the lookup's error
    when no generator of the chain resolves (one that is missing while another resolves is a
    reason to fall back at run time, as it always was)."""
    allowed = ROLE_MODALITIES.get(role, ("image", "video", "audio"))
    infos: list[GeneratorInfo] = []
    missing: list[PluginError] = []
    for generator_id in chain:
        try:
            infos.append(resolve(generator_id, None))
        except PluginError as exc:
            missing.append(exc)
    if missing and not infos:
        raise missing[0]
    for info in infos:
        if info.modality not in allowed:
            wanted = " or ".join(allowed)
            raise ConfigurationError(
                f"{info.id} is an {info.modality} generator, but {_ROLE_OPTION.get(role, role)} "
                f"needs {'an' if wanted[0] in 'aeiou' else 'a'} {wanted} generator"
            )
    if infos and any(i.modality != infos[0].modality for i in infos):
        kinds = ", ".join(f"{i.id} ({i.modality})" for i in infos)
        raise ConfigurationError(f"the generators of one chain must share a modality: {kinds}")
    return infos


def _known(infos: Iterable[GeneratorInfo]) -> set[str] | None:
    """Every input name some generator of the chain takes (``None``: one takes anything)."""
    names: set[str] = set()
    for info in infos:
        fields = info.instance.compiled_schema().field_names
        if not fields:
            return None
        names.update(fields)
    return names


def _key_hint(infos: Sequence[GeneratorInfo]) -> str:
    """How to give a key instead of as a parameter (where it would be stored and shown)."""
    specs = [k for i in infos if (k := i.instance.metadata.key) is not None]
    if not specs:
        return "a key is no input of these generators: give it where keys live"
    spec = specs[0]
    return (
        f"a key is no input: set {spec.env_var}, or run 'infer keys set {spec.name}' "
        "(keys given as parameters would end up in the history)"
    )


def check_params(
    source: str, params: Mapping[str, Any] | None, infos: Sequence[GeneratorInfo]
) -> None:
    """Every name in ``params`` must be an input of some generator of the chain (did-you-mean)."""
    if not params or not infos:
        return
    known = _known(infos)
    if known is None:
        return
    problems = []
    for name in sorted(set(params) - known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(sorted(known))
        if is_secret_name(name):
            hint = _key_hint(infos)
        takers = ", ".join(i.id for i in infos)
        problems.append(FieldError(name, f"unknown field ({source}; no input of {takers})", hint))
    if problems:
        raise InputValidationError(infos[0].id, problems)


def check_run(
    config: BatchConfig,
    defaults: Mapping[str, Mapping[str, Any]],
    jobs: Iterable[Job],
    *,
    resolve: Callable[[str, str | None], GeneratorInfo],
    params_for: Callable[[Job, GeneratorInfo, str], dict[str, Any]],
) -> int:
    """Everything above, for a run of ``jobs`` (gone over once, as they come); the first
    problem is raised. Returns the number of jobs."""
    check_numbers(config)
    chains: dict[tuple[str, tuple[str, ...]], list[GeneratorInfo]] = {}

    def check_given(role: str, infos: list[GeneratorInfo]) -> None:
        if infos and role != "final":
            modality = infos[0].modality
            check_params("--param", config.params.get(modality), infos)
            check_params("the storyboard's defaults", defaults.get(modality), infos)

    # The chains the run was given, whether or not a scene needs them, then any other a job has.
    for role, chain in (
        ("visual", (config.generator, *config.fallbacks)),
        ("narration", (config.narration_generator, *config.narration_fallbacks)),
    ):
        named = tuple(g for g in chain if g)
        if named:
            chains[(role, named)] = check_chain_modality(role, named, resolve)
    for (role, _), named_infos in chains.items():
        check_given(role, named_infos)
    count = 0
    for job in jobs:
        count += 1
        infos = chains.get((job.role, job.chain))
        if infos is None:
            infos = chains[(job.role, job.chain)] = check_chain_modality(
                job.role, job.chain, resolve
            )
            check_given(job.role, infos)
        if not infos:
            continue
        if job.params:
            check_params(f"scene {job.scene_id} params", job.params, infos)
        modality = infos[0].modality
        given = {*config.params.get(modality, {}), *defaults.get(modality, {}), *job.params}
        for info in infos:
            _check_values(info, params_for(job, info, modality), given, job)
    return count


def _check_values(info: GeneratorInfo, params: dict[str, Any], given: set[str], job: Job) -> None:
    """Validate a job's parameters; refuse the run for the values the user gave (``-p``,
    defaults, scene ``params``). A scene's own content that a generator refuses (a prompt
    over its length limit) stays that scene's failure, made without a request, as before."""
    try:
        info.instance.validate_inputs(params)
    except InputValidationError as exc:
        theirs = [e for e in exc.errors if _top(e.field) in given]
        if theirs:
            where = f" (scene {job.scene_id})" if job.scene_id else ""
            refused = InputValidationError(f"{info.id}{where}", theirs)
            refused.generator_id = info.id  # the scene is only in the message
            raise refused from None


def _top(field: str) -> str:
    """The input a validation error is about: ``size`` for ``size`` or ``images[0]``."""
    return field.partition("[")[0].partition(".")[0]


def check_board(
    board: Storyboard,
    config: BatchConfig,
    enhancer: PromptEnhancer,
    style: str | None,
    wanted: set[str] | None,
    out_dir: Path,
    resolve: Callable[[str, str | None], GeneratorInfo],
) -> int:
    """:func:`check_run` over the jobs of every selected scene (made one at a time and let
    go), then make sure ``out_dir`` can be written (created if missing): what
    :meth:`BatchRunner.run` checks before it opens the folder. Returns the number of jobs.
    """
    from inference_core.provider import ensure_output_dir
    from inference_pipeline.jobs import iter_jobs, merge_params

    count = check_run(
        config,
        board.defaults,
        iter_jobs(board, config, enhancer, style=style, wanted=wanted),
        resolve=resolve,
        params_for=lambda job, info, modality: merge_params(
            job, info, modality, defaults=board.defaults, config=config
        ),
    )
    ensure_output_dir(out_dir)
    return count
