"""Time parse-and-compare of one page against the bare mwparserfromhell parse of the same page.

Usage: python3 benchmarks/parse_compare.py [--repeat N] [--page FILE]

Prints, measured in this one run: the bare parse time per page, wikisync's parse, compare
(structure + words) and spelling times, and their ratio to the bare parse. The spelling
dictionary is loaded once before timing, as a long-running job would.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import mwparserfromhell

from wikisync.compare import compare
from wikisync.mapping import load_mapping
from wikisync.model import Revision
from wikisync.pipeline import CheckContext

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "mappings" / "miraheze" / "mapping.yaml"


def best_of(repeat: int, func: Callable[[], object]) -> float:
    """Median seconds of ``repeat`` calls (median resists a noisy neighbour)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--page", type=Path, help="wikitext file (default: bundled snapshot)")
    args = parser.parse_args()

    mapping = load_mapping(MAPPING)
    context = CheckContext(mapping)
    page_file = args.page or mapping.resolve(mapping.snapshot or Path())
    text = page_file.read_text()
    revision = Revision(title="Tech:Organisation", text=text, source=str(page_file))
    assert context.speller is not None  # load the dictionary before timing
    context.check(revision)  # warm caches the way a second page would find them

    page = context.parse(revision)
    bare = best_of(args.repeat, lambda: mwparserfromhell.parse(text))
    parse = best_of(args.repeat, lambda: context.parse(revision))
    structure = best_of(
        args.repeat, lambda: compare(page, context.canonical, options=context.options)
    )
    full = best_of(args.repeat, lambda: context.check(revision))
    spelling = max(full - parse - structure, 0.0)

    print(f"page: {page_file.name}, {len(text)} characters, {len(page.units())} units")
    print(f"{'step':<36}{'ms/page':>10}{'x bare parse':>14}")
    rows = [
        ("mwparserfromhell.parse (bare)", bare),
        ("wikisync parse (tree + plain text)", parse),
        ("compare: structure + words", structure),
        ("spelling (dictionary basis)", spelling),
        ("parse + compare + spelling (total)", full),
    ]
    for name, seconds in rows:
        print(f"{name:<36}{seconds * 1000:>10.3f}{seconds / bare:>14.2f}")


if __name__ == "__main__":
    main()
