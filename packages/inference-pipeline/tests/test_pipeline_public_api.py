from __future__ import annotations

import inference_pipeline as pipeline
import inference_pipeline.services as services
import inference_pipeline.testing as testing_services


def test_pipeline_public_names() -> None:
    assert pipeline.__all__ == sorted(pipeline.__all__)
    assert set(pipeline.__all__) == {
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
    }
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None


def test_services_public_names() -> None:
    assert {"ImageService", "VideoService", "AudioService", "ServiceResult"} <= set(
        services.__all__
    )
    assert set(testing_services.__all__) == {
        "MockAudioService",
        "MockImageService",
        "MockVideoService",
    }
    assert not [n for n in services.__all__ if n.startswith("Mock")]
