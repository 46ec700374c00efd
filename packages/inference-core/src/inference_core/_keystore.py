"""The key store behind ``infer keys``: named API keys in a JSON file only its owner can read.

The file is ``$INFERENCE_CORE_KEYS`` or, when unset, ``keys.json`` beside the
config file (``<user config dir>/inference-core/keys.json``, platformdirs). It
maps a key's name (``openai``, the name a generator declares with
:class:`~inference_core.KeySpec`) to its value, and is always written with mode
0600 through a temporary file, so a crash leaves either the old or the new store.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import re
import tempfile
import threading

from inference_core.errors import ConfigurationError

__all__ = ["KEYS_ENV_VAR", "keys_path", "remove_key", "set_key", "stored_keys"]

KEYS_ENV_VAR = "INFERENCE_CORE_KEYS"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
#: The store's content by (path, inode, mtime, ctime, size): see :func:`stored_keys`.
_cache: dict[tuple[str, int, int, int, int], dict[str, str]] = {}
_cache_lock = threading.Lock()


def keys_path() -> pathlib.Path:
    """The key store in use: ``$INFERENCE_CORE_KEYS``, else ``keys.json`` beside the config file."""
    from inference_core._paths import config_path, expanded_path

    explicit = os.environ.get(KEYS_ENV_VAR)
    if explicit:
        return expanded_path(explicit)
    return _beside(config_path())


@functools.lru_cache(maxsize=8)
def _beside(config: pathlib.Path) -> pathlib.Path:
    return config.parent / "keys.json"


def stored_keys(path: pathlib.Path | None = None) -> dict[str, str]:
    """Every stored key by name (``{}`` when there is no store yet).

    The file is read again only when it changes (keys are looked up on every
    request, and a batch makes thousands).
    """
    path = keys_path() if path is None else path
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigurationError(f"cannot read the key store {path}: {exc.strerror}") from None
    stamp = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
    with _cache_lock:
        hit = _cache.get(stamp)
    if hit is None:
        hit = _read(path)
        with _cache_lock:
            if len(_cache) > 8:
                _cache.clear()
            _cache[stamp] = hit
    return dict(hit)


def _read(path: pathlib.Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigurationError(f"cannot read the key store {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        raise ConfigurationError(
            f"the key store {path} is not valid JSON; fix or delete it"
        ) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigurationError(f"the key store {path} must map names to strings")
    return {str(k): v for k, v in data.items()}


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ConfigurationError(
            f"invalid key name {name!r}: use letters, digits, '_', '-' or '.', starting with a letter"
        )


def _write(path: pathlib.Path, keys: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keys-", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(keys, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def set_key(name: str, value: str, path: pathlib.Path | None = None) -> pathlib.Path:
    """Store ``value`` under ``name`` (replacing any previous one); returns the store's path."""
    _check_name(name)
    value = value.strip()
    if not value:
        raise ConfigurationError(f"no value given for the key {name!r}")
    path = keys_path() if path is None else path
    keys = stored_keys(path)
    keys[name] = value
    _write(path, keys)
    return path


def remove_key(name: str, path: pathlib.Path | None = None) -> bool:
    """Remove the key ``name``; returns whether it was stored."""
    path = keys_path() if path is None else path
    keys = stored_keys(path)
    if name not in keys:
        return False
    del keys[name]
    _write(path, keys)
    return True
