"""The inference-core service: ``infer serve`` (HTTP API, live SSE progress, gallery, tokens).

>>> from inference_serve import ServeConfig, create_app
>>> app = create_app(ServeConfig(data_dir=Path("serve-data")))  # doctest: +SKIP

See the package README for the routes, the events and the token commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.lazy import lazy_exports

__all__ = [
    "JobManager",
    "ServeConfig",
    "ServeStore",
    "__version__",
    "create_app",
]

__version__ = "0.2.0"

if TYPE_CHECKING:
    from inference_serve.app import create_app
    from inference_serve.config import ServeConfig
    from inference_serve.jobs import JobManager
    from inference_serve.store import ServeStore

#: Where each public name lives; imported on first use, so that loading the plugin stays cheap.
_EXPORTS = {
    "JobManager": "inference_serve.jobs",
    "ServeConfig": "inference_serve.config",
    "ServeStore": "inference_serve.store",
    "create_app": "inference_serve.app",
}

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
