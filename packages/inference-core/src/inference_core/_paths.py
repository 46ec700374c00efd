"""Where the user's configuration lives (shared by the key lookup and the key store)."""

from __future__ import annotations

import os
import pathlib

__all__ = ["CONFIG_ENV_VAR", "config_path"]

CONFIG_ENV_VAR = "INFERENCE_CORE_CONFIG"


def config_path() -> pathlib.Path:
    """The config file in use: ``$INFERENCE_CORE_CONFIG`` or the platform's user config file."""
    explicit = os.environ.get(CONFIG_ENV_VAR)
    if explicit:
        return pathlib.Path(explicit).expanduser()
    import platformdirs

    return platformdirs.user_config_path("inference-core") / "config.yaml"
