"""Load a YAML storyboard without holding its whole node graph: events straight to objects.

``yaml.safe_load`` first composes the document into nodes (each with two
position marks) and only then builds the Python objects: for a 10,000-scene
board the nodes take several times the memory of the result. Here the
parser's events are turned into objects as they arrive (with the C parser,
libyaml, when PyYAML has it), with the safe loader's own resolver and scalar
constructors, so peak memory is about that of the result. Documents using
what this does not handle (explicit tags on collections, recursive aliases)
are loaded with the safe loader as usual.

``items`` is given each item of the top-level ``scenes`` list as soon as the
item is built, with its index, and what it returns takes the item's place: a
storyboard's scenes become their models one at a time, and the whole tree of
raw mappings never exists at once. (When the safe loader has to take over, the
items are plain again.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["load_yaml"]

_MERGE = "tag:yaml.org,2002:merge"
_DEFAULT_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _Unsupported(Exception):
    pass


def load_yaml(text: str, *, items: Callable[[Any, int], Any] | None = None) -> Any:
    """The single YAML document in ``text`` as Python objects, like ``yaml.safe_load``
    (``items``: see the module docstring)."""
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        value = _Builder(loader, items).value(top=True)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream",
                None,
                "but found another document",
                event.start_mark,
            )
        return value
    except _Unsupported:
        return yaml.load(text, Loader=loader_class)
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: Any, items: Callable[[Any, int], Any] | None = None) -> None:
        self.loader = loader
        self.anchors: dict[str, Any] = {}
        self.items = items

    def value(self, *, top: bool = False) -> Any:
        loader = self.loader
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise _Unsupported  # undefined or recursive: the safe loader reports or builds it
            return self.anchors[event.anchor]
        if event.tag not in _DEFAULT_TAGS and not isinstance(event, yaml.ScalarEvent):
            raise _Unsupported
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            marks: tuple[Any, Any] = (event.start_mark, event.end_mark)  # libyaml's or PyYAML's
            node = yaml.ScalarNode(tag, event.value, *marks, style=event.style)
            value = loader.construct_object(node, deep=True)
            loader.constructed_objects.clear()
        elif isinstance(event, yaml.SequenceStartEvent):
            value = []
            self._anchor(event, value)
            while not loader.check_event(yaml.SequenceEndEvent):
                value.append(self.value())
            loader.get_event()
            return value
        else:  # a mapping
            value = {}
            self._anchor(event, value)
            merged: dict[Any, Any] = {}
            while not loader.check_event(yaml.MappingEndEvent):
                key_event = loader.peek_event()
                if isinstance(key_event, yaml.ScalarEvent) and _is_merge(loader, key_event):
                    loader.get_event()
                    merged = {**_merge_source(self.value()), **merged}
                    continue
                key = self.value()
                if top and key == "scenes" and self.items is not None and self._plain_list():
                    value[key] = self._items(self.items)
                    continue
                try:
                    value[key] = self.value()
                except TypeError as exc:  # an unhashable key: let the safe loader say so
                    raise _Unsupported from exc
            loader.get_event()
            for key, item in merged.items():
                value.setdefault(key, item)
            return value
        self._anchor(event, value)
        return value

    def _plain_list(self) -> bool:
        """Whether a list without anchor or tag comes next (nothing can refer to it)."""
        event = self.loader.peek_event()
        return (
            isinstance(event, yaml.SequenceStartEvent)
            and event.anchor is None
            and event.tag in _DEFAULT_TAGS
        )

    def _items(self, each: Callable[[Any, int], Any]) -> list[Any]:
        """The list that comes next, each item passed through ``each`` once built (an item
        with an anchor stays as it is: another part of the document may refer to it)."""
        loader = self.loader
        loader.get_event()
        value: list[Any] = []
        while not loader.check_event(yaml.SequenceEndEvent):
            event = loader.peek_event()
            anchored = getattr(event, "anchor", None) is not None
            item = self.value()
            value.append(item if anchored else each(item, len(value)))
        loader.get_event()
        return value

    def _anchor(self, event: Any, value: Any) -> None:
        if event.anchor is not None:
            self.anchors[event.anchor] = value


def _is_merge(loader: Any, event: Any) -> bool:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    return bool(tag == _MERGE)


def _merge_source(source: Any) -> dict[Any, Any]:
    if isinstance(source, dict):
        return source
    if isinstance(source, list) and all(isinstance(s, dict) for s in source):
        merged: dict[Any, Any] = {}
        for item in reversed(source):  # earlier mappings win, as in the safe loader
            merged.update(item)
        return merged
    raise _Unsupported
