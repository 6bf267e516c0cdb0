"""Time parse-and-compare per page against the bare mwparserfromhell parse of the same page.

Usage: python3 benchmarks/parse_compare.py [--repeat N]

Prints, measured in this one run (CPU time, so other processes matter less):

* cold: the bundled page with every wikisync cache emptied before each pass, the cost of a
  page seen for the first time;
* family: 500 distinct pages of the same family (each with its own slips and intro, see
  ``live_check.variants``) checked once each, in order, the way a run over many pages goes;
  unchanged sections are parsed once and reused.

Each line gives wikisync's parse, compare (structure + words) and spelling next to the bare
parse of the same text. The spelling dictionary is loaded before timing, as in a long job.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import mwparserfromhell

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from cache_state import clear_caches  # noqa: E402
from live_check import variants  # noqa: E402

from wikisync.compare import compare  # noqa: E402
from wikisync.mapping import Mapping, load_mapping  # noqa: E402
from wikisync.model import Revision  # noqa: E402
from wikisync.pipeline import CheckContext  # noqa: E402

MAPPING = ROOT / "mappings" / "miraheze" / "mapping.yaml"


def cpu(func: Callable[[], object]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


def fresh_context(mapping: Mapping) -> CheckContext:
    """A context as a new process has it: empty caches, the dictionary loaded."""
    clear_caches()
    context = CheckContext(mapping)
    context.prepare()
    return context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args()

    mapping = load_mapping(MAPPING)
    snapshot = Revision(
        title="Tech:Organisation",
        text=MAPPING.with_name("snapshots").joinpath("Tech_Organisation.wikitext").read_text(),
    )

    # cold: a page never seen before
    bare = parse = structure = full = 0.0
    for _ in range(args.repeat):
        bare += cpu(lambda: mwparserfromhell.parse(snapshot.text))
        context = fresh_context(mapping)
        parse += cpu(partial(context.parse, snapshot))
        page = context.parse(snapshot)
        context = fresh_context(mapping)
        structure += cpu(partial(compare, page, context.canonical, options=context.options))
        context = fresh_context(mapping)
        full += cpu(partial(context.check, snapshot))
    rows_cold = [x / args.repeat for x in (bare, parse, structure, full - parse - structure, full)]

    # family: many distinct pages, each checked once
    context = fresh_context(mapping)
    revisions = [Revision(title=t, text=x) for t, x in variants(args.pages).items()]
    bare_f = cpu(lambda: [mwparserfromhell.parse(r.text) for r in revisions])
    full_f = cpu(lambda: [context.check(r) for r in revisions])
    n = len(revisions)

    print(f"page: {len(snapshot.text)} characters; family: {n} distinct pages")
    print(f"{'ms per page (CPU)':<38}{'cold':>9}{'family':>9}")
    names = [
        "mwparserfromhell.parse (bare)",
        "wikisync parse (tree + plain text)",
        "compare: structure + words",
        "spelling (dictionary basis)",
        "parse + compare + spelling (total)",
    ]
    family = {0: bare_f / n * 1000, 4: full_f / n * 1000}
    for i, name in enumerate(names):
        fam = f"{family[i]:>9.3f}" if i in family else f"{'':>9}"
        print(f"{name:<38}{rows_cold[i] * 1000:>9.3f}{fam}")
    print(
        f"total / bare parse: cold {rows_cold[4] / rows_cold[0]:.2f}, family {full_f / bare_f:.2f}"
    )


if __name__ == "__main__":
    main()
