"""What plugin authors need to test generators: a loopback HTTP server with fault
injection, replay of responses recorded from real services (:class:`Recording`,
:class:`Replay`), the status-to-error table as test cases (:data:`STATUS_CASES`),
generator registration for one test, and the conformance kit
(:mod:`inference_core.testing.conformance`).

The pytest fixtures (``register_generator``, ``loopback_server``) are provided
by the ``inference_core`` pytest plugin, active wherever inference-core is
installed.
"""

from __future__ import annotations

__all__ = [
    "Fault",
    "LoopbackServer",
    "RecordedRequest",
    "Recording",
    "Replay",
    "STATUS_CASES",
    "StatusCase",
    "registered",
]

from inference_core.testing._fixtures import registered
from inference_core.testing._recorded import Recording
from inference_core.testing._recorded import Replay
from inference_core.testing._server import Fault
from inference_core.testing._server import LoopbackServer
from inference_core.testing._server import RecordedRequest
from inference_core.testing._status_cases import STATUS_CASES
from inference_core.testing._status_cases import StatusCase
