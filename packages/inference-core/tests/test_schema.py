from __future__ import annotations

import pydantic
import pytest
from jsonschema import Draft202012Validator

from inference_core import (
    BaseAudioGenerator,
    GenerationResult,
    GeneratorMetadata,
    InputValidationError,
)

SEED = {
    "text": {"type": "string", "required": True, "min_length": 1, "max_length": 20},
    "count": {"type": "integer", "default": 1, "minimum": 1, "maximum": 4},
    "speed": {"type": "float", "default": 1.0, "minimum": 0.25},
    "loud": {"type": "boolean", "default": False},
    "voice": {"type": "string", "enum": ["alloy", "echo"], "default": "alloy"},
    "tags": {"type": "array", "items": {"type": "string"}, "default": []},
    "extra": {"type": "object", "description": "free-form"},
    "clip": {"type": "file"},
}


class Seeded(BaseAudioGenerator):
    metadata = GeneratorMetadata(id="seeded", name="Seeded", description="d", input_schema=SEED)

    def generate(self, **inputs: object) -> GenerationResult:
        return GenerationResult()


class Options(pydantic.BaseModel):
    text: str
    speed: float = pydantic.Field(1.0, ge=0.25, le=4)


class Modelled(BaseAudioGenerator):
    metadata = GeneratorMetadata(id="modelled", name="M", description="d", input_schema=Options)

    def generate(self, **inputs: object) -> GenerationResult:
        return GenerationResult()


def test_defaults_applied_and_obvious_values_coerced() -> None:
    params = Seeded().validate_inputs(text="hi", count="3", speed="2", loud="true", tags=["a"])
    assert params == {
        "text": "hi",
        "count": 3,
        "speed": 2.0,
        "loud": True,
        "voice": "alloy",
        "tags": ["a"],
        "extra": None,
        "clip": None,
    }


def test_every_failing_field_reported_at_once() -> None:
    with pytest.raises(InputValidationError) as info:
        Seeded().validate_inputs(count="many", voice="bob", txet="hi")
    error = info.value
    assert error.generator_id == "seeded"
    assert set(error.fields) == {"text", "count", "voice", "txet"}
    message = str(error)
    assert "text: required field missing" in message
    assert "txet: unknown field (did you mean 'text'?)" in message
    assert "voice: must be one of 'alloy', 'echo' (got 'bob')" in message
    assert "count: must be an integer (got 'many')" in message


def test_ranges_and_lengths() -> None:
    with pytest.raises(InputValidationError) as info:
        Seeded().validate_inputs(text="x" * 21, count=9, speed=0.1)
    assert set(info.value.fields) == {"text", "count", "speed"}


def test_unknown_field_without_close_match_lists_known_fields() -> None:
    with pytest.raises(InputValidationError, match="known fields: text, count"):
        Seeded().validate_inputs(text="a", zzzzzz=1)


def test_pydantic_model_schema_rejects_unknown_fields() -> None:
    assert Modelled().validate_inputs(text="a") == {"text": "a", "speed": 1.0}
    with pytest.raises(InputValidationError, match="did you mean 'speed'"):
        Modelled().validate_inputs(text="a", sped=2)


def test_schema_compiled_once_per_class() -> None:
    assert Seeded.compiled_schema() is Seeded.compiled_schema()
    assert Seeded.compiled_schema() is not Modelled.compiled_schema()


@pytest.mark.parametrize("generator", [Seeded, Modelled])
def test_json_schema_is_valid_draft_2020_12(generator: type[BaseAudioGenerator]) -> None:
    schema = generator.get_input_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    Draft202012Validator(schema).validate({"text": "hi"})


def test_seed_json_schema_carries_constraints() -> None:
    props = Seeded.get_input_schema()["properties"]
    assert props["count"] == {"default": 1, "minimum": 1, "maximum": 4, "type": "integer"}
    assert props["voice"]["enum"] == ["alloy", "echo"]
    assert props["text"]["maxLength"] == 20
    assert Seeded.get_input_schema()["required"] == ["text"]


def test_tool_definition() -> None:
    tool = Seeded.get_tool_definition()
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "seeded"
    assert tool["function"]["parameters"]["properties"]["text"]["type"] == "string"
    assert "$schema" not in tool["function"]["parameters"]


def test_malformed_schema_is_a_clear_type_error() -> None:
    class Bad(BaseAudioGenerator):
        metadata = GeneratorMetadata(
            id="bad", name="B", description="d", input_schema={"x": {"type": "strng"}}
        )

        def generate(self, **inputs: object) -> GenerationResult:
            return GenerationResult()

    with pytest.raises(TypeError, match="unknown type 'strng'"):
        Bad().validate_inputs(x="a")


class Rated(BaseAudioGenerator):
    metadata = GeneratorMetadata(
        id="rated",
        name="Rated",
        description="d",
        input_schema={
            "text": {"type": "string", "required": True},
            "sample_rate": {"type": "integer", "enum": [8000, 16000], "default": 16000},
            "gain": {"enum": [0.5, 1.0], "default": 1.0},
            "api_key": {"type": "string", "secret": True},
        },
    )

    def generate(self, **inputs: object) -> GenerationResult:
        return GenerationResult()


def test_an_enum_on_a_typed_field_coerces_like_the_type() -> None:
    assert Rated().validate_inputs(text="a", sample_rate="8000")["sample_rate"] == 8000
    assert Rated().validate_inputs(text="a", gain="0.5")["gain"] == 0.5
    with pytest.raises(InputValidationError, match=r"must be one of 8000, 16000 \(got '44100'\)"):
        Rated().validate_inputs(text="a", sample_rate="44100")
    prop = Rated.get_input_schema()["properties"]["sample_rate"]
    assert prop == {"type": "integer", "enum": [8000, 16000], "default": 16000}


def test_secret_fields_validate_but_are_never_exported() -> None:
    assert Rated().validate_inputs(text="a", api_key="sk-1")["api_key"] == "sk-1"
    assert "api_key" not in Rated.get_input_schema()["properties"]
    assert "api_key" not in Rated.get_tool_definition()["function"]["parameters"]["properties"]
    assert "api_key" not in str(Rated.get_info())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "integer", "minimum": "16"}, "minimum must be a number, not '16'"),
        ({"type": "string", "max_length": 2.5}, "max_length must be an integer, not 2.5"),
        ({"type": "integer", "enum": "abc"}, "enum must be a list of values"),
    ],
)
def test_a_malformed_constraint_names_the_field(spec: dict[str, object], message: str) -> None:
    from inference_core._schema import compile_schema

    with pytest.raises(TypeError, match=f"schema field 'x': {message}"):
        compile_schema("bad", {"x": spec})


def test_range_messages_are_in_the_projects_words() -> None:
    with pytest.raises(InputValidationError) as info:
        Seeded().validate_inputs(text="", count=9)
    assert "count: must be at most 4 (got 9)" in str(info.value)
    assert "text: must be at least 1 character(s) long (got '')" in str(info.value)
