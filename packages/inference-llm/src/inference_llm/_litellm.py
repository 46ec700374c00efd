"""Lazy access to LiteLLM: nothing here imports it until a call needs it."""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

from inference_core.errors import ConfigurationError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["INSTALL_HINT", "is_litellm_imported", "load_litellm"]

INSTALL_HINT = "pip install 'inference-core[llm]'"
_lock = threading.Lock()


def is_litellm_imported() -> bool:
    """Whether LiteLLM has been imported in this process."""
    return "litellm" in sys.modules


def load_litellm() -> ModuleType:
    """Import LiteLLM quietly and offline, once.

    Sets ``LITELLM_LOCAL_MODEL_COST_MAP=True`` (unless the user set it) so the
    import does not fetch a price table, and silences LiteLLM's debug banner.
    Raises :class:`~inference_core.ConfigurationError` with the install
    command when the ``llm`` extra is missing.
    """
    module = sys.modules.get("litellm")
    if module is not None and getattr(module, "completion", None) is not None:
        return module
    with _lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        try:
            import litellm
        except ImportError as exc:
            raise ConfigurationError(f"the LLM layer needs LiteLLM: {INSTALL_HINT}") from exc
        litellm.suppress_debug_info = True
        litellm.telemetry = False
        return litellm
