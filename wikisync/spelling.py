"""Spelling slips in wiki prose that has no canonical text to be compared against.

This module owns dictionary-based typo detection: which words of a page's plain text look like
slips, what they were probably meant to be, and whether the first suggestion is safe to apply
without a person choosing. Comparison with canonical text is done elsewhere; this is the basis
for prose that exists only on the wiki.

The dictionary is pyspellchecker's English word-frequency list, loaded once per process. Its
frequencies come from general (largely conversational) English, so technical words look rarer
than they are; the rules below lean on the page itself and on a domain vocabulary to make up
for that.

Decisions, and why:

* A word the page uses at least twice is not flagged. Slips are one-offs, while a spelling
  repeated on the same page is nearly always deliberate (a name, a term of art). The count
  includes the occurrence being checked, so "twice" means "also used elsewhere on the page".
  The exception is a repeated slip: when the page uses a correctly spelled word one edit away
  more often ("Infrastucture" twice beside "Infrastructure" ten times), it is still flagged.
* Words that are not prose are skipped: anything inside a short quotation (at most
  ``QUOTE_MAX_CHARS`` characters on one line: group names, literal values; longer quotations
  are prose and are checked), tokens with digits, underscores, slashes, dots, colons or other
  code punctuation inside, URLs and e-mail addresses (which contain those), all-caps
  acronyms, camelCase, contractions, a few lower-case abbreviations ("etc") and list numerals
  ("iii"), and words with non-ASCII letters (mostly names). Possessives are checked without
  their "'s".
* Hyphenated compounds are checked part by part; common prefixes ("pre", "non") are parts
  too. Compounds are often identifiers ("cache-admins"), so a part is flagged only when it is
  one edit from a word the page or the vocabulary spells.
* A capitalised word inside a sentence is a name until shown otherwise. It is flagged only when
  one edit away from a word the page or the vocabulary uses, or, for words of at least eight
  letters, from a dictionary word of frequency at least 300 (shorter names such as "Paladox"
  sit one edit from words too often). At the start of a sentence or of a line a capital says
  nothing about the word, so it is checked in full.
* A non-word with no dictionary, page or vocabulary word within two edits is not flagged:
  slips land within two edits of the word meant, so such a word is far more often an unlisted
  term than a slip. To keep checking fast, distance two is searched only when nothing is one
  edit away, only for words of 5 to 20 letters, and only among words that begin with the
  word's first or second letter; dictionary candidates are cached per word for the process.
* A non-word that splits into two common dictionary words ("wellbeing"), or into a common
  prefix and a dictionary word ("noncommercially"), is a closed compound, unless some word is
  one edit away from it.
* Real-word slips: a dictionary word of four or more letters is flagged only when it is rare
  and a word one edit away is at least ``RARE_RATIO`` times as frequent and used by the page
  or the vocabulary. Up to ``LONE_RARE_MAX_FREQUENCY`` that is enough; up to
  ``RARE_MAX_FREQUENCY`` the text must also write the frequent word in the same phrase
  ("the manger checks" beside "the manager reviews"), because the list's conversational
  frequencies make formal words ("retains", "overt") look rare. A capitalised word may be a
  name ("Owen" beside "own"), so it always needs the phrase. Forms of one stem
  ("layer"/"layers", "compiler"/"compiled", "license"/"licensee") and spelling variants are
  never such a pair. Common words (form/from, their/there) are never flagged: that needs
  grammar, not a dictionary.
* Suggestions are ranked by Damerau distance (a transposition counts as one edit), then by
  whether the page or vocabulary uses the word, then by frequency. One tie-break sits before
  frequency: restoring the apostrophe of a possessive the page or vocabulary knows
  ("Mirahezes" -> "Miraheze's").
* ``fixable``: the first suggestion beats every rival in its tier (same distance, same page
  use). It is fixable when it has no such rival, which covers being the only suggestion,
  being strictly closer than the rest, and being the only one the page or vocabulary uses;
  otherwise when it is at least ``FIXABLE_RATIO`` times as frequent as the strongest rival.
* Spelling variants: by default British and American spellings are both accepted. With
  ``"en-GB"``, American forms are flagged where a regular British form exists (-ize/-yze,
  -or/-our, -er/-re, -ense/-ence, single/double l and a short list of words); -ize is treated
  as American, as on Miraheze. With ``"en-US"``, British forms missing from the dictionary are
  flagged with the American form. Words written with a capital inside a sentence keep their
  spelling (names such as "World Health Organization"). Suggestions follow the variant too.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple

__all__ = [
    "FIXABLE_RATIO",
    "LONE_RARE_MAX_FREQUENCY",
    "QUOTE_MAX_CHARS",
    "RARE_MAX_FREQUENCY",
    "RARE_RATIO",
    "Speller",
    "SpellingSlip",
    "Variant",
    "parse_word_list",
    "tokenize_words",
]

Variant = Literal["any", "en-GB", "en-US"]

RARE_MAX_FREQUENCY: Final = 2000
"""A dictionary word more frequent than this is never reported as a real-word slip."""
LONE_RARE_MAX_FREQUENCY: Final = 600
"""Up to this frequency page use alone is evidence of a real-word slip; above, the phrase too."""
RARE_RATIO: Final = 20
"""How many times more frequent the intended word must be than a suspected real-word slip."""
FIXABLE_RATIO: Final = 10
"""Frequency ratio over the second suggestion that makes the first one unambiguous."""
QUOTE_MAX_CHARS: Final = 60
"""Quoted text up to this length is a name or literal, not prose, and is not checked."""

_MAX_SUGGESTIONS: Final = 5
_DISTANCE_TWO_LENGTHS: Final = range(5, 21)
_NAME_MIN_LENGTH: Final = 8
_NAME_MIN_FREQUENCY: Final = 300
_COMPOUND_PART_MIN_FREQUENCY: Final = 1000
_EDIT_LETTERS: Final = string.ascii_lowercase + "'"
_TOP: Final = "\U0010ffff"

_VARIANTS: Final = frozenset({"any", "en-GB", "en-US"})
_PLAIN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_CHUNK = re.compile(r"[^\s\u2013\u2014]+")
_CORE = re.compile(r"[^\W_](?:[^\s\u2013\u2014]*[^\W_])?")  # a chunk without edge punctuation
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_CODE_CHARS: Final = frozenset("0123456789_/\\@.:=<>#{}[]()|~^*+&%$`")
_QUOTES: Final = (
    re.compile(
        rf"(?<![\w'\u2019])['\u2018](?=\S)(?:[^\n]{{0,{QUOTE_MAX_CHARS}}}?\S)?['\u2019](?!\w)"
    ),
    re.compile(rf'"(?=\S)[^"\n]{{0,{QUOTE_MAX_CHARS}}}"'),
    re.compile(rf"\u201c[^\u201d\n]{{0,{QUOTE_MAX_CHARS}}}\u201d"),
)
_ACRONYM = re.compile(r"[A-Z]{2,}(?:s|'s)?")
_OPENERS: Final = frozenset(" \t\"'\u201c\u2018([{*\u2022#>|-\u2013\u2014")
_CLOSERS: Final = frozenset(")]}\"'\u201d\u2019")


def _words(table: str) -> list[str]:
    """Word tables are written as space-separated text to keep them compact and readable."""
    return table.split()


_PREFIXES: Final = frozenset(
    _words(
        "anti auto bi co counter cross cyber de dis e ex hyper inter intra macro meta micro "
        "mid mis multi non off on out over post pre pro quasi re semi self sub super tri ultra "
        "un under up vice"
    )
)
_ABBREVIATIONS: Final = frozenset(_words("approx cf dept eg etc excl incl misc nb viz vs"))
_CONTRACTION_ENDINGS: Final = ("n't", "'re", "'ve", "'ll", "'d", "'m")
_INFLECTIONS: Final = ("s", "d", "r", "e", "'s", "'")
_ENDING_LETTERS: Final = frozenset("sdrnye")
# Lower-case list numbering; two-letter numerals other than "ii" are likelier slips ("ix").
_ROMAN_NUMERALS: Final = frozenset(_words("ii iii vii viii xii xiii xiv xvi xvii xviii xix xxi"))


# Spelling variants --------------------------------------------------------------------------


def _variant_pairs() -> tuple[dict[str, str], dict[str, str]]:
    """Build (British -> American) and (American -> British flagged under en-GB) tables.

    Only the regular families are generated; each family lists its stems explicitly, since
    "-or" and "-er" endings are British too in most words (doctor, water).
    """
    our = _words(
        "arbor ardor armor behavior candor clamor color demeanor endeavor favor fervor flavor "
        "harbor honor humor labor neighbor odor parlor rancor rigor rumor savior savor splendor "
        "tumor valor vapor vigor"
    )
    our_endings = (
        "",
        "s",
        "ed",
        "ing",
        "er",
        "ers",
        "ful",
        "fully",
        "less",
        "able",
        "ably",
        "ite",
        "ites",
        "hood",
        "hoods",
        "al",
        "ally",
        "ist",
        "ists",
        "y",
    )
    re_stems = _words(
        "caliber center fiber liter luster meager miter ocher saber scepter sepulcher somber "
        "specter theater"
    )
    ll_stems = _words(
        "bevel cancel channel chisel counsel dial duel enamel equal fuel funnel gravel grovel "
        "initial jewel label level libel marvel model panel pedal quarrel refuel rival shovel "
        "signal snorkel total travel tunnel yodel"
    )
    flagged: dict[str, str] = {}
    for stem in our:
        for ending in our_endings:
            flagged[stem + ending] = stem[:-2] + "our" + ending
    for stem in re_stems:
        british = stem[:-2] + "re"
        flagged[stem] = british
        flagged[stem + "s"] = british + "s"
        flagged[stem + "ed"] = british[:-1] + "ed"
        flagged[stem + "ing"] = british[:-1] + "ing"
    for stem in ll_stems:
        for ending in ("ed", "ing", "er", "ers", "or", "ors", "ous"):
            flagged[stem + ending] = stem + "l" + ending
    words = (
        "defense:defence defenses:defences defenseless:defenceless offense:offence "
        "offenses:offences pretense:pretence pretenses:pretences catalog:catalogue "
        "catalogs:catalogues cataloged:catalogued cataloging:cataloguing enroll:enrol "
        "enrolls:enrols enrollment:enrolment enrollments:enrolments fulfill:fulfil "
        "fulfills:fulfils fulfillment:fulfilment installment:instalment "
        "installments:instalments skillful:skilful skillfully:skilfully willful:wilful "
        "willfully:wilfully instill:instil instills:instils distill:distil jewelry:jewellery "
        "aluminum:aluminium mold:mould molds:moulds moldy:mouldy plow:plough plows:ploughs "
        "skeptic:sceptic skeptics:sceptics skeptical:sceptical skepticism:scepticism "
        "mustache:moustache pajamas:pyjamas cozy:cosy smolder:smoulder"
    )
    for pair in _words(words):
        american, british = pair.split(":")
        flagged[american] = british
    # British forms that are accepted but whose American forms are fine in British text too.
    accepted_only = (
        "program:programme programs:programmes aging:ageing analog:analogue dialog:dialogue "
        "encyclopedia:encyclopaedia encyclopedias:encyclopaedias medieval:mediaeval "
        "maneuver:manoeuvre maneuvers:manoeuvres pediatric:paediatric anemia:anaemia "
        "anesthetic:anaesthetic esophagus:oesophagus estrogen:oestrogen fetus:foetus "
        "hemorrhage:haemorrhage leukemia:leukaemia orthopedic:orthopaedic diarrhea:diarrhoea "
        "artifact:artefact artifacts:artefacts check:cheque checks:cheques"
    )
    british_to_american = {british: american for american, british in flagged.items()}
    for pair in _words(accepted_only):
        american, british = pair.split(":")
        british_to_american[british] = american
    return british_to_american, flagged


_BRITISH_TO_AMERICAN, _AMERICAN_TO_BRITISH = _variant_pairs()
_ISE = re.compile(r"([a-z]+?)([iy])s(e|es|ed|ing|er|ers|ation|ations|ational|able|ability)")
_IZE = re.compile(r"([a-z]+?)([iy])z(e|es|ed|ing|er|ers|ation|ations|ational|able|ability)")
# Stems where -ize is not the suffix and British spells it the same: size, prize, seize, ...
_IZE_SAME: Final = frozenset(_words("s pr se ma ba caps downs overs outs res ups"))


def _american_form(word: str) -> str | None:
    """The American dictionary spelling of a British form, when ``word`` is one."""
    freq = _lexicon().freq
    candidate = _BRITISH_TO_AMERICAN.get(word)
    if candidate is not None and candidate in freq:
        return candidate
    match = _ISE.fullmatch(word)
    if match is not None and match.group(1) not in _IZE_SAME:
        candidate = f"{match.group(1)}{match.group(2)}z{match.group(3)}"
        if candidate in freq:
            return candidate
    return None


def _british_form(word: str) -> str | None:
    """The British spelling of an American dictionary word, when it has a regular one."""
    british = _AMERICAN_TO_BRITISH.get(word)
    if british is not None:
        return british
    match = _IZE.fullmatch(word)
    if match is not None and match.group(1) not in _IZE_SAME:
        return f"{match.group(1)}{match.group(2)}s{match.group(3)}"
    return None


def _are_variants(first: str, second: str) -> bool:
    return second in (_american_form(first), _british_form(first)) or first in (
        _american_form(second),
        _british_form(second),
    )


# Dictionary -----------------------------------------------------------------------------------


class _Lexicon:
    """The loaded word list: frequencies, plus the plain words sorted for prefix search."""

    __slots__ = ("freq", "sorted_words")

    def __init__(self, freq: Mapping[str, int]) -> None:
        self.freq = freq
        self.sorted_words = sorted(w for w in freq if _PLAIN_WORD.fullmatch(w))


@functools.cache
def _lexicon() -> _Lexicon:
    """Load the dictionary once per process; every Speller shares it."""
    from spellchecker import SpellChecker

    checker = SpellChecker(language="en", distance=1)
    return _Lexicon(checker.word_frequency.dictionary)


@functools.lru_cache(maxsize=4096)
def _edits1(word: str) -> frozenset[str]:
    """Every string one Damerau edit from ``word`` over lower-case ASCII and the apostrophe."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {left + right[1:] for left, right in splits if right}
    edits.update(left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1)
    edits.update(left + c + right[1:] for left, right in splits if right for c in _EDIT_LETTERS)
    edits.update(left + c + right for left, right in splits for c in _EDIT_LETTERS)
    edits.discard(word)
    return frozenset(edits)


