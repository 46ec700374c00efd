"""Settings of one ``infer serve`` process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DATA_ENV", "ServeConfig", "default_data_dir"]

DATA_ENV = "INFERENCE_SERVE_DATA"


def default_data_dir() -> Path:
    """``$INFERENCE_SERVE_DATA``, else the user data folder (``.../inference-core/serve``)."""
    explicit = os.environ.get(DATA_ENV)
    if explicit:
        return Path(explicit)
    import platformdirs

    return platformdirs.user_data_path("inference-core") / "serve"


@dataclass
class ServeConfig:
    """Where the data lives and the limits every caller meets.

    ``workers`` jobs run at once in the process; one token runs at most
    ``max_running_per_token`` of them (the rest wait, queued). Request bodies
    over ``max_upload_bytes`` get 413. CORS stays off unless ``cors_origins``
    names origins. SSE streams send a keep-alive comment every ``keepalive_s``.
    Batch jobs run their scenes' provider calls on ``executor`` (``local``, or an
    installed one such as ``ray``, on the cluster at ``executor_address``).
    """

    data_dir: Path = field(default_factory=default_data_dir)
    workers: int = 4
    max_running_per_token: int = 2
    max_upload_bytes: int = 10 * 1024 * 1024
    cors_origins: list[str] = field(default_factory=list)
    keepalive_s: float = 15.0
    max_wait_s: float = 60.0
    #: Jobs and job histories in this PostgreSQL database (``None``: ``$INFERENCE_STORE_URL``,
    #: else SQLite in ``data_dir``); never printed with its password.
    store_url: str | None = None
    executor: str = "local"
    executor_address: str | None = None

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"
