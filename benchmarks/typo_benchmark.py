"""Typo benchmark for both bases: how well typo findings catch injected slips.

It measures precision and recall of the typo findings, and the share of findings whose first
suggestion is right, and prints the figures for both bases (dictionary and canonical).

Dictionary basis (``wikisync.spelling.Speller``): slips are injected, with a fixed seed, into
clean organisation-page prose (the files under ``benchmarks/data/clean/``), and each corrupted
text is checked the way a page would be: the Speller gets the domain vocabulary
(``mappings/miraheze/domain-words.txt``) and counts the page's own words from the corrupted
text.

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

Canonical basis (comparison with canonical text, ``wikisync/compare.py``): the canonical data
of the bundled mapping (``mappings/miraheze/mapping.yaml``) is rendered as a clean wikitext
page with ``wikisync.edit.render_unit``; checked with the real pipeline it must give no
finding at all. Then, with the same seed and the same injection functions (the mechanical
typos, the dropped apostrophe and the real-word pairs above), a few slips per page are
injected at distinct, non-adjacent words of its prose and bullets (never in headings), and
each corrupted page goes through ``CheckContext.check``. Against canonical text every slip
is a difference, so real-word slips count in the recall too, and a dropped apostrophe that
spells a word ("persons") is still a slip. A slip is found when a canonical-basis ``typo``
finding stands at its place with the written word as ``found``; that finding is correct when
its suggestion is the intended word (both compared case-insensitively). Precision is the
share of canonical-basis typo findings that are correct. A slip reported as ``wording``
instead is missed; how often that happens is printed.

Run: ``python3 benchmarks/typo_benchmark.py [--seed N] [--rounds N] [--canonical-rounds N]
[--slips N]``. The exit status is 1 when a target is missed: for each basis recall >= 0.9
(non-word slips for the dictionary basis, all slips for the canonical basis), precision
>= 0.95, and no finding on the clean corpus or the clean canonical page.
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

from wikisync.edit import PageStyle, render_unit  # noqa: E402
from wikisync.mapping import Conventions, load_mapping  # noqa: E402
from wikisync.model import CanonicalOrg, Finding, Revision  # noqa: E402
from wikisync.pipeline import CheckContext  # noqa: E402
from wikisync.spelling import Speller, SpellingSlip, parse_word_list, tokenize_words  # noqa: E402
from wikisync.words import fold, tokenize  # noqa: E402

CORPUS = ROOT / "benchmarks" / "data" / "clean"
VOCABULARY = ROOT / "mappings" / "miraheze" / "domain-words.txt"
MAPPING = ROOT / "mappings" / "miraheze" / "mapping.yaml"
PAGE_TITLE = "Tech:Organisation"

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
SLIP_KINDS = (*MECHANICAL_KINDS, *APOSTROPHE_KINDS, "real-word slip")


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

    return splice(text, targets, plans)


def splice(
    text: str,
    targets: list[tuple[str, int, int]],
    plans: dict[int, tuple[str, str, str, bool]],
) -> tuple[str, list[Injected]]:
    """Write each planned slip over its target word; the slips get their corrupted spans."""
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


# -- canonical basis ----------------------------------------------------------------------


@dataclass
class CanonicalTally:
    """Counts for the canonical basis gathered over all corrupted pages."""

    injected: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    right_first: Counter[str] = field(default_factory=Counter)
    typo_findings: int = 0
    correct: int = 0
    wording_findings: int = 0
    slips_as_wording: int = 0
    other_findings: int = 0
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0


def render_canonical_page(org: CanonicalOrg, conventions: Conventions) -> str:
    """The canonical data as a clean page: units in order, access roles under their section."""
    style = PageStyle()
    holders = {rule.kind: rule.children_of for rule in conventions.rules if rule.children_of}
    blocks = [
        render_unit(unit, 2, style, conventions) for unit in org.units if unit.kind not in holders
    ]
    for kind, holder in holders.items():
        held = [render_unit(unit, 3, style, conventions) for unit in org.units if unit.kind == kind]
        if held:
            blocks.append("\n".join([f"== {holder} ==", *held]))
    return "\n\n".join(blocks) + "\n"


def canonical_targets(text: str) -> list[tuple[str, int, int]]:
    """Words of the rendered page's prose and bullet lines (headings are left alone)."""
    targets: list[tuple[str, int, int]] = []
    at = 0
    for line in text.splitlines(keepends=True):
        if not line.startswith("="):
            targets.extend(
                (token.text, at + token.start, at + token.end)
                for token in tokenize(line)
                if any(c.isalpha() for c in token.text)
            )
        at += len(line)
    return targets


