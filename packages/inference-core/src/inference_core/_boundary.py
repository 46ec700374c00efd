"""The agent boundary: what a tool call's arguments may read, fetch and set.

An LLM writes tool-call arguments, so they are checked before any generator
sees them (:func:`check_tool_arguments`, used by
:func:`inference_core.tools.execute_tool_call` and everything built on it):

- a file input given as a local path must resolve (symlinks followed) to a
  file under the granted workspace root; a relative path is taken relative to
  that root and handed to the generator as an absolute path;
- a file input given as an http(s) URL must not name a loopback, private,
  link-local or otherwise reserved address (the host name is resolved), unless
  the caller allows private URLs;
- fields that hold keys or base URLs (``secret: true`` in the schema, or named
  like ``api_key``, ``token``, ``base_url``) cannot be set at all; they are not
  advertised in tool definitions either (:func:`tool_parameters`).

While a tool call generates, :func:`private_urls_denied` is in force: input
fetches (:func:`inference_core.load_file` on an http(s) URL) check every
request they send, redirects included, with :func:`check_request_url`, so a
public URL that redirects to a private address is refused too. Downloads of a
provider's own outputs are not input fetches and are not affected.

Each refusal is an :class:`~inference_core.InputValidationError` naming the
field, so the model reads which argument to change.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import pathlib
import re
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from inference_core.errors import ConfigurationError, FieldError, InputValidationError

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator

    import httpx

    from inference_core._generator import BaseGenerator

__all__ = [
    "check_request_url",
    "check_tool_arguments",
    "input_fetch_client",
    "private_urls_denied",
    "settings_fields",
    "tool_parameters",
]

_DENY_PRIVATE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inference_core_deny_private_urls", default=False
)

_SETTING = re.compile(
    r"^(api_?key|key|token|secret|password|base_url|api_base|api_url|endpoint)$"
    r"|_(api_?key|token|secret|password|base_url)$"
)


def settings_fields(cls: type[BaseGenerator]) -> set[str]:
    """Input fields of ``cls`` that hold keys or base URLs: never set by, nor shown to, an agent."""
    spec = cls.metadata.input_schema
    names = set(cls.compiled_schema().field_names)
    hidden = {name for name in names if _SETTING.search(name)}
    if isinstance(spec, Mapping):
        hidden |= {name for name, field in spec.items() if field.get("secret")}
    return hidden


def tool_parameters(cls: type[BaseGenerator]) -> dict[str, Any]:
    """The input JSON Schema of ``cls`` as an agent sees it: no ``$schema``, no settings fields."""
    schema = cls.get_input_schema()
    schema.pop("$schema", None)
    hidden = settings_fields(cls)
    if hidden:
        properties = schema.get("properties", {})
        for name in hidden:
            properties.pop(name, None)
        if "required" in schema:
            schema["required"] = [r for r in schema["required"] if r not in hidden]
    return schema


def _is_file_annotation(annotation: Any) -> bool:
    from inference_core._schema import FileInput

    if annotation is FileInput:
        return True
    return any(_is_file_annotation(arg) for arg in typing.get_args(annotation))


def _file_fields(cls: type[BaseGenerator]) -> set[str]:
    """Input fields of ``cls`` that take media (the ``file`` type, alone or in a list)."""
    from inference_core._schema import FileInput

    marker = typing.get_args(FileInput)[1]
    fields = set()
    for name, info in cls.compiled_schema().model.model_fields.items():
        if marker in info.metadata or _is_file_annotation(info.annotation):
            fields.add(name)
    return fields


def _private_address(host: str) -> str | None:
    """Why ``host`` is off limits (a loopback, private ... address), or ``None``."""
    import socket

    literal = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(literal)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None  # unresolvable: nothing to reach, the fetch itself will fail
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
            if getattr(address, f"is_{kind}"):
                named = "" if str(address) == literal else f" ({address})"
                return f"{kind.replace('_', '-')} address{named}"
    return None


def _check_value(
    field: str, value: Any, root: pathlib.Path | None, allow_private_urls: bool
) -> tuple[Any, FieldError | None]:
    if not isinstance(value, str) or value.startswith("data:"):
        return value, None
    if value.startswith(("http://", "https://")):
        if allow_private_urls:
            return value, None
        from urllib.parse import urlsplit

        host = urlsplit(value).hostname or ""
        problem = _private_address(host)
        if problem is not None:
            return value, FieldError(
                field, f"{host} is a {problem}; tool calls fetch only public URLs"
            )
        return value, None
    if root is None:
        return value, FieldError(field, "tool calls cannot read local files (no workspace granted)")
    path = (root / pathlib.Path(value).expanduser()).resolve()
    if not path.is_relative_to(root):
        return value, FieldError(
            field, f"{value} is outside the workspace; tool calls read files only under {root}"
        )
    return str(path), None


def check_tool_arguments(
    cls: type[BaseGenerator],
    arguments: Mapping[str, Any],
    *,
    workspace: str | os.PathLike[str] | None,
    allow_private_urls: bool = False,
) -> dict[str, Any]:
    """Apply the agent boundary to ``arguments`` for generator ``cls``; return them ready to use.

    Relative paths in file inputs become absolute paths under ``workspace``.
    Raises :class:`InputValidationError` naming every refused field.
    """
    root = pathlib.Path(workspace).expanduser().resolve() if workspace is not None else None
    checked = dict(arguments)
    problems: list[FieldError] = []
    hidden = settings_fields(cls)
    for name in sorted(set(checked) & hidden):
        problems.append(FieldError(name, "tool calls cannot set keys or base URLs"))
    for name in sorted(set(checked) & _file_fields(cls)):
        value = checked[name]
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                item, problem = _check_value(f"{name}[{index}]", item, root, allow_private_urls)
                items.append(item)
                if problem is not None:
                    problems.append(problem)
            checked[name] = items
        else:
            checked[name], problem = _check_value(name, value, root, allow_private_urls)
            if problem is not None:
                problems.append(problem)
    if problems:
        raise InputValidationError(cls.metadata.id, problems)
    return checked


@contextlib.contextmanager
def private_urls_denied(deny: bool = True) -> Iterator[None]:
    """Within the block (and threads or tasks started from it), input fetches refuse private hosts."""
    token = _DENY_PRIVATE.set(deny)
    try:
        yield
    finally:
        _DENY_PRIVATE.reset(token)


def input_fetch_client() -> httpx.Client | None:
    """An httpx client for an input fetch that checks every request, while private URLs are denied.

    ``None`` outside :func:`private_urls_denied`: the caller uses its usual client.
    """
    if not _DENY_PRIVATE.get():
        return None
    from inference_core._download import http_client

    def guard(request: httpx.Request) -> None:
        check_request_url(str(request.url))

    return http_client(timeout=60.0, event_hooks={"request": [guard]})


def check_request_url(url: str) -> None:
    """Raise :class:`ConfigurationError` if private URLs are denied here and ``url`` names one."""
    if not _DENY_PRIVATE.get():
        return
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    problem = _private_address(host)
    if problem is not None:
        raise ConfigurationError(
            f"refused to fetch {host}, a {problem}: tool calls fetch only public URLs"
        )
