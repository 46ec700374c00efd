"""Conformance checks for what must not leak: secrets into results, heavy imports into listing."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from inference_core import ConfigurationError, InferenceError
from inference_core.testing._conformance_checks import GeneratorLike, gid

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from inference_core import BaseGenerator, GenerationResult

__all__ = [
    "DEFAULT_FORBIDDEN_IMPORTS",
    "check_listing_lightweight",
    "check_missing_secret",
    "check_no_secrets",
    "find_secrets",
]

#: Modules that listing generators must not import (provider SDKs and media decoders).
DEFAULT_FORBIDDEN_IMPORTS = ("openai", "litellm", "httpx", "PIL", "av")
_MAX_DEPTH = 12


def find_secrets(value: Any, secrets: Mapping[str, str], where: str) -> Iterator[str]:
    """Yield ``"<NAME> in <where...>"`` for every place a secret value appears in ``value``.

    Walks dicts, lists, tuples, sets, dataclasses, strings, bytes and paths.
    """
    yield from _walk(value, {k: v for k, v in secrets.items() if v}, where, 0, set())


def _walk(
    value: Any, secrets: Mapping[str, str], where: str, depth: int, seen: set[int]
) -> Iterator[str]:
    if depth > _MAX_DEPTH or id(value) in seen:
        return
    if isinstance(value, str | bytes | bytearray | pathlib.PurePath):
        text = value if isinstance(value, bytes | bytearray) else str(value).encode()
        for name, secret in secrets.items():
            if secret.encode() in text:
                yield f"{name} in {where}"
        return
    if isinstance(value, int | float | bool | type(None)):
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key, secrets, f"{where} (a key)", depth + 1, seen)
            yield from _walk(item, secrets, f"{where}[{key!r}]", depth + 1, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _walk(item, secrets, f"{where}[{index}]", depth + 1, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _walk(
                getattr(value, field.name), secrets, f"{where}.{field.name}", depth + 1, seen
            )
    else:
        yield from _walk(repr(value), secrets, f"repr({where})", depth + 1, seen)


def check_no_secrets(
    generator: GeneratorLike,
    secrets: Mapping[str, str],
    results: Sequence[GenerationResult] = (),
    errors: Sequence[BaseException] = (),
) -> None:
    """No secret value appears in the results (assets, metadata, usage, parameters, reprs),
    the generator's repr and info, or the messages of ``errors`` (and their causes)."""
    __tracebackhide__ = True
    label = gid(generator)
    places: list[str] = []
    for index, result in enumerate(results):
        name = f"result {index}" if len(results) > 1 else "result"
        found = list(find_secrets(result, secrets, name))
        if not found:  # the reprs only matter when the fields themselves are clean
            found += find_secrets([repr(result), str(result)], secrets, f"repr({name})")
        places += found
        for number, asset in enumerate(result.assets):
            try:
                data = asset.read_bytes()
            except OSError:
                data = b""  # a file that is gone holds no secret; check_assets reports it
            places += find_secrets(data, secrets, f"{name}.assets[{number}] bytes")
            places += find_secrets(repr(asset), secrets, f"repr({name}.assets[{number}])")
    places += find_secrets(repr(generator), secrets, "repr(generator)")
    places += find_secrets(str(generator), secrets, "str(generator)")
    places += find_secrets(generator.get_info(), secrets, "get_info()")
    for index, error in enumerate(errors):
        chain: BaseException | None = error
        depth = 0
        while chain is not None and depth < 5:
            where = f"error {index} ({type(chain).__name__})"
            places += find_secrets([str(chain), repr(chain), chain.args], secrets, where)
            chain = chain.__cause__ or chain.__context__
            depth += 1
    if places:
        unique = list(dict.fromkeys(places))
        raise AssertionError(f"{label}: secret leaked: " + "; ".join(unique))


def check_missing_secret(
    generator_id: str,
    make_generator: Callable[[], BaseGenerator],
    valid_inputs: Mapping[str, Any],
    secrets: Mapping[str, str],
) -> None:
    """With the ``secrets`` variables unset, building the generator and generating either
    works (the key is optional) or raises a ``ConfigurationError`` (``MissingAPIKeyError``)
    naming one of the variables.

    ``make_generator`` is called after the caller removed the variables from the environment.
    """
    __tracebackhide__ = True
    names = ", ".join(secrets)
    try:
        make_generator().generate(**valid_inputs)
    except ConfigurationError as exc:
        if not any(name in str(exc) for name in secrets):
            raise AssertionError(
                f"{generator_id}: without {names} set, the error does not name the variable: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    except InferenceError as exc:
        raise AssertionError(
            f"{generator_id}: without {names} set, generate raised {type(exc).__name__}: {exc}; "
            "a missing key must raise MissingAPIKeyError naming the variable, before any request"
        ) from exc
    except Exception as exc:
        raise AssertionError(
            f"{generator_id}: without {names} set, generate raised {type(exc).__name__}: {exc}, "
            "which is not an InferenceError; raise MissingAPIKeyError naming the variable"
        ) from exc


_LISTING_SCRIPT = r"""
import json, sys, traceback

forbidden = set(json.loads(sys.argv[2]))
importers = {}


class Spy:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in forbidden and top not in importers:
            frames = [
                f for f in traceback.extract_stack()[:-1]
                if "importlib" not in f.filename and not f.filename.startswith("<")
            ]
            importers[top] = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        return None


sys.meta_path.insert(0, Spy())
generator_id = sys.argv[1]
import inference_core
from inference_core import get_registry
from inference_core.plugins import get_plugins

report = {"found": None, "ids": [], "failures": []}
for modality in ("image", "video", "audio"):
    registry = get_registry(modality)
    report["ids"] += registry.list_generators()
    info = registry.get_all_generators_info()
    if generator_id in info:
        json.dumps(info[generator_id])
        registry.get_generator_class(generator_id).get_tool_definition()
        report["found"] = modality
report["failures"] = [f"{f.distribution} {f.version}: {f.error}" for f in get_plugins().failures]
report["loaded"] = {m: importers.get(m, "?") for m in sorted(forbidden) if m in sys.modules}
print(json.dumps(report))
"""


def check_listing_lightweight(
    generator_id: str,
    forbidden: Sequence[str] = DEFAULT_FORBIDDEN_IMPORTS,
    *,
    timeout: float = 120.0,
) -> None:
    """In a fresh interpreter, discovering, listing and describing ``generator_id`` works
    and imports none of ``forbidden``.

    The child process sees the same ``sys.path`` and environment as this one.
    """
    __tracebackhide__ = True
    env = dict(os.environ)
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH", "")] if p])
    proc = subprocess.run(
        [sys.executable, "-c", _LISTING_SCRIPT, generator_id, json.dumps(list(forbidden))],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        raise AssertionError(
            f"{generator_id}: listing generators in a fresh interpreter failed: " + " | ".join(tail)
        )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    if report["found"] is None:
        failures = "; ".join(report["failures"]) or "none"
        raise AssertionError(
            f"{generator_id}: not found when listing generators in a fresh interpreter "
            f"(listed: {', '.join(report['ids']) or 'none'}; plugin load failures: {failures}); "
            "is it registered through an [project.entry-points.inference_core] entry point of an installed package?"
        )
    if report["loaded"]:
        detail = ", ".join(
            f"{m} (first imported at {where})" for m, where in report["loaded"].items()
        )
        raise AssertionError(
            f"{generator_id}: listing generators imports {detail}; import heavy modules lazily, "
            "inside the code that generates"
        )
