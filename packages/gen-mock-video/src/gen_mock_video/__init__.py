"""Offline H.264 MP4 video for inference-core (``mock_video_generator``).

PyAV and Pillow are imported only when a video is generated, so listing generators stays light.
"""

from __future__ import annotations

__all__ = [
    "MockVideoGenerator",
    "register_generators",
]

from inference_core import BaseGenerator, hookimpl

from gen_mock_video._generator import MockVideoGenerator


@hookimpl
def register_generators() -> list[type[BaseGenerator]]:
    """Register the ``mock_video_generator``."""
    return [MockVideoGenerator]
