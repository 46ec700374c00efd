"""The seeds' entry points as thin adapters over the pipeline (not used by the pipeline itself).

- :mod:`inference_pipeline.compat.novaclips`: ``ImageGenerator``, ``PromptEnhancer``,
  ``ImageRequest``, ``ImageResult`` (the novaclips ``visuals.image_generator`` module).
- :mod:`inference_pipeline.compat.stage3`: ``Stage2Output``, ``Stage3Output`` and
  ``Stage3ImageGenerationService`` (the stage-3 image service).
- :mod:`inference_pipeline.compat.text2image`: ``Text2ImageStageProcessor``,
  ``StageResult``, ``PipelineContext`` (the text-to-image stage processor).

Code written against the seeds runs after changing its imports to these
modules; ``docs/migrating-from-the-seeds.md`` maps each item.
"""

from __future__ import annotations

__all__: list[str] = []
