"""An index of the ``inference_core`` entry points kept on disk, so listing reads no distribution.

Finding entry points through :mod:`importlib.metadata` means importing it and
reading every installed distribution's metadata: in an environment holding
the LLM layer (80-odd distributions) that is most of the cost of a cold
``infer list --json``. The entry points ``importlib.metadata`` returned are
therefore written to ``<user cache dir>/inference-core/entry-points/``
(platformdirs), with the state of every ``sys.path`` entry they came from:
its modification time (installing or uninstalling a distribution adds or
removes a ``*.dist-info`` folder there, which changes it). A later run whose
``sys.path`` is in the same state uses the index; any difference (an install,
an uninstall, another ``sys.path``) scans again at once. Discovery stays
``importlib.metadata``'s: the index only remembers its answer.

``INFERENCE_CORE_ENTRY_POINT_CACHE=0`` turns the index off.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["CACHE_ENV", "PluginEntryPoint", "cache_file", "plugin_entry_points"]

CACHE_ENV = "INFERENCE_CORE_ENTRY_POINT_CACHE"
_FORMAT = 1
_RACY_NS = 2_000_000_000


class PluginEntryPoint(NamedTuple):
    """One entry point: its name, ``module:attr`` value and the distribution declaring it.

    A named tuple rather than a dataclass: every listing defines it, and defining a
    dataclass costs more than reading the whole index.
    """

    name: str
    value: str
    distribution: str
    version: str

    def load(self) -> Any:
        """Import the module the entry point names (and the attribute, if it names one)."""
        import importlib

        module, _, attr = self.value.partition("[")[0].partition(":")
        loaded: Any = importlib.import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            loaded = getattr(loaded, part)
        return loaded


def _path_state() -> list[list[Any]]:
    state: list[list[Any]] = []
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
        except OSError:
            state.append([entry, None])
        else:
            state.append([entry, st.st_mtime_ns, st.st_ino])
    return state


def _cache_root() -> Path:
    """platformdirs' ``user_cache_path("inference-core")``.

    On Linux and the BSDs that is ``$XDG_CACHE_HOME`` (or ``~/.cache``), worked out
    here as platformdirs does, since importing it costs a listing more than reading the index.
    """
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        return (Path(xdg) if xdg else Path.home() / ".cache") / "inference-core"
    import platformdirs

    return platformdirs.user_cache_path("inference-core")


def cache_file() -> Path:
    """Where this environment's index lives (one file per interpreter and prefix)."""
    import zlib

    tag = f"{sys.prefix}\0{sys.executable}\0{sys.version}".encode()
    return _cache_root() / "entry-points" / f"{zlib.crc32(tag):08x}-{len(tag)}.json"


def _scan(group: str) -> list[PluginEntryPoint]:
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=group):
        dist = ep.dist
        name, version = (dist.name, dist.version) if dist else ("<unknown>", "?")
        found.append(PluginEntryPoint(ep.name, ep.value, name, version))
    return found


def _racy(state: list[list[Any]]) -> bool:
    """Whether a ``sys.path`` entry changed so recently that a further change could keep its mtime.

    File times advance in coarse steps (a few milliseconds): an index written
    within that step of a change could miss the next one. As git does for
    its index, such a state is not recorded; the next run scans again.
    """
    import time

    now = time.time_ns()
    return any(entry[1] is not None and now - entry[1] < _RACY_NS for entry in state)


def _enabled() -> bool:
    return os.environ.get(CACHE_ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def plugin_entry_points(group: str) -> list[PluginEntryPoint]:
    """The entry points of ``group``, from the index when ``sys.path`` is as it was."""
    if not _enabled():
        return _scan(group)
    state = _path_state()  # taken before a scan: an install during the scan shows next time
    key = {"format": _FORMAT, "group": group, "prefix": sys.prefix, "state": state}
    path = cache_file()
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(cached, dict) and cached.get("key") == key:
            return [PluginEntryPoint(*entry) for entry in cached["entries"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = _scan(group)
    if _racy(state):
        return found
    entries = [[e.name, e.value, e.distribution, e.version] for e in found]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps({"key": key, "entries": entries}), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        pass  # a read-only cache folder only costs the scan
    return found
