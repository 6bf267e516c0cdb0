"""Time a cold parse of organisation pages of growing size against the bare parse.

Usage: python3 benchmarks/parse_scaling.py [--smallest CHARS] [--steps N] [--repeat N]

Each row doubles the page (numbered teams, each with a position and duties) and gives the
CPU time of wikisync's parse with every cache emptied, and of the bare mwparserfromhell
parse of the same text, both the best of ``--repeat`` runs. The last line gives how much
each grew from the smallest page to the largest, measured in this one run: for a linear
parse both are close to the growth in size.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import mwparserfromhell

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cache_state import clear_caches
from generated_pages import organisation_text

from wikisync.parse import parse_page


def best_cpu(run: Callable[[], object], repeat: int) -> float:
    """Best CPU time of ``repeat`` runs, each from empty parse caches."""
    times = []
    for _ in range(repeat):
        clear_caches()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smallest", type=int, default=50_000)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rows = []
    print(f"{'characters':>12}{'wikisync ms':>14}{'bare ms':>10}{'ratio':>8}")
    for step in range(args.steps):
        text = organisation_text(args.smallest * 2**step)
        ours = best_cpu(partial(parse_page, text), args.repeat)
        bare = best_cpu(partial(mwparserfromhell.parse, text), args.repeat)
        rows.append((len(text), ours, bare))
        print(f"{len(text):>12}{ours * 1000:>14.1f}{bare * 1000:>10.1f}{ours / bare:>8.2f}")
    (size0, ours0, bare0), (size1, ours1, bare1) = rows[0], rows[-1]
    print(
        f"{size1 / size0:.1f}x the text: wikisync {ours1 / ours0:.1f}x the time, "
        f"bare parse {bare1 / bare0:.1f}x"
    )


if __name__ == "__main__":
    main()
