"""Wikitext to ``OrgPage``: headings become a tree of units, bodies become prose and bullets.

The parser never fails on odd wikitext: a heading it does not recognise is a plain section,
text it cannot read as prose (tables, templates) is skipped for comparison but stays in the
source. Heading conventions come from the mapping, so no wiki's layout is built in.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Node, Tag, Text

from .mapping import Conventions
from .model import Bullet, OrgPage, Span, TextBlock, Unit, UnitKind
from .plaintext import LIST_MARKERS, PlainText, emit_node, normalize_space
from .words import folded_words

__all__ = ["LineIndex", "parse_page", "section_starts"]


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


@dataclass(frozen=True, slots=True)
class _BlockPiece:
    """A prose paragraph or bullet of one section, with offsets relative to the section."""

    bullet: bool
    text: str
    offsets: tuple[int, ...]
    start: int
    end: int
    line_start: int
    depth: int = 0
    marker: str = ""


def _piece(
    plain: PlainText, fallback: int, *, bullet: bool = False, line_start: int = 0, markers: str = ""
) -> _BlockPiece:
    norm = normalize_space(plain)
    offsets = norm.offsets
    start = next((o for o in offsets if o >= 0), -1)
    if start < 0:
        start = end = fallback
    else:
        end = next(o for o in reversed(offsets) if o >= 0) + 1
    return _BlockPiece(
        bullet,
        norm.text,
        tuple(offsets),
        start,
        end,
        line_start if bullet else start,
        len(markers),
        markers,
    )


def _body_blocks(lines: list[_Line]) -> list[_BlockPiece]:
    """Paragraphs (lines joined until a blank line or a list) and bullets, in order."""
    blocks: list[_BlockPiece] = []
    paragraph = PlainText()
    fallback = lines[0].start if lines else 0

    def flush() -> None:
        nonlocal paragraph
        if paragraph.text.strip():
            blocks.append(_piece(paragraph, fallback))
        paragraph = PlainText()

    for line in lines:
        has_text = bool(line.plain.text.strip())
        if any(m in "*#" for m in line.markers):
            flush()
            blocks.append(
                _piece(
                    line.plain, line.start, bullet=True, line_start=line.start, markers=line.markers
                )
            )
        elif line.markers:
            flush()
            if has_text:
                blocks.append(_piece(line.plain, line.start))
        elif not has_text:
            flush()
        else:
            if paragraph:
                paragraph.add(" ", -1)
            paragraph.extend(line.plain)
    flush()
    return blocks


_Rules = tuple[tuple[tuple[str, str | None, str | None, str | None], ...], str]


def _rules_key(conventions: Conventions) -> _Rules:
    """The conventions as plain hashable data, so classifications can be memoised."""
    rules = tuple((r.kind, r.prefix, r.pattern, r.children_of) for r in conventions.rules)
    return rules, conventions.qualifier_separator


@lru_cache(maxsize=8192)
def _classify(title: str, parent_title: str, key: _Rules) -> tuple[UnitKind, str, str | None]:
    """Kind, name and qualifier of a heading under the mapping's rules."""
    rules, separator = key
    folded = title.casefold()
    for kind_name, prefix, pattern, children_of in rules:
        name = _match_rule(prefix, pattern, children_of, title, folded, parent_title)
        if name is None:
            continue
        kind = UnitKind(kind_name)
        if pattern is not None:
            match = re.fullmatch(pattern, title)
            assert match is not None
            qualifier = match.groupdict().get("qualifier")
            return kind, match.group("name").strip(), qualifier.strip() if qualifier else None
        if separator in name and kind != UnitKind.ACCESS_ROLE:
            head, _, tail = name.partition(separator)
            if head.strip() and tail.strip():
                return kind, head.strip(), tail.strip()
        return kind, name.strip(), None
    return UnitKind.SECTION, title, None


def _match_rule(
    prefix: str | None,
    pattern: str | None,
    children_of: str | None,
    title: str,
    folded: str,
    parent_title: str,
) -> str | None:
    if prefix is not None:
        prefix = prefix.strip().casefold()
        if folded.startswith(prefix) and title[len(prefix) :].strip():
            return title[len(prefix) :]
        return None
    if pattern is not None:
        return title if re.fullmatch(pattern, title) else None
    assert children_of is not None
    return title if parent_title.casefold() == children_of.strip().casefold() else None


@lru_cache(maxsize=8192)
def _name_at(title: str, title_offsets: tuple[int, ...], full_name: str) -> tuple[int, int] | None:
    """Where the unit's name stands in its heading's source (relative to the stretch), if
    it is contiguous there."""
    at = title.rfind(full_name)
    if at < 0 or not full_name:
        return None
    offsets = title_offsets[at : at + len(full_name)]
    if offsets[0] < 0 or offsets[-1] - offsets[0] != len(full_name) - 1:
        return None
    return offsets[0], offsets[-1] + 1


