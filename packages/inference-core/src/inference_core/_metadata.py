"""A generator's metadata: its id, name, description, version, schemas and the key it needs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inference_core._schema import SchemaSpec

__all__ = ["GeneratorMetadata", "KeySpec"]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class KeySpec:
    """The API key a generator needs: a short ``name`` and the ``env_var`` that holds it.

    ``KeySpec("openai", "OPENAI_API_KEY")`` lets a user run ``infer keys set openai``
    (or set ``OPENAI_API_KEY``); the generator reads the key with
    :meth:`BaseGenerator.get_api_key`.
    """

    name: str
    env_var: str

    def __post_init__(self) -> None:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_.-]*$", self.name):
            raise ValueError(f"key name {self.name!r} must be letters, digits, '_', '-' or '.'")
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", self.env_var):
            raise ValueError(f"key env_var {self.env_var!r} is not an environment variable name")


@dataclass(frozen=True, slots=True)
class GeneratorMetadata:
    """What a generator is and what it takes.

    ``input_schema`` is the seed dict format (field name to ``type``,
    ``required``, ``default``, ``description``, ``enum``, ``minimum``,
    ``maximum``, ``min_length``, ``max_length``, ``items``; a field marked
    ``secret: True`` is never stored in results) or a pydantic model class.
    ``capabilities`` lists what the generator accepts, for example
    ``{"input_media": ["image"]}``. ``key`` declares the API key the generator
    needs (:class:`KeySpec`); the core finds it. Leave ``version`` out:
    discovery fills it from the version of the distribution that registered
    the generator.
    """

    id: str
    name: str
    description: str
    version: str = ""
    input_schema: SchemaSpec = field(default_factory=dict)
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    capabilities: Mapping[str, Any] = field(default_factory=dict)
    key: KeySpec | None = None

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(
                f"generator id {self.id!r} must be lowercase letters, digits and underscores"
            )
