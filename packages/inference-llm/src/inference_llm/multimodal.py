"""Images in LLM messages: encode, decode, inspect, resize, and build OpenAI-style content.

Each method of the seed's ``ImageUtils`` and ``InputUtils`` is also a plain
function of this module (``encode_image_to_base64(...)`` is
``ImageUtils.encode_image_to_base64(...)``).

Example::

    from inference_llm.multimodal import ImageUtils, InputUtils

    url = ImageUtils.encode_image_to_base64("photo.jpg")   # "data:image/jpeg;base64,..."
    message = InputUtils.create_multimodal_message("What is this?", images=["photo.jpg"])
    InputUtils.validate_multimodal_message(message)

Images are given as a path, ``pathlib.Path``, raw bytes, a ``data:`` URL, an
``http(s)`` URL (kept as a reference, never downloaded here) or a PIL image.
The MIME type comes from the file's bytes, not its name. Bad input (a missing
file, bytes that are no image, a malformed data URL) raises
:class:`~inference_core.InputValidationError` saying what is wrong.
Sniffing, dimensions and ``data:`` URLs come from the core
(``inference_core.provider``: ``sniff_mime``, ``image_dimensions``,
``parse_data_url``, ``data_url``); these classes are thin wrappers that keep
the seed's API. Pillow is imported only by the functions that decode pixels.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference_core import sniff_mime
from inference_core.errors import FieldError, InputValidationError, MediaError
from inference_core.provider import data_url as _data_url
from inference_core.provider import image_dimensions, parse_data_url

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "ImageUtils",
    "InputUtils",
    "MultimodalUtils",
    "count_tokens_multimodal",
    "create_multimodal_message",
    "decode_base64_to_bytes",
    "decode_base64_to_image",
    "encode_image_to_base64",
    "extract_images_from_message",
    "extract_text_from_message",
    "get_image_info",
    "image_to_bytes",
    "prepare_multimodal_content",
    "resize_image",
    "save_base64_image",
    "sniff_image_mime",
    "to_pil",
    "validate_multimodal_message",
]

_PIL_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
}
_VALID_ROLES = {"system", "user", "assistant", "tool", "developer"}


def _fail(field: str, message: str, *, where: str, hint: str | None = None) -> InputValidationError:
    return InputValidationError(where, [FieldError(field, message, hint)])


def sniff_image_mime(data: bytes) -> str | None:
    """The image MIME type that ``data`` starts with, or ``None`` when it is no known image.

    A thin wrapper over :func:`inference_core.sniff_mime` (the one sniffer).
    """
    mime = sniff_mime(data[:64])
    return mime if mime is not None and mime.startswith("image/") else None


def _is_pil_image(value: object) -> bool:
    return (
        type(value).__module__.startswith("PIL.")
        and hasattr(value, "save")
        and hasattr(value, "size")
    )


def _decode_data_url(url: str, *, where: str) -> tuple[str | None, bytes]:
    """The declared type and bytes of a base64 ``data:`` URL (the core's parser, our message)."""
    try:
        parsed = parse_data_url(url, field="image")
    except MediaError as exc:
        hint = "expected data:<mime>;base64,<data>" if "no comma" in exc.reason else None
        raise _fail("image", exc.reason, where=where, hint=hint) from exc
    if not parsed.base64:
        raise _fail("image", "data URL is not base64-encoded", where=where, hint="add ';base64'")
    return parsed.mime_type, parsed.data


def _load_bytes(image: Any, *, where: str) -> bytes:
    """Raw image bytes from a path, bytes, data URL, bare base64 or PIL image; validated as an image."""
    if _is_pil_image(image):
        return ImageUtils.image_to_bytes(image)
    if isinstance(image, bytes | bytearray | memoryview):
        raw = bytes(image)
    elif isinstance(image, str) and image.startswith("data:"):
        raw = _decode_data_url(image, where=where)[1]
    elif isinstance(image, str) and image.startswith(("http://", "https://")):
        raise _fail(
            "image",
            "is a URL; this function needs the image itself",
            where=where,
            hint="download it first or pass the URL in a message",
        )
    elif isinstance(image, str | os.PathLike):
        path = Path(image)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise _fail("image", f"file not found: {path}", where=where) from exc
        except IsADirectoryError as exc:
            raise _fail("image", f"is a directory, not an image file: {path}", where=where) from exc
        except OSError as exc:
            raise _fail("image", f"cannot read {path}: {exc.strerror}", where=where) from exc
        if sniff_image_mime(raw) is None:
            raise _fail(
                "image",
                f"not an image file (unrecognised content): {path}",
                where=where,
                hint="supported: PNG, JPEG, GIF, WEBP, BMP, TIFF",
            )
        return raw
    else:
        raise _fail(
            "image",
            f"unsupported image value of type {type(image).__name__}",
            where=where,
            hint="pass a path, bytes, a data URL or a PIL image",
        )
    if sniff_image_mime(raw) is None:
        raise _fail(
            "image",
            "bytes are not an image (unrecognised content)",
            where=where,
            hint="supported: PNG, JPEG, GIF, WEBP, BMP, TIFF",
        )
    return raw


class ImageUtils:
    """Image helpers for LLM messages and generator outputs (static methods only)."""

    @staticmethod
    def encode_image_to_base64(image: Any, *, data_url: bool = True) -> str:
        """``image`` as a ``data:<mime>;base64,...`` URL (or bare base64 with ``data_url=False``).

        The MIME type is read from the bytes, so a PNG saved as ``x.jpg`` is
        still ``image/png``.
        """
        raw = _load_bytes(image, where="ImageUtils.encode_image_to_base64")
        if data_url:
            return _data_url(raw, sniff_image_mime(raw))
        return base64.b64encode(raw).decode("ascii")

    @staticmethod
    def decode_base64_to_bytes(data: str) -> bytes:
        """The image bytes in a data URL or bare base64 string; validated as an image."""
        where = "ImageUtils.decode_base64_to_bytes"
        if data.startswith("data:"):
            return _load_bytes(data, where=where)
        try:
            raw = base64.b64decode(re.sub(r"\s+", "", data), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _fail("image", f"invalid base64 ({exc})", where=where) from exc
        return _load_bytes(raw, where=where)

    @staticmethod
    def decode_base64_to_image(data: str) -> Image.Image:
        """A PIL image from a data URL or bare base64 string (needs Pillow)."""
        raw = ImageUtils.decode_base64_to_bytes(data)
        return ImageUtils._open(raw, where="ImageUtils.decode_base64_to_image")

    @staticmethod
    def save_base64_image(data: str, path: str | os.PathLike[str]) -> Path:
        """Write the image in ``data`` to ``path`` atomically and return the path.

        When ``path`` is an existing directory the file is named ``image.<ext>``
        after the image's type; parent directories are created.
        """
        from inference_core import atomic_write

        raw = ImageUtils.decode_base64_to_bytes(data)
        target = Path(path)
        if target.is_dir():
            mime = sniff_image_mime(raw) or "image/png"
            target = target / f"image.{mime.split('/')[1].replace('jpeg', 'jpg')}"
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as handle:
            handle.write(raw)
        return target

    @staticmethod
    def _open(raw: bytes, *, where: str) -> Image.Image:
        try:
            from PIL import Image, UnidentifiedImageError
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Pillow is needed for this: pip install 'inference-core[media]'"
            ) from exc
        import io

        try:
            image = Image.open(io.BytesIO(raw))
            image.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise _fail("image", f"cannot decode image: {exc}", where=where) from exc
        return image

    @staticmethod
    def to_pil(image: Any) -> Image.Image:
        """A PIL image from any accepted image value (needs Pillow)."""
        if _is_pil_image(image):
            return image  # type: ignore[no-any-return]
        return ImageUtils._open(
            _load_bytes(image, where="ImageUtils.to_pil"), where="ImageUtils.to_pil"
        )

    @staticmethod
    def image_to_bytes(image: Image.Image, format: str | None = None) -> bytes:
        """Encode a PIL image (PNG unless ``format`` or the image's own format says otherwise)."""
        import io

        chosen = (format or image.format or "PNG").upper()
        if chosen == "JPG":
            chosen = "JPEG"
        if chosen == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format=chosen)
        return buffer.getvalue()

    @staticmethod
    def resize_image(image: Any, max_size: int | tuple[int, int] = 1024) -> Image.Image:
        """``image`` scaled down (aspect ratio kept) to fit ``max_size``; never scaled up.

        ``max_size`` is the longest side, or a ``(width, height)`` box.
        """
        box = (max_size, max_size) if isinstance(max_size, int) else max_size
        if box[0] < 1 or box[1] < 1:
            raise _fail(
                "max_size", f"must be positive, got {max_size}", where="ImageUtils.resize_image"
            )
        pil = ImageUtils.to_pil(image)
        original_format = pil.format
        scale = min(box[0] / pil.width, box[1] / pil.height, 1.0)
        if scale >= 1.0:
            return pil
        size = (max(1, round(pil.width * scale)), max(1, round(pil.height * scale)))
        resized = pil.resize(size)
        resized.format = original_format
        return resized

    @staticmethod
    def get_image_info(image: Any) -> dict[str, Any]:
        """``width``, ``height``, ``format``, ``mime_type``, ``mode`` and ``size_bytes`` of ``image``."""
        raw = _load_bytes(image, where="ImageUtils.get_image_info")
        pil = ImageUtils._open(raw, where="ImageUtils.get_image_info")
        mime = sniff_image_mime(raw)
        return {
            "width": pil.width,
            "height": pil.height,
            "format": pil.format or _PIL_FORMATS.get(mime or ""),
            "mime_type": mime,
            "mode": pil.mode,
            "size_bytes": len(raw),
        }