def corrupt_canonical(
    text: str,
    targets: list[tuple[str, int, int]],
    injector: Injector,
    rng: random.Random,
    slips: int,
) -> tuple[str, list[Injected]]:
    """Inject ``slips`` slips at distinct, non-adjacent target words; kinds drawn evenly."""
    plans: dict[int, tuple[str, str, str, bool]] = {}
    slip_words: dict[str, list[str]] = {}
    for intended, slip in REAL_WORD_PAIRS:
        slip_words.setdefault(intended, []).append(slip)
    attempts = 0
    while len(plans) < slips and attempts < 50 * slips:
        attempts += 1
        kind = rng.choice(SLIP_KINDS)
        free = [
            i
            for i in range(len(targets))
            if i not in plans and i - 1 not in plans and i + 1 not in plans
        ]
        if kind == "real-word slip":
            free = [i for i in free if targets[i][0].casefold() in slip_words]
        elif kind == "dropped apostrophe":
            free = [i for i in free if "'" in targets[i][0] or "\u2019" in targets[i][0]]
        if not free:
            continue
        index = rng.choice(free)
        word = targets[index][0]
        if kind == "real-word slip":
            new: str | None = with_case(word, rng.choice(slip_words[word.casefold()]))
        elif kind == "dropped apostrophe":
            new = word.replace("'", "").replace("\u2019", "")
        else:
            new = injector.mechanical(word, kind)
        if new is not None and new != word:
            plans[index] = (kind, word, new, kind == "real-word slip")
    return splice(text, targets, plans)


def describe(finding: Finding) -> str:
    return (
        f"{finding.kind} [{finding.basis or '-'}] line {finding.line}: "
        f"{finding.found!r} -> {finding.suggestion!r}"
    )


def shown_word(written: str) -> str:
    """The word a slip shows on the page: a deletion can leave a stray apostrophe ("person'"),
    which is not part of the word the page is compared by."""
    words = tokenize(written)
    return words[0].text if len(words) == 1 else written


def score_canonical(
    findings: list[Finding], injected: list[Injected], text: str, tally: CanonicalTally
) -> None:
    """Match the page's findings to the injected slips and add them to ``tally``."""

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    def place(finding: Finding) -> int | None:
        """The injected slip the finding stands on, if any."""
        for i, item in enumerate(injected):
            if finding.span is not None:
                if finding.span.start < item.end and item.start < finding.span.end:
                    return i
            elif finding.line == line_of(item.start) and fold(finding.found or "") == fold(
                shown_word(item.written)
            ):
                return i
        return None

    for item in injected:
        tally.injected[item.kind] += 1
    found: set[int] = set()
    as_wording: set[int] = set()
    for finding in findings:
        hit = place(finding)
        if finding.kind == "typo" and finding.basis == "canonical":
            tally.typo_findings += 1
            if (
                hit is None
                or hit in found
                or fold(finding.found or "") != fold(shown_word(injected[hit].written))
            ):
                tally.false_positives.append(describe(finding))
                continue
            found.add(hit)
            slip = injected[hit]
            right = fold(finding.suggestion or "") == fold(slip.intended)
            tally.found[slip.kind] += 1
            tally.right_first[slip.kind] += right
            tally.correct += right
        elif finding.kind == "wording":
            tally.wording_findings += 1
            if hit is not None:
                as_wording.add(hit)
        else:
            tally.other_findings += 1
            tally.others.append(describe(finding))
    tally.slips_as_wording += len(as_wording - found)
    for i, item in enumerate(injected):
        if i not in found:
            how = "as wording" if i in as_wording else "not reported as a typo"
            tally.missed.append(f"{item.kind}: {item.intended!r} -> {item.written!r} ({how})")


