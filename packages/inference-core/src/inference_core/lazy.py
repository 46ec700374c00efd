"""Lazy re-exports for a package ``__init__`` (PEP 562), so that importing the package stays cheap.

A package lists where each public name lives; a name's module is imported on
first use and the value is cached in the package. Type checkers see the names
through ``TYPE_CHECKING`` imports::

    from typing import TYPE_CHECKING

    from inference_core.lazy import lazy_exports

    __all__ = ["BatchRunner"]

    if TYPE_CHECKING:
        from inference_pipeline.runner import BatchRunner

    _EXPORTS = {"BatchRunner": "inference_pipeline.runner"}
    __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

Only the standard library is imported here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, MutableMapping

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: MutableMapping[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` for ``exports`` (public name to module name).

    ``namespace`` is the package's ``globals()``: a name is looked up in its
    module once, then kept there. ``__dir__`` lists the package's ``__all__``.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(namespace["__all__"])

    return __getattr__, __dir__
