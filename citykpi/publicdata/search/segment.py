"""Thai text into words, the same way for what is indexed and for what citizens type.

Thai is written without spaces between words: "สำนักงานเขตบางบอน" is three words. The
text is normalised (Thai digits to Arabic, letter case, the two spellings of sara am, a
doubled sara e, repeated or misordered marks, punctuation to spaces) and then segmented by
newmm (dictionary-based maximal matching over Thai character clusters) in nlpo3, PyThaiNLP's
Rust engine: about 2.5 ms for the 5,400 characters of the seed KPI page, against about 9 ms
for PyThaiNLP's Python newmm with the same dictionary (docs/read-model.md#search).

The dictionary ships in this package, so nothing is fetched at run time (the intranet is
offline): `words_th.txt` is PyThaiNLP 5.4.0's word list (CC0-1.0), `government_terms.txt`
our own list (the 50 districts, agency names and abbreviations, KPI vocabulary). nlpo3 reads
one file, so the two are written together to a temporary file once per process.

A dictionary word can be a compound ("ขยะมูลฝอย", "สำนักงานเขต") that a citizen types in
part ("ขยะ", "เขตบางบอน"): `index_words` adds, after each compound, the dictionary words
it is made of (and theirs in turn), so both the compound and its parts are found.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import nlpo3

from citykpi.lib.thai import to_arabic_digits

HERE = Path(__file__).resolve().parent
DICTIONARY_FILES = ("words_th.txt", "government_terms.txt")
ENGINE_DICTIONARY = "citykpi-search"

# Function words that would match nearly every KPI: left out of the index and the query.
# The shortest part of a compound worth indexing: two-letter "words" such as ระ, บุ, กร are
# mostly syllables that the dictionary happens to hold.
MIN_PIECE = 3
STOPWORDS = frozenset(
    "การ ความ ของ และ ที่ ใน ให้ ได้ มี เป็น จาก โดย กับ ซึ่ง หรือ แต่ เพื่อ จะ นี้ นั้น อยู่ "
    "ไป มา แล้ว ต่อ ตาม ถึง ว่า อย่าง ด้วย เมื่อ ทั้ง ไว้ "
    "the of and in for to a an on by with".split()
)

THAI = re.compile(r"[\u0e01-\u0e5b]")
# Above/below vowels and tone marks that a typist may double or put in the wrong order.
UPPER_LOWER_VOWELS = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
TONE_MARKS = "\u0e48\u0e49\u0e4a\u0e4b"
_REPEATED_MARK = re.compile(r"([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\1+")
_TONE_BEFORE_VOWEL = re.compile(f"([{TONE_MARKS}])([{UPPER_LOWER_VOWELS}])")
# Thai letters, vowels and marks; not ฯ (abbreviation), ๆ (repetition) or ๏ ๚ ๛.
_THAI_WORD_CHARS = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e"
# Latin letters with accents are kept (names in English or French); other scripts and all
# punctuation, symbols and invisible characters (zero-width space) become spaces.
_NOT_WORD = re.compile(f"[^0-9a-z{_THAI_WORD_CHARS}\u00df-\u00f6\u00f8-\u024f]+")


def normalise(text: str) -> str:
    """Canonical text: Arabic digits, lower case, one spelling of each Thai vowel, and
    spaces for everything that is not part of a word.

    >>> normalise("ขยะมูลฝอย  เขต๑๐ PM2.5 (สยป.)")
    'ขยะมูลฝอย เขต10 pm2 5 สยป'
    >>> normalise("ทํางาน เเละ") == "ทำงาน และ"
    True
    """
    return " ".join(_NOT_WORD.sub(" ", _canonical(text or "")).split())


def _canonical(text: str) -> str:
    text = unicodedata.normalize("NFC", to_arabic_digits(text)).casefold()
    text = text.replace("\u0e4d\u0e32", "\u0e33").replace("\u0e40\u0e40", "\u0e41")
    text = _REPEATED_MARK.sub(r"\1", text)
    return _TONE_BEFORE_VOWEL.sub(r"\2\1", text)


@functools.cache
def dictionary() -> frozenset[str]:
    """Every word of the shipped dictionary files, normalised (one-word entries only)."""
    found: set[str] = set()
    for name in DICTIONARY_FILES:
        # One pass over the whole file (a line-by-line normalise takes a second).
        for line in _canonical((HERE / name).read_text(encoding="utf-8")).splitlines():
            line = line.strip().rstrip(".")  # "กทม." is the word กทม
            if line and not line.startswith("#") and not _NOT_WORD.search(line):
                found.add(line)
    return frozenset(found)


_loading = threading.Lock()
_loaded = False


def warm() -> None:
    """Load the dictionary now (about half a second) rather than in the first search of
    the process: for a server's start."""
    _engine_ready()


