"""Run inference-core batches on a Ray cluster.

>>> from inference_pipeline import BatchConfig, BatchRunner
>>> from inference_ray import RayExecutor
>>> executor = RayExecutor("auto")  # doctest: +SKIP
>>> BatchRunner("out", BatchConfig(generator="openai_image_generator"),
...             executor=executor).run_sync("scenes.yaml")  # doctest: +SKIP

On the command line: ``infer batch scenes.yaml -g openai_image_generator -o out
--executor ray [--address HOST:PORT]``. See the package README and
``docs/scaling.md``. Importing this package does not import Ray: that happens
when the executor first connects.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "RayExecutor",
    "SharedLimits",
    "__version__",
    "declared_resources",
]

__version__ = "0.2.0"

if TYPE_CHECKING:
    from inference_ray.executor import RayExecutor
    from inference_ray.executor import declared_resources
    from inference_ray.limits import SharedLimits

_EXPORTS = {
    "RayExecutor": "inference_ray.executor",
    "SharedLimits": "inference_ray.limits",
    "declared_resources": "inference_ray.executor",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