@functools.lru_cache(maxsize=4096)
def _possessive_edits1(word: str) -> tuple[str, ...]:
    """The edits of ``word`` that end in a possessive ('s)."""
    return tuple(sorted(e for e in _edits1(word) if e.endswith("'s")))


def _distance(first: str, second: str, limit: int) -> int:
    """Damerau (optimal string alignment) distance, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous: list[int] = []
    row = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            value = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                value = min(value, previous[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous, row = row, current
    return row[-1] if row[-1] <= limit else limit + 1


def _search_distance_two(word: str) -> dict[str, int]:
    """Dictionary words within two edits of ``word``, by walking the sorted list as a trie.

    The work is bounded by assuming the first or second letter of the word is right (slips at
    the very start of a word are rare), so only two of the top-level branches are walked, and
    each branch is abandoned as soon as no completion can be within two edits.
    """
    words = _lexicon().sorted_words
    size = len(word)
    found: dict[str, int] = {}

    def visit(prefix: str, lo: int, hi: int, previous: list[int] | None, row: list[int]) -> None:
        depth = len(prefix)
        last = prefix[-1] if prefix else ""
        i = lo
        if i < hi and words[i] == prefix:
            i += 1
        while i < hi:
            letter = words[i][depth]
            child_hi = bisect.bisect_left(words, prefix + letter + _TOP, i, hi)
            if depth == 0 and letter not in word[:2]:
                i = child_hi
                continue
            current = [row[0] + 1]
            for j in range(1, size + 1):
                wanted = word[j - 1]
                value = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (wanted != letter))
                if previous is not None and j > 1 and wanted == last and word[j - 2] == letter:
                    value = min(value, previous[j - 2] + 1)
                current.append(value)
            if min(current) <= 2:
                child = prefix + letter
                if current[size] <= 2 and words[i] == child:
                    found[child] = current[size]
                visit(child, i, child_hi, row, current)
            i = child_hi

    visit("", 0, len(words), None, list(range(size + 1)))
    found.pop(word, None)
    return found


@functools.lru_cache(maxsize=16384)
def _dictionary_near(word: str) -> tuple[str, ...]:
    """Words one edit from ``word``: dictionary words and regular British forms of them.

    Cached per word, since it does not depend on a page.
    """
    freq = _lexicon().freq
    return tuple(
        c
        for c in _edits1(word)
        if (c in freq and _PLAIN_WORD.fullmatch(c)) or _american_form(c) is not None
    )


def _frequency(word: str) -> int:
    """Dictionary frequency; a British form absent from the list takes its American form's."""
    freq = _lexicon().freq
    if word in freq:
        return freq[word]
    american = _american_form(word)
    return freq[american] if american is not None else 0


