"""Words as comparison and spelling see them: tokens with positions, and how far apart two are.

A word keeps inner apostrophes and hyphens ("Miraheze's", "day-to-day") so that "persons" and
"person's" are two different words, one edit apart.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

__all__ = ["Token", "edit_distance", "fold", "folded_words", "tokenize"]

_WORD = re.compile(r"\w+(?:['’‐-]\w+)*")


class Token(NamedTuple):
    text: str
    start: int
    end: int


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[Token, ...]:
    """The words of ``text`` with their character ranges (cached: texts recur across pages)."""
    return tuple(Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(text))


@lru_cache(maxsize=8192)
def folded_words(text: str) -> tuple[str, ...]:
    """The comparison forms of the words of ``text`` (cached like ``tokenize``).

    Found without positions: counting a new section's words is a part of parsing it.
    """
    return tuple(map(fold, _WORD.findall(text)))


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The comparison form of a word: case and apostrophe style do not count."""
    return word.casefold().replace("’", "'").replace("‐", "-")


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, swaps.

    With ``limit``, returns ``limit + 1`` as soon as the distance must exceed it.
    """
    if a == b:
        return 0
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