def _image_part(image: Any, detail: str | None) -> dict[str, Any]:
    if isinstance(image, Mapping):
        if image.get("type") == "image_url":
            return dict(image)
        raise _fail("images", f"unsupported content part {dict(image)!r}", where="InputUtils")
    if isinstance(image, str) and image.startswith(("http://", "https://")):
        url = image
    else:
        url = ImageUtils.encode_image_to_base64(image)
    payload: dict[str, Any] = {"url": url}
    if detail is not None:
        payload["detail"] = detail
    return {"type": "image_url", "image_url": payload}


def _parts(message: Mapping[str, Any] | str | Sequence[Any]) -> list[Any]:
    content: Any = message.get("content") if isinstance(message, Mapping) else message
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return list(content)


class InputUtils:
    """Build, inspect and check OpenAI-style chat messages that mix text and images."""

    @staticmethod
    def prepare_multimodal_content(
        content: str | Sequence[Any] | None = None,
        *,
        text: str | None = None,
        images: Iterable[Any] = (),
        detail: str | None = None,
    ) -> list[dict[str, Any]]:
        """Normalise ``content`` to a list of content parts.

        Strings become text parts (an ``http(s)`` or ``data:image`` string, or a
        path to an image file, becomes an image part); paths, bytes and PIL
        images become ``image_url`` parts with data URLs; ready-made part dicts
        are kept. The seed's form, ``text=`` and ``images=``, gives the text
        part followed by one image part per image.
        """
        if content is None:
            seed_form: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
            return seed_form + [_image_part(image, detail) for image in images]
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        parts: list[dict[str, Any]] = []
        for item in content:
            if isinstance(item, Mapping) and item.get("type") in (
                "text",
                "image_url",
                "input_audio",
                "file",
            ):
                parts.append(dict(item))
            elif (
                isinstance(item, str)
                and not item.startswith(("data:", "http://", "https://"))
                and not (len(item) < 1024 and Path(item).suffix and Path(item).is_file())
            ):
                parts.append({"type": "text", "text": item})
            else:
                parts.append(_image_part(item, detail))
        return parts

    @staticmethod
    def create_multimodal_message(
        text: str | None = None,
        images: Iterable[Any] = (),
        *,
        image_path: Any = None,
        role: str = "user",
        detail: str | None = None,
    ) -> dict[str, Any]:
        """A chat message with ``text`` followed by ``images`` as ``image_url`` parts.

        ``image_path`` (the seed's keyword) adds one image before ``images``;
        ``detail`` (``"low"``, ``"high"``, ``"auto"``) is passed on for each image.
        """
        parts: list[dict[str, Any]] = []
        if text:
            parts.append({"type": "text", "text": text})
        if image_path is not None:
            parts.append(_image_part(image_path, detail))
        parts.extend(_image_part(image, detail) for image in images)
        if not parts:
            raise _fail(
                "content",
                "a message needs text or at least one image",
                where="InputUtils.create_multimodal_message",
            )
        return {"role": role, "content": parts}

    @staticmethod
    def extract_images_from_message(message: Mapping[str, Any]) -> list[str]:
        """The image URLs (``http(s)`` or ``data:``) in ``message``, in order."""
        urls: list[str] = []
        for part in _parts(message):
            if isinstance(part, Mapping) and part.get("type") == "image_url":
                value = part.get("image_url")
                url = value.get("url") if isinstance(value, Mapping) else value
                if isinstance(url, str):
                    urls.append(url)
        return urls

    @staticmethod
    def extract_text_from_message(message: Mapping[str, Any], *, separator: str = "\n") -> str:
        """The text of ``message``: its string content, or its text parts joined."""
        texts = [
            str(part.get("text", ""))
            for part in _parts(message)
            if isinstance(part, Mapping) and part.get("type") == "text"
        ]
        return separator.join(texts)

    @staticmethod
    def validate_multimodal_message(message: Mapping[str, Any]) -> bool:
        """``True``, or raise :class:`~inference_core.InputValidationError` listing every problem.

        Checks the role, the content shape, text parts, and that each image
        URL is ``http(s)`` or a well-formed base64 data URL holding an image.
        (:func:`inference_llm.compat.InputUtils` returns ``False`` instead of raising, as the seed did.)
        """
        where = "InputUtils.validate_multimodal_message"
        errors: list[FieldError] = []
        if not isinstance(message, Mapping):
            raise _fail("message", f"expected a mapping, got {type(message).__name__}", where=where)
        role = message.get("role")
        if role not in _VALID_ROLES:
            errors.append(
                FieldError(
                    "role", f"unknown role {role!r}", f"one of {', '.join(sorted(_VALID_ROLES))}"
                )
            )
        content = message.get("content")
        if content is None and role != "assistant":
            errors.append(FieldError("content", "missing"))
        elif content is not None and not isinstance(content, str | list):
            errors.append(
                FieldError(
                    "content", f"must be a string or a list of parts, not {type(content).__name__}"
                )
            )
        elif isinstance(content, list):
            for index, part in enumerate(content):
                errors.extend(_check_part(index, part))
        if errors:
            raise InputValidationError(where, errors)
        return True

    @staticmethod
    def count_tokens_multimodal(
        messages: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, model: str | None = None
    ) -> int:
        """An estimate of the prompt tokens of ``messages``, images included.

        Text counts one token per four characters plus four per message;
        images follow OpenAI's tile rule (85 for ``detail="low"``, else 85 +
        170 per 512-pixel tile after fitting 2048x2048 and a 768-pixel short
        side). An image whose size is unknown (an ``http`` URL) counts as
        1024x1024. ``model`` is accepted for API compatibility.
        """
        del model
        items = [messages] if isinstance(messages, Mapping) else list(messages)
        total = 0
        for message in items:
            total += 4 + math.ceil(len(InputUtils.extract_text_from_message(message)) / 4)
            for part in _parts(message):
                if isinstance(part, Mapping) and part.get("type") == "image_url":
                    total += _image_tokens(part)
        return total


