"""H.264/AAC MP4 writing with PyAV, one frame at a time.

Nothing here holds more than one video frame and one audio chunk: frames come
from an iterator, packets go straight to the file, and the soundtrack is
decoded and encoded alongside the video (interleaved, so the muxer never has
to buffer one stream while waiting for the other).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, TYPE_CHECKING

import av

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from PIL import Image

AUDIO_RATE = 48_000
AUDIO_CHUNK = 1024  # samples per AAC frame
X264_OPTIONS = {"preset": "ultrafast", "crf": "23"}  # mock content: speed over size

#: A media input PyAV can open: a filesystem path or a seekable binary file object.
MediaSource = str | IO[bytes]


@dataclass(frozen=True, slots=True)
class EncodeStats:
    """What was written: frame count, stream durations in seconds, codecs."""

    frames: int
    video_duration_s: float
    audio_duration_s: float | None
    video_codec: str
    audio_codec: str | None


class _Soundtrack:
    """Decodes an audio input lazily and feeds it to the AAC stream up to a given time."""

    def __init__(
        self, source: MediaSource, stream: av.AudioStream, max_seconds: float | None
    ) -> None:
        self._input = av.open(source, "r")
        self._stream = stream
        self._max_samples = None if max_seconds is None else round(max_seconds * AUDIO_RATE)
        self._written = 0
        self._fifo = av.AudioFifo()
        self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        self._frames: Iterator[av.AudioFrame] = self._input.decode(self._input.streams.audio[0])
        self._exhausted = False

    @property
    def seconds(self) -> float:
        return self._written / AUDIO_RATE

    def _fill(self, wanted: int) -> None:
        while self._fifo.samples < wanted and not self._exhausted:
            decoded = next(self._frames, None)
            if decoded is None:
                self._exhausted = True
                chunks = self._resampler.resample(None)
            else:
                decoded.pts = None  # timing comes from the sample count we write
                chunks = self._resampler.resample(decoded)
            for chunk in chunks:
                chunk.pts = None
                self._fifo.write(chunk)

    def _target(self, seconds: float) -> int:
        target = round(seconds * AUDIO_RATE)
        return target if self._max_samples is None else min(target, self._max_samples)

    def _encode(self, wanted: int, container: av.container.OutputContainer) -> bool:
        self._fill(wanted)
        chunk = self._fifo.read(wanted, partial=True)
        if chunk is None:
            return False
        chunk.pts = self._written
        chunk.time_base = Fraction(1, AUDIO_RATE)
        self._written += chunk.samples
        container.mux(self._stream.encode(chunk))
        return True

    def feed_until(self, seconds: float, container: av.container.OutputContainer) -> None:
        """Encode whole AAC frames of soundtrack up to ``seconds`` (capped at the clip's end)."""
        target = self._target(seconds)
        while self._written + AUDIO_CHUNK <= target and self._encode(AUDIO_CHUNK, container):
            pass

    def finish(self, seconds: float, container: av.container.OutputContainer) -> None:
        """Encode the rest up to ``seconds`` (the last frame may be short) and flush the encoder."""
        target = self._target(seconds)
        while self._written < target and self._encode(
            min(AUDIO_CHUNK, target - self._written), container
        ):
            pass
        container.mux(self._stream.encode(None))

    def close(self) -> None:
        self._input.close()


def write_mp4(
    path: str | os.PathLike[str],
    frames: Iterable[Image.Image],
    *,
    width: int,
    height: int,
    fps: int,
    audio: MediaSource | None = None,
    audio_seconds: float | None = None,
) -> EncodeStats:
    """Encode ``frames`` (PIL images of ``width`` x ``height``) as H.264 yuv420p into an MP4.

    With ``audio``, its first audio stream becomes an AAC soundtrack, cut at
    ``audio_seconds`` (default: the video's length).
    """
    count = 0
    with av.open(
        os.fspath(path), "w", format="mp4", options={"movflags": "+faststart"}
    ) as container:
        video = container.add_stream("libx264", rate=Fraction(fps), options=dict(X264_OPTIONS))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.time_base = Fraction(1, fps)
        soundtrack = None
        if audio is not None:
            aac = container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
            soundtrack = _Soundtrack(audio, aac, audio_seconds)
        try:
            for image in frames:
                frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
                frame.pts = count
                container.mux(video.encode(frame))
                count += 1
                if soundtrack is not None:
                    soundtrack.feed_until(count / fps, container)
            container.mux(video.encode(None))
            if soundtrack is not None:
                soundtrack.finish(count / fps, container)
        finally:
            if soundtrack is not None:
                soundtrack.close()
    return EncodeStats(
        frames=count,
        video_duration_s=count / fps,
        audio_duration_s=soundtrack.seconds if soundtrack is not None else None,
        video_codec="h264",
        audio_codec="aac" if soundtrack is not None else None,
    )