def _engine_ready() -> None:
    """Give nlpo3 our dictionary, once per process (it reads one file into memory)."""
    global _loaded
    if _loaded:
        return
    with _loading:
        if _loaded:
            return
        handle, path = tempfile.mkstemp(prefix="citykpi-words-", suffix=".txt")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write("\n".join(sorted(dictionary())))
            message, ok = nlpo3.load_dict(path, ENGINE_DICTIONARY)
            if not ok and "exist" not in message.lower():
                raise RuntimeError(f"nlpo3 could not load the search dictionary: {message}")
        finally:
            os.unlink(path)
        _loaded = True


def words(text: str) -> list[str]:
    """The words of `text`, normalised, without stopwords, in order.

    >>> words("สำนักงานเขตบางบอน Bang Bon District Office")
    ['สำนักงานเขต', 'บางบอน', 'bang', 'bon', 'district', 'office']
    >>> words("การจัดการขยะมูลฝอยของชุมชน")
    ['จัดการ', 'ขยะมูลฝอย', 'ชุมชน']
    """
    text = normalise(text)
    if not text:
        return []
    _engine_ready()
    found = []
    for token in nlpo3.segment(text, ENGINE_DICTIONARY):
        token = token.strip()
        if token and token not in STOPWORDS:
            found.append(token)
    return found


@functools.lru_cache(maxsize=200_000)
def parts(word: str) -> tuple[str, ...]:
    """The dictionary words a Thai compound is made of, and theirs in turn (the fewest
    pieces of at least MIN_PIECE characters, the longest first); empty for a word that is not a
    compound.

    >>> parts("ขยะมูลฝอย")
    ('ขยะ', 'มูลฝอย', 'มูล', 'ฝอย')
    >>> parts("สำนักงานเขต")
    ('สำนักงาน', 'สำนัก', 'งาน', 'เขต')
    >>> parts("district")
    ()
    """
    size = len(word)
    if size < 2 * MIN_PIECE or not THAI.search(word):
        return ()
    vocabulary = dictionary()
    # best[i]: the fewest dictionary words that spell word[i:], or None.
    best: list[tuple[str, ...] | None] = [None] * (size + 1)
    best[size] = ()
    for start in range(size - MIN_PIECE, -1, -1):
        for end in range(start + MIN_PIECE, size + 1):
            rest = best[end]
            if rest is None or (start == 0 and end == size):
                continue
            piece = word[start:end]
            if piece in vocabulary:
                candidate = (piece, *rest)
                current = best[start]
                # Fewest pieces, then the longest first piece (as newmm reads left to right).
                if current is None or (len(candidate), -len(piece)) < (len(current), -len(current[0])):
                    best[start] = candidate
    split = best[0]
    if not split:
        return ()
    found: list[str] = []
    for piece in split:
        if piece not in STOPWORDS:
            found.append(piece)
        if len(piece) >= 6:  # "สำนักงาน" is still a compound, "สำนัก" is a word
            found.extend(parts(piece))
    return tuple(found)


def index_words(texts: Iterable[str]) -> str:
    """The words of `texts` for the index, each compound followed by its parts, joined by
    spaces (the form both databases' full-text indexes read)."""
    found: list[str] = []
    for text in texts:
        for word in words(text):
            found.append(word)
            found.extend(parts(word))
    return " ".join(found)
