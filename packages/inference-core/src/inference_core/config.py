"""Configuration files: YAML or JSON with ``${ENV}`` substitution, and ``.env`` files.

Example::

    from inference_core.config import ConfigLoader

    path = ConfigLoader.find_file_upwards("inference_runtime.yaml")
    data = ConfigLoader.load(path) if path else {}
    ConfigLoader.load_env_file()          # .env found upward; never overrides set variables

Two readers, two names: :func:`load_config` reads *a* YAML/JSON file you
name; :func:`user_config` reads *the* user's inference-core config file
(``$INFERENCE_CORE_CONFIG`` or ``<user config dir>/inference-core/config.yaml``,
see :func:`user_config_path`), the one with the ``keys:``, ``settings:`` and
``styles:`` sections.

Substitution happens in string values after parsing, so a value can never
inject YAML structure:

- ``${NAME}`` is the variable's value; an unset variable is a
  :class:`~inference_core.ConfigurationError` naming it and the file,
- ``${NAME:-fallback}`` uses ``fallback`` when ``NAME`` is unset or empty,
- ``$${NAME}`` is the literal text ``${NAME}``.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from inference_core import _paths
from inference_core.errors import ConfigurationError

__all__ = [
    "USER_CONFIG_ENV_VAR",
    "ConfigLoader",
    "find_file_upwards",
    "load_config",
    "load_env_file",
    "parse_env_file",
    "substitute_env",
    "user_config",
    "user_config_path",
]

#: The environment variable that names the user config file.
USER_CONFIG_ENV_VAR = _paths.CONFIG_ENV_VAR
_user_cache: dict[tuple[str, int, int], dict[str, Any]] = {}
_user_lock = threading.Lock()

_ENV_PATTERN = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")


def find_file_upwards(
    names: str | list[str] | tuple[str, ...],
    start: str | os.PathLike[str] | None = None,
    *,
    stop_at: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The first file called one of ``names`` in ``start`` (default: cwd) or a parent.

    Within one directory, earlier names win. The search stops after
    ``stop_at`` (inclusive) or at the filesystem root; ``None`` when nothing
    was found.
    """
    candidates = [names] if isinstance(names, str) else list(names)
    here = Path(start if start is not None else Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    stop = Path(stop_at).resolve() if stop_at is not None else None
    for directory in (here, *here.parents):
        for name in candidates:
            path = directory / name
            if path.is_file():
                return path
        if stop is not None and directory == stop:
            break
    return None


def substitute_env(
    value: Any,
    environ: Mapping[str, str] | None = None,
    *,
    source: str = "configuration",
) -> Any:
    """``value`` with ``${NAME}`` / ``${NAME:-default}`` replaced in every string it holds.

    Mappings and lists are walked recursively; other values are returned as
    they are. ``source`` names the file in error messages.
    """
    env = os.environ if environ is None else environ

    def replace(match: re.Match[str]) -> str:
        escaped, name, default = match.group(1), match.group(2), match.group(3)
        if escaped:
            return match.group(0)[1:]
        found = env.get(name)
        if found:
            return found
        if default is not None:
            return default
        if found is not None:
            return found
        raise ConfigurationError(
            f"{source}: environment variable {name} is not set (write ${{{name}:-default}} to give a fallback)"
        )

    if isinstance(value, str):
        return _ENV_PATTERN.sub(replace, value)
    if isinstance(value, Mapping):
        return {key: substitute_env(item, env, source=source) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute_env(item, env, source=source) for item in value]
    return value


def _parse_text(text: str, *, kind: str, source: str) -> Any:
    if kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"{source}: invalid JSON at line {exc.lineno}: {exc.msg}"
            ) from exc
    import yaml  # deferred: only configuration readers pay for it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{source}: invalid YAML: {exc}") from exc


def _not_utf8(what: str, file: Path, exc: UnicodeDecodeError) -> str:
    return (
        f"the {what} {file} is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x});"
        " save it as UTF-8"
    )


