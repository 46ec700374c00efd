"""API keys and provider settings: where they come from, and keeping them out of sight.

Lookup order for a name such as ``OPENROUTER_API_KEY`` (first hit wins):

1. the explicit argument (``resolve_key("OPENROUTER_API_KEY", api_key)``);
2. for a key declared with a name (``GeneratorMetadata(key=KeySpec("openrouter",
   "OPENROUTER_API_KEY"))``), the key store that ``infer keys set openrouter``
   writes (:mod:`inference_core._keystore`);
3. the user config file (:func:`inference_core.config.user_config`):
   ``$INFERENCE_CORE_CONFIG`` or, when unset,
   ``<user config dir>/inference-core/config.yaml`` (platformdirs), whose
   ``keys:`` map holds secrets and ``settings:`` map holds everything else::

       keys:
         OPENROUTER_API_KEY: sk-or-...
       settings:
         OPENROUTER_BASE_URL: https://openrouter.ai/api/v1

4. the process environment;
5. a ``.env`` file found upward from the working directory, which only fills
   names the environment does not set. It is read, never exported into
   ``os.environ``; a new or moved ``.env`` is noticed within two seconds, a
   changed one at once.

Keys come back as :class:`Secret`: a ``str`` that works everywhere a string
does (``f"Bearer {key}"``) but whose ``repr`` is ``'***'``, so it never shows up
in tracebacks, reprs or logged arguments. Every secret resolved here is
remembered, and :func:`redact` replaces remembered (and explicitly given)
secrets in any text; :class:`RedactingFilter` does the same for log records.

Example::

    from inference_core._keys import resolve_key, resolve_setting

    key = resolve_key("OPENROUTER_API_KEY", api_key, generator_id="openrouter_image_generator")
    base = resolve_setting("OPENROUTER_BASE_URL", base_url, default="https://openrouter.ai/api/v1")
"""

from __future__ import annotations

import os
import pathlib
import threading
import time
from typing import TYPE_CHECKING, Any

from inference_core._paths import CONFIG_ENV_VAR, config_path
from inference_core.errors import MissingAPIKeyError

__all__ = [
    "CONFIG_ENV_VAR",
    "RedactingFilter",
    "Secret",
    "config_path",
    "dotenv_values",
    "load_config",
    "redact",
    "remember",
    "key_source",
    "resolve_key",
    "resolve_setting",
]

MASK = "***"
_MIN_SECRET_LEN = 4

_known: set[str] = set()
_known_lock = threading.Lock()
_file_cache: dict[tuple[str, int, int], dict[str, Any]] = {}
_dotenv_paths: dict[str, tuple[float, pathlib.Path | None]] = {}
_DOTENV_TTL = 2.0

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable


