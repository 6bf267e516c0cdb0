"""Typo benchmark for the dictionary basis: how well ``wikisync.spelling.Speller`` finds slips.

Slips are injected, with a fixed seed, into clean organisation-page prose (the files under
``benchmarks/data/clean/``), and each corrupted text is checked the way a page would be: the
Speller gets the domain vocabulary (``mappings/miraheze/domain-words.txt``) and counts the
page's own words from the corrupted text.

Injected slips:

* non-word typos: insertion of a neighbouring QWERTY key, deletion, substitution by a
  neighbouring key, transposition of adjacent letters, a doubled letter and a dropped
  apostrophe. A typo that happens to spell a dictionary or vocabulary word is drawn again, so
  this class holds only non-words;
* real-word slips from a list of realistic pairs (roles -> toles, manager -> manger, ...), each
  injected only where the intended word also appears elsewhere in the same text.

Only prose words are targets: words in short quotations (group names), acronyms, camelCase and
code-like tokens are literals the Speller deliberately leaves alone. Capitalised words and names
are targets.

Figures: precision and recall on non-word typos, recall (and precision) on real-word slips,
the share of found slips whose first suggestion is the intended word, how often ``fixable``
is right, false positives on the clean corpus and time per 1000 words.

Only the dictionary basis is measured here. The canonical basis (comparison with canonical
text, ``wikisync/compare.py``) is deliberately left out: there is no
``measure_canonical_basis()`` in this script.

Run: ``python3 benchmarks/typo_benchmark.py [--seed N] [--rounds N]``. The exit status is 1
when a target is missed: non-word recall >= 0.9, non-word precision >= 0.95 and no false
positive on the clean corpus.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spellchecker import SpellChecker  # noqa: E402

from wikisync.spelling import Speller, SpellingSlip, parse_word_list, tokenize_words  # noqa: E402

CORPUS = ROOT / "benchmarks" / "data" / "clean"
VOCABULARY = ROOT / "mappings" / "miraheze" / "domain-words.txt"

KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

# (intended, slip): slips seen in real edits, where the slip is itself an English word.
REAL_WORD_PAIRS = (
    ("roles", "toles"),
    ("form", "from"),
    ("from", "form"),
    ("manager", "manger"),
    ("manage", "manger"),
    ("their", "there"),
    ("there", "their"),
    ("public", "pubic"),
    ("through", "thorough"),
    ("servers", "severs"),
    ("member", "ember"),
    ("board", "broad"),
    ("casual", "causal"),
    ("leads", "lends"),
    ("track", "tack"),
    ("group", "grout"),
    ("sites", "sires"),
    ("stable", "sable"),
    ("united", "untied"),
    ("goals", "goads"),
    ("stores", "stoves"),
    ("teams", "teens"),
    ("budget", "budge"),
    ("lose", "loose"),
    ("field", "filed"),
    ("trial", "trail"),
    ("matters", "mattes"),
    ("deploy", "deplore"),
    ("cache", "cachet"),
    ("core", "cor"),
    ("week", "weak"),
    ("quiet", "quite"),
    ("advance", "advice"),
    ("affect", "effect"),
)

QUOTED = re.compile(r"(?<![\w'])'[^'\n]{1,60}'(?!\w)|\"[^\"\n]{1,60}\"")
APOSTROPHE_KINDS = ("dropped apostrophe",)
MECHANICAL_KINDS = ("insertion", "deletion", "substitution", "transposition", "doubled letter")


def keyboard_neighbours() -> dict[str, str]:
    """Keys touching each letter on a QWERTY keyboard (same row and the rows next to it)."""
    position = {
        letter: (row, col)
        for row, keys in enumerate(KEYBOARD_ROWS)
        for col, letter in enumerate(keys)
    }
    neighbours: dict[str, str] = {}
    for letter, (row, col) in position.items():
        near = [
            other
            for other, (r, c) in position.items()
            if other != letter
            and abs(r - row) <= 1
            and (
                c - col in (-1, 1)
                if r == row
                else c - col in (0, 1)
                if r < row
                else c - col in (-1, 0)
            )
        ]
        neighbours[letter] = "".join(near)
    return neighbours


NEIGHBOURS = keyboard_neighbours()


@dataclass
class Injected:
    """One injected slip, with its span in the corrupted text."""

    kind: str
    intended: str
    written: str
    start: int
    end: int
    real_word: bool


@dataclass
class Tally:
    """Counts gathered over all rounds."""

    injected: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    right_first: Counter[str] = field(default_factory=Counter)
    findings_non_word: int = 0
    true_non_word: int = 0
    findings_real_word: int = 0
    true_real_word: int = 0
    fixable: int = 0
    fixable_right: int = 0
    false_positives: list[str] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0


def load_corpus() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(CORPUS.iterdir())}


def with_case(template: str, word: str) -> str:
    """Write ``word`` with the capitalisation of ``template``."""
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def prose_targets(text: str) -> list[tuple[str, int, int]]:
    """Words a slip may be injected into: prose, not quoted literals, acronyms or camelCase."""
    quoted = [m.span() for m in QUOTED.finditer(text)]
    targets = []
    for word, start, end in tokenize_words(text):
        if any(lo <= start and end <= hi for lo, hi in quoted):
            continue
        if len(word) >= 2 and word[0].isupper() and word[1].isupper():
            continue  # acronym
        if any(c.isupper() for c in word[1:]):
            continue  # camelCase
        targets.append((word, start, end))
    return targets


class Injector:
    """Draws slips with a seeded random generator."""

    def __init__(self, rng: random.Random, known: set[str]) -> None:
        self.rng = rng
        self.known = known

    def is_word(self, text: str) -> bool:
        low = text.casefold()
        return low in self.known or all(part in self.known for part in low.split("-"))

    def mechanical(self, word: str, kind: str) -> str | None:
        """A non-word typo of ``word`` of the given kind, or None when none can be made."""
        letters = [i for i, c in enumerate(word) if c.isalpha()]
        for _ in range(30):
            if not letters:
                return None
            i = self.rng.choice(letters)
            low = word[i].lower()
            if kind == "insertion":
                typo = word[: i + 1] + self.rng.choice(NEIGHBOURS.get(low, low)) + word[i + 1 :]
            elif kind == "deletion":
                if len(letters) < 3:
                    return None
                typo = word[:i] + word[i + 1 :]
            elif kind == "substitution":
                near = NEIGHBOURS.get(low)
                if not near:
                    continue
                new = self.rng.choice(near)
                typo = word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]
            elif kind == "transposition":
                if i + 1 >= len(word) or not word[i + 1].isalpha() or word[i] == word[i + 1]:
                    continue
                low_word = word[:1].lower() + word[1:]
                typo = with_case(
                    word, low_word[:i] + low_word[i + 1] + low_word[i] + low_word[i + 2 :]
                )
            elif kind == "doubled letter":
                typo = word[: i + 1] + word[i].lower() + word[i + 1 :]
            else:
                raise ValueError(kind)
            if typo != word and not self.is_word(typo):
                return typo
        return None


def corrupt(
    text: str, injector: Injector, rng: random.Random, density: float
) -> tuple[str, list[Injected]]:
    """Inject slips into ``text``; returns the corrupted text and the slips with their spans."""
    targets = prose_targets(text)
    count = max(1, round(len(targets) * density))
    lows = Counter(word.casefold() for word, _, _ in targets)
    plans: dict[int, tuple[str, str, str, bool]] = {}  # target index -> kind, old, new, real

    pairs = [(a, b) for a, b in REAL_WORD_PAIRS if lows[a] >= 2]
    intended = ""
    if pairs:
        intended, slip = rng.choice(pairs)
        places = [i for i, (w, _, _) in enumerate(targets) if w.casefold() == intended]
        index = rng.choice(places)
        word = targets[index][0]
        plans[index] = ("real-word slip", word, with_case(word, slip), True)

    apostrophes = [i for i, (w, _, _) in enumerate(targets) if "'" in w or "\u2019" in w]
    if apostrophes and rng.random() < 0.5:
        index = rng.choice(apostrophes)
        word = targets[index][0]
        typo = word.replace("'", "").replace("\u2019", "")
        if index not in plans and not injector.is_word(typo):
            plans[index] = ("dropped apostrophe", word, typo, False)

    attempts = 0
    while len(plans) < count + (1 if pairs else 0) and attempts < 10 * count:
        attempts += 1
        index = rng.randrange(len(targets))
        if index in plans or index - 1 in plans or index + 1 in plans:
            continue
        word = targets[index][0]
        if word.casefold() == intended:
            continue  # keep the real-word slip's intended word elsewhere in the text
        kind = rng.choice(MECHANICAL_KINDS)
        made = injector.mechanical(word, kind)
        if made is not None:
            plans[index] = (kind, word, made, False)

    pieces: list[str] = []
    injected: list[Injected] = []
    cursor = 0
    shift = 0
    for index in sorted(plans):
        kind, old, new, real = plans[index]
        _, start, end = targets[index]
        pieces.append(text[cursor:start])
        pieces.append(new)
        cursor = end
        new_start = start + shift
        injected.append(Injected(kind, old, new, new_start, new_start + len(new), real))
        shift += len(new) - len(old)
    pieces.append(text[cursor:])
    return "".join(pieces), injected


def score(slips: list[SpellingSlip], injected: list[Injected], text: str, tally: Tally) -> None:
    """Match findings to injected slips by overlapping spans and add them to ``tally``."""
    for item in injected:
        tally.injected[item.kind] += 1
    matched: set[int] = set()
    for slip in slips:
        hit = next(
            (
                i
                for i, item in enumerate(injected)
                if slip.start < item.end and item.start < slip.end
            ),
            None,
        )
        if slip.real_word:
            tally.findings_real_word += 1
        else:
            tally.findings_non_word += 1
        if hit is None:
            context = text[max(0, slip.start - 25) : slip.end + 25].replace("\n", " ")
            tally.false_positives.append(f"{slip.word!r} -> {slip.suggestions[:3]} in '{context}'")
            continue
        item = injected[hit]
        if item.real_word:
            tally.true_real_word += slip.real_word
        else:
            tally.true_non_word += not slip.real_word
        if hit in matched:
            continue
        matched.add(hit)
        tally.found[item.kind] += 1
        intended = item.intended.casefold().replace("\u2019", "'")
        if intended.endswith("'s") and not slip.word.casefold().endswith("s"):
            intended = intended[:-2]  # the owner of a possessive is reported on its own
        if "-" in intended:  # a slip in one part of a compound is reported for that part
            intended = next(
                (p for p in intended.split("-") if p not in item.written.casefold().split("-")),
                intended,
            )
        right = bool(slip.suggestions) and slip.suggestions[0].casefold() == intended
        tally.right_first[item.kind] += right
        if slip.fixable:
            tally.fixable += 1
            tally.fixable_right += right


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "  n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--rounds", type=int, default=60, help="corrupted copies of each text")
    parser.add_argument(
        "--density", type=float, default=0.02, help="share of words given a typo (default 0.02)"
    )
    parser.add_argument("--show", type=int, default=10, help="false positives to list")
    args = parser.parse_args(argv)

    corpus = load_corpus()
    vocabulary = parse_word_list(VOCABULARY.read_text(encoding="utf-8"))

    started = time.perf_counter()
    speller = Speller(vocabulary)
    load_seconds = time.perf_counter() - started
    known = set(SpellChecker(language="en").word_frequency.dictionary)
    known.update(word.casefold() for word in vocabulary)

    words = sum(len(tokenize_words(text)) for text in corpus.values())
    started = time.perf_counter()
    clean_findings = [(name, slip) for name, text in corpus.items() for slip in speller.check(text)]
    first_pass = time.perf_counter() - started
    steady = []
    for _ in range(5):
        started = time.perf_counter()
        for text in corpus.values():
            speller.check(text)
        steady.append(time.perf_counter() - started)

    rng = random.Random(args.seed)
    injector = Injector(rng, known)
    tally = Tally()
    for _ in range(args.rounds):
        for text in corpus.values():
            corrupted, injected = corrupt(text, injector, rng, args.density)
            started = time.perf_counter()
            slips = speller.check(corrupted)
            tally.seconds += time.perf_counter() - started
            tally.words += len(tokenize_words(corrupted))
            score(slips, injected, corrupted, tally)

    non_word_kinds = [*MECHANICAL_KINDS, *APOSTROPHE_KINDS]
    non_word_injected = sum(tally.injected[k] for k in MECHANICAL_KINDS) + sum(
        tally.injected[k] for k in APOSTROPHE_KINDS
    )
    non_word_found = sum(tally.found[k] for k in non_word_kinds)
    real_injected = tally.injected["real-word slip"]
    real_found = tally.found["real-word slip"]
    all_found = sum(tally.found.values())
    all_right = sum(tally.right_first.values())
    false_positives = len(tally.false_positives)

    line = "-" * 66

    def row(label: str, value: str) -> None:
        print(f"{label:<44}{value:>22}")

    per_1000 = 1000 * 1000 / words  # seconds per corpus -> milliseconds per 1000 words
    print(f"Typo benchmark, dictionary basis (Speller), seed {args.seed}, {args.rounds} rounds")
    print(line)
    print(f"clean corpus: {len(corpus)} texts, {words} words; vocabulary: {len(vocabulary)} words")
    print(line)
    print(f"{'slip kind':<22}{'injected':>10}{'found':>10}{'recall':>10}{'1st sugg.':>12}")
    for kind in (*non_word_kinds, "real-word slip"):
        print(
            f"{kind:<22}{tally.injected[kind]:>10}{tally.found[kind]:>10}"
            f"{ratio(tally.found[kind], tally.injected[kind]):>10}"
            f"{ratio(tally.right_first[kind], tally.found[kind]):>12}"
        )
    print(line)
    row("non-word recall", ratio(non_word_found, non_word_injected))
    row("non-word precision", ratio(tally.true_non_word, tally.findings_non_word))
    row("real-word recall", ratio(real_found, real_injected))
    row("real-word precision", ratio(tally.true_real_word, tally.findings_real_word))
    row("first suggestion is the intended word", ratio(all_right, all_found))
    row("found slips marked fixable", ratio(tally.fixable, all_found))
    row("fixable slips whose 1st suggestion is right", ratio(tally.fixable_right, tally.fixable))
    row("false positives on corrupted texts", str(false_positives))
    row("false positives on the clean corpus", str(len(clean_findings)))
    print(line)
    row("dictionary load (s)", f"{load_seconds:.3f}")
    row("ms per 1000 words, first pass (cold caches)", f"{first_pass * per_1000:.2f}")
    row("ms per 1000 words, clean corpus (warm)", f"{min(steady) * per_1000:.2f}")
    row("ms per 1000 words, corrupted texts", f"{1e6 * tally.seconds / tally.words:.2f}")
    print(line)
    for name, slip in clean_findings:
        print(f"clean false positive: {name}: {slip.word!r} -> {slip.suggestions[:3]}")
    for example in tally.false_positives[: args.show]:
        print(f"false positive: {example}")
    missed_ok = non_word_injected == 0 or non_word_found / non_word_injected >= 0.9
    precise = tally.findings_non_word == 0 or tally.true_non_word / tally.findings_non_word >= 0.95
    return 0 if missed_ok and precise and not clean_findings else 1


if __name__ == "__main__":
    raise SystemExit(main())
