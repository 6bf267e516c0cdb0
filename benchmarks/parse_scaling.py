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
import time
from collections.abc import Callable
from functools import partial

import mwparserfromhell

from wikisync import parse as parse_module
from wikisync.parse import parse_page


def organisation_text(size: int) -> str:
    """Organisation-like wikitext of at least ``size`` characters."""
    parts: list[str] = []
    total = number = 0
    while total < size:
        number += 1
        block = (
            f"== Team: Team {number}, Site Reliability Engineering ==\n"
            f"The team {number} looks after [[Tech:Server {number}|server {number}]] and its "
            "backups, monitoring and on-call rota.{{citation needed}}\n\n"
            f"=== Position: Engineering Manager, Team {number} ===\n"
            f"The Engineering Manager of team {number} leads the team and ensures:\n"
            "* appropriate task management for the team's tasks,\n"
            "* goals are met and kept on track,\n"
            "** including the ones set by the <b>Director</b>.\n\n"
        )
        parts.append(block)
        total += len(block)
    return "".join(parts)


def best_cpu(run: Callable[[], object], repeat: int) -> float:
    """Best CPU time of ``repeat`` runs, each from empty parse caches."""
    times = []
    for _ in range(repeat):
        parse_module._parse_sections.cache_clear()
        parse_module._scan_stretch.cache_clear()
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
