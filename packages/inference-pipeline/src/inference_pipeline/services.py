"""Services for agents: one call, a default generator with fallbacks, files on disk.

::

    from inference_pipeline.services import ImageService

    images = ImageService("openrouter_image_generator", fallbacks=["mock_image_generator"],
                          workspace="agent-files")
    out = images.generate("a lighthouse at dusk", width=768)
    out.paths          # [PosixPath('agent-files/image-20260101-120000-3f1c2a9b.png')]
    out.generator_id   # the generator that answered
    out.fallbacks      # why earlier generators were passed over

The default generator comes from the argument, else the environment variable
``INFERENCE_CORE_IMAGE_GENERATOR`` (``..._VIDEO_...``, ``..._AUDIO_...``).
The workspace defaults to ``$INFERENCE_CORE_WORKSPACE`` or the user data
folder (``platformdirs``). Test doubles with the same interface live in
:mod:`inference_pipeline.testing`.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from inference_core.errors import ConfigurationError
from inference_core.provider import DEFAULT_RETRY_POLICY, RetryPolicy
from inference_pipeline.execute import LimiterPool, generate_with_fallback

if TYPE_CHECKING:
    from collections.abc import Coroutine, Sequence

    from inference_core import GenerationResult
    from inference_pipeline.execute import Fallback, GeneratorInfo

__all__ = [
    "AudioService",
    "ImageService",
    "MediaService",
    "ServiceResult",
    "VideoService",
    "default_workspace",
]

T = TypeVar("T")


@dataclass
class ServiceResult:
    """Files written by a service call, the generator that made them and the fallbacks before it."""

    paths: list[Path]
    generator_id: str
    result: GenerationResult
    fallbacks: list[Fallback] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """The first file."""
        return self.paths[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "paths": [str(p) for p in self.paths],
            "generator_id": self.generator_id,
            "fallbacks": [f.to_dict() for f in self.fallbacks],
            "metadata": self.result.metadata,
            "usage": self.result.usage.to_dict(),
        }


def default_workspace() -> Path:
    """``$INFERENCE_CORE_WORKSPACE``, else ``<user data dir>/inference-core/workspace``."""
    env = os.environ.get("INFERENCE_CORE_WORKSPACE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("inference-core")) / "workspace"


class MediaService:
    """Base of the modality services; see the module docstring."""

    modality: ClassVar[str] = ""
    #: The input field that carries the main text (``prompt``, or ``text`` for audio).
    text_field: ClassVar[str] = "prompt"

    def __init__(
        self,
        generator: str | None = None,
        *,
        fallbacks: Sequence[str] = (),
        workspace: str | os.PathLike[str] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        timeout: float | None = 300.0,
        concurrency: int = 4,
    ) -> None:
        env_var = f"INFERENCE_CORE_{self.modality.upper()}_GENERATOR"
        chosen = generator or os.environ.get(env_var)
        if not chosen:
            from inference_core import get_registry

            known = ", ".join(get_registry(self.modality).list_generators()) or "none installed"
            raise ConfigurationError(
                f"{type(self).__name__} needs a generator: pass one or set {env_var} (available: {known})"
            )
        self.chain = [chosen, *[f for f in fallbacks if f != chosen]]
        self.workspace = Path(workspace) if workspace is not None else default_workspace()
        self.retry = retry
        self.timeout = timeout
        self._limiters = LimiterPool(concurrency)

    @property
    def generator(self) -> str:
        """The default generator id."""
        return self.chain[0]

    async def agenerate(
        self, text: str | None = None, *, name: str | None = None, **params: Any
    ) -> ServiceResult:
        """Generate with the first generator of the chain that succeeds; save every asset.

        ``text`` is the prompt (``text`` for audio); other inputs pass through,
        minus those a fallback generator does not declare. Files are named
        ``name`` (or ``<modality>-<time>-<hash>``) in the workspace.
        """
        if text is not None:
            params[self.text_field] = text

        def params_for(info: GeneratorInfo) -> dict[str, Any]:
            return info.filter_params(params)[0] if info.id != self.chain[0] else dict(params)

        outcome = await generate_with_fallback(
            self.chain,
            params_for,
            modality=self.modality,
            limiters=self._limiters,
            retry=self.retry,
            timeout=self.timeout,
        )
        self.workspace.mkdir(parents=True, exist_ok=True)
        result = outcome.result
        stem = name or f"{self.modality}-{time.strftime('%Y%m%d-%H%M%S')}-{_digest(result)}"
        paths = result.save(self.workspace, stem=stem)
        return ServiceResult(paths, outcome.generator.id, result, outcome.fallbacks)

    def generate(
        self, text: str | None = None, *, name: str | None = None, **params: Any
    ) -> ServiceResult:
        """Synchronous :meth:`agenerate` (also safe inside a running event loop)."""
        return _run_sync(self.agenerate(text, name=name, **params))


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:  # called from inside an event loop (a notebook, an agent)
        return pool.submit(asyncio.run, coro).result()


def _digest(result: GenerationResult) -> str:
    return result.assets[0].sha256[:8] if result.assets else "empty"


class ImageService(MediaService):
    """Images for agents: ``ImageService("mock_image_generator").generate("a fox").path``."""

    modality = "image"


class VideoService(MediaService):
    """Videos for agents: ``VideoService("mock_video_generator").generate("waves", images=[...])``."""

    modality = "video"


class AudioService(MediaService):
    """Speech and audio for agents: ``AudioService("espeak_tts_generator").generate("Hello")``."""

    modality = "audio"
    text_field = "text"
