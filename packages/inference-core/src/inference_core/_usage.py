"""What a generation or an LLM call consumed: one typed :class:`Usage` for every provider.

Generators put it in ``GenerationResult.usage``; the LLM layer in
``LLMResponse.usage``; the pipeline records ``to_dict()`` in its history and
``cost_usd`` in its cost column; ``infer generate --json`` prints ``to_dict()``.

>>> usage = Usage(input_tokens=12, output_tokens=1290, images=1, cost_usd=0.0387)
>>> usage.to_dict()
{'input_tokens': 12, 'output_tokens': 1290, 'total_tokens': 1302, 'images': 1, 'cost_usd': 0.0387}

Provider fields the class does not name (OpenRouter's ``image_tokens``,
Replicate's ``total_time``) are kept in ``extra``. A ``Usage`` also reads as a
mapping of its :meth:`~Usage.to_dict` (``dict(usage)``, ``usage["cost_usd"]``,
falsy when empty, like the dicts of 0.1); the 0.1 key names
(``usage["cost"]``, ``usage["predict_time"]``, ``usage["prompt_tokens"]``) still
read, with a :class:`DeprecationWarning`. A plugin that still returns a dict
gets it converted by :meth:`Usage.from_raw`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import ItemsView, Iterator, KeysView

__all__ = ["Usage"]

#: Keys of the 0.1 dicts (and of OpenAI-shaped usage objects) and the field each one means.
_ALIASES = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "cost": "cost_usd",
    "predict_time": "seconds",
}
_INTS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "reasoning_tokens",
    "images",
    "characters",
)
_FLOATS = ("seconds", "cost_usd")
#: Each field and the 0.1 key that means it (the first one in ``_ALIASES``).
_ALIAS_OF = {target: alias for alias, target in reversed(_ALIASES.items())}
_KNOWN_KEYS = frozenset({*_INTS, *_FLOATS, *_ALIASES, "completion_tokens_details"})


def _get(obj: Any, name: str) -> Any:
    if type(obj) is dict or isinstance(obj, Mapping):  # a plain dict skips the ABC check
        return obj.get(name)
    return getattr(obj, name, None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(slots=True)
class Usage:
    """Tokens in and out, images, seconds and characters billed, and the cost in USD of one call.

    Counts are ``0`` when the provider reports none; ``seconds`` (compute time
    the provider bills, such as Replicate's ``predict_time``) and ``cost_usd``
    are ``None`` when unknown. ``total_tokens`` defaults to in + out.
    ``prompt_tokens``, ``completion_tokens`` and ``cost`` are the OpenAI-style
    names of ``input_tokens``, ``output_tokens`` and ``cost_usd``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0
    characters: int = 0
    seconds: float | None = None
    cost_usd: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.total_tokens:
            self.total_tokens = self.input_tokens + self.output_tokens

    # -- OpenAI-style names ------------------------------------------------------

    @property
    def prompt_tokens(self) -> int:
        """``input_tokens``, by its OpenAI name."""
        return self.input_tokens

    @prompt_tokens.setter
    def prompt_tokens(self, value: int) -> None:
        self.input_tokens = value

    @property
    def completion_tokens(self) -> int:
        """``output_tokens``, by its OpenAI name."""
        return self.output_tokens

    @completion_tokens.setter
    def completion_tokens(self, value: int) -> None:
        self.output_tokens = value

    @property
    def cost(self) -> float | None:
        """``cost_usd``, by the LLM layer's 0.1 name."""
        return self.cost_usd

    @cost.setter
    def cost(self, value: float | None) -> None:
        self.cost_usd = value

    # -- conversion ----------------------------------------------------------------

    @classmethod
    def from_raw(cls, raw: Any) -> Usage:
        """Read a provider's usage: an OpenAI-shaped object or dict, or a 0.1 usage dict.

        Understands ``prompt_tokens`` / ``input_tokens``, ``completion_tokens`` /
        ``output_tokens``, ``total_tokens``, ``completion_tokens_details.reasoning_tokens``,
        ``cost`` / ``cost_usd``, ``predict_time`` / ``seconds``, ``images`` and
        ``characters``; other keys of a dict go to ``extra``. ``None`` is an empty usage.
        """
        if raw is None:
            return cls()
        if isinstance(raw, Usage):
            return raw
        values: dict[str, Any] = {}
        for name in (*_INTS, *_FLOATS):
            value = _get(raw, name)
            if value is None:
                alias = _ALIAS_OF.get(name)
                value = _get(raw, alias) if alias else None
            number = _number(value)
            if number is not None:
                values[name] = int(number) if name in _INTS else number
        details = _get(raw, "completion_tokens_details")
        reasoning = _number(_get(details, "reasoning_tokens")) if details is not None else None
        if reasoning is not None and "reasoning_tokens" not in values:
            values["reasoning_tokens"] = int(reasoning)
        extra: dict[str, Any] = {}
        if isinstance(raw, Mapping):
            extra = {str(k): v for k, v in raw.items() if k not in _KNOWN_KEYS and v is not None}
            image_tokens = _get(details, "image_tokens") if details is not None else None
            if image_tokens is not None:
                extra.setdefault("image_tokens", image_tokens)
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the fields that are known (non-zero, not ``None``), then ``extra``."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "extra" and value not in (None, 0):
                data[f.name] = value
        for key, value in self.extra.items():
            data.setdefault(key, value)
        return data

    def to_openai(self) -> dict[str, Any]:
        """The OpenAI ``usage`` object's shape (``prompt_tokens``, ``completion_tokens``,
        ``total_tokens``, ``cost`` when known), as a ``chat.completion`` dict carries it."""
        data: dict[str, Any] = {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.reasoning_tokens:
            data["completion_tokens_details"] = {"reasoning_tokens": self.reasoning_tokens}
        if self.cost_usd is not None:
            data["cost"] = self.cost_usd
        return data

    # -- a read-only mapping view of to_dict(); the 0.1 key names deprecated ----------

    def keys(self) -> KeysView[str]:
        """The keys of :meth:`to_dict` (so ``dict(usage)`` is ``usage.to_dict()``)."""
        return self.to_dict().keys()

    def items(self) -> ItemsView[str, Any]:
        """The items of :meth:`to_dict`."""
        return self.to_dict().items()

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def _read(self, key: str) -> Any:
        view = self.to_dict()
        if key in view:
            return view[key]
        name = _ALIASES.get(key)
        if name is None:
            raise KeyError(key)
        warnings.warn(
            f"usage[{key!r}] is deprecated since 0.2; read usage.{name}",
            DeprecationWarning,
            stacklevel=3,
        )
        return getattr(self, name)

    def __getitem__(self, key: str) -> Any:
        return self._read(key)

    def get(self, key: str, default: Any = None) -> Any:
        """``usage[key]``, or ``default`` when the key is absent or unknown."""
        try:
            value = self._read(key)
        except KeyError:
            return default
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = _ALIASES.get(key, key)
        return key in self.to_dict() or name in self.to_dict()
