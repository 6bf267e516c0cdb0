"""The mapping file: which wiki, which pages, which canonical data, and the house rules.

A mapping is YAML kept in git next to its canonical data; relative paths in it are relative to
the mapping file. Unknown keys are refused so a misspelt option never silently does nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InputError
from .yamlsource import LocatedYaml, load_model_with_path

__all__ = [
    "FIXABLE_KINDS",
    "Conventions",
    "HeadingRule",
    "Mapping",
    "PageSelector",
    "SpellingConfig",
    "WikiConfig",
    "load_mapping",
]

STRUCTURAL_KINDS = ("department", "team", "position", "access-role")

FIXABLE_KINDS = frozenset(
    {"typo", "wording", "missing-bullet"}
    | {f"renamed-{kind}" for kind in STRUCTURAL_KINDS}
    | {f"missing-{kind}" for kind in STRUCTURAL_KINDS}
)
"""Finding kinds an edit can repair; everything else is only ever reported."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WikiConfig(_Strict):
    api_url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$")
    contact: str = Field(min_length=3)
    """Who runs the bot (a user page or an e-mail); goes into the User-Agent."""
    credentials_file: Path | None = None
    bot: bool = False
    """Whether the account is a bot: edits then assert ``bot``."""


class PageSelector(_Strict):
    titles: list[str] = Field(default_factory=list)
    prefix: str | None = None
    category: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if not (self.titles or self.prefix or self.category):
            raise ValueError("name at least one of titles, prefix or category")
        return self


class HeadingRule(_Strict):
    """How a heading shows its kind: a prefix, a regular expression, or its parent heading."""

    kind: Literal["department", "team", "position", "access-role"]
    prefix: str | None = None
    pattern: str | None = None
    """A regular expression matched against the heading; group ``name`` (and optionally
    ``qualifier``) gives the unit's name."""
    children_of: str | None = None
    """Headings directly under a heading with this title are of ``kind``."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [x for x in (self.prefix, self.pattern, self.children_of) if x is not None]
        if len(given) != 1:
            raise ValueError("a heading rule needs exactly one of prefix, pattern, children_of")
        if self.pattern is not None:
            try:
                compiled = re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
            if "name" not in compiled.groupindex:
                raise ValueError("a pattern needs a named group (?P<name>...)")
        return self


DEFAULT_RULES = (
    HeadingRule(kind="department", prefix="Department:"),
    HeadingRule(kind="team", prefix="Team:"),
    HeadingRule(kind="position", prefix="Position:"),
    HeadingRule(kind="access-role", children_of="Additional Access Roles"),
)


class Conventions(_Strict):
    rules: list[HeadingRule] = Field(default_factory=lambda: list(DEFAULT_RULES))
    qualifier_separator: str = Field(default=",", min_length=1)


class SpellingConfig(_Strict):
    enabled: bool = True
    wordlist: Path | None = None
    variant: Literal["any", "en-GB", "en-US"] = "any"
    autofix: bool = False
    """Whether unambiguous dictionary-basis typos may be fixed too (canonical ones always may)."""


class PublishConfig(_Strict):
    minor: bool = True
    summary_prefix: str = "wikisync"
    delete_extra: bool = False
    """Reserved: extra content is reported and never deleted; ``true`` is refused for now."""

    @field_validator("delete_extra")
    @classmethod
    def _no_deletion_yet(cls, value: bool) -> bool:
        if value:
            raise ValueError("deleting extra content is not supported; wikisync only reports it")
        return value


class Mapping(_Strict):
    wiki: WikiConfig
    pages: PageSelector
    canonical: Path
    snapshot: Path | None = None
    """A local copy of the page, used by ``check --offline``."""
    conventions: Conventions = Field(default_factory=Conventions)
    spelling: SpellingConfig = Field(default_factory=SpellingConfig)
    fix: list[str] = Field(default_factory=list)
    publish: PublishConfig = Field(default_factory=PublishConfig)
    path: Path = Field(default=Path("."), exclude=True)
    """Where the mapping was loaded from (set by the loader, not the file)."""

    @field_validator("fix")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        for kind in kinds:
            if kind not in FIXABLE_KINDS:
                allowed = ", ".join(sorted(FIXABLE_KINDS))
                raise ValueError(f"{kind!r} cannot be fixed automatically; choose from {allowed}")
        return kinds

    def resolve(self, path: Path) -> Path:
        """A path from the mapping, relative to the mapping file's folder."""
        return path if path.is_absolute() else self.path.parent / path


def load_mapping(path: Path) -> Mapping:
    """Load and validate a mapping; every problem is an InputError naming file and line."""
    located = LocatedYaml(path)
    mapping = load_model_with_path(Mapping, located, what="mapping")
    for key in ("canonical", "snapshot"):
        value = getattr(mapping, key)
        if value is not None and not mapping.resolve(value).is_file():
            raise InputError(
                f"{key} file not found: {mapping.resolve(value)}",
                source=str(path),
                line=located.line_of((key,)),
            )
    for key, value in (("wordlist", mapping.spelling.wordlist),):
        if value is not None and not mapping.resolve(value).is_file():
            raise InputError(
                f"{key} file not found: {mapping.resolve(value)}",
                source=str(path),
                line=located.line_of(("spelling", key)),
            )
    return mapping
