"""Where the user's configuration lives (shared by the key lookup and the key store)."""

from __future__ import annotations

import functools
import os
import pathlib

__all__ = ["CONFIG_ENV_VAR", "config_path", "expanded_path"]

CONFIG_ENV_VAR = "INFERENCE_CORE_CONFIG"
#: What platformdirs reads to place the user config folder (Linux, macOS, Windows).
_PLATFORM_ENV = ("XDG_CONFIG_HOME", "HOME", "APPDATA", "LOCALAPPDATA", "USERPROFILE")


def config_path() -> pathlib.Path:
    """The config file in use: ``$INFERENCE_CORE_CONFIG`` or the platform's user config file."""
    explicit = os.environ.get(CONFIG_ENV_VAR)
    if explicit:
        return expanded_path(explicit)
    environ = os.environ
    return _platform_config_file(*[environ.get(name) for name in _PLATFORM_ENV])


def expanded_path(value: str) -> pathlib.Path:
    """``Path(value).expanduser()``, remembered: keys and settings are looked up on every
    request, and building the same path again each time costs more than the lookup."""
    return _expanded(value, os.environ.get("HOME") if value.startswith("~") else None)


@functools.lru_cache(maxsize=16)
def _expanded(value: str, home: str | None) -> pathlib.Path:  # home: part of the cache key
    return pathlib.Path(value).expanduser()


@functools.lru_cache(maxsize=8)
def _platform_config_file(*environ: str | None) -> pathlib.Path:
    """platformdirs' answer, remembered per value of the variables it reads (``environ``): keys
    are looked up on every request, and platformdirs works its answer out afresh each time."""
    import platformdirs

    return platformdirs.user_config_path("inference-core") / "config.yaml"