def load_config(
    path: str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    substitute: bool = True,
) -> dict[str, Any]:
    """Read a YAML (``.yaml``/``.yml``) or JSON (``.json``) mapping, with ``${ENV}`` substituted.

    Other suffixes are read as YAML, which accepts JSON too. An empty file is
    ``{}``; a missing file, a parse error or a top level that is not a
    mapping is a :class:`~inference_core.ConfigurationError`.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigurationError(f"configuration file not found: {file}") from exc
    except OSError as exc:
        raise ConfigurationError(f"cannot read configuration file {file}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigurationError(_not_utf8("configuration file", file, exc)) from None
    kind = "json" if file.suffix.lower() == ".json" else "yaml"
    data = _parse_text(text, kind=kind, source=str(file))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{file}: expected a mapping at the top level, got {type(data).__name__}"
        )
    return substitute_env(data, environ, source=str(file)) if substitute else data


def user_config_path() -> Path:
    """The user config file in use: ``$INFERENCE_CORE_CONFIG`` or the platform's user config file."""
    return _paths.config_path()


def user_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The user's inference-core config file (:func:`user_config_path`), parsed; ``{}`` if none.

    Read again only when the file changes. Raises
    :class:`~inference_core.ConfigurationError` when the file exists but is not
    a valid YAML/JSON mapping whose ``keys:`` and ``settings:`` are mappings.
    """
    file = user_config_path() if path is None else Path(path)
    try:
        stat = file.stat()
    except OSError:
        return {}
    stamp = (str(file), stat.st_mtime_ns, stat.st_size)
    with _user_lock:
        hit = _user_cache.get(stamp)
    if hit is None:
        hit = load_config(file)
        for section in ("keys", "settings"):
            if not isinstance(hit.get(section) or {}, dict):
                raise ConfigurationError(f"{file}: '{section}' must be a mapping of NAME: value")
        with _user_lock:
            if len(_user_cache) > 16:
                _user_cache.clear()
            _user_cache[stamp] = hit
    return hit


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        body = raw[1:-1]
        return (
            body.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"').replace("\\\\", "\\")
        )
    # Unquoted: an inline comment starts at " #".
    hash_at = raw.find(" #")
    return (raw[:hash_at] if hash_at >= 0 else raw).strip()


def parse_env_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """The ``NAME=value`` pairs of a ``.env`` file, without touching ``os.environ``.

    Accepts ``export NAME=value``, single and double quotes (``\\n`` escapes in
    double quotes), ``#`` comments and blank lines. Lines that are not
    assignments are a :class:`~inference_core.ConfigurationError` naming the
    line.
    """
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigurationError(f"cannot read env file {file}: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigurationError(_not_utf8("env file", file, exc)) from None
    values: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match is None:
            raise ConfigurationError(f"{file}:{number}: expected NAME=value, got {stripped[:40]!r}")
        values[match.group(1)] = _unquote(match.group(2))
    return values


def load_env_file(
    path: str | os.PathLike[str] | None = None,
    *,
    start: str | os.PathLike[str] | None = None,
    environ: MutableMapping[str, str] | None = None,
) -> dict[str, str]:
    """Fill environment variables from a ``.env`` file; a variable already set is never overridden.

    Without ``path`` the nearest ``.env`` upward from ``start`` (default: cwd)
    is used; no file found is not an error. Returns the variables it set.
    """
    env = os.environ if environ is None else environ
    file = Path(path) if path is not None else find_file_upwards(".env", start)
    if file is None:
        return {}
    if path is not None and not file.is_file():
        raise ConfigurationError(f"env file not found: {file}")
    applied: dict[str, str] = {}
    for name, value in parse_env_file(file).items():
        if name in env:
            continue
        env[name] = value
        applied[name] = value
    return applied


class ConfigLoader:
    """Finds and reads configuration files; a namespace over this module's functions.

    Example::

        data = ConfigLoader.load("settings.yaml")           # ${ENV} substituted
        path = ConfigLoader.find_file_upwards(".env")
        ConfigLoader.load_env_file()                        # never overrides a set variable
        runtime = ConfigLoader.find_and_load("inference_runtime.yaml")  # {} when absent
    """

    find_file_upwards = staticmethod(find_file_upwards)
    load = staticmethod(load_config)
    load_config = staticmethod(load_config)
    load_env_file = staticmethod(load_env_file)
    parse_env_file = staticmethod(parse_env_file)
    substitute_env = staticmethod(substitute_env)

    @staticmethod
    def find_and_load(
        names: str | list[str] | tuple[str, ...],
        start: str | os.PathLike[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The first file called one of ``names`` upward from ``start``, loaded; ``{}`` if none."""
        path = find_file_upwards(names, start)
        return load_config(path, environ=environ) if path is not None else {}
