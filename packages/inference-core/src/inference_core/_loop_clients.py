"""Async clients kept per event loop, closed when the loop shuts down.

An async connection pool belongs to one event loop: :func:`loop_client` builds
a client once per loop and settings, shares it with every call on that loop
(so a batch reuses its connections), and closes it while the loop still runs.
``asyncio.run`` (and ``asyncio.Runner``) close every async generator the loop
started before closing the loop; :class:`_LoopClients` starts one such
generator on first use, whose ``finally`` closes the loop's clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Hashable

T = TypeVar("T")


class _LoopClients:
    def __init__(self) -> None:
        self.clients: dict[Hashable, Any] = {}
        self.closer = self._closer()
        step: Any = self.closer.__anext__()  # registers with the running loop
        with contextlib.suppress(StopIteration):
            step.send(None)  # runs to the yield (nothing there awaits)

    async def _closer(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            clients, self.clients = list(self.clients.values()), {}
            for client in clients:
                close = getattr(client, "aclose", None) or client.close  # httpx / openai
                with contextlib.suppress(Exception):
                    await close()


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients] = (
    weakref.WeakKeyDictionary()
)


def loop_client(key: Hashable, make: Callable[[], T]) -> T:
    """The client for ``key`` on the running event loop, made with ``make()`` on first use."""
    loop = asyncio.get_running_loop()
    per_loop = _per_loop.get(loop)
    if per_loop is None:
        per_loop = _per_loop[loop] = _LoopClients()
    client: T | None = per_loop.clients.get(key)
    if client is None:
        client = per_loop.clients[key] = make()
    return client
