"""Wikitext to ``OrgPage``: headings become a tree of units, bodies become prose and bullets.

The parser never fails on odd wikitext: a heading it does not recognise is a plain section,
text it cannot read as prose (tables, templates) is skipped for comparison but stays in the
source. Heading conventions come from the mapping, so no wiki's layout is built in.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Node, Tag, Text

from .mapping import Conventions, HeadingRule
from .model import Bullet, OrgPage, Span, TextBlock, Unit, UnitKind
from .plaintext import LIST_MARKERS, PlainText, emit_node, normalize_space

__all__ = ["LineIndex", "parse_page"]


class LineIndex:
    """Offset to 1-based line number, by bisecting the newline positions once."""

    def __init__(self, text: str) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1


@dataclass
class _Line:
    markers: str = ""
    plain: PlainText = field(default_factory=PlainText)
    start: int = 0
    end: int = 0


def _split_lines(nodes: list[tuple[Node, int]], body_start: int) -> list[_Line]:
    """Cut a body into source lines; list markers count only at the start of a line."""
    lines: list[_Line] = []
    current = _Line(start=body_start)
    for node, start in nodes:
        if isinstance(node, Text):
            pos = start
            for piece in node.value.split("\n")[:-1]:
                current.plain.add(piece, pos)
                pos += len(piece)
                current.end = pos
                lines.append(current)
                pos += 1
                current = _Line(start=pos)
            tail = node.value.rsplit("\n", 1)[-1]
            current.plain.add(tail, pos)
            current.end = pos + len(tail)
            continue
        is_marker = (
            isinstance(node, Tag)
            and node.wiki_markup in LIST_MARKERS
            and not current.plain.text.strip()
            and (not current.markers or current.plain.text == "")
        )
        if is_marker and isinstance(node, Tag):
            current.markers += str(node.wiki_markup)
        else:
            emit_node(node, start, current.plain)
        current.end = start + len(str(node))
    lines.append(current)
    return lines


def _block(plain: PlainText, line: LineIndex, fallback: int) -> TextBlock:
    norm = normalize_space(plain)
    known = [o for o in norm.offsets if o >= 0]
    start = known[0] if known else fallback
    end = known[-1] + 1 if known else fallback
    return TextBlock(
        text=norm.text,
        span=Span(start=start, end=end),
        offsets=norm.offsets,
        line=line.line(start),
    )


def _fill_body(unit: Unit, lines: list[_Line], index: LineIndex) -> None:
    paragraph = PlainText()

    def flush() -> None:
        nonlocal paragraph
        if paragraph.text.strip():
            unit.prose.append(_block(paragraph, index, lines[0].start if lines else 0))
        paragraph = PlainText()

    for line in lines:
        has_text = bool(line.plain.text.strip())
        if any(m in "*#" for m in line.markers):
            flush()
            block = _block(line.plain, index, line.start)
            unit.bullets.append(
                Bullet(
                    text=block.text,
                    span=block.span,
                    offsets=block.offsets,
                    line=index.line(line.start),
                    depth=len(line.markers),
                    marker=line.markers,
                )
            )
        elif line.markers:
            flush()
            if has_text:
                unit.prose.append(_block(line.plain, index, line.start))
        elif not has_text:
            flush()
        else:
            if paragraph:
                paragraph.add(" ", -1)
            paragraph.extend(line.plain)
    flush()


def _classify(
    title: str, parent_title: str, conventions: Conventions
) -> tuple[UnitKind, str, str | None]:
    """Kind, name and qualifier of a heading under the mapping's rules."""
    folded = title.casefold()
    for rule in conventions.rules:
        name = _match_rule(rule, title, folded, parent_title)
        if name is None:
            continue
        kind = UnitKind(rule.kind)
        if rule.pattern is not None:
            match = re.fullmatch(rule.pattern, title)
            assert match is not None
            qualifier = match.groupdict().get("qualifier")
            return kind, match.group("name").strip(), qualifier.strip() if qualifier else None
        if conventions.qualifier_separator in name and kind != UnitKind.ACCESS_ROLE:
            head, _, tail = name.partition(conventions.qualifier_separator)
            if head.strip() and tail.strip():
                return kind, head.strip(), tail.strip()
        return kind, name.strip(), None
    return UnitKind.SECTION, title, None


