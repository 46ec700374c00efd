"""Register generators for the duration of a block or a test."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from inference_core import get_registry

if TYPE_CHECKING:
    from collections.abc import Iterator

    from inference_core import BaseGenerator

__all__ = ["registered"]


@contextlib.contextmanager
def registered(*generators: type[BaseGenerator]) -> Iterator[None]:
    """Register generator classes in their modality's registry, and remove them afterwards.

    An id that is already taken is shadowed for the duration of the block::

        with registered(EchoImage):
            get_image_generator_registry().generate("echo_image", prompt="x")
    """
    done: list[type[BaseGenerator]] = []
    try:
        for generator in generators:
            get_registry(generator.modality).register_generator(generator, replace=True)
            done.append(generator)
        yield
    finally:
        for generator in done:
            get_registry(generator.modality).unregister_generator(generator.metadata.id)
