"""Emptying wikisync's caches, so a measurement or a test starts as a new process would."""

from __future__ import annotations

from wikisync import compare, parse, spelling, textdiff, words

__all__ = ["clear_caches"]

_CACHED_MODULES = (parse, compare, textdiff, words, spelling)


def clear_caches() -> None:
    """Forget every module-level memo; the spelling dictionary stays loaded, as in a running
    process. A ``Speller`` keeps memos of its own: make a new ``CheckContext`` too."""
    for module in _CACHED_MODULES:
        for name, value in vars(module).items():
            if name != "_lexicon" and callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
    textdiff._memo.clear()