def _check_part(index: int, part: Any) -> list[FieldError]:
    name = f"content[{index}]"
    if not isinstance(part, Mapping):
        return [FieldError(name, f"must be a content part dict, not {type(part).__name__}")]
    kind = part.get("type")
    if kind == "text":
        return (
            []
            if isinstance(part.get("text"), str)
            else [FieldError(f"{name}.text", "must be a string")]
        )
    if kind != "image_url":
        return [] if isinstance(kind, str) else [FieldError(f"{name}.type", "missing")]
    value = part.get("image_url")
    url = value.get("url") if isinstance(value, Mapping) else value
    if not isinstance(url, str) or not url:
        return [FieldError(f"{name}.image_url.url", "missing")]
    if url.startswith(("http://", "https://")):
        return []
    if not url.startswith("data:"):
        return [FieldError(f"{name}.image_url.url", "must be an http(s) URL or a data: URL")]
    try:
        mime, raw = _decode_data_url(url, where="")
    except InputValidationError as exc:
        return [FieldError(f"{name}.image_url.url", e.message, e.hint) for e in exc.errors]
    if sniff_image_mime(raw) is None:
        return [FieldError(f"{name}.image_url.url", "data URL does not hold an image")]
    if mime and mime != sniff_image_mime(raw):
        return [
            FieldError(
                f"{name}.image_url.url", f"declared {mime} but holds {sniff_image_mime(raw)}"
            )
        ]
    return []


