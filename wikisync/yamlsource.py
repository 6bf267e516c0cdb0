"""YAML documents that remember where each value came from.

Mappings, jobs and canonical data are edited by hand, so every complaint about them must name
the file and line. PyYAML's node tree keeps positions; this module builds plain Python data
from it, refuses duplicate keys, and turns a pydantic error location back into a line.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError

__all__ = ["LocatedYaml", "load_model", "read_text_file"]

M = TypeVar("M", bound=BaseModel)

MAX_YAML_BYTES = 5 * 1024 * 1024
MAX_YAML_DEPTH = 100
"""Nesting deeper than this is refused: no mapping or canonical file needs it."""
MAX_YAML_VALUES = 200_000
"""Values built from one file, aliases expanded: stops an alias bomb ("billion laughs")."""
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
"""Plain mappings and lists; any other tag on one (``!!python/...``, ``!!set``) is refused."""


def read_text_file(path: Path, *, what: str = "file", max_bytes: int = MAX_YAML_BYTES) -> str:
    """Read a UTF-8 text file, refusing missing, huge, binary and non-UTF-8 files by name."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{what} not found", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", source=str(path)) from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{what} is a directory", source=str(path))
    if not stat.S_ISREG(mode):
        # A FIFO would block and a device such as /dev/zero never ends: refuse them unread.
        raise InputError(f"{what} is not a regular file", source=str(path))
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", source=str(path)) from None
    if len(data) > max_bytes:
        size = max(len(data), path.stat().st_size)
        raise InputError(
            f"{what} is too big ({size} bytes; the limit is {max_bytes})", source=str(path)
        )
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(f"{what} is binary (NUL byte)", source=str(path), line=line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{what} is not valid UTF-8 (byte {exc.start})", source=str(path), line=line
        ) from None


class LocatedYaml:
    """Plain data built from a YAML file plus the line of every key and value in it."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        self.path = path
        if text is None:
            text = read_text_file(path, what="YAML file")
        self._lines: dict[tuple[Any, ...], int] = {}
        self._built = 0
        self._open: set[int] = set()
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except RecursionError:
            raise InputError(
                f"nested too deeply (more than {MAX_YAML_DEPTH} levels)", source=str(path)
            ) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = exc.problem or exc.context or "not valid YAML"
            raise InputError(f"malformed YAML: {problem}", source=str(path), line=line) from None
        except yaml.YAMLError as exc:
            raise InputError(f"malformed YAML: {exc}", source=str(path)) from None
        self.data: Any = {} if node is None else self._build(node, ())

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """The line of the deepest known prefix of ``loc`` (a pydantic error location)."""
        loc = tuple(loc)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return self._lines.get(())

    def _refuse(self, node: yaml.Node, loc: tuple[Any, ...], message: str) -> InputError:
        """An error at the key that leads to ``node`` (an alias's node is elsewhere)."""
        line = self._lines.get(loc) or node.start_mark.line + 1
        return InputError(message, source=str(self.path), line=line)

    def _build(self, node: yaml.Node, loc: tuple[Any, ...]) -> Any:
        self._built += 1
        if self._built > MAX_YAML_VALUES:
            raise self._refuse(node, loc, f"more than {MAX_YAML_VALUES} values (aliases expanded)")
        if len(loc) > MAX_YAML_DEPTH:
            raise self._refuse(node, loc, f"nested too deeply (more than {MAX_YAML_DEPTH} levels)")
        if not isinstance(node, yaml.ScalarNode):
            if node.tag not in _COLLECTION_TAGS:
                raise self._refuse(node, loc, f"malformed YAML: unsupported tag {node.tag!r}")
            if id(node) in self._open:
                raise self._refuse(node, loc, "an alias refers to a value that contains it")
            self._open.add(id(node))
            try:
                return self._build_collection(node, loc)
            finally:
                self._open.discard(id(node))
        self._lines.setdefault(loc, node.start_mark.line + 1)
        return self._scalar(node)

    def _build_collection(self, node: yaml.Node, loc: tuple[Any, ...]) -> Any:
        self._lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._scalar(key_node)
                if isinstance(key, list | dict) or key is None:
                    raise InputError(
                        "keys must be plain names",
                        source=str(self.path),
                        line=key_node.start_mark.line + 1,
                    )
                if key in out:
                    raise InputError(
                        f"duplicate key {key!r}",
                        source=str(self.path),
                        line=key_node.start_mark.line + 1,
                    )
                self._lines[(*loc, key)] = key_node.start_mark.line + 1
                out[key] = self._build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return self._build(node, ())
        loader = yaml.SafeLoader("")
        try:
            return loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise InputError(
                f"malformed YAML: {exc.problem}",
                source=str(self.path),
                line=node.start_mark.line + 1,
            ) from None
        finally:
            loader.dispose()


def load_model(model: type[M], located: LocatedYaml, *, what: str = "document") -> M:
    """Validate ``located.data`` as ``model``; the first error becomes a file:line message."""
    if not isinstance(located.data, dict):
        raise InputError(
            f"a {what} must be a YAML mapping of keys",
            source=str(located.path),
            line=located.line_of(()),
        )
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        # an unknown key usually explains a "missing" one (a misspelt name): report it first
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        loc = tuple(err["loc"])
        line = located.line_of(loc)
        key = ".".join(str(part) for part in loc) or what
        if err["type"] == "extra_forbidden":
            message = f"unknown key {key!r}"
        elif err["type"] == "missing":
            message = f"missing key {key!r}"
        else:
            shown = err.get("input")
            message = f"{key}: {err['msg'].removeprefix('Value error, ')}"
            if isinstance(shown, str | int | float | bool) and len(str(shown)) < 60:
                message += f" (got {shown!r})"
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise InputError(message, source=str(located.path), line=line) from None


def load_model_with_path(model: type[M], located: LocatedYaml, *, what: str) -> M:
    """``load_model`` for a model whose ``path`` field says where it was read from.

    ``path`` is never a key of the file itself: a file that writes one is refused.
    """
    if isinstance(located.data, dict) and "path" in located.data:
        raise InputError(
            "unknown key 'path'", source=str(located.path), line=located.line_of(("path",))
        )
    loaded = load_model(model, located, what=what)
    return loaded.model_copy(update={"path": located.path})