@functools.lru_cache(maxsize=4096)
def _dictionary_far(word: str) -> tuple[tuple[str, int], ...]:
    """Dictionary words within two edits of ``word``; only asked when none is at one."""
    return tuple(_search_distance_two(word).items())


@functools.lru_cache(maxsize=16384)
def _frequent_neighbours(word: str) -> tuple[str, ...]:
    """Words one edit from a rare dictionary ``word`` that it may be a slip of.

    They must be far more frequent, and neither an inflection nor a spelling variant of it.
    The answer does not depend on the page, so it is cached per word.
    """
    freq = _lexicon().freq
    floor = RARE_RATIO * freq[word]
    return tuple(
        c
        for c in _edits1(word)
        if freq.get(c, 0) >= floor
        and _PLAIN_WORD.fullmatch(c)
        and not _is_inflection(word, c)
        and not _are_variants(word, c)
    )


def _is_closed_compound(word: str) -> bool:
    """True for words like "wellbeing": two common dictionary words written together.

    A common prefix before a dictionary word counts too ("noncommercially", "sublicenses").
    """
    freq = _lexicon().freq
    for i in range(2, min(len(word) - 3, 6)):
        if word[:i] in _PREFIXES and word[i:] in freq:
            return True
    for i in range(3, len(word) - 2):
        first, second = word[:i], word[i:]
        if (
            freq.get(first, 0) >= _COMPOUND_PART_MIN_FREQUENCY
            and freq.get(second, 0) >= _COMPOUND_PART_MIN_FREQUENCY
        ):
            return True
    return False


