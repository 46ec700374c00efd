"""Scenes in: ``scenes.yaml``, storyboard JSON, or Python objects.

Two file shapes are accepted, in YAML or JSON, and may be mixed scene by scene::

    # scenes.yaml
    title: The lighthouse
    style: illustration
    characters:
      Mara: {description: a girl with a red raincoat, reference_images: [refs/mara.png]}
    scenes:
      - id: 1
        visual: {type: metaphor, modality: image, prompt: Mara climbs the lighthouse stairs}
        narration: Mara had never been this high.
        characters: [Mara]

    # storyboard.json
    {"scenes": [{"scene_id": 1, "image_prompt": "...", "negative_prompt": "...",
                 "visual_type": "diagram", "modality": "image",
                 "style_tags": ["dusk"], "characters_in_scene": ["Mara"]}]}

``visual.type`` (``visual_type`` in JSON) is the kind of visual, as in the
novaclips seed: ``diagram``, ``example``, ``metaphor`` or any word; the prompt
enhancer adds words for it. ``visual.modality`` (``modality``) says whether
the scene is a still or a clip: ``image`` (the default) or ``video``. The
older files that wrote the modality as ``type: image|video`` keep working: the
value moves to ``modality``, with a :class:`DeprecationWarning` naming the scenes
(``infer batch`` prints it as a one-line note).

Every problem is reported at once in a :class:`StoryboardError`, each line
naming the scene and the field.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from inference_core.errors import FieldError, StoryboardError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

__all__ = [
    "Character",
    "Scene",
    "Storyboard",
    "StoryboardError",
    "StyleSpec",
    "load_storyboard",
    "output_stem",
]

Modality = Literal["image", "video"]
#: What ``type`` meant before it named the kind of visual.
_MODALITIES = ("image", "video")
_NUMERIC_ID = re.compile(r"^(?:scene[-_ ]?)?0*(\d{1,9})$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class StyleSpec(BaseModel):
    """A named style: ``prompt`` is a template with a ``{prompt}`` placeholder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str = "{prompt}"
    negative_prompt: str | None = None
    description: str = ""

    @field_validator("prompt")
    @classmethod
    def _has_placeholder(cls, value: str) -> str:
        if "{prompt}" not in value:
            return "{prompt}, " + value
        return value


class Character(BaseModel):
    """A recurring character: a description for prompts, reference images for consistency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    reference_images: tuple[str, ...] = ()


class Scene(BaseModel):
    """One scene, normalised from whichever input shape it came in.

    ``visual_type`` is the kind of visual (``diagram``, ``example``,
    ``metaphor``...), ``modality`` a still (``image``) or a clip (``video``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    prompt: str = Field(min_length=1)
    visual_type: str | None = None
    modality: Modality = "image"
    negative_prompt: str | None = None
    style_tags: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    narration: str | None = None
    duration: float | None = Field(default=None, gt=0)
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_to_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="before")
    @classmethod
    def _modality_from_type(cls, data: Any) -> Any:
        """``visual_type="video"`` without ``modality`` (a scene of 0.2.0): the modality."""
        if isinstance(data, dict) and "modality" not in data:
            kind = data.get("visual_type")
            if kind in _MODALITIES:
                return {**data, "visual_type": None, "modality": kind}
        return data

    @property
    def stem(self) -> str:
        """The output file name without extension (``scene-001``); see :func:`output_stem`."""
        return output_stem(self.id)


