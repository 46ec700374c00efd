"""The ``mock_video_generator``: real H.264 MP4 files made offline with PyAV."""

from __future__ import annotations

import io
import os
import pathlib
from typing import TYPE_CHECKING, Any

from inference_core import (
    BaseVideoGenerator,
    ConfigurationError,
    FieldError,
    GenerationResult,
    GeneratorMetadata,
    InferenceError,
    InputValidationError,
    MediaAsset,
    MediaError,
    load_file,
    scratch_dir,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from PIL import Image

    from gen_mock_video._encode import MediaSource

__all__ = ["MockVideoGenerator"]

GENERATOR_ID = "mock_video_generator"
EFFECTS = ["sepia", "invert", "grayscale", "posterize", "edges"]
TEXT_SECONDS = 5.0  # default length of a text-to-video clip
SECONDS_PER_IMAGE = 3.0  # default share of each still in an images-to-video clip
MAX_INPUT_BYTES = 500 * 1024 * 1024

INPUT_SCHEMA: dict[str, dict[str, Any]] = {
    "prompt": {
        "type": "string",
        "default": "",
        "max_length": 4000,
        "description": "Caption (and, for text-to-video, the seed of the motion). Required without images/videos.",
    },
    "images": {
        "type": "array",
        "items": {"type": "file"},
        "default": [],
        "max_length": 64,
        "description": "Stills for a pan-and-zoom slideshow with cross-fades (path, bytes, data: or http(s) URL).",
    },
    "videos": {
        "type": "array",
        "items": {"type": "file"},
        "default": [],
        "max_length": 16,
        "description": "Input videos, played in turn through `effect` (video-to-video).",
    },
    "audio": {
        "type": "file",
        "description": "A soundtrack (WAV, MP3, ...) muxed in as AAC. Without `duration`, the video lasts as long as it.",
    },
    "duration": {
        "type": "float",
        "minimum": 0.05,
        "maximum": 600,
        "description": f"Seconds. Default: the audio's length, else the input videos' length, else "
        f"{SECONDS_PER_IMAGE:g} s per image, else {TEXT_SECONDS:g} s.",
    },
    "fps": {
        "type": "integer",
        "default": 24,
        "minimum": 1,
        "maximum": 60,
        "description": "Frames per second.",
    },
    "width": {
        "type": "integer",
        "default": 1280,
        "minimum": 16,
        "maximum": 3840,
        "description": "Pixels; an odd value is rounded down to even (H.264 yuv420p).",
    },
    "height": {
        "type": "integer",
        "default": 720,
        "minimum": 16,
        "maximum": 2160,
        "description": "Pixels; an odd value is rounded down to even (H.264 yuv420p).",
    },
    "seed": {"type": "integer", "default": 0, "description": "Changes colours and motion."},
    "effect": {
        "type": "string",
        "enum": EFFECTS,
        "default": "sepia",
        "description": "Video-to-video: the filter applied to the input frames.",
    },
}


def _invalid(field: str, message: str, hint: str | None = None) -> InputValidationError:
    return InputValidationError(GENERATOR_ID, [FieldError(field, message, hint)])


def _open_source(value: Any, field: str) -> tuple[MediaSource, str | bytes]:
    """A file input as something PyAV opens (a path stays a path) and as bytes-or-path for probing."""
    if isinstance(value, str | os.PathLike) and not str(value).startswith(
        ("data:", "http://", "https://")
    ):
        path = pathlib.Path(value).expanduser()
        if not path.is_file():
            raise _invalid(field, f"no such file: {path}")
        return str(path), str(path)
    try:
        data = load_file(value, max_bytes=MAX_INPUT_BYTES)
    except MediaError as exc:  # a malformed data: URL
        raise _invalid(field, exc.reason) from exc
    except ConfigurationError as exc:
        raise _invalid(field, str(exc)) from exc
    return io.BytesIO(data), data


class MockVideoGenerator(BaseVideoGenerator):
    """Real, playable H.264 MP4 clips made offline with PyAV, encoded one frame at a time.

    - text to video: procedural motion with the prompt as a caption;
    - images to video: pan-and-zoom over each image with cross-fades;
    - video to video: the input frames through a filter (``effect``);
    - ``audio`` adds an AAC soundtrack, and sets the length unless ``duration`` does::

        result = get_video_generator_registry().generate(
            "mock_video_generator", images=["a.png", "b.png"], audio="narration.wav"
        )
        result.save("out/")

    The MP4 is written to a temporary directory; the asset holds its ``path``.
    """

    metadata = GeneratorMetadata(
        id=GENERATOR_ID,
        name="Mock video",
        description="Offline H.264 MP4: text-to-video motion with a caption, pan-and-zoom over "
        "images with cross-fades, or a filter over input videos; optional AAC soundtrack.",
        input_schema=INPUT_SCHEMA,
        output_schema={
            "type": "video",
            "mime_types": ["video/mp4"],
            "assets": "one MP4 (H.264 yuv420p, AAC soundtrack when audio is given) with width, height, duration_s",
            "metadata": ["mode", "fps", "frames", "codec", "audio_codec"],
        },
        capabilities={"input_media": ["image", "video", "audio"], "offline": True},
    )

    def validate_inputs(
        self, inputs: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Validate against the schema, round sizes down to even, and check the inputs make one mode."""
        params = super().validate_inputs(inputs, **kwargs)
        params["width"] -= params["width"] % 2
        params["height"] -= params["height"] % 2
        if params["images"] and params["videos"]:
            raise _invalid("videos", "give images or videos, not both")
        if not (params["images"] or params["videos"] or params["prompt"].strip()):
            raise _invalid(
                "prompt", "a prompt is required for text-to-video", "or give images or videos"
            )
        return params

    def generate(self, **inputs: Any) -> GenerationResult:
        import av

        from gen_mock_video import _encode, _frames

        width, height, fps = inputs["width"], inputs["height"], inputs["fps"]
        prompt: str = inputs["prompt"].strip()
        duration: float | None = inputs["duration"]

        audio = None
        if inputs["audio"] is not None:
            from inference_core.provider import read_audio_info

            audio, probe = _open_source(inputs["audio"], "audio")
            try:
                audio_seconds = read_audio_info(probe).duration_s
            except ValueError as exc:
                raise _invalid("audio", f"not a readable audio file ({exc})") from exc
            duration = duration if duration is not None else audio_seconds

        stills: list[Image.Image] = []
        videos: list[MediaSource] = []
        if inputs["videos"]:
            mode = "video-to-video"
            total = 0.0
            for i, value in enumerate(inputs["videos"]):
                source, _ = _open_source(value, f"videos[{i}]")
                try:
                    total += _frames.video_duration(source)
                except (ValueError, OSError, av.FFmpegError) as exc:
                    raise _invalid(f"videos[{i}]", f"not a readable video ({exc})") from exc
                videos.append(source)
            duration = duration if duration is not None else total
        elif inputs["images"]:
            from PIL import Image

            mode = "images-to-video"
            for i, value in enumerate(inputs["images"]):
                source, _ = _open_source(value, f"images[{i}]")
                try:
                    with Image.open(source) as image:
                        image.load()
                        stills.append(image.copy())
                except OSError as exc:
                    raise _invalid(f"images[{i}]", f"not a readable image ({exc})") from exc
            duration = duration if duration is not None else SECONDS_PER_IMAGE * len(stills)
        else:
            mode = "text-to-video"
            duration = duration if duration is not None else TEXT_SECONDS

        count = max(1, round(duration * fps))
        if stills:
            frames = _frames.ken_burns_frames(
                stills, width, height, count, fps, prompt=prompt, seed=inputs["seed"]
            )
        elif videos:
            frames = _frames.filtered_frames(
                videos, width, height, count, fps, effect=inputs["effect"], prompt=prompt
            )
        else:
            frames = _frames.text_frames(prompt, width, height, count, fps, seed=inputs["seed"])

        import shutil  # with tempfile, imported on use: listing stays light
        import tempfile

        out_dir = pathlib.Path(tempfile.mkdtemp(dir=scratch_dir(self.metadata.id)))
        target = out_dir / "mock_video.mp4"
        partial = out_dir / ".mock_video.mp4.part"
        try:
            stats = _encode.write_mp4(
                partial,
                frames,
                width=width,
                height=height,
                fps=fps,
                audio=audio,
                audio_seconds=duration,
            )
            os.replace(partial, target)
        except BaseException as exc:
            shutil.rmtree(out_dir, ignore_errors=True)
            if isinstance(exc, ValueError | OSError | av.FFmpegError) and not isinstance(
                exc, InferenceError
            ):
                raise InferenceError(f"{GENERATOR_ID}: encoding the MP4 failed: {exc}") from exc
            raise

        details = {
            "fps": fps,
            "frames": stats.frames,
            "codec": stats.video_codec,
            "pix_fmt": "yuv420p",
        }
        if stats.audio_codec is not None:
            details |= {
                "audio_codec": stats.audio_codec,
                "audio_duration_s": round(stats.audio_duration_s or 0, 3),
            }
        asset = MediaAsset(
            path=target,
            mime_type="video/mp4",
            width=width,
            height=height,
            duration_s=stats.video_duration_s,
            metadata=details,
        )
        return GenerationResult(
            assets=[asset], metadata={"mode": mode, "seed": inputs["seed"], **details}
        )