# Tokens ---------------------------------------------------------------------------------------


def tokenize_words(text: str) -> list[tuple[str, int, int]]:
    """Split prose into words as ``(word, start, end)``, skipping code-like tokens.

    Words keep internal apostrophes and hyphens ("Miraheze's", "day-to-day"). A whitespace-
    separated token with digits, underscores, slashes, dots, colons or similar inside (URLs,
    e-mail addresses, file names, "Tech:Organisation") yields nothing. Callers build a page's
    word counts from this so that they agree with what ``Speller.check`` looks at.
    """
    if "\n\n" not in text:
        return list(_tokenize_part(text))
    words: list[tuple[str, int, int]] = []
    offset = 0
    for part in text.split("\n\n"):  # no token spans a blank line; parts recur, so cache
        words.extend((w, s + offset, e + offset) for w, s, e in _tokenize_part(part))
        offset += len(part) + 2
    return words


@functools.lru_cache(maxsize=8192)
def _tokenize_part(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple(_by_chunk(text, _chunk_words))


def _by_chunk(
    text: str, words_of: Callable[[str], tuple[tuple[str, int, int], ...]]
) -> list[tuple[str, int, int]]:
    """``words_of`` each whitespace-free chunk of ``text``, placed in the text."""
    words: list[tuple[str, int, int]] = []
    for chunk in _CHUNK.finditer(text):
        found = words_of(chunk.group())
        if found:
            base = chunk.start()
            words.extend((word, base + start, base + end) for word, start, end in found)
    return words


@functools.lru_cache(maxsize=65536)
def _chunk_words(chunk: str) -> tuple[tuple[str, int, int], ...]:
    """The words of one whitespace-free chunk, relative to it; chunks recur everywhere."""
    trimmed = _CORE.search(chunk)
    if trimmed is None:
        return ()
    core = trimmed.group()
    if not _CODE_CHARS.isdisjoint(core):
        return ()
    base = trimmed.start()
    if _WORD.fullmatch(core):
        return ((core, base, base + len(core)),)
    return tuple(
        (match.group(), base + match.start(), base + match.end()) for match in _WORD.finditer(core)
    )


def parse_word_list(text: str) -> list[str]:
    """Words from a word-list file's text: one a line, ``#`` starts a comment."""
    words: list[str] = []
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return words


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Short quotations in ``text``, merged into sorted, non-overlapping spans."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(m.span() for pattern in _QUOTES for m in pattern.finditer(text)):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _starts_sentence(text: str, start: int) -> bool:
    """True at the start of the text, of a line (headings, list items) or after . ! or ?."""
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    if i < 0 or text[i] in "\r\n":
        return True
    while i >= 0 and text[i] in _CLOSERS:
        i -= 1
    return i >= 0 and text[i] in ".!?"


@functools.lru_cache(maxsize=65536)
def _normalise(word: str) -> str:
    return word.casefold().replace("\u2019", "'")


# Findings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpellingSlip:
    """One suspected slip in checked text.

    ``word`` is as written and ``text[start:end] == word``; for a possessive it is the owner
    without "'s", for a compound the part in question. ``suggestions`` come best first in the
    capitals of the word (or of the vocabulary entry). ``fixable`` says the first suggestion
    is unambiguous enough to apply unattended; ``real_word`` marks a correctly spelled but
    probably wrong word. A variant finding (en-GB/en-US) has ``real_word`` False.
    """

    word: str
    start: int
    end: int
    suggestions: tuple[str, ...]
    fixable: bool
    real_word: bool


class _Candidate(NamedTuple):
    word: str
    distance: int
    preferred: bool
    restores_possessive: bool
    frequency: int

    def key(self) -> tuple[int, bool, bool, int, str]:
        return (
            self.distance,
            not self.preferred,
            not self.restores_possessive,
            -self.frequency,
            self.word,
        )


def _is_fixable(ranked: list[_Candidate]) -> bool:
    """Whether the first suggestion clearly beats every rival in the same rank tier."""
    first = ranked[0]
    rivals = [
        c.frequency
        for c in ranked[1:]
        if c.distance == first.distance and c.preferred == first.preferred
    ]
    if not rivals:
        return True
    return first.frequency > 0 and first.frequency >= FIXABLE_RATIO * max(max(rivals), 1)


@functools.lru_cache(maxsize=65536)
def _forms(key: str) -> tuple[str, ...]:
    """A counted word and what it also counts as: its owner if possessive, its parts."""
    word = _normalise(key)
    forms = [word]
    if word.endswith("'s"):
        forms.append(word[:-2])
    elif word.endswith("'"):
        forms.append(word[:-1])
    if "-" in forms[-1]:
        forms.extend(part for part in forms[-1].split("-") if part)
    return tuple(forms)


_CandidateKey = tuple[str, bool, bool, frozenset[tuple[str, int]]]
"""A word, whether it stands as a name or a compound part, and the page counts it reads."""


def _occurrences(page_words: Mapping[str, int]) -> tuple[str, ...]:
    """Each counted word as its forms (see ``_forms``), once per occurrence, for counting."""
    return tuple(
        form for key, count in page_words.items() for form in _forms(key) for _ in range(count)
    )


class _Page:
    """What is known about the page being checked.

    Word counts over the whole page (possessives and compound parts counted too), and the
    word pairs of the checked text, which tell whether a phrase is repeated on the page.
    """

    def __init__(self, counts: Mapping[str, int], text: str = "") -> None:
        self.counts = counts
        self.outnumbered: dict[str, bool] = {}
        self.candidates: dict[tuple[str, bool, bool], list[_Candidate]] = {}
        self._text = text
        self._phrases: tuple[set[tuple[str, str]], dict[int, tuple[str, str]]] | None = None

    def uses(self, word: str) -> int:
        return self.counts.get(word, 0)

    def in_same_phrase(self, start: int, candidate: str) -> bool:
        """Whether the text pairs ``candidate`` with a word next to the one at ``start``."""
        if self._phrases is None:  # built on first use: most pages never ask
            words = tokenize_words(self._text)
            lows = [_normalise(word) for word, _, _ in words]
            beside = {
                begin: (lows[i - 1] if i else "", lows[i + 1] if i + 1 < len(lows) else "")
                for i, (_, begin, _) in enumerate(words)
            }
            self._phrases = (set(itertools.pairwise(lows)), beside)
        pairs, beside = self._phrases
        before, after = beside.get(start, ("", ""))
        return (before, candidate) in pairs or (candidate, after) in pairs


class Speller:
    """Dictionary-based slip finder for one wiki's prose.

    ``vocabulary`` holds domain words (canonical names, the mapping's word list, link targets,
    template names) that are never flagged and are offered as suggestions; matching ignores
    case and a suggestion keeps the vocabulary's capitals. ``variant`` picks the accepted
    spellings (see the module docstring). A Speller holds no per-page state and can be reused.
    """

    def __init__(self, vocabulary: Iterable[str] = (), variant: Variant = "any") -> None:
        if variant not in _VARIANTS:
            raise ValueError(f"unknown spelling variant {variant!r}; use any, en-GB or en-US")
        self._variant: Variant = variant
        forms: dict[str, str] = {}
        for entry in vocabulary:
            entry = entry.strip().replace("\u2019", "'")
            if not entry:
                continue
            key = entry.casefold()
            if key not in forms or entry != key:
                forms[key] = entry
            for part in key.split("-"):
                forms.setdefault(part, part)
        self._forms = forms
        self._vocabulary = frozenset(forms)
        deletions: dict[str, list[str]] = {}
        for key in self._vocabulary:
            for variant_key in {key, *(key[:i] + key[i + 1 :] for i in range(len(key)))}:
                deletions.setdefault(variant_key, []).append(key)
        self._vocabulary_deletions = deletions
        self._lexicon = _lexicon()
        self._fine: dict[str, bool] = {}
        self._suspect_memo: dict[str, tuple[tuple[str, int, int], ...]] = {}
        self._pool_memo: dict[str, frozenset[str]] = {}
        self._near_memo: dict[str, frozenset[str]] = {}
        self._chunk_memo: dict[str, tuple[tuple[str, int, int], ...]] = {}
        self._part_memo: dict[int, tuple[Mapping[str, int], tuple[str, ...]]] = {}
        self._candidate_memo: dict[_CandidateKey, list[_Candidate]] = {}

    def _always_fine(self, token: str) -> bool:
        """Whether ``token`` passes whatever page it is on: a common word or a domain word.

        Most tokens are such words; answering them from a memo keeps spelling cheap next to
        parsing. Possessives, compounds and rare words take the full path.
        """
        known = self._fine.get(token)
        if known is None:
            known = False
            if token.isascii() and token.isalpha():
                low = token.lower()
                if low in self._vocabulary:
                    known = True
                elif self._lexicon.freq.get(low, 0) > RARE_MAX_FREQUENCY:
                    known = self._variant != "en-GB" or _british_form(low) is None
            else:  # a possessive or a compound of such words: "Miraheze's", "cross-team"
                core = token[:-2] if token.endswith(("'s", "\u2019s")) else token
                parts = core.split("-")
                known = (core != token or len(parts) > 1) and all(
                    part.isalpha() and (part.casefold() in _PREFIXES or self._always_fine(part))
                    for part in parts
                )
            if len(self._fine) < 200_000:
                self._fine[token] = known
        return known

    def check(
        self, text: str, page_words: Mapping[str, int] | Sequence[Mapping[str, int]] | None = None
    ) -> list[SpellingSlip]:
        """Suspected slips in ``text``, in text order.

        ``page_words`` counts words (casefolded) over the whole page the text comes from,
        in one mapping or in parts (one a section: parts recur across pages, so what is
        derived from each is remembered); without it the text's own words are counted.
        """
        suspects: list[tuple[str, int, int]] = []
        offset = 0
        for part in text.split("\n\n"):  # quotes and words never span a blank line
            suspects.extend((w, s + offset, e + offset) for w, s, e in self._suspects(part))
            offset += len(part) + 2
        if not suspects:
            return []
        if page_words is None:
            counted: dict[str, int] = {}
            for word, _, _ in tokenize_words(text):
                key = word.casefold()
                counted[key] = counted.get(key, 0) + 1
            page_words = counted
        if isinstance(page_words, Mapping):
            counts = Counter(_occurrences(page_words))
        else:  # counted in C from each section's remembered forms
            counts = Counter(itertools.chain.from_iterable(map(self._part_forms, page_words)))
        page = _Page(counts, text)
        slips: list[SpellingSlip] = []
        for word, start, _ in suspects:
            slips.extend(self._check_token(text, word, start, page))
        return slips

    def _part_forms(self, part: Mapping[str, int]) -> tuple[str, ...]:
        """``_occurrences`` of one section's words, remembered while the section recurs.

        Keyed by identity: the parse hands out the same mapping for a recurring section,
        and the entry keeps it alive, so no other mapping can have its id meanwhile.
        """
        known = self._part_memo.get(id(part))
        if known is None:
            if len(self._part_memo) >= 8192:
                del self._part_memo[next(iter(self._part_memo))]
            known = self._part_memo[id(part)] = (part, _occurrences(part))
        return known[1]

    def _suspects(self, part: str) -> tuple[tuple[str, int, int], ...]:
        """The words of ``part`` that need a closer look: not common, not domain, not quoted.

        That depends on the paragraph alone, so it is remembered per paragraph; a new
        paragraph is looked at chunk by chunk, and what a chunk holds is remembered too.
        """
        known = self._suspect_memo.get(part)
        if known is None:
            found = _by_chunk(part, self._chunk_suspects)
            if found:
                quoted = _quoted_spans(part)
                quote_starts = [span[0] for span in quoted]
                found = [w for w in found if not _inside(quoted, quote_starts, w[1], w[2])]
            known = tuple(found)
            if len(self._suspect_memo) < 50_000:
                self._suspect_memo[part] = known
        return known

    def _chunk_suspects(self, chunk: str) -> tuple[tuple[str, int, int], ...]:
        known = self._chunk_memo.get(chunk)
        if known is None:
            known = tuple(w for w in _chunk_words(chunk) if not self._always_fine(w[0]))
            if len(self._chunk_memo) < 200_000:
                self._chunk_memo[chunk] = known
        return known

    # A token may hold a possessive and hyphenated parts; each part is checked on its own.
    def _check_token(self, text: str, token: str, start: int, page: _Page) -> list[SpellingSlip]:
        low = _normalise(token)
        if "'" in low:
            if low in self._lexicon.freq or low in self._vocabulary:
                return []  # don't, it's, ma'am
            if low.endswith("'s") and "'" not in low[:-2]:
                token = token[:-2]  # possessive: check the owner
            elif low.endswith(_CONTRACTION_ENDINGS) or low.find("'") == 1:
                return []  # contractions, and names such as O'Brien
        sentence_start = _starts_sentence(text, start)
        if "-" not in token:
            slip = self._check_word(token, start, sentence_start, page, part=False)
            return [slip] if slip is not None else []
        slips: list[SpellingSlip] = []
        offset = start
        for index, part in enumerate(token.split("-")):
            if part and part.casefold() not in _PREFIXES:
                slip = self._check_word(
                    part, offset, sentence_start and index == 0, page, part=True
                )
                if slip is not None:
                    slips.append(slip)
            offset += len(part) + 1
        return slips

    def _check_word(
        self, word: str, start: int, sentence_start: bool, page: _Page, *, part: bool
    ) -> SpellingSlip | None:
        if len(word) < 2 or not word.isascii() or _ACRONYM.fullmatch(word):
            return None
        if word[1:] != word[1:].lower():
            return None  # camelCase: MediaWiki, iPhone
        low = word.lower()
        if low in self._vocabulary or word in _ABBREVIATIONS:
            return None
        capitalised = word[0].isupper()
        name_position = capitalised and not sentence_start
        freq = self._lexicon.freq
        if low in freq:
            if self._variant == "en-GB" and not name_position:
                british = _british_form(low)
                if british is not None:
                    return self._slip(word, start, [british], fixable=True, real_word=False)
            if part or page.uses(low) >= 2:
                return None
            return self._real_word_slip(word, low, start, page, capitalised=capitalised)
        if low in _ROMAN_NUMERALS:
            return None
        american = _american_form(low)
        if american is not None:
            if self._variant == "en-US" and not name_position:
                return self._slip(word, start, [american], fixable=True, real_word=False)
            return None
        uses = page.uses(low)
        if uses >= 2 and not self._outnumbered(low, uses, page):
            return None
        ranked = self._candidates(low, page, name_position=name_position, part=part)
        if not ranked:
            return None
        return self._slip(
            word,
            start,
            [c.word for c in ranked[:_MAX_SUGGESTIONS]],
            fixable=_is_fixable(ranked),
            real_word=False,
        )

    def _candidates(
        self, low: str, page: _Page, *, name_position: bool, part: bool
    ) -> list[_Candidate]:
        key = (low, name_position, part)
        ranked = page.candidates.get(key)
        if ranked is None:
            ranked = page.candidates[key] = self._find_candidates(
                low, page, name_position=name_position, part=part
            )
        return ranked

    def _find_candidates(
        self, low: str, page: _Page, *, name_position: bool, part: bool
    ) -> list[_Candidate]:
        """Ranked suggestions for a word that is not in the dictionary.

        The search reads the page only through the counts of a few words: the word's edits
        that the page writes, vocabulary words near it and their owners. With those counts
        as part of the key, the answer is remembered across pages (a family of pages, or
        the same slip on every page of a run). A search that had to look at every page word
        (the distance-two fallback) is not remembered.
        """
        edits = _edits1(low)
        on_page = edits.intersection(page.counts)
        in_vocabulary = self._vocabulary_pool(low)
        near = () if part else _dictionary_near(low)
        watched = {*on_page, *in_vocabulary, *near}
        watched.update([w[:-2] for w in watched if w.endswith("'s")])
        key = (low, name_position, part, frozenset([(w, page.uses(w)) for w in watched]))
        known = self._candidate_memo.get(key)
        if known is not None:
            return known
        ranked, page_wide = self._search_candidates(
            low, page, sorted(on_page | in_vocabulary), near, name_position=name_position, part=part
        )
        if not page_wide and len(self._candidate_memo) < 50_000:
            self._candidate_memo[key] = ranked
        return ranked

    def _vocabulary_pool(self, low: str) -> frozenset[str]:
        """Vocabulary words one edit from ``low``, and vocabulary possessives one edit away."""
        pool = self._pool_memo.get(low)
        if pool is None:
            pool = frozenset(
                {
                    *(_edits1(low) & self._vocabulary),
                    *(e for e in _possessive_edits1(low) if e[:-2] in self._vocabulary),
                }
            )
            if len(self._pool_memo) < 50_000:
                self._pool_memo[low] = pool
        return pool

    def _search_candidates(
        self,
        low: str,
        page: _Page,
        pool: list[str],
        near: tuple[str, ...],
        *,
        name_position: bool,
        part: bool,
    ) -> tuple[list[_Candidate], bool]:
        """The ranked candidates, and whether every page word had to be looked at."""
        # Only words the page writes, vocabulary words and their possessives can be known
        # page words (``pool`` holds those one edit away).
        found = {c: 1 for c in pool if self._is_known_page_word(c, page)}
        # Compounds are often identifiers ("cache-admins"): only a word this page or the
        # vocabulary spells is evidence enough to flag one of their parts.
        for candidate in near:
            if name_position and (
                len(low) < _NAME_MIN_LENGTH or _frequency(candidate) < _NAME_MIN_FREQUENCY
            ):
                continue
            found.setdefault(candidate, 1)
        page_wide = False
        if not found:
            if name_position or part or _is_closed_compound(low):
                return [], False
            if len(low) in _DISTANCE_TWO_LENGTHS:
                page_wide = True
                found.update(_dictionary_far(low))
                for known in (*page.counts, *self._vocabulary):
                    if known[:1] not in low[:2] or not self._is_known_page_word(known, page):
                        continue
                    distance = _distance(low, known, 2)
                    if distance <= 2:
                        found.setdefault(known, distance)
        for candidate in (low + "'s", low.removesuffix("'s")):
            found.pop(candidate, None)  # the word's own possessive is the same word
        found.pop(low, None)
        return self._rank(low, self._in_variant(found), page), page_wide

    def _in_variant(self, found: dict[str, int]) -> dict[str, int]:
        """Suggestions in the chosen spelling: British forms for en-GB, none for en-US."""
        if self._variant == "en-US":
            freq = self._lexicon.freq
            return {c: d for c, d in found.items() if c in freq or _american_form(c) is None}
        if self._variant == "en-GB":
            british: dict[str, int] = {}
            for c, d in found.items():
                form = _british_form(c) or c
                british[form] = min(d, british.get(form, d))
            return british
        return found

    def _is_known_page_word(self, word: str, page: _Page) -> bool:
        """A vocabulary word, or a word on the page that is itself spelled right.

        The possessive of a vocabulary word counts too, and so does a possessive the page
        writes of a known word: a dropped apostrophe ("Mirahezes") should be offered
        "Miraheze's" even when the page uses that form only once or not at all.
        """
        if word.endswith("'s") and word not in self._lexicon.freq:
            owner = word[:-2]
            if owner in self._vocabulary or page.uses(word) > 0:
                return self._is_known_page_word(owner, page) or owner in self._lexicon.freq
            return False
        if word in self._vocabulary:
            return True
        uses = page.uses(word)
        return uses > 0 and (
            uses >= 2
            or word in self._lexicon.freq
            or _american_form(word) is not None
            or _is_closed_compound(word)
        )

    def _outnumbered(self, low: str, uses: int, page: _Page) -> bool:
        """Whether the page more often spells a word one edit away: a repeated slip."""
        known = page.outnumbered.get(low)
        if known is None:
            known = any(
                page.uses(c) > uses and self._is_known_page_word(c, page)
                for c in _edits1(low).intersection(page.counts)
            )
            page.outnumbered[low] = known
        return known

    def _rank(self, low: str, found: Mapping[str, int], page: _Page) -> list[_Candidate]:
        ranked = []
        for c, d in found.items():
            owner = c[:-2] if c.endswith("'s") else None
            # The page writes this possessive, or it is a vocabulary word's possessive.
            possessive = owner is not None and (page.uses(c) > 0 or owner in self._vocabulary)
            ranked.append(
                _Candidate(
                    word=c,
                    distance=d,
                    preferred=page.uses(c) > 0 or c in self._vocabulary or possessive,
                    restores_possessive=possessive and c.replace("'", "") == low,
                    frequency=_frequency(c),
                )
            )
        ranked.sort(key=_Candidate.key)
        return ranked

    def _real_word_slip(
        self, word: str, low: str, start: int, page: _Page, *, capitalised: bool
    ) -> SpellingSlip | None:
        """A rare dictionary word that is probably a slip of a far more frequent page word.

        A capitalised word may be a name ("Owen" beside "own"), so it is flagged only when
        the text also writes the more frequent word in the same phrase ("Engineering
        Manger" where "Engineering Manager" appears elsewhere).
        """
        freq = self._lexicon.freq
        own = freq[low]
        if own > RARE_MAX_FREQUENCY or len(low) < 4:
            return None
        found = {c: 1 for c in _frequent_neighbours(low) if page.uses(c)}
        for candidate in self._vocabulary_near(low):
            if candidate in freq and freq[candidate] < RARE_RATIO * own:
                continue  # a vocabulary word absent from the dictionary counts as frequent
            if not (_is_inflection(low, candidate) or _are_variants(low, candidate)):
                found[candidate] = 1
        if capitalised or own > LONE_RARE_MAX_FREQUENCY:
            found = {c: d for c, d in found.items() if page.in_same_phrase(start, c)}
        if not found:
            return None
        ranked = self._rank(low, found, page)
        return self._slip(
            word,
            start,
            [c.word for c in ranked[:_MAX_SUGGESTIONS]],
            fixable=_is_fixable(ranked),
            real_word=True,
        )

    def _vocabulary_near(self, low: str) -> frozenset[str]:
        """Vocabulary words one edit from ``low``, found through the deletion index.

        Remembered per word: the same rare words recur on every page of a family.
        """
        known = self._near_memo.get(low)
        if known is None:
            keys = {low[:i] + low[i + 1 :] for i in range(len(low))}
            keys.add(low)
            near: set[str] = set()
            for key in keys:
                near.update(self._vocabulary_deletions.get(key, ()))
            near.discard(low)
            known = frozenset(v for v in near if _distance(low, v, 1) <= 1)
            if len(self._near_memo) < 50_000:
                self._near_memo[low] = known
        return known

    def _slip(
        self, word: str, start: int, suggestions: list[str], *, fixable: bool, real_word: bool
    ) -> SpellingSlip:
        return SpellingSlip(
            word=word,
            start=start,
            end=start + len(word),
            suggestions=tuple(self._match_case(word, s) for s in suggestions),
            fixable=fixable,
            real_word=real_word,
        )

    def _match_case(self, word: str, suggestion: str) -> str:
        form = self._forms.get(suggestion)
        if form is not None and form != suggestion:
            return form
        if word[0].isupper():
            return suggestion[:1].upper() + suggestion[1:]
        return suggestion


def _is_inflection(first: str, second: str) -> bool:
    """Whether two words one edit apart are forms of one stem rather than a slip.

    layer/layers, compile/compiled, license/licensee, compiler/compiled: they differ by an
    ending, or only in a last letter that is itself a common ending.
    """
    first, second = first.removesuffix("s"), second.removesuffix("s")
    if first == second:
        return True
    short, long = sorted((first, second), key=len)
    if any(long == short + ending for ending in _INFLECTIONS):
        return True
    return (
        len(first) == len(second)
        and first[:-1] == second[:-1]
        and first[-1] in _ENDING_LETTERS
        and second[-1] in _ENDING_LETTERS
    )


def _inside(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one of the sorted, non-overlapping ``spans``."""
    index = bisect.bisect_right(starts, start) - 1
    return index >= 0 and end <= spans[index][1]
