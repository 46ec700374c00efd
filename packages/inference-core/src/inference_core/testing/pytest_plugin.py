"""The ``inference_core`` pytest plugin: fixtures for generator authors.

- ``register_generator``: call it with generator classes; they are registered
  for this test and removed afterwards.
- ``loopback_server``: call it with a WSGI app (and optional ``latency``) to
  get a started :class:`~inference_core.testing.LoopbackServer`, stopped after
  the test.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from inference_core import BaseGenerator
    from inference_core.testing import LoopbackServer


@pytest.fixture
def register_generator() -> Iterator[Callable[..., None]]:
    """Register generator classes for one test."""
    from inference_core.testing import registered

    with contextlib.ExitStack() as stack:

        def register(*generators: type[BaseGenerator]) -> None:
            stack.enter_context(registered(*generators))

        yield register


@pytest.fixture
def loopback_server() -> Iterator[Callable[..., LoopbackServer]]:
    """Start loopback servers for one test: ``server = loopback_server(app)``."""
    from inference_core.testing import LoopbackServer

    with contextlib.ExitStack() as stack:

        def serve(app: Any, *, latency: float = 0.0) -> LoopbackServer:
            return stack.enter_context(LoopbackServer(app, latency=latency))

        yield serve
