"""Deprecated since 0.2: import from :mod:`inference_core.provider` (this module warns, then re-exports)."""

from __future__ import annotations

import warnings

from inference_core._download import *  # noqa: F403
from inference_core._download import __all__ as _names
from inference_core._inputs import input_url as input_url

__all__ = sorted([*_names, "input_url"])

warnings.warn(
    "inference_core.download is deprecated since 0.2; import its names from inference_core.provider",
    DeprecationWarning,
    stacklevel=2,
)