def measure_canonical_basis(
    context: CheckContext,
    injector: Injector,
    rng: random.Random,
    rounds: int,
    slips: int,
) -> tuple[CanonicalTally, str, list[Finding]]:
    """Check the clean canonical page, then ``rounds`` corrupted copies of it."""
    context.prepare()
    clean = render_canonical_page(context.canonical, context.mapping.conventions)
    clean_result = context.check(Revision(title=PAGE_TITLE, text=clean))
    if clean_result.problem is not None:
        raise SystemExit(f"the clean canonical page could not be checked: {clean_result.problem}")
    targets = canonical_targets(clean)
    tally = CanonicalTally()
    for _ in range(rounds):
        corrupted, injected = corrupt_canonical(clean, targets, injector, rng, slips)
        started = time.perf_counter()
        result = context.check(Revision(title=PAGE_TITLE, text=corrupted))
        tally.seconds += time.perf_counter() - started
        tally.pages += 1
        score_canonical(result.findings, injected, corrupted, tally)
    return tally, clean, clean_result.findings


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "  n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--rounds", type=int, default=60, help="corrupted copies of each text")
    parser.add_argument(
        "--density", type=float, default=0.02, help="share of words given a typo (default 0.02)"
    )
    parser.add_argument(
        "--canonical-rounds",
        type=int,
        default=600,
        help="corrupted copies of the canonical page (default 600)",
    )
    parser.add_argument(
        "--slips", type=int, default=4, help="slips per corrupted canonical page (default 4)"
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
    dictionary_ok = missed_ok and precise and not clean_findings

    context = CheckContext(load_mapping(MAPPING))
    canon_rng = random.Random(args.seed)
    canon, clean_page, clean_page_findings = measure_canonical_basis(
        context, Injector(canon_rng, known), canon_rng, args.canonical_rounds, args.slips
    )
    canon_injected = sum(canon.injected.values())
    canon_found = sum(canon.found.values())
    print()
    print(
        f"Typo benchmark, canonical basis (compare), seed {args.seed}, "
        f"{args.canonical_rounds} rounds"
    )
    print(line)
    page_words = len(canonical_targets(clean_page))
    print(
        f"clean canonical page: {len(context.canonical.walk())} units, {page_words} words; "
        f"{args.slips} slips per page"
    )
    print(line)
    print(f"{'slip kind':<22}{'injected':>10}{'found':>10}{'recall':>10}{'1st sugg.':>12}")
    for kind in SLIP_KINDS:
        print(
            f"{kind:<22}{canon.injected[kind]:>10}{canon.found[kind]:>10}"
            f"{ratio(canon.found[kind], canon.injected[kind]):>10}"
            f"{ratio(canon.right_first[kind], canon.found[kind]):>12}"
        )
    print(line)
    row("recall (all slips)", ratio(canon_found, canon_injected))
    row("precision", ratio(canon.correct, canon.typo_findings))
    row("first suggestion is the intended word", ratio(canon.correct, canon_found))
    row("slips reported as wording instead of typo", str(canon.slips_as_wording))
    row("wording findings on corrupted pages", str(canon.wording_findings))
    row("other findings on corrupted pages", str(canon.other_findings))
    row("false positives on corrupted pages", str(len(canon.false_positives)))
    row("false positives on the clean canonical page", str(len(clean_page_findings)))
    print(line)
    row("ms per page check (parse and compare)", f"{1000 * canon.seconds / canon.pages:.2f}")
    print(line)
    for finding in clean_page_findings:
        print(f"clean canonical false positive: {describe(finding)}")
    for example in canon.false_positives[: args.show]:
        print(f"canonical false positive: {example}")
    for example in canon.others[: args.show]:
        print(f"other finding: {example}")
    for example in canon.missed[: args.show]:
        print(f"missed slip: {example}")
    canon_recall_ok = canon_injected == 0 or canon_found / canon_injected >= 0.9
    canon_precise = canon.typo_findings == 0 or canon.correct / canon.typo_findings >= 0.95
    canonical_ok = canon_recall_ok and canon_precise and not clean_page_findings
    return 0 if dictionary_ok and canonical_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
