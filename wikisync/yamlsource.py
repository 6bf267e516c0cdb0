"""YAML documents that remember where each value came from.

Mappings, jobs and canonical data are edited by hand, so every complaint about them must name
the file and line. PyYAML's node tree keeps positions; this module builds plain Python data
from it, refuses duplicate keys, and turns a pydantic error location back into a line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError

__all__ = ["LocatedYaml", "load_model", "read_text_file"]

M = TypeVar("M", bound=BaseModel)

MAX_YAML_BYTES = 5 * 1024 * 1024


def read_text_file(path: Path, *, what: str = "file", max_bytes: int = MAX_YAML_BYTES) -> str:
    """Read a UTF-8 text file, refusing missing, huge, binary and non-UTF-8 files by name."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{what} not found", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", source=str(path)) from None
    if path.is_dir():
        raise InputError(f"{what} is a directory", source=str(path))
    if size > max_bytes:
        raise InputError(
            f"{what} is too big ({size} bytes; the limit is {max_bytes})", source=str(path)
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", source=str(path)) from None
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
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
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

    def _build(self, node: yaml.Node, loc: tuple[Any, ...]) -> Any:
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