def _match_rule(rule: HeadingRule, title: str, folded: str, parent_title: str) -> str | None:
    if rule.prefix is not None:
        prefix = rule.prefix.strip().casefold()
        if folded.startswith(prefix) and title[len(prefix) :].strip():
            return title[len(prefix) :]
        return None
    if rule.pattern is not None:
        return title if re.fullmatch(rule.pattern, title) else None
    assert rule.children_of is not None
    return title if parent_title.casefold() == rule.children_of.strip().casefold() else None


def _name_span(plain: PlainText, full_name: str) -> Span | None:
    """Source range of the unit's name inside its heading, if it is contiguous there."""
    text = plain.text
    at = text.rfind(full_name)
    if at < 0 or not full_name:
        return None
    offsets = plain.offsets[at : at + len(full_name)]
    if offsets[0] < 0 or offsets[-1] - offsets[0] != len(full_name) - 1:
        return None
    return Span(start=offsets[0], end=offsets[-1] + 1)


def parse_page(
    text: str,
    *,
    title: str = "",
    conventions: Conventions | None = None,
    revid: int = 0,
    timestamp: str = "",
) -> OrgPage:
    """Parse wikitext into an ``OrgPage``; ``str(parse(text)) == text`` is kept by spans."""
    conventions = conventions or Conventions()
    code = mwparserfromhell.parse(text, skip_style_tags=True)
    index = LineIndex(text)
    root = Unit(
        kind=UnitKind.PAGE,
        name="",
        title=title,
        level=0,
        line=1,
        span=Span(start=0, end=len(text)),
    )
    stack: list[Unit] = [root]
    bodies: list[tuple[Unit, int, list[tuple[Node, int]]]] = [(root, 0, [])]
    pos = 0
    for node in code.nodes:
        length = len(str(node))
        if isinstance(node, Heading):
            plain = PlainText()
            emit_node(node, pos, plain)
            heading_plain = normalize_space(plain)
            heading_title = heading_plain.text
            while stack[-1].level >= node.level:
                stack.pop()
            parent = stack[-1]
            kind, name, qualifier = _classify(heading_title, parent.title, conventions)
            unit = Unit(
                kind=kind,
                name=name,
                qualifier=qualifier,
                title=heading_title,
                level=node.level,
                line=index.line(pos),
                heading_span=Span(start=pos, end=pos + length),
            )
            if kind not in (UnitKind.SECTION, UnitKind.PAGE):
                unit.name_span = _name_span(heading_plain, unit.full_name)
            parent.children.append(unit)
            stack.append(unit)
            bodies.append((unit, pos + length, []))
        else:
            bodies[-1][2].append((node, pos))
        pos += length
    for i, (unit, body_start, nodes) in enumerate(bodies):
        body_end = bodies[i + 1][0].heading_span.start if i + 1 < len(bodies) else len(text)  # type: ignore[union-attr]
        unit.body_span = Span(start=body_start, end=body_end)
        _fill_body(unit, _split_lines(nodes, body_start), index)
    _close_spans(root, len(text))
    return OrgPage(
        title=title, revid=revid, timestamp=timestamp, text=text, root=root
    )


def _close_spans(unit: Unit, end: int) -> None:
    """A unit runs from its heading to the next heading of the same or a higher level."""
    for i, child in enumerate(unit.children):
        nxt = unit.children[i + 1].heading_span if i + 1 < len(unit.children) else None
        child_end = nxt.start if nxt is not None else end
        assert child.heading_span is not None
        child.span = Span(start=child.heading_span.start, end=child_end)
        _close_spans(child, child_end)
