from __future__ import annotations

import subprocess
import sys

import av
import pytest
from PIL import ImageStat

from inference_core import InputValidationError, get_video_generator_registry, scratch_dir

GEN = "mock_video_generator"


def generate(**inputs):
    return get_video_generator_registry().generate(GEN, **inputs)


def probe(path) -> dict[str, object]:
    """What a player sees: codecs, stream durations, decoded frame count."""
    with av.open(str(path)) as container:
        info: dict[str, object] = {"duration": container.duration / av.time_base}
        for stream in container.streams:
            info[f"{stream.type}_codec"] = stream.codec_context.name
            info[f"{stream.type}_duration"] = float(stream.duration * stream.time_base)
        video = container.streams.video[0]
        info["size"] = (video.codec_context.width, video.codec_context.height)
        info["pix_fmt"] = video.codec_context.pix_fmt
        info["frames"] = sum(1 for _ in container.decode(video))
    return info


def test_text_to_video_3s_at_24fps_is_72_h264_frames() -> None:
    result = generate(prompt="waves", duration=3, fps=24, width=160, height=96)
    (asset,) = result.assets
    assert asset.mime_type == "video/mp4"
    assert (asset.width, asset.height, asset.duration_s) == (160, 96, 3.0)
    assert result.metadata["frames"] == 72
    assert (result.metadata["fps"], result.metadata["codec"]) == (24, "h264")
    info = probe(asset.path)
    assert info["video_codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert info["size"] == (160, 96)
    assert info["frames"] == 72
    assert info["duration"] == pytest.approx(3.0, abs=0.05)
    assert "audio_codec" not in info


def test_frames_move() -> None:
    (asset,) = generate(prompt="waves", duration=1, fps=4, width=64, height=48).assets
    with av.open(str(asset.path)) as container:
        frames = [f.to_image() for f in container.decode(video=0)]
    assert len({f.tobytes() for f in frames}) == len(frames)


def test_images_and_audio_make_one_clip_as_long_as_the_narration(stills, narration) -> None:
    result = generate(
        images=[str(p) for p in stills], audio=str(narration), width=128, height=72, fps=12
    )
    (asset,) = result.assets
    info = probe(asset.path)
    assert (info["video_codec"], info["audio_codec"]) == ("h264", "aac")
    assert info["video_duration"] == pytest.approx(2.5, abs=0.1)
    assert info["audio_duration"] == pytest.approx(info["video_duration"], abs=0.1)
    assert asset.duration_s == pytest.approx(2.5, abs=0.1)
    assert info["frames"] == 30
    assert result.metadata["mode"] == "images-to-video"


def test_images_pan_and_cross_fade(stills) -> None:
    (asset,) = generate(
        images=[p.read_bytes() for p in stills], duration=2, fps=10, width=64, height=48
    ).assets
    with av.open(str(asset.path)) as container:
        means = [ImageStat.Stat(f.to_image()).mean for f in container.decode(video=0)]
    red_first, blue_last = means[0], means[-1]
    assert red_first[0] > red_first[2] + 100
    assert blue_last[2] > blue_last[0] + 100
    # the middle frame blends both stills
    middle = means[len(means) // 2]
    assert 60 < middle[0] < 200 and 60 < middle[2] < 200


def test_explicit_duration_cuts_the_audio(stills, narration) -> None:
    (asset,) = generate(
        images=[str(stills[0])],
        audio=narration.read_bytes(),
        duration=1,
        fps=10,
        width=64,
        height=48,
    ).assets
    info = probe(asset.path)
    assert info["video_duration"] == pytest.approx(1.0, abs=0.05)
    assert info["audio_duration"] == pytest.approx(1.0, abs=0.1)


def test_video_to_video_inverts_the_input() -> None:
    source = generate(prompt="source", duration=1, fps=10, width=64, height=48).assets[0]
    result = generate(videos=[str(source.path)], effect="invert", width=64, height=48, fps=10)
    (asset,) = result.assets
    assert result.metadata["mode"] == "video-to-video"
    assert asset.duration_s == pytest.approx(1.0)
    with av.open(str(source.path)) as original, av.open(str(asset.path)) as inverted:
        before = next(original.decode(video=0)).to_image().getpixel((32, 10))
        after = next(inverted.decode(video=0)).to_image().getpixel((32, 10))
    for a, b in zip(before, after, strict=True):
        assert abs(a + b - 255) < 40


def test_video_to_video_resizes_and_loops_to_the_asked_duration() -> None:
    source = generate(prompt="short", duration=0.5, fps=10, width=64, height=48).assets[0]
    (asset,) = generate(
        videos=[source.read_bytes()], duration=2, fps=12, width=96, height=96, effect="sepia"
    ).assets
    info = probe(asset.path)
    assert info["size"] == (96, 96)
    assert info["frames"] == 24


def test_odd_sizes_are_rounded_down_to_even() -> None:
    result = generate(prompt="odd", duration=0.25, fps=8, width=65, height=49)
    assert probe(result.assets[0].path)["size"] == (64, 48)
    assert (result.parameters["width"], result.parameters["height"]) == (64, 48)


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({}, "prompt"),
        ({"prompt": "x", "fps": 0}, "fps"),
        ({"prompt": "x", "duration": 0}, "duration"),
        ({"prompt": "x", "effect": "blur"}, "effect"),
        ({"images": ["a.png"], "videos": ["b.mp4"]}, "videos"),
        ({"images": ["/no/such/image.png"]}, "images[0]"),
        ({"images": [b"not an image"]}, "images[0]"),
        ({"videos": [b"not a video"]}, "videos[0]"),
        ({"prompt": "x", "audio": b"not audio"}, "audio"),
    ],
)
def test_validation_errors_name_the_field(inputs: dict[str, object], field: str) -> None:
    with pytest.raises(InputValidationError) as info:
        generate(**{"duration": 0.25, "fps": 4, "width": 32, "height": 32, **inputs})
    assert field in info.value.fields


