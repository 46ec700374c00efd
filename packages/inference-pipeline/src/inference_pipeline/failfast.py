"""Stop a batch whose first outputs all fail the same way, for a reason every other one would share.

With no key set, or a key the provider refuses, every scene of a batch fails
with the same error: making (and printing) ten thousand of them helps no one.
:class:`FailFast` watches the first outputs of a batch. While none has
succeeded, the events about failures that will repeat (configuration,
authentication, a missing plugin: :attr:`Fallback.fatal
<inference_pipeline.execute.Fallback.fatal>`) are held back; when
``after`` outputs in a row have failed with the same generators and error
types, the batch stops (the outputs not made stay pending, so the next run
makes them) and the held events are dropped for the one line saying why. The
first success, or a failure of another kind, lets the held events out and the
batch goes on as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from inference_pipeline.execute import Fallback

__all__ = ["FailFast"]


class FailFast:
    """See the module docstring. ``after`` is how many identical failures stop a batch."""

    def __init__(self, total: int, after: int = 3) -> None:
        self.armed = total > after  # a batch no longer than that simply reports its failures
        self.after = after
        self.count = 0
        self.stopped = False
        self.reason = ""
        self._signature: tuple[tuple[str, str], ...] | None = None
        self._held: list[Callable[[], None]] = []

    def hold(self, fatal: bool, emit: Callable[[], None]) -> None:
        """Emit now, or later if this is about a failure that may stop the batch."""
        if self.stopped:
            return  # the line saying why replaces it
        if self.armed and fatal:
            self._held.append(emit)
        else:
            emit()

    def succeeded(self) -> None:
        """A request succeeded: the batch goes on; the held events are let out."""
        self._disarm()

    def failed(self, fallbacks: Sequence[Fallback], emit: Callable[[], None]) -> bool:
        """An output failed with these reasons; ``True`` when the batch must stop now."""
        if self.stopped:
            return False  # one in flight when the batch stopped: said by the stop line
        if not self.armed:
            emit()
            return False
        signature = tuple((f.generator_id, f.error_type) for f in fallbacks)
        if not fallbacks or not all(f.fatal for f in fallbacks):
            self._disarm()
            emit()
            return False
        if self._signature is not None and signature != self._signature:
            self._disarm()
            emit()
            return False
        self._signature = signature
        self._held.append(emit)
        self.count += 1
        self.reason = "; ".join(f"{f.generator_id}: {f.reason}" for f in fallbacks)
        if self.count < self.after:
            return False
        self.stopped, self.armed = True, False
        self._held.clear()
        return True

    def message(self, failed: int, pending: int) -> str:
        """The one line saying why the batch stopped and what is left (``failed`` outputs
        failed, ``pending`` were not made)."""
        return (
            f"batch stopped: the first {failed} outputs all failed the same way "
            f"({self.reason}); {pending} left pending: fix this and run the same command again"
        )

    def flush(self) -> None:
        """The batch ended without stopping: let out what is held."""
        self._disarm()

    def _disarm(self) -> None:
        self.armed = False
        held, self._held = self._held, []
        for emit in held:
            emit()
