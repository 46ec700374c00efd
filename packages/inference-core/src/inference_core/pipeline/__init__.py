"""The batch pipeline: storyboards in, media files, history and cache out.

>>> from inference_core.pipeline import BatchConfig, BatchRunner, load_storyboard
>>> board = load_storyboard("examples/scenes.yaml")  # doctest: +SKIP
>>> result = BatchRunner("out", BatchConfig(generator="mock_image_generator")).run_sync(board)  # doctest: +SKIP
>>> result.status  # doctest: +SKIP
'completed'

See the package README ("Batch pipeline") for the file formats, the output
folder layout and the CLI commands.
"""

from __future__ import annotations

__all__ = [
    "AdaptiveLimiter",
    "AllGeneratorsFailed",
    "BUILTIN_STYLES",
    "BatchConfig",
    "BatchResult",
    "BatchRunner",
    "Character",
    "EnhancedPrompt",
    "EventBus",
    "HistoryStore",
    "Job",
    "ProgressEvent",
    "PromptEnhancer",
    "Scene",
    "SceneResult",
    "Storyboard",
    "StoryboardError",
    "StyleSpec",
    "cache_key",
    "format_sse",
    "load_storyboard",
    "load_styles",
    "output_stem",
]

from inference_core.pipeline.events import EventBus
from inference_core.pipeline.events import ProgressEvent
from inference_core.pipeline.events import format_sse
from inference_core.pipeline.execute import AllGeneratorsFailed
from inference_core.pipeline.fingerprint import cache_key
from inference_core.pipeline.limiter import AdaptiveLimiter
from inference_core.pipeline.batch import BatchConfig
from inference_core.pipeline.batch import BatchResult
from inference_core.pipeline.runner import BatchRunner
from inference_core.pipeline.batch import Job
from inference_core.pipeline.scenes import Character
from inference_core.pipeline.scenes import Scene
from inference_core.pipeline.scenes import Storyboard
from inference_core.pipeline.scenes import StoryboardError
from inference_core.pipeline.scenes import load_storyboard
from inference_core.pipeline.scenes import output_stem
from inference_core.pipeline.store import HistoryStore
from inference_core.pipeline.store import SceneResult
from inference_core.pipeline.styles import BUILTIN_STYLES
from inference_core.pipeline.styles import EnhancedPrompt
from inference_core.pipeline.styles import PromptEnhancer
from inference_core.pipeline.styles import StyleSpec
from inference_core.pipeline.styles import load_styles