@dataclass(frozen=True, slots=True)
class _HeadingPiece:
    level: int
    title: str
    title_offsets: tuple[int, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Section:
    """A heading (None for the lead) and its body, parsed, relative to where it starts."""

    heading: _HeadingPiece | None
    body_start: int
    body_end: int
    blocks: tuple[_BlockPiece, ...]
    words: Mapping[str, int]
    """How often each word (comparison form) stands in the blocks."""
    heading_line: int
    block_lines: tuple[int, ...]
    """Lines of the heading and of each block, counted from 0 at the stretch's start."""


@lru_cache(maxsize=4096)
def _parse_sections(source: str) -> tuple[_Section, ...]:
    """Parse one stretch of wikitext; cached, since sections recur across pages and runs.

    The result is shared between callers and must not be changed.
    """
    code = mwparserfromhell.parse(source, skip_style_tags=True)
    sections: list[tuple[_HeadingPiece | None, int, list[tuple[Node, int]]]] = [(None, 0, [])]
    pos = 0
    for node in code.nodes:
        length = len(str(node))
        if isinstance(node, Heading):
            plain = PlainText()
            emit_node(node, pos, plain)
            title = normalize_space(plain)
            heading = _HeadingPiece(node.level, title.text, tuple(title.offsets), pos, pos + length)
            sections.append((heading, pos + length, []))
        else:
            sections[-1][2].append((node, pos))
        pos += length
    if sections[0][1] == 0 and not sections[0][2] and len(sections) > 1:
        sections.pop(0)  # the text starts with a heading: no lead
    index = LineIndex(source)
    out: list[_Section] = []
    for i, (own, body_start, nodes) in enumerate(sections):
        following = sections[i + 1][0] if i + 1 < len(sections) else None
        body_end = following.start if following is not None else len(source)
        blocks = _body_blocks(_split_lines(nodes, body_start))
        words: Counter[str] = Counter()
        for block in blocks:
            words.update(folded_words(block.text))
        out.append(
            _Section(
                own,
                body_start,
                body_end,
                tuple(blocks),
                dict(words),
                index.line(own.start) - 1 if own is not None else 0,
                tuple(index.line(block.line_start) - 1 for block in blocks),
            )
        )
    return tuple(out)


def _sections(text: str) -> list[tuple[int, _Section]]:
    """The page's sections with their offsets, reusing parses of unchanged sections.

    The text is cut at headings where no template, link, comment, table or tag is open, so
    each stretch parses exactly as it does inside the whole page; if a cut does not start
    with a heading after all, the page is parsed whole.
    """
    starts = section_starts(text)
    out: list[tuple[int, _Section]] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        parsed = _parse_sections(text[start:end])
        if start > 0 and (not parsed or parsed[0].heading is None or parsed[0].heading.start):
            return [(0, section) for section in _parse_sections(text)]
        out.extend((start, section) for section in parsed)
    return out


_SCAN = re.compile(
    # the lookahead lets the engine skip ordinary characters with one test each
    r"(?=[-<{}\[\]|=])(?:<!--|-->|\{\{|\}\}|\[\[|\]\]|^\{\||^\|\}|^="
    r"|<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*?(/?)>)",
    re.MULTILINE,
)
_VOID_TAGS = frozenset(
    {
        "br",
        "hr",
        "img",
        "wbr",
        "col",
        "meta",
        "link",
        "input",
        "area",
        "source",
        "track",
        "embed",
        "param",
    }
)


_State = tuple[bool, int, int, int, int]
"""Open constructs after a stretch: in a comment, then ``{{``, ``[[``, tables, tags."""
_CLOSED: _State = (False, 0, 0, 0, 0)


def section_starts(text: str) -> list[int]:
    """Offsets of the heading lines that stand outside any open construct, and 0.

    The text is scanned in stretches that each end before a line starting with ``=``; a
    stretch's scan is cached, so sections that recur across pages are scanned once.
    """
    starts = [0]
    if "\x00" in text:  # the tokenizer stops at NUL; cutting would read past it
        return starts
    state = _CLOSED
    pos = 0
    while True:
        cut = text.find("\n=", pos) + 1
        end = cut or len(text)
        state, tag_left_open = _scan_stretch(text[pos:end], state)
        if tag_left_open:  # a tag may run on past the cut: scan the text whole
            return _scan_starts(text)
        if not cut:
            return starts
        if state == _CLOSED:
            starts.append(cut)
        pos = cut


@lru_cache(maxsize=8192)
def _scan_stretch(stretch: str, state: _State) -> tuple[_State, bool]:
    """The open constructs after ``stretch``, entered with ``state``.

    Also says whether the stretch ends inside what may be a tag (``<div`` with its ``>``
    after the cut), which only a scan of the whole text can settle.
    """
    after = _scan(stretch, state, None)
    last = stretch.rfind("<")
    tag_left_open = last >= 0 and ">" not in stretch[last:] and _TAG_START.match(stretch, last)
    return after, bool(tag_left_open)


_TAG_START = re.compile(r"</?[A-Za-z]")


def _scan_starts(text: str) -> list[int]:
    """``section_starts`` by one scan of the whole text."""
    starts = [0]
    _scan(text, _CLOSED, starts)
    return starts


def _scan(text: str, state: _State, starts: list[int] | None) -> _State:
    """Follow the constructs ``text`` opens and closes, from ``state``; with ``starts``,
    note each heading line that stands outside all of them."""
    comment, braces, brackets, tables, tags = state
    for match in _SCAN.finditer(text):
        token = match.group()
        if comment:
            comment = token != "-->"
        elif token == "<!--":
            comment = True
        elif token == "{{":
            braces += 1
        elif token == "}}":
            braces = max(0, braces - 1)
        elif token == "[[":
            brackets += 1
        elif token == "]]":
            brackets = max(0, brackets - 1)
        elif token == "{|":
            tables += 1
        elif token == "|}":
            tables = max(0, tables - 1)
        elif token == "=":
            if starts is not None and match.start() and not (braces or brackets or tables or tags):
                starts.append(match.start())
        elif token.startswith("<") and token != "-->":
            name = match.group(2).lower()
            if name in _VOID_TAGS or match.group(3):
                continue
            tags = max(0, tags - 1) if match.group(1) else tags + 1
    return comment, braces, brackets, tables, tags


def parse_page(
    text: str,
    *,
    title: str = "",
    conventions: Conventions | None = None,
    revid: int = 0,
    timestamp: str = "",
) -> OrgPage:
    """Parse wikitext into an ``OrgPage``; spans tile the source, so no byte is lost."""
    rules = _rules_key(conventions or Conventions())
    root = Unit(
        kind=UnitKind.PAGE,
        name="",
        title=title,
        level=0,
        line=1,
        span=Span(0, len(text)),
        body_span=Span(0, 0),
    )
    stack: list[Unit] = [root]
    first_line = 1  # the line the current stretch starts on
    counted_to = 0
    for base, section in _sections(text):
        if base != counted_to:
            first_line += text.count("\n", counted_to, base)
            counted_to = base
        heading = section.heading
        if heading is None:
            unit = root
        else:
            while stack[-1].level >= heading.level:
                stack.pop()
            parent = stack[-1]
            kind, name, qualifier = _classify(heading.title, parent.title, rules)
            unit = Unit(
                kind=kind,
                name=name,
                qualifier=qualifier,
                title=heading.title,
                level=heading.level,
                line=first_line + section.heading_line,
                heading_span=Span(base + heading.start, base + heading.end),
            )
            if kind not in (UnitKind.SECTION, UnitKind.PAGE):
                at = _name_at(heading.title, heading.title_offsets, unit.full_name)
                if at is not None:
                    unit.name_span = Span(base + at[0], base + at[1])
            parent.children.append(unit)
            stack.append(unit)
        unit.body_span = Span(base + section.body_start, base + section.body_end)
        unit.words = section.words
        for block, line in zip(section.blocks, section.block_lines, strict=True):
            span = Span(base + block.start, base + block.end)
            if block.bullet:
                unit.bullets.append(
                    Bullet(
                        text=block.text,
                        span=span,
                        relative=block.offsets,
                        base=base,
                        line=first_line + line,
                        depth=block.depth,
                        marker=block.marker,
                    )
                )
            else:
                unit.prose.append(
                    TextBlock(
                        text=block.text,
                        span=span,
                        relative=block.offsets,
                        base=base,
                        line=first_line + line,
                    )
                )
    _close_spans(root, len(text))
    return OrgPage(title=title, revid=revid, timestamp=timestamp, text=text, root=root)


def _close_spans(unit: Unit, end: int) -> None:
    """A unit runs from its heading to the next heading of the same or a higher level."""
    for i, child in enumerate(unit.children):
        nxt = unit.children[i + 1].heading_span if i + 1 < len(unit.children) else None
        child_end = nxt.start if nxt is not None else end
        assert child.heading_span is not None
        child.span = Span(child.heading_span.start, child_end)
        _close_spans(child, child_end)