def _image_tokens(part: Mapping[str, Any]) -> int:
    value = part.get("image_url")
    detail = value.get("detail", "auto") if isinstance(value, Mapping) else "auto"
    if detail == "low":
        return 85
    url = value.get("url") if isinstance(value, Mapping) else value
    width, height = 1024.0, 1024.0
    if isinstance(url, str) and url.startswith("data:"):
        with contextlib.suppress(MediaError):
            size = image_dimensions(parse_data_url(url).data[: 1 << 16])
            if size and min(size) > 0:
                width, height = float(size[0]), float(size[1])
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return 85 + 170 * math.ceil(width / 512) * math.ceil(height / 512)


MultimodalUtils = InputUtils
"""The name older code uses for :class:`InputUtils`."""

# The plain functions: the seed's classes are namespaces of these.
encode_image_to_base64 = ImageUtils.encode_image_to_base64
decode_base64_to_bytes = ImageUtils.decode_base64_to_bytes
decode_base64_to_image = ImageUtils.decode_base64_to_image
save_base64_image = ImageUtils.save_base64_image
to_pil = ImageUtils.to_pil
image_to_bytes = ImageUtils.image_to_bytes
resize_image = ImageUtils.resize_image
get_image_info = ImageUtils.get_image_info
prepare_multimodal_content = InputUtils.prepare_multimodal_content
create_multimodal_message = InputUtils.create_multimodal_message
extract_images_from_message = InputUtils.extract_images_from_message
extract_text_from_message = InputUtils.extract_text_from_message
validate_multimodal_message = InputUtils.validate_multimodal_message
count_tokens_multimodal = InputUtils.count_tokens_multimodal
