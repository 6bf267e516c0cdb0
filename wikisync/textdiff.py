"""Word-level comparison of a page's text with the approved text.

Both sides become word streams (case, punctuation and markup do not count); the alignment
says which words differ. A single word against a single near word is a ``typo``; anything
larger is ``wording``. Each difference knows the source bytes it would replace, when those
bytes are plain contiguous text, so the editor can fix it without touching markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import chain, pairwise
from typing import NamedTuple

from .model import Span, TextBlock
from .words import Token, edit_distance, fold, folded_words, tokenize

__all__ = ["PageWord", "TextDifference", "diff_words", "page_words", "similarity"]


class PageWord(NamedTuple):
    """A word of the page: its token and the block it stands in."""

    token: Token
    block: TextBlock


@dataclass(frozen=True)
class TextDifference:
    kind: str  # "typo" or "wording"
    found: str
    expected: str
    span: Span | None
    """Source bytes to replace with ``replacement``; ``None`` when not plain contiguous text."""
    replacement: str
    line: int
    context: str


def page_words(blocks: Sequence[TextBlock]) -> list[PageWord]:
    return [PageWord(token, block) for block in blocks for token in tokenize(block.text)]


@lru_cache(maxsize=4096)
def similarity(a: str, b: str) -> float:
    """How alike two texts are, word by word, ignoring case and punctuation (0..1)."""
    wa = [fold(t.text) for t in tokenize(a)]
    wb = [fold(t.text) for t in tokenize(b)]
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


@lru_cache(maxsize=4096)
def _opcodes(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[tuple[str, int, int, int, int], ...]:
    """Word alignment; cached, since the same paragraphs recur across pages and runs."""
    return tuple(SequenceMatcher(None, a, b, autojunk=False).get_opcodes())


@lru_cache(maxsize=16384)
def _near(a: str, b: str) -> bool:
    longest = max(len(a), len(b))
    limit = 1 if longest <= 4 else 2
    return edit_distance(a, b, limit) <= limit


def _source_span(words: list[PageWord], text: str) -> Span | None:
    """The source range covering ``words`` if it is plain text, else ``None``."""
    if not words or any(w.block is not words[0].block for w in words):
        return None
    block = words[0].block
    offsets = block.offsets_between(words[0].token.start, words[-1].token.end)
    if not offsets or min(offsets) < 0:
        return None
    for prev, cur in pairwise(offsets):
        if cur <= prev:
            return None
        if cur != prev + 1 and text[prev + 1 : cur].strip():
            return None
    return Span(start=offsets[0], end=offsets[-1] + 1)


def _match_case(word: str, like: str) -> str:
    if like[:1].isupper() and word[:1].islower():
        return word[:1].upper() + word[1:]
    if like[:1].islower() and word[:1].isupper() and not word.isupper() and word[1:].islower():
        return word[:1].lower() + word[1:]
    return word


_TRAILING_PUNCTUATION = frozenset(",;:")


def _insertion(words: list[PageWord], at: int, inserted: str, text: str) -> Span | None:
    """Where to insert words that the page lacks: after the previous word, or before the next."""
    if at > 0:
        span = _source_span([words[at - 1]], text)
        if span is None:
            return None
        end = span.end  # after the word's own punctuation: "MediaWiki, and" not "MediaWiki and,"
        while end < len(text) and text[end] in _TRAILING_PUNCTUATION:
            end += 1
        return Span(start=end, end=end)
    if at < len(words):
        span = _source_span([words[at]], text)
        return None if span is None else Span(start=span.start, end=span.start)
    return None


def _context(words: list[PageWord], i1: int, i2: int, change: str) -> str:
    """The change in its place: 'on track for MediaWiki [+and]'."""
    before = " ".join(w.token.text for w in words[max(0, i1 - 4) : i1])
    after = " ".join(w.token.text for w in words[i2 : i2 + 4])
    return " ".join(part for part in (before, f"[{change}]", after) if part)


_MEMO_SIZE = 4096
_Placed = list[tuple[TextDifference, int]]
"""Differences relative to their section, each with the index of the block it stands in."""
_memo: dict[tuple[object, ...], tuple[tuple[Sequence[int], ...], _Placed]] = {}


def diff_words(blocks: Sequence[TextBlock], expected_text: str, text: str) -> list[TextDifference]:
    """Differences between the words of ``blocks`` and the approved text, in page order.

    ``text`` is the page's wikitext, used to check that a range is plain text. Text that
    matches (the usual case) costs two cached lookups and a comparison. Differences are
    remembered relative to the blocks' section, so a section that recurs (on another page of
    a family, or on the same page next run) is compared once wherever it stands.
    """
    a = tuple(chain.from_iterable(folded_words(block.text) for block in blocks))
    b = folded_words(expected_text)
    if a == b:
        return []
    base = blocks[0].base if blocks else 0
    if not blocks or any(block.base != base for block in blocks):  # nothing to place by
        return [diff for diff, _ in _differences(blocks, expected_text, text, a, b)]
    relatives = tuple(block.relative for block in blocks)
    # The parse cache hands out the same offset tuples for a recurring section, so their
    # identities stand for their contents: the entry keeps them alive, so no other tuple
    # can have those ids meanwhile. The differences also read the characters around each
    # block (spacing, punctuation).
    key = (
        expected_text,
        tuple(map(id, relatives)),
        tuple(text[max(0, block.span.start - 1) : block.span.end + 1] for block in blocks),
    )
    known = _memo.get(key)
    if known is None:
        found = _differences(blocks, expected_text, text, a, b)
        if len(_memo) >= _MEMO_SIZE:
            del _memo[next(iter(_memo))]
        relative = [(_placed(diff, -base, diff.line), index) for diff, index in found]
        known = _memo[key] = (relatives, relative)
    return [
        _placed(diff, base, blocks[index].line if index >= 0 else 0) for diff, index in known[1]
    ]


def _placed(diff: TextDifference, by: int, line: int) -> TextDifference:
    """``diff`` with its span moved by ``by`` characters and standing on ``line``."""
    span = diff.span
    if span is not None and by:
        span = Span(start=span.start + by, end=span.end + by)
    return TextDifference(
        diff.kind, diff.found, diff.expected, span, diff.replacement, line, diff.context
    )


def _differences(
    blocks: Sequence[TextBlock],
    expected_text: str,
    text: str,
    a: tuple[str, ...],
    b: tuple[str, ...],
) -> _Placed:
    """The differences, each with the index of the block its line comes from (-1: none)."""
    words = page_words(blocks)
    index_of = {id(block): i for i, block in enumerate(blocks)}
    expected = tokenize(expected_text)
    out: _Placed = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op == "equal":
            continue
        at = index_of[id(words[min(i1, len(words) - 1)].block)] if words else -1
        if (
            op == "replace"
            and i2 - i1 == j2 - j1
            and all(_near(a[i], b[j1 + k]) for k, i in enumerate(range(i1, i2)))
        ):
            for k, i in enumerate(range(i1, i2)):
                found, want = words[i].token.text, expected[j1 + k].text
                out.append(
                    (
                        TextDifference(
                            kind="typo",
                            found=found,
                            expected=want,
                            span=_source_span([words[i]], text),
                            replacement=_match_case(want, found),
                            line=words[i].block.line,
                            context=_context(words, i, i + 1, f"{found} → {want}"),
                        ),
                        index_of[id(words[i].block)],
                    )
                )
            continue
        found = " ".join(w.token.text for w in words[i1:i2])
        want = expected_text[expected[j1].start : expected[j2 - 1].end] if j2 > j1 else ""
        if i2 > i1:
            span = _source_span(words[i1:i2], text)
            replacement = want
            if j2 == j1 and span is not None:  # a deletion: take one neighbouring space too
                if text[span.end : span.end + 1] == " ":
                    span = Span(start=span.start, end=span.end + 1)
                elif span.start > 0 and text[span.start - 1] == " ":
                    span = Span(start=span.start - 1, end=span.end)
        else:
            span = _insertion(words, i1, want, text)
            replacement = f" {want}" if i1 > 0 else f"{want} "
        if not found:
            change = f"+{want}"
        elif not want:
            change = f"-{found}"
        else:
            change = f"{found} → {want}"
        context = _context(words, i1, i2, change)
        out.append(
            (
                TextDifference(
                    kind="wording",
                    found=found,
                    expected=want,
                    span=span,
                    replacement=replacement,
                    line=blocks[at].line if at >= 0 else 0,
                    context=context,
                ),
                at,
            )
        )
    return out
