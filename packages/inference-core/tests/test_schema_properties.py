"""Property-based tests of input-schema validation: no schema, no input, raises anything undocumented.

A generator's schema (the seed's dict format) compiles or is refused with
``TypeError`` (a bug in the generator, named by field); a compiled schema
exports a JSON Schema that is JSON, and validates any input into a dict or
refuses it with one :class:`InputValidationError`. Values drawn to fit a
schema always pass.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from inference_core import BaseImageGenerator, GeneratorMetadata, InputValidationError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TYPES = ("string", "integer", "float", "number", "boolean", "object", "file", "array")

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Any name but those of pydantic's own BaseModel attributes (``json``, ``copy``: they work,
#: with pydantic's warning that they shadow them).
names = st.text(max_size=12).filter(lambda n: not hasattr(BaseModel, n))
field_specs = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(TYPES) | st.text(max_size=8),
        "required": st.booleans() | json_values,
        "default": json_values,
        "description": st.text(max_size=20) | json_values,
        "enum": st.lists(scalars, max_size=4) | json_values,
        "minimum": st.integers() | st.floats() | json_values,
        "maximum": st.integers() | st.floats() | json_values,
        "min_length": st.integers(-2, 50) | json_values,
        "max_length": st.integers(-2, 50) | json_values,
        "items": st.fixed_dictionaries({"type": st.sampled_from(TYPES)}) | json_values,
        "secret": st.booleans(),
        "examples": json_values,
    },
)
schemas = st.dictionaries(names, field_specs | json_values, max_size=5)


def generator_for(spec: Any) -> type[BaseImageGenerator]:
    class Drawn(BaseImageGenerator):
        metadata = GeneratorMetadata(
            id="drawn_image_generator", name="Drawn", description="drawn", input_schema=spec
        )

    return Drawn


def compiled_or_refused(spec: Any) -> type[BaseImageGenerator] | None:
    """The generator class, or ``None`` when its schema is refused as documented (TypeError)."""
    cls = generator_for(spec)
    try:
        cls.compiled_schema()
    except TypeError:
        return None
    return cls


@SETTINGS
@given(spec=schemas, inputs=st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_any_schema_compiles_or_is_refused_and_any_input_validates_or_is_refused(
    spec: Any, inputs: dict[str, Any]
) -> None:
    cls = compiled_or_refused(spec)
    if cls is None:
        return
    exported = cls.get_input_schema()
    assert json.loads(json.dumps(exported)) == exported  # JSON, for agents and `infer info`
    try:
        validated = cls().validate_inputs(inputs)
    except InputValidationError as exc:
        assert exc.errors  # every failing field listed
        assert str(exc)
        return
    assert isinstance(validated, dict)
    assert set(validated) <= set(spec)  # nothing unknown slips through


def _value_for(spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = spec["type"]
    if "enum" in spec:
        return st.sampled_from(spec["enum"])
    if kind == "string":
        return st.text(min_size=spec.get("min_length", 0), max_size=spec.get("max_length", 30))
    if kind == "integer":
        return st.integers(spec.get("minimum"), spec.get("maximum"))
    if kind == "float":
        return st.floats(spec.get("minimum"), spec.get("maximum"), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    return st.lists(st.integers(), max_size=3)


@st.composite
def valid_schema_and_inputs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    spec: dict[str, Any] = {}
    inputs: dict[str, Any] = {}
    for name in draw(
        st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), max_size=5, unique=True)
    ):
        kind = draw(st.sampled_from(["string", "integer", "float", "boolean", "array"]))
        field: dict[str, Any] = {"type": kind, "required": draw(st.booleans())}
        if kind == "string" and draw(st.booleans()):
            low = draw(st.integers(0, 5))
            field.update(min_length=low, max_length=low + draw(st.integers(0, 10)))
        if kind in ("integer", "float") and draw(st.booleans()):
            low = draw(st.integers(-100, 100))
            field.update(minimum=low, maximum=low + draw(st.integers(0, 100)))
        if kind == "string" and draw(st.booleans()):
            field = {
                "type": "string",
                "enum": draw(st.lists(st.text(max_size=5), min_size=1, max_size=4)),
            }
        if kind == "array":
            field["items"] = {"type": "integer"}
        spec[name] = field
        if field.get("required") or draw(st.booleans()):
            inputs[name] = draw(_value_for(field))
    return spec, inputs


@SETTINGS
@given(drawn=valid_schema_and_inputs())
def test_inputs_that_fit_the_schema_pass(drawn: tuple[dict[str, Any], dict[str, Any]]) -> None:
    spec, inputs = drawn
    validated = generator_for(spec)().validate_inputs(inputs)
    for name, value in inputs.items():
        if isinstance(value, float) and not math.isfinite(value):
            continue
        assert validated[name] == value


@pytest.mark.parametrize("spec", [None, "prompt", 7, ["prompt"], {"prompt": "string"}])
def test_a_schema_that_is_not_a_mapping_of_fields_is_a_type_error(spec: Any) -> None:
    with pytest.raises(TypeError):
        generator_for(spec).compiled_schema()