class Secret(str):
    """A string whose ``repr`` is ``'***'``; the value itself is unchanged.

    >>> key = Secret("sk-123")
    >>> repr(key), f"Bearer {key}"
    ("'***'", 'Bearer sk-123')

    Use :meth:`reveal` where a plain ``str`` is clearer.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Secret:
        secret = super().__new__(cls, value)
        remember(secret)
        return secret

    def __repr__(self) -> str:
        return repr(MASK)

    def reveal(self) -> str:
        """The key as a plain ``str``."""
        return str.__str__(self)


def remember(*secrets: str | None) -> None:
    """Add secrets to the set :func:`redact` always hides (too short ones are ignored)."""
    with _known_lock:
        _known.update(str.__str__(s) for s in secrets if s and len(s) >= _MIN_SECRET_LEN)


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every given and every remembered secret replaced by ``'***'``."""
    with _known_lock:
        candidates = set(_known)
    candidates.update(str.__str__(s) for s in secrets if s and len(s) >= _MIN_SECRET_LEN)
    for secret in sorted(candidates, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter:
    """A logging filter that redacts remembered secrets from each record's message.

    Attach it to a handler: ``handler.addFilter(RedactingFilter())``. The
    message is formatted once (with its arguments) and then redacted. (Any
    object with a ``filter(record)`` method is a logging filter: not subclassing
    :class:`logging.Filter` keeps :mod:`logging` out of a plain import of the core.)
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _cached(path: pathlib.Path, parse: Callable[[pathlib.Path], dict[str, Any]]) -> dict[str, Any]:
    """``parse(path)``, re-read only when the file's size or modification time changes."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    stamp = (str(path), stat.st_mtime_ns, stat.st_size)
    with _known_lock:
        hit = _file_cache.get(stamp)
    if hit is None:
        hit = parse(path)
        with _known_lock:
            if len(_file_cache) > 16:
                _file_cache.clear()
            _file_cache[stamp] = hit
    return hit


def load_config(path: pathlib.Path | None = None) -> dict[str, Any]:
    """Deprecated since 0.2: :func:`inference_core.config.user_config` (``load_config`` of
    :mod:`inference_core.config` reads any file you name; this one read the user's)."""
    import warnings

    warnings.warn(
        "inference_core.keys.load_config is deprecated since 0.2; "
        "use inference_core.config.user_config()",
        DeprecationWarning,
        stacklevel=2,
    )
    from inference_core import config

    return config.user_config(path)


def dotenv_values(start: pathlib.Path | None = None) -> dict[str, str]:
    """The values of the nearest ``.env`` upward from ``start`` (default: cwd); ``{}`` if none.

    Where the nearest ``.env`` is gets remembered for a second or two per
    folder; its content is re-read whenever the file changes.
    """
    from inference_core import config  # with its parsers, on the first lookup

    folder = str(start) if start is not None else os.getcwd()
    now = time.monotonic()
    with _known_lock:
        hit = _dotenv_paths.get(folder)
    if hit is None or now - hit[0] > _DOTENV_TTL:
        hit = (now, config.find_file_upwards(".env", pathlib.Path(folder)))
        with _known_lock:
            if len(_dotenv_paths) > 64:
                _dotenv_paths.clear()
            _dotenv_paths[folder] = hit
    path = hit[1]
    return {} if path is None else _cached(path, config.parse_env_file)


def _lookup(name: str, section: str) -> str | None:
    return _find(name, section)[0]


def _find(name: str, section: str, store_name: str | None = None) -> tuple[str | None, str]:
    """The value of ``name`` and where it came from (``"not set"`` when nowhere)."""
    from inference_core import config

    if store_name is not None:
        from inference_core._keystore import keys_path, stored_keys

        value = stored_keys().get(store_name)
        if value:
            return value, f"key store ({keys_path()})"
    data = config.user_config()
    value = (data.get(section) or {}).get(name)
    if value not in (None, ""):
        return str(value), f"config file ({config_path()})"
    value = os.environ.get(name)
    if value:
        return value, "environment"
    value = dotenv_values().get(name)
    if value:
        return value, ".env file"
    return None, "not set"


def key_source(env_var: str, name: str | None = None) -> str:
    """Where the key would come from, without revealing it: ``"environment"``, ``"not set"``..."""
    return _find(env_var, "keys", name)[1]


def resolve_setting(
    name: str, explicit: str | None = None, *, default: str | None = None
) -> str | None:
    """A non-secret setting (base URL, timeout): argument, config ``settings:``, env, ``.env``, default."""
    if explicit not in (None, ""):
        return explicit
    value = _lookup(name, "settings")
    return default if value is None else value


def resolve_key(
    env_var: str,
    explicit: str | None = None,
    *,
    generator_id: str | None = None,
    name: str | None = None,
) -> Secret:
    """The API key named ``env_var``: argument, key store (``name``), config ``keys:``, env, ``.env``.

    Raises :class:`MissingAPIKeyError` naming the variable (and the generator)
    when none of them has it.
    """
    value = explicit if explicit not in (None, "") else _find(env_var, "keys", name)[0]
    if value is None:
        who = f"{generator_id} needs an API key: " if generator_id else "missing API key: "
        store = f"run 'infer keys set {name}', " if name else ""
        raise MissingAPIKeyError(
            f"{who}{store}set {env_var} in the environment, a .env file or the 'keys:' "
            f"section of {config_path()}, or pass api_key=...",
            env_var=env_var,
            generator_id=generator_id,
        )
    return Secret(value)