def test_each_clip_lives_in_its_own_scratch_directory() -> None:
    first = generate(prompt="a", duration=0.25, fps=4, width=32, height=32).assets[0].path
    second = generate(prompt="b", duration=0.25, fps=4, width=32, height=32).assets[0].path
    assert first.parent != second.parent
    assert first.parent.parent == second.parent.parent == scratch_dir("mock_video_generator")
    assert [p.name for p in first.parent.iterdir()] == ["mock_video.mp4"]


def test_cli_writes_a_3s_h264_mp4(tmp_path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "inference_core",
            "generate",
            GEN,
            "-p",
            "prompt=waves",
            "-p",
            "duration=3",
            "-p",
            "fps=24",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = (tmp_path / "out").glob("*.mp4")
    info = probe(path)
    assert (info["video_codec"], info["frames"], info["size"]) == ("h264", 72, (1280, 720))
    assert info["duration"] == pytest.approx(3.0, abs=0.05)


@pytest.mark.parametrize("effect", ["sepia", "invert", "grayscale", "posterize", "edges"])
def test_every_effect_changes_the_frames(effect: str) -> None:
    source = generate(prompt="colourful", duration=0.25, fps=4, width=64, height=48).assets[0]
    (asset,) = generate(videos=[str(source.path)], effect=effect, width=64, height=48, fps=4).assets
    with av.open(str(source.path)) as before, av.open(str(asset.path)) as after:
        original = next(before.decode(video=0)).to_image()
        filtered = next(after.decode(video=0)).to_image()
    assert ImageStat.Stat(original).mean != pytest.approx(ImageStat.Stat(filtered).mean, abs=5)


def test_cli_images_plus_narration(tmp_path, stills, narration) -> None:
    command = [sys.executable, "-m", "inference_core", "generate", GEN]
    command += [arg for p in stills for arg in ("-i", f"images={p}")]
    command += ["-i", f"audio={narration}", "-p", "width=128", "-p", "height=72"]
    proc = subprocess.run(
        [*command, "--out", str(tmp_path / "out")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    (path,) = (tmp_path / "out").glob("*.mp4")
    info = probe(path)
    assert (info["video_codec"], info["audio_codec"]) == ("h264", "aac")
    assert info["audio_duration"] == pytest.approx(info["video_duration"], abs=0.1)
    assert info["video_duration"] == pytest.approx(2.5, abs=0.1)
