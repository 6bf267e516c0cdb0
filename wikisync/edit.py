"""Apply chosen findings to a page's wikitext; every byte outside the fixed spans stays as it was.

Each fixable finding names a source span and what goes there: a word, a heading's name, a
bullet line, or a whole missing unit, which is rendered here in the page's own heading and
blank-line style. Spans index the original text, so fixes never shift one another; where two
overlap, the first wins and the other is skipped with a reason. A missing unit is inserted only
after a trial parse shows it reads back as the intended unit under the intended parent and
leaves every existing heading where it was.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from pydantic import ValidationError

from .compare import STRUCTURAL, heading_text
from .mapping import Conventions
from .model import CanonicalUnit, Finding, OrgPage, Unit
from .parse import parse_page
from .words import tokenize

__all__ = ["EditResult", "PageStyle", "apply_findings", "detect_style", "render_unit"]

_TEXT_KINDS = frozenset({"typo", "wording"})
_UNIT_KINDS = frozenset(
    {"missing-department", "missing-team", "missing-position", "missing-access-role"}
)
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_RUNS = re.compile(r"'{2,}|~{3,}|_{2,}")
_INLINE = {"[": "&#91;", "]": "&#93;", "{": "&#123;", "}": "&#125;", "<": "&lt;", ">": "&gt;"}
_LINE_START = {"*": "&#42;", "#": "&#35;", ":": "&#58;", ";": "&#59;", "=": "&#61;"}
_ENTITY_OF = {"'": "&#39;", "~": "&#126;", "_": "&#95;"}


@dataclass(frozen=True)
class EditResult:
    """The new text, the findings it fixes, and the fixable ones left alone (with why)."""

    text: str
    applied: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.applied)


@dataclass(frozen=True)
class PageStyle:
    """How a page lays out headings, so inserted units look like the rest of it.

    Gaps count newline characters: 2 is "one blank line", 1 is "next line".
    """

    heading_pad: str = " "
    """Between the ``=`` signs and the heading text: ``== X ==`` (" ") or ``==X==`` ("")."""
    after_heading: int = 1
    """From the end of a heading to its first line of text."""
    before_heading: int = 2
    """From the end of a body's text to the next heading."""
    heading_to_heading: int = 1
    """From a heading with no text of its own to the heading that follows it."""


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    finding: Finding
    order: int


class _Placed(NamedTuple):
    """A heading the rendered block will contain: its offset in the block, and its parent's."""

    offset: int
    unit: CanonicalUnit
    parent_offset: int | None


