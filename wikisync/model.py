"""The typed model every stage passes along: revisions, parsed pages, canonical data, findings.

Pure data: no I/O, no printing. A parsed unit keeps the source span of its heading and body so
that an edit can touch only what it must and every other byte stays identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Bullet",
    "CanonicalOrg",
    "CanonicalUnit",
    "Finding",
    "OrgPage",
    "Revision",
    "Span",
    "TextBlock",
    "Unit",
    "UnitKind",
]


class UnitKind(StrEnum):
    """What a heading introduces; the canonical data compares only structural kinds."""

    DEPARTMENT = "department"
    TEAM = "team"
    POSITION = "position"
    ACCESS_ROLE = "access-role"
    SECTION = "section"
    PAGE = "page"


class Revision(BaseModel):
    """One revision of one page as read from the wiki (or from a local file)."""

    model_config = ConfigDict(frozen=True)

    title: str
    revid: int = 0
    timestamp: str = ""
    text: str
    content_model: str = "wikitext"
    source: str = "wiki"
    """Where the text came from: ``wiki`` or a file path, for messages."""


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` in the page's wikitext."""

    start: int
    end: int


# The parsed page is plain dataclasses, not pydantic models: a page makes hundreds of these
# and validating them cost a third of a check. What crosses a file or process boundary
# (mapping, canonical data, findings, plans) stays pydantic.


@dataclass(kw_only=True, slots=True)
class TextBlock:
    """A prose paragraph or a bullet item, both as plain text and as source.

    ``offsets[i]`` is the source offset of ``text[i]``, or -1 for a character that does not
    stand in the source as such (text of a template, an entity); fixes use it to find bytes.
    They are kept relative to ``base`` (the start of the section the block was parsed in),
    so a section's parse can be reused wherever the section stands; few blocks ever need
    their absolute offsets.
    """

    text: str
    span: Span
    relative: Sequence[int] = field(default=(), repr=False)
    base: int = 0
    line: int = 0

    @property
    def offsets(self) -> list[int]:
        return self.offsets_between(0, len(self.relative))

    def offsets_between(self, start: int, end: int) -> list[int]:
        """Absolute source offsets of ``text[start:end]``."""
        base = self.base
        return [o + base if o >= 0 else -1 for o in self.relative[start:end]]


@dataclass(kw_only=True, slots=True)
class Bullet(TextBlock):
    """A list item; ``depth`` is the number of leading list markers (``*`` = 1, ``**`` = 2)."""

    depth: int = 1
    marker: str = "*"


@dataclass(kw_only=True, slots=True)
class Unit:
    """A heading and everything under it up to the next heading of the same or higher level."""

    kind: UnitKind
    name: str
    qualifier: str | None = None
    title: str = ""
    """The heading text as written, stripped of surrounding spaces and markup."""
    level: int = 0
    line: int = 0
    heading_span: Span | None = None
    name_span: Span | None = None
    """Where ``full_name`` stands in the heading, when it is plain contiguous text."""
    body_span: Span | None = None
    """From the end of the heading line up to the first child heading or the unit's end."""
    span: Span | None = None
    """The whole unit including its children."""
    prose: list[TextBlock] = field(default_factory=list)
    bullets: list[Bullet] = field(default_factory=list)
    children: list[Unit] = field(default_factory=list)
    words: Mapping[str, int] = field(default_factory=dict, repr=False)
    """How often each word (casefolded) stands in ``prose`` and ``bullets``. Shared with
    every page the same section stands on, so it must not be changed."""

    @property
    def full_name(self) -> str:
        return f"{self.name}, {self.qualifier}" if self.qualifier else self.name

    def walk(self) -> list[Unit]:
        """This unit and every descendant, depth first, in page order."""
        out: list[Unit] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(kw_only=True, slots=True)
class OrgPage:
    """A parsed organisation page: the lead section as the root unit, headings as its tree."""

    title: str
    root: Unit
    revid: int = 0
    timestamp: str = ""
    text: str = field(default="", repr=False)
    """The wikitext the page was parsed from; spans index into it."""

    def units(self) -> list[Unit]:
        """Every unit below the root, in page order."""
        return self.root.walk()[1:]


class CanonicalUnit(BaseModel):
    """A unit of the approved structure.

    ``prose`` / ``bullets`` set to ``None`` mean "no canonical text": the page's text there is
    only spell-checked. An empty list means the unit must have none.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["department", "team", "position", "access-role"]
    name: str = Field(min_length=1)
    qualifier: str | None = None
    prose: list[str] | None = None
    bullets: list[str] | None = None
    children: list[CanonicalUnit] = Field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.name}, {self.qualifier}" if self.qualifier else self.name

    def walk(self) -> list[CanonicalUnit]:
        out: list[CanonicalUnit] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


class CanonicalOrg(BaseModel):
    """The approved structure a page must follow, as kept in git."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    source: str | None = None
    """Where the approved text comes from (a page title or URL), for people."""
    approved: str | None = None
    units: list[CanonicalUnit] = Field(default_factory=list)

    def walk(self) -> list[CanonicalUnit]:
        out: list[CanonicalUnit] = []
        for unit in self.units:
            out.extend(unit.walk())
        return out


class Finding(BaseModel):
    """One thing wrong with a page. The JSON form is a stable contract (see README)."""

    kind: str
    path: list[str]
    message: str
    found: str | None = None
    expected: str | None = None
    suggestion: str | None = None
    line: int | None = None
    fixable: bool = False
    basis: Literal["canonical", "dictionary"] | None = None
    span: Span | None = Field(default=None, exclude=True)
    """Source range of ``found`` when it maps to contiguous bytes; used by edits, not reported."""
    detail: dict[str, Any] = Field(default_factory=dict, exclude=True)
    """Data the editor needs (e.g. where to insert a unit); not part of the JSON contract."""

    def contract(self) -> dict[str, Any]:
        """The stable JSON object: the contract's keys always, ``basis`` only for typos."""
        data = self.model_dump(exclude={"span", "detail", "basis"})
        if self.basis is not None:
            data["basis"] = self.basis
        return data
