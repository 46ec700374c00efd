"""The batch pipeline: storyboards in, media files, history and cache out.

>>> from inference_pipeline import BatchConfig, BatchRunner, load_storyboard
>>> board = load_storyboard("examples/scenes.yaml")  # doctest: +SKIP
>>> result = BatchRunner("out", BatchConfig(generator="mock_image_generator")).run_sync(board)  # doctest: +SKIP
>>> result.status  # doctest: +SKIP
'completed'

See the package README ("Batch pipeline") for the file formats, the output
folder layout and the CLI commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inference_core.lazy import lazy_exports

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
    "__version__",
    "cache_key",
    "format_sse",
    "load_storyboard",
    "load_styles",
    "output_stem",
]

__version__ = "0.2.0"

if TYPE_CHECKING:
    from inference_pipeline.batch import BatchConfig
    from inference_pipeline.batch import BatchResult
    from inference_pipeline.batch import Job
    from inference_pipeline.events import EventBus
    from inference_pipeline.events import ProgressEvent
    from inference_pipeline.events import format_sse
    from inference_pipeline.execute import AllGeneratorsFailed
    from inference_pipeline.fingerprint import cache_key
    from inference_pipeline.limiter import AdaptiveLimiter
    from inference_pipeline.runner import BatchRunner
    from inference_pipeline.scenes import Character
    from inference_pipeline.scenes import Scene
    from inference_pipeline.scenes import Storyboard
    from inference_pipeline.scenes import StoryboardError
    from inference_pipeline.scenes import load_storyboard
    from inference_pipeline.scenes import output_stem
    from inference_pipeline.store import HistoryStore
    from inference_pipeline.store import SceneResult
    from inference_pipeline.styles import BUILTIN_STYLES
    from inference_pipeline.styles import EnhancedPrompt
    from inference_pipeline.styles import PromptEnhancer
    from inference_pipeline.styles import StyleSpec
    from inference_pipeline.styles import load_styles

#: Where each public name lives; imported on first use, so that loading the plugin stays cheap.
_EXPORTS = {
    "AdaptiveLimiter": "inference_pipeline.limiter",
    "AllGeneratorsFailed": "inference_pipeline.execute",
    "BUILTIN_STYLES": "inference_pipeline.styles",
    "BatchConfig": "inference_pipeline.batch",
    "BatchResult": "inference_pipeline.batch",
    "BatchRunner": "inference_pipeline.runner",
    "Character": "inference_pipeline.scenes",
    "EnhancedPrompt": "inference_pipeline.styles",
    "EventBus": "inference_pipeline.events",
    "HistoryStore": "inference_pipeline.store",
    "Job": "inference_pipeline.batch",
    "ProgressEvent": "inference_pipeline.events",
    "PromptEnhancer": "inference_pipeline.styles",
    "Scene": "inference_pipeline.scenes",
    "SceneResult": "inference_pipeline.store",
    "Storyboard": "inference_pipeline.scenes",
    "StoryboardError": "inference_pipeline.scenes",
    "StyleSpec": "inference_pipeline.styles",
    "cache_key": "inference_pipeline.fingerprint",
    "format_sse": "inference_pipeline.events",
    "load_storyboard": "inference_pipeline.scenes",
    "load_styles": "inference_pipeline.styles",
    "output_stem": "inference_pipeline.scenes",
}

__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