class _Skip(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _content_end(text: str, at: int) -> int:
    """Where the text before ``at`` stops, ignoring the whitespace just before it."""
    while at > 0 and text[at - 1].isspace():
        at -= 1
    return at


def _most_common(values: list[int], default: int) -> int:
    return Counter(values).most_common(1)[0][0] if values else default


def detect_style(page: OrgPage) -> PageStyle:
    """The page's own heading spacing and blank-line habits (defaults where it shows none)."""
    text = page.text
    units = page.units()
    heading_ends = {u.heading_span.end for u in units if u.heading_span is not None}
    pads: list[str] = []
    after: list[int] = []
    before: list[int] = []
    between: list[int] = []
    for unit in units:
        if unit.heading_span is None:
            continue
        source = text[unit.heading_span.start : unit.heading_span.end]
        inner = source[unit.level : len(source) - unit.level]
        if inner.strip():
            pads.append(" " if inner[:1].isspace() else "")
        if unit.body_span is not None:
            body = text[unit.body_span.start : unit.body_span.end]
            if body.strip():
                after.append(body[: len(body) - len(body.lstrip())].count("\n"))
        start = unit.heading_span.start
        content_end = _content_end(text, start)
        if content_end == 0:
            continue
        gap = text[content_end:start].count("\n")
        (between if content_end in heading_ends else before).append(gap)
    pad = " " if pads.count(" ") >= pads.count("") else ""
    return PageStyle(
        heading_pad=pad,
        after_heading=max(1, _most_common(after, 1)),
        before_heading=max(1, _most_common(before, 2)),
        heading_to_heading=max(1, _most_common(between, 1)),
    )


def _escape(text: str, *, line_start: bool = False) -> str:
    """Plain canonical text as wikitext that reads back as the same plain text."""
    out = _ENTITY_LIKE.sub("&amp;", text)
    out = "".join(_INLINE.get(char, char) for char in out)
    out = _RUNS.sub(lambda m: "".join(_ENTITY_OF[c] for c in m.group()), out)
    if line_start and out[:1] in _LINE_START:
        out = _LINE_START[out[0]] + out[1:]
    elif line_start and out.startswith("----"):
        out = "&#45;" + out[1:]
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _render_body(unit: CanonicalUnit, marker: str = "*") -> str:
    paragraphs = [_escape(_one_line(p), line_start=True) for p in unit.prose or [] if p.strip()]
    bullets = [f"{marker} {_escape(_one_line(b))}" for b in unit.bullets or [] if b.strip()]
    if not bullets:
        return "\n\n".join(paragraphs)
    # A paragraph ending with a colon introduces the list: the bullets follow it directly.
    intro = next((i for i, p in enumerate(paragraphs) if p.endswith(":")), None)
    if intro is None:
        return "\n\n".join([*paragraphs, "\n".join(bullets)])
    blocks = [*paragraphs[:intro], "\n".join([paragraphs[intro], *bullets])]
    return "\n\n".join([*blocks, *paragraphs[intro + 1 :]])


def _render(
    unit: CanonicalUnit,
    level: int,
    style: PageStyle,
    conventions: Conventions,
    offset: int,
    placed: list[_Placed],
    parent_offset: int | None,
) -> tuple[str, bool]:
    """Render a unit whose heading will stand at ``offset`` of the block; records headings."""
    if level > 6:
        raise _Skip(f'"{unit.full_name}" would need a heading deeper than level 6')
    eq = "=" * level
    title = _escape(heading_text(unit.kind, unit.full_name, conventions))
    out = f"{eq}{style.heading_pad}{title}{style.heading_pad}{eq}"
    placed.append(_Placed(offset, unit, parent_offset))
    body = _render_body(unit)
    ends_with_heading = not body
    if body:
        out += "\n" * style.after_heading + body
    for child in unit.children:
        out += "\n" * (style.heading_to_heading if ends_with_heading else style.before_heading)
        text, ends_with_heading = _render(
            child, level + 1, style, conventions, offset + len(out), placed, offset
        )
        out += text
    return out, ends_with_heading


def render_unit(unit: CanonicalUnit, level: int, style: PageStyle, conventions: Conventions) -> str:
    """Wikitext for a unit and its children (no trailing newline), in the given style."""
    return _render(unit, level, style, conventions, 0, [], None)[0]


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _at_line_start(text: str, at: int) -> bool:
    return at == 0 or at == len(text) or text[at - 1] == "\n"


def _check_found(text: str, finding: Finding) -> None:
    """Refuse a fix whose span no longer holds the words the finding saw."""
    assert finding.span is not None
    if not finding.found:
        return
    source = text[finding.span.start : finding.span.end]
    if [t.text for t in tokenize(source)] != [t.text for t in tokenize(finding.found)]:
        line = _line_of(text, finding.span.start)
        raise _Skip(f'line {line} no longer reads "{finding.found}"')


def _replacement(finding: Finding) -> str:
    value = finding.detail.get("replacement")
    if not isinstance(value, str):
        raise _Skip("the finding carries no replacement text")
    return value


def _bullet_edit(text: str, finding: Finding, order: int) -> _Edit:
    assert finding.span is not None
    at = finding.span.start
    if not _at_line_start(text, at):
        raise _Skip("the insertion point is not at the start of a line")
    replacement = _replacement(finding)
    marker, _, rest = replacement.partition(" ")
    line = f"{marker} {_escape(_one_line(rest))}\n"
    content_end = _content_end(text, at)
    gap = text[content_end:at]
    if gap.count("\n") >= 2 and (at == len(text) or text[at] == "="):
        # Text, a blank line, then the next heading: the bullet joins the text, not the gap.
        at = content_end + gap.index("\n") + 1
    elif at > 0 and text[at - 1] != "\n":
        line = "\n" + line
    return _Edit(at, at, line, finding, order)


def _heading_ends(page: OrgPage) -> set[int]:
    return {u.heading_span.end for u in page.units() if u.heading_span is not None}


def _structural_parent(chain: list[Unit]) -> Unit | None:
    return next((u for u in reversed(chain) if u.kind in STRUCTURAL), None)


def _index(page: OrgPage) -> dict[int, tuple[Unit, Unit | None]]:
    """Heading offset -> (unit, nearest structural ancestor)."""
    out: dict[int, tuple[Unit, Unit | None]] = {}

    def visit(unit: Unit, chain: list[Unit]) -> None:
        for child in unit.children:
            if child.heading_span is not None:
                out[child.heading_span.start] = (child, _structural_parent(chain))
            visit(child, [*chain, child])

    visit(page.root, [])
    return out


_Row = tuple[str, str, int, str | None]


def _rows(index: dict[int, tuple[Unit, Unit | None]]) -> list[tuple[int, _Row]]:
    """Each heading's offset with what it is: kind, name, level, structural parent."""
    return [
        (offset, (u.kind.value, u.full_name, u.level, p.full_name if p is not None else None))
        for offset, (u, p) in index.items()
    ]


def _unit_edit(
    text: str,
    page: OrgPage,
    finding: Finding,
    style: PageStyle,
    conventions: Conventions,
    order: int,
) -> _Edit:
    assert finding.span is not None
    try:
        unit = CanonicalUnit.model_validate(finding.detail.get("unit"))
    except ValidationError:
        raise _Skip("the finding carries no unit to insert") from None
    level = finding.detail.get("level")
    if not isinstance(level, int) or not 1 <= level <= 6:
        raise _Skip("the finding carries no heading level")
    at = finding.span.start
    if not _at_line_start(text, at):
        raise _Skip("the insertion point is not at the start of a line")
    present = {(u.kind.value, " ".join(u.full_name.casefold().split())) for u in page.units()}
    for part in unit.walk():
        if (part.kind, " ".join(part.full_name.casefold().split())) in present:
            raise _Skip(f'"{part.full_name}" is already on the page; move it by hand')
    placed: list[_Placed] = []
    block, ends_with_heading = _render(unit, level, style, conventions, 0, placed, None)
    after = text[at:]
    content_end = _content_end(text, at)
    lead = ""
    if content_end:
        need = (
            style.heading_to_heading if content_end in _heading_ends(page) else style.before_heading
        )
        lead = "\n" * max(0, need - text[content_end:at].count("\n"))
    if not lead and at > 0 and text[at - 1] != "\n":
        lead = "\n"  # the end of a text whose last line is blanks: the heading needs its own
    if after:
        need = style.heading_to_heading if ends_with_heading else style.before_heading
        trail = "\n" * max(0, need - (len(after) - len(after.lstrip("\n"))))
    else:
        trail = "\n" if text.endswith("\n") or not text else ""
    edit = _Edit(at, at, lead + block + trail, finding, order)
    _trial(text, edit, placed, len(lead), finding, conventions, page)
    return edit


def _trial(
    text: str,
    edit: _Edit,
    placed: list[_Placed],
    lead: int,
    finding: Finding,
    conventions: Conventions,
    page: OrgPage,
) -> None:
    """Parse the page with the block inserted; refuse if it does not read back as intended."""
    new_text = text[: edit.start] + edit.text + text[edit.end :]
    index = _index(parse_page(new_text, conventions=conventions))
    base = edit.start + lead
    expected_parent = finding.path[-2] if len(finding.path) >= 2 else None
    for offset, unit, parent_offset in placed:
        got = index.get(base + offset)
        if (
            got is None
            or got[0].kind.value != unit.kind
            or _one_line(got[0].full_name) != _one_line(unit.full_name)
        ):
            raise _Skip(
                f'the inserted heading would not read as {unit.kind} "{unit.full_name}" '
                "under the mapping's heading conventions"
            )
        parent = got[1]
        parent_at = parent.heading_span.start if parent and parent.heading_span else None
        if parent_offset is not None:
            ok = parent_at == base + parent_offset
        else:
            ok = (parent.title if parent is not None else None) == expected_parent
        if not ok:
            raise _Skip(f'the inserted "{unit.full_name}" would not sit under its parent')
    inserted = range(edit.start, edit.start + len(edit.text))
    kept = [row for offset, row in _rows(index) if offset not in inserted]
    if kept != [row for _, row in _rows(_index(page))]:
        raise _Skip("inserting it would move other headings to a different parent")


def _plan_edit(
    text: str,
    page: OrgPage,
    finding: Finding,
    style: PageStyle,
    conventions: Conventions,
    order: int,
) -> _Edit:
    span = finding.span
    if span is None or not 0 <= span.start <= span.end <= len(text):
        raise _Skip("the finding has no usable place in the page text")
    if finding.kind in _TEXT_KINDS or finding.kind.startswith("renamed-"):
        _check_found(text, finding)
        return _Edit(span.start, span.end, _escape(_replacement(finding)), finding, order)
    if finding.kind == "missing-bullet":
        return _bullet_edit(text, finding, order)
    if finding.kind in _UNIT_KINDS:
        return _unit_edit(text, page, finding, style, conventions, order)
    raise _Skip(f"{finding.kind} findings are reported, never edited")


def _insertion_rank(text: str, edit: _Edit) -> int:
    """Where an insertion goes among others at the same offset.

    Words added at the end of a line belong to that line: before a bullet that starts the
    next line, and before a unit inserted there (or they would land in its body). Bullets
    end the list above, so they come before a new unit. Words added at the start of a line
    belong to the text that follows: after everything else.
    """
    kind = edit.finding.kind
    if kind in _UNIT_KINDS:
        return 2
    if kind == "missing-bullet":
        return 1
    at = edit.start
    return 3 if at == 0 or text[at - 1] == "\n" else 0


def _overlaps(a: _Edit, b: _Edit) -> bool:
    return a.start < b.end and b.start < a.end


def apply_findings(
    text: str,
    findings: Sequence[Finding],
    conventions: Conventions,
    *,
    page: OrgPage | None = None,
) -> EditResult:
    """Fix the ``fixable`` findings in ``text``; findings not marked fixable are ignored.

    ``skipped`` lists fixable findings that could not be applied, each with the reason.
    ``page`` is ``text`` already parsed under ``conventions``, to save parsing it again.
    """
    if page is None or page.text != text:
        page = parse_page(text, conventions=conventions)
    style = detect_style(page)
    edits: list[_Edit] = []
    skipped: list[tuple[Finding, str]] = []
    for order, finding in enumerate(findings):
        if not finding.fixable:
            continue
        try:
            edit = _plan_edit(text, page, finding, style, conventions, order)
        except _Skip as exc:
            skipped.append((finding, exc.reason))
            continue
        clash = next((e for e in edits if _overlaps(e, edit)), None)
        if clash is not None:
            where = f" at line {clash.finding.line}" if clash.finding.line else ""
            skipped.append((finding, f"overlaps the {clash.finding.kind} fix{where}"))
            continue
        edits.append(edit)
    # Spans index the original text and never overlap, so the new text is the original cut at
    # the spans with each fix in its place; no fix shifts another. At one offset, insertions
    # come before a replacement that starts there, in the order of _insertion_rank.
    pieces: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end, _insertion_rank(text, e), e.order)):
        piece = edit.text
        starts_line = edit.finding.kind == "missing-bullet" or edit.finding.kind in _UNIT_KINDS
        if starts_line and pieces and edit.start == pos and pieces[-1].endswith("\n"):
            # An earlier insertion here already ended the line, and this one's leading
            # newline was counted against the original text: drop it (no stray blank line).
            piece = piece.removeprefix("\n")
        pieces += [text[pos : edit.start], piece]
        pos = edit.end
    pieces.append(text[pos:])
    new_text = "".join(pieces)
    applied = [e.finding for e in sorted(edits, key=lambda e: e.order)]
    return EditResult(text=new_text, applied=applied, skipped=skipped)
