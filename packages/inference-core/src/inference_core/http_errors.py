"""Deprecated since 0.2: import from :mod:`inference_core.provider` (this module warns, then re-exports)."""

from __future__ import annotations

import warnings

from inference_core._http_errors import *  # noqa: F403
from inference_core._http_errors import __all__  # noqa: F401

warnings.warn(
    "inference_core.http_errors is deprecated since 0.2; import its names from inference_core.provider",
    DeprecationWarning,
    stacklevel=2,
)
