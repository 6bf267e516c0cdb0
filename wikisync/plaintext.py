"""Wikitext nodes to plain text that remembers, per character, where it stands in the source.

Comparison and spelling work on what a reader sees: a link is its label, templates, comments
and references vanish. Fixes must still land on the right bytes, so every plain character
carries its source offset (or -1 when it has no single place there, e.g. an HTML entity).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.wikicode import Wikicode

__all__ = ["LIST_MARKERS", "OPAQUE_TAGS", "PlainText", "emit_node", "normalize_space"]

LIST_MARKERS = frozenset("*#:;")
OPAQUE_TAGS = frozenset(
    {
        "ref",
        "references",
        "code",
        "pre",
        "tt",
        "kbd",
        "samp",
        "math",
        "syntaxhighlight",
        "source",
        "score",
        "gallery",
        "timeline",
        "graph",
        "templatedata",
        "table",
        "style",
        "script",
        "noinclude",
        "includeonly",
        "onlyinclude",
        "inputbox",
        "poem",
        "chem",
    }
)
"""Tags whose content is not prose: left out of comparison and spelling, kept in the source."""
NON_TEXT_NAMESPACES = ("category:", "file:", "image:", "media:")


@dataclass
class PlainText:
    """Text pieces with one source offset per character; appended to while walking nodes."""

    parts: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)

    def add(self, text: str, start: int) -> None:
        if not text:
            return
        self.parts.append(text)
        if start < 0:
            self.offsets.extend([-1] * len(text))
        else:
            self.offsets.extend(range(start, start + len(text)))

    def extend(self, other: PlainText) -> None:
        self.parts.extend(other.parts)
        self.offsets.extend(other.offsets)

    def __bool__(self) -> bool:
        return bool(self.offsets)

    @property
    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


def emit_nodes(nodes: Iterable[Node], start: int, out: PlainText) -> int:
    """Emit each node's plain text; returns the source offset after the last node."""
    pos = start
    for node in nodes:
        emit_node(node, pos, out)
        pos += len(str(node))
    return pos


def _emit_code(code: Wikicode | None, start: int, out: PlainText) -> None:
    if code is not None:
        emit_nodes(code.nodes, start, out)


def emit_node(node: Node, start: int, out: PlainText) -> None:
    """Append the plain text of one node that starts at source offset ``start``."""
    if isinstance(node, Text):
        value = node.value
        opened = value.find("<!--")
        if opened >= 0 and "-->" not in value[opened:]:
            value = value[:opened]  # MediaWiki hides an unclosed comment to the end
        out.add(value, start)
    elif isinstance(node, Wikilink):
        _emit_wikilink(node, start, out)
    elif isinstance(node, ExternalLink):
        source = str(node)
        if node.brackets and node.title is not None:
            label = str(node.title)
            _emit_code(node.title, start + len(source) - 1 - len(label), out)
        elif not node.brackets:
            out.add(source, start)
    elif isinstance(node, Tag):
        _emit_tag(node, start, out)
    elif isinstance(node, HTMLEntity):
        try:
            out.add(node.normalize(), -1)
        except (ValueError, OverflowError):
            out.add(str(node), start)
    elif isinstance(node, Heading):
        _emit_code(node.title, start + node.level, out)
    elif isinstance(node, Template | Comment | Argument):
        return
    else:  # an unknown node type: keep its text rather than lose words silently
        out.add(str(node), start)


def _emit_wikilink(node: Wikilink, start: int, out: PlainText) -> None:
    title = str(node.title)
    if title.strip().casefold().startswith(NON_TEXT_NAMESPACES):
        return
    if node.text is not None:
        _emit_code(node.text, start + 2 + len(title) + 1, out)
        return
    lead = len(title) - len(title.lstrip())
    shown = title.strip()
    if shown.startswith(":"):
        lead += 1
        shown = shown[1:]
    out.add(shown, start + 2 + lead)


def _emit_tag(node: Tag, start: int, out: PlainText) -> None:
    markup = node.wiki_markup
    if markup in ("''", "'''", "'''''"):
        _emit_code(node.contents, start + len(markup), out)
        return
    if markup is not None and markup in LIST_MARKERS:
        out.add(" ", -1)
        return
    name = str(node.tag).strip().casefold()
    if markup == "{|" or name in OPAQUE_TAGS:
        return
    if name in ("br", "hr") or node.self_closing or node.contents is None:
        out.add(" ", -1)
        return
    source = str(node)
    contents = str(node.contents)
    close = source.rfind("</")
    if close < 0:
        close = len(source)
    begin = close - len(contents)
    if begin >= 0 and source[begin:close] == contents:
        _emit_code(node.contents, start + begin, out)
    else:
        inner = PlainText()
        _emit_code(node.contents, 0, inner)
        out.add(inner.text, -1)


_NON_SPACE = re.compile(r"\S+")
_UNUSUAL_SPACE = re.compile(r"\s\s|[^\S ]")


def normalize_space(plain: PlainText) -> PlainText:
    """Collapse whitespace runs to one space and strip the ends, keeping offsets aligned.

    A collapsed run keeps the offset of its first character, so a range of words still maps
    to one stretch of source.
    """
    text = plain.text
    offsets = plain.offsets
    if text == text.strip() and not _UNUSUAL_SPACE.search(text):
        return plain  # already normal: the common case of a one-line paragraph
    out = PlainText()
    words: list[str] = []
    out_offsets = out.offsets
    previous_end = -1
    for match in _NON_SPACE.finditer(text):
        start, end = match.span()
        if previous_end >= 0:
            words.append(" ")
            out_offsets.append(offsets[previous_end])
        words.append(match.group())
        out_offsets.extend(offsets[start:end])
        previous_end = end
    out.parts = ["".join(words)] if words else []
    return out
