"""One run of the job: read pages, parse, compare, and hand back results.

The CLI and the scheduler both call these functions; nothing here prints. Reading the page
(from a file, a bundled snapshot, or the wiki) is the only thing that differs between an
offline check and a live one; everything after it is the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .canonical import load_canonical
from .compare import CompareOptions, SpellChecker, compare, vocabulary_of
from .errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError
from .mapping import Mapping
from .model import CanonicalOrg, Finding, OrgPage, Revision
from .parse import parse_page
from .yamlsource import read_text_file

__all__ = [
    "MAX_PAGE_BYTES",
    "CheckContext",
    "CheckResult",
    "PageResult",
    "check_revisions",
    "read_page_file",
    "validate_page_text",
]

MAX_PAGE_BYTES = 2 * 1024 * 1024
"""MediaWiki's default $wgMaxArticleSize (2048 KiB): nothing larger is a real page."""


@dataclass
class PageResult:
    title: str
    source: str
    revid: int = 0
    timestamp: str = ""
    findings: list[Finding] = field(default_factory=list)
    page: OrgPage | None = None
    problem: str | None = None
    """Why the page could not be checked (missing, redirect, binary...), if it could not."""


@dataclass
class CheckResult:
    mapping: Path
    pages: list[PageResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for page in self.pages for f in page.findings]

    @property
    def exit_code(self) -> int:
        if any(page.problem for page in self.pages):
            return EXIT_INPUT
        return EXIT_FINDINGS if self.findings else EXIT_OK


class CheckContext:
    """Everything loaded once per mapping: canonical data, word list, spelling checker."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping

    @cached_property
    def canonical(self) -> CanonicalOrg:
        return load_canonical(self.mapping.resolve(self.mapping.canonical))

    @cached_property
    def wordlist(self) -> list[str]:
        path = self.mapping.spelling.wordlist
        if path is None:
            return []
        text = read_text_file(self.mapping.resolve(path), what="word list")
        return [w.strip() for line in text.splitlines() if (w := line.split("#", 1)[0]).strip()]

    @cached_property
    def speller(self) -> SpellChecker | None:
        if not self.mapping.spelling.enabled:
            return None
        from .spelling import Speller

        vocabulary = vocabulary_of(self.canonical, self.wordlist)
        speller: SpellChecker = Speller(vocabulary, variant=self.mapping.spelling.variant)
        return speller

    @cached_property
    def options(self) -> CompareOptions:
        return CompareOptions(
            fix_kinds=frozenset(self.mapping.fix),
            autofix_dictionary=self.mapping.spelling.autofix,
            conventions=self.mapping.conventions,
        )

    def prepare(self) -> None:
        """Load everything a check needs now (before worker processes are forked)."""
        _ = (self.canonical, self.speller, self.options)

    def parse(self, revision: Revision) -> OrgPage:
        return parse_page(
            revision.text,
            title=revision.title,
            conventions=self.mapping.conventions,
            revid=revision.revid,
            timestamp=revision.timestamp,
        )

    def check(self, revision: Revision) -> PageResult:
        """Parse and compare one revision; content problems become ``problem``."""
        result = PageResult(
            title=revision.title,
            source=revision.source,
            revid=revision.revid,
            timestamp=revision.timestamp,
        )
        try:
            validate_page_text(revision.text, revision.title)
        except InputError as exc:
            result.problem = exc.message
            return result
        page = self.parse(revision)
        result.page = page
        result.findings = compare(page, self.canonical, speller=self.speller, options=self.options)
        return result


def validate_page_text(text: str, name: str) -> None:
    """Refuse text no organisation page can be: empty, binary, or past the size limit."""
    if not text.strip():
        raise InputError("page is empty", source=name)
    if "\x00" in text:
        raise InputError(
            "page is binary (NUL character)",
            source=name,
            line=text.count("\n", 0, text.index("\x00")) + 1,
        )
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PAGE_BYTES:
        raise InputError(
            f"page is too big ({size} bytes; the limit is {MAX_PAGE_BYTES})", source=name
        )


def read_page_file(path: Path, title: str) -> Revision:
    """A page's wikitext from a local file, checked like a page from the wiki."""
    text = read_text_file(path, what="page file", max_bytes=MAX_PAGE_BYTES)
    validate_page_text(text, str(path))
    return Revision(title=title, text=text, source=str(path))


def check_revisions(context: CheckContext, revisions: Sequence[Revision]) -> list[PageResult]:
    return [context.check(revision) for revision in revisions]