class Storyboard(BaseModel):
    """Scenes plus what they share: title, default style, user styles, characters, defaults.

    ``defaults`` maps a modality (``image``, ``video``, ``audio``) to generator
    parameters applied to every request of that modality (``{"image": {"width": 512}}``).
    """

    model_config = ConfigDict(extra="forbid")

    title: str = ""
    style: str | None = None
    styles: dict[str, StyleSpec] = Field(default_factory=dict)
    characters: dict[str, Character] = Field(default_factory=dict)
    defaults: dict[str, dict[str, Any]] = Field(default_factory=dict)
    scenes: list[Scene] = Field(min_length=1)

    def scene(self, scene_id: str) -> Scene:
        """The scene with ``scene_id``; ``KeyError`` naming close ids when absent."""
        for scene in self.scenes:
            if scene.id == scene_id:
                return scene
        close = difflib.get_close_matches(scene_id, [s.id for s in self.scenes], n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise KeyError(f"no scene {scene_id!r}{hint}")

    @classmethod
    def from_scenes(cls, scenes: Iterable[Scene | Mapping[str, Any]], **fields: Any) -> Storyboard:
        """A storyboard from Python objects: :class:`Scene` instances or dicts in either file shape."""
        return load_storyboard({"scenes": list(scenes), **fields})


def output_stem(scene_id: str) -> str:
    """The file stem for a scene id, always a plain name inside the output folder.

    Numeric ids (``7``, ``"007"``, ``"scene_7"``) give ``scene-007``; other ids
    keep their letters, digits, ``-`` and ``_`` (``intro`` gives ``scene-intro``),
    and an id that had to be changed gets a short hash so distinct ids never share
    a file: ``../../etc`` gives ``scene-etc-<hash>``.
    """
    match = _NUMERIC_ID.match(scene_id.strip())
    if match:
        return f"scene-{int(match.group(1)):03d}"
    slug = _UNSAFE.sub("-", scene_id).strip("-_")[:60]
    if slug != scene_id or not slug:
        digest = hashlib.sha256(scene_id.encode()).hexdigest()[:8]
        slug = f"{slug}-{digest}" if slug else digest
    return f"scene-{slug}"


# -- raw input shapes ---------------------------------------------------------


class _Visual(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    type: str | None = Field(default=None, min_length=1)
    modality: Modality | None = None
    negative_prompt: str | None = None
    style_tags: list[str] = Field(default_factory=list)


class _YamlScene(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | int | None = None
    visual: _Visual
    narration: str | None = None
    characters: list[str] = Field(default_factory=list)
    duration: float | None = Field(default=None, gt=0)
    params: dict[str, Any] = Field(default_factory=dict)


class _JsonScene(BaseModel):
    # Storyboards are often written by LLMs with extra descriptive fields: ignore those.
    model_config = ConfigDict(extra="ignore")

    scene_id: str | int
    image_prompt: str = Field(min_length=1)
    negative_prompt: str | None = None
    style_tags: list[str] = Field(default_factory=list)
    characters_in_scene: list[str] = Field(default_factory=list)
    narration: str | None = None
    visual_type: str | None = Field(default=None, min_length=1)
    modality: Modality | None = None
    duration: float | None = Field(default=None, gt=0)
    params: dict[str, Any] = Field(default_factory=dict)


_YAML_KEYS = set(_YamlScene.model_fields)
_JSON_KEYS = set(_JsonScene.model_fields)
_SCENE_KEYS = set(Scene.model_fields)
_TOP_KEYS = set(Storyboard.model_fields)


def _loc(parts: Sequence[int | str]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pydantic_errors(exc: ValidationError, prefix: str, known: Iterable[str]) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        field = _loc([p for p in err["loc"] if not isinstance(p, str) or p])
        hint = None
        if err["type"] == "extra_forbidden":
            name = str(err["loc"][-1])
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
            message = "unknown field"
        else:
            message = err["msg"]
        errors.append(FieldError(f"{prefix}: {field}" if field else prefix, message, hint))
    return errors


#: The fields a converted scene sets (all of them), one set shared by every scene: pydantic
#: keeps the set it is given, and a set per scene would be a third of a large storyboard's
#: memory. Safe to share: scenes are frozen, and model_copy() copies the set before updating.
_EVERY_FIELD = set(Scene.model_fields)


def _kind_and_modality(
    kind: str | None, modality: Modality | None
) -> tuple[str | None, Modality, bool]:
    """The kind of visual, the modality, and whether ``kind`` was the modality (the old form)."""
    if modality is None and kind in _MODALITIES:
        return None, cast("Modality", kind), True
    return kind, modality or "image", False


def _convert_scene(
    raw: Any, index: int, old_form: list[str]
) -> tuple[Scene | None, list[FieldError]]:
    """One scene in either file shape; appends its label to ``old_form`` if it uses
    ``type: image|video`` for the modality."""
    label = f"scene {index + 1}"
    if isinstance(raw, Scene):
        return raw, []
    if not isinstance(raw, dict):
        return None, [FieldError(label, f"expected a mapping, got {type(raw).__name__}")]
    for key in ("id", "scene_id"):
        if key in raw:
            label = f"scene {index + 1} (id {raw[key]!r})"
    try:
        if "scene_id" in raw or "image_prompt" in raw:
            j = _JsonScene.model_validate(raw)
            kind, modality, old = _kind_and_modality(j.visual_type, j.modality)
            if old:
                old_form.append(f"{j.scene_id} (visual_type)")
            return Scene.model_construct(  # the raw model validated every field
                _fields_set=_EVERY_FIELD,
                id=str(j.scene_id),
                prompt=j.image_prompt,
                visual_type=kind,
                modality=modality,
                negative_prompt=j.negative_prompt,
                style_tags=tuple(j.style_tags),
                characters=tuple(j.characters_in_scene),
                narration=j.narration,
                duration=j.duration,
                params=j.params,
            ), []
        if "visual" in raw:
            y = _YamlScene.model_validate(raw)
            scene_id = str(y.id if y.id is not None else index + 1)
            kind, modality, old = _kind_and_modality(y.visual.type, y.visual.modality)
            if old:
                old_form.append(f"{scene_id} (visual.type)")
            return Scene.model_construct(  # the raw model validated every field
                _fields_set=_EVERY_FIELD,
                id=scene_id,
                prompt=y.visual.prompt,
                visual_type=kind,
                modality=modality,
                negative_prompt=y.visual.negative_prompt,
                style_tags=tuple(y.visual.style_tags),
                characters=tuple(y.characters),
                narration=y.narration,
                duration=y.duration,
                params=y.params,
            ), []
        if "prompt" in raw:
            return Scene.model_validate({"id": index + 1, **raw}), []
    except ValidationError as exc:
        known = _JSON_KEYS if "scene_id" in raw or "image_prompt" in raw else _YAML_KEYS
        return None, _pydantic_errors(
            exc, label, known | {"prompt", "type", "modality", "negative_prompt"}
        )
    return None, [
        FieldError(
            label,
            "no prompt: give visual.prompt (scenes.yaml) or image_prompt (storyboard JSON)",
        )
    ]


def _characters(raw: Any, base: Path | None) -> tuple[dict[str, Character], list[FieldError]]:
    errors: list[FieldError] = []
    out: dict[str, Character] = {}
    if raw is None:
        return out, errors
    items: list[tuple[str, Any]]
    if isinstance(raw, dict):
        items = [
            (f"characters.{k}", {"name": k, **(v if isinstance(v, dict) else {"description": v})})
            for k, v in raw.items()
        ]
    elif isinstance(raw, list):
        items = [(f"characters[{i}]", v) for i, v in enumerate(raw)]
    else:
        return out, [FieldError("characters", "expected a mapping or a list")]
    for label, value in items:
        if isinstance(value, Character):
            value = value.model_dump()
        if isinstance(value, dict) and isinstance(value.get("reference_images"), str):
            value = {**value, "reference_images": [value["reference_images"]]}
        try:
            char = Character.model_validate(value)
        except ValidationError as exc:
            errors.extend(_pydantic_errors(exc, label, Character.model_fields))
            continue
        refs = []
        for i, ref in enumerate(char.reference_images):
            if ref.startswith(("http://", "https://", "data:")):
                refs.append(ref)
                continue
            path = Path(ref).expanduser()
            if not path.is_absolute() and base is not None:
                path = base / path
            if not path.is_file():
                errors.append(
                    FieldError(f"{label}: reference_images[{i}]", f"file not found: {path}")
                )
            refs.append(str(path.resolve()))
        out[char.name] = char.model_copy(update={"reference_images": tuple(refs)})
    return out, errors


def _convert_sound(raw: Any, index: int) -> Any:
    """``raw`` as its :class:`Scene` when it converts without a problem or a deprecation,
    else ``raw`` itself (converted again, with its problems, by :func:`load_storyboard`)."""
    old_form: list[str] = []
    scene, problems = _convert_scene(raw, index, old_form)
    return scene if scene is not None and not problems and not old_form else raw


def _read_file(path: Path) -> Any:
    if not path.is_file():
        raise StoryboardError(str(path), [FieldError("file", "not found")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StoryboardError(
            str(path), [FieldError("file", f"not UTF-8 text (byte {exc.start}): save it as UTF-8")]
        ) from None
    except OSError as exc:
        raise StoryboardError(str(path), [FieldError("file", f"cannot read: {exc}")]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        from inference_pipeline._yaml import load_yaml  # imports yaml: on use

        # libyaml's parser when PyYAML has it, no node graph in memory, and each scene
        # converted as it is read: a large storyboard is never held as raw mappings.
        return load_yaml(text, items=_convert_sound)
    except (ValueError, ImportError) as exc:  # json.JSONDecodeError is a ValueError
        raise StoryboardError(str(path), [FieldError("file", f"cannot parse: {exc}")]) from exc
    except Exception as exc:  # yaml.YAMLError
        raise StoryboardError(str(path), [FieldError("file", f"cannot parse: {exc}")]) from exc


def load_storyboard(source: Any, *, base_dir: Path | None = None) -> Storyboard:
    """Read and validate a storyboard.

    ``source`` is a path to a ``.yaml``/``.yml``/``.json`` file, a
    :class:`Storyboard`, a mapping with ``scenes``, or a list of scenes (dicts in
    either file shape or :class:`Scene` objects). Relative reference-image
    paths resolve against the file's folder (or ``base_dir``). Raises
    :class:`StoryboardError` listing every problem.
    """
    if isinstance(source, Storyboard):
        return source
    name = "<storyboard>"
    if isinstance(source, str | Path):
        path = Path(source)
        name = str(path)
        base_dir = base_dir or path.resolve().parent
        source = _read_file(path)
    if isinstance(source, list):
        source = {"scenes": source}
    if not isinstance(source, dict):
        raise StoryboardError(
            name, [FieldError("file", "expected a mapping with 'scenes' or a list of scenes")]
        )

    errors: list[FieldError] = []
    for key in source:
        if key not in _TOP_KEYS:
            close = difflib.get_close_matches(str(key), list(_TOP_KEYS), n=1)
            errors.append(
                FieldError(
                    str(key), "unknown field", f"did you mean {close[0]!r}?" if close else None
                )
            )
    raw_scenes = source.get("scenes")
    scenes: list[Scene] = []
    if not isinstance(raw_scenes, list) or not raw_scenes:
        errors.append(FieldError("scenes", "expected a non-empty list of scenes"))
        raw_scenes = []
    old_form: list[str] = []
    for index, raw in enumerate(raw_scenes):
        scene, problems = _convert_scene(raw, index, old_form)
        errors.extend(problems)
        if scene is not None:
            scenes.append(scene)
    characters, problems = _characters(source.get("characters"), base_dir)
    errors.extend(problems)

    seen: dict[str, str] = {}
    for scene in scenes:
        stem = scene.stem
        if stem in seen:
            errors.append(
                FieldError(
                    f"scene id {scene.id!r}",
                    f"names the same output file ({stem}) as scene id {seen[stem]!r}",
                )
            )
        seen[stem] = scene.id
    styles_raw = source.get("styles") or {}
    try:
        board = Storyboard(
            title=source.get("title") or "",
            style=source.get("style"),
            styles=styles_raw,
            characters=characters,
            defaults=source.get("defaults") or {},
            scenes=scenes or [Scene(id="placeholder", prompt="placeholder")],
        )
    except ValidationError as exc:
        errors.extend(_pydantic_errors(exc, "storyboard", _TOP_KEYS))
        board = None
    if errors:
        raise StoryboardError(name, errors)
    assert board is not None
    if old_form:
        shown = ", ".join(old_form[:5]) + (
            f" and {len(old_form) - 5} more" if len(old_form) > 5 else ""
        )
        warnings.warn(
            f"{name}: scene {shown}: 'type: image|video' for the modality is deprecated; "
            "write 'modality: image|video' ('type' now names the kind of visual: diagram, "
            "example, metaphor...)",
            DeprecationWarning,
            stacklevel=2,
        )
    return board
