"""What a citizen typed, as a full-text query both databases run.

The query is segmented like the indexed text (segment.words). Every word must match
(AND); a word matches itself, any of its synonyms (publicdata.Synonym), or, for a
compound, all of its parts. The last word also matches as a prefix (people type partial
words: "บางบ" finds บางบอน), and a piece of the query typed without spaces also matches as
one prefix ("สิ่งแวด" finds สิ่งแวดล้อม, which newmm would cut into other words).

The tree renders to PostgreSQL's tsquery (`'ขยะ' | 'มูลฝอย'`, `'บางบ':*`) and to SQLite
FTS5's query language (`"ขยะ" OR "มูลฝอย"`, `"บางบ"*`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from citykpi.publicdata.search.segment import normalise, parts, words

MAX_PIECES = 8  # pieces of the query between spaces
MAX_WORDS = 12  # words of one piece
MAX_SYNONYMS = 10  # equivalents of one word


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


Node = Word | AllOf | AnyOf


def all_of(items: Iterable[Node]) -> Node | None:
    found = tuple(dict.fromkeys(items))
    if not found:
        return None
    return found[0] if len(found) == 1 else AllOf(found)


def any_of(items: Iterable[Node]) -> Node | None:
    found = tuple(dict.fromkeys(items))
    if not found:
        return None
    return found[0] if len(found) == 1 else AnyOf(found)


class Synonyms:
    """Groups of words treated as one, by the normalised, space-free form of each member."""

    def __init__(self, groups: Iterable[list[str]] = ()) -> None:
        self.by_key: dict[str, list[tuple[str, ...]]] = {}
        for group in groups:
            members = [tuple(words(member)) for member in group]
            members = [m for m in members if m]
            for member in members:
                found = self.by_key.setdefault("".join(member), [])
                found.extend(m for m in members if m != member and m not in found)

    def of(self, key: str) -> list[tuple[str, ...]]:
        return self.by_key.get(key, [])[:MAX_SYNONYMS]


def word_node(word: str, synonyms: Synonyms, *, prefix: bool) -> Node:
    options: list[Node] = [Word(word, prefix)]
    compound = parts(word)
    if compound:
        # The compound's direct pieces: the parts list starts with them, longest first.
        options.append(all_of(Word(p) for p in _direct_pieces(word, compound)) or Word(word))
    for equivalent in synonyms.of(word):
        options.append(all_of(Word(w) for w in equivalent) or Word(word))
    return any_of(options) or Word(word)


def _direct_pieces(word: str, compound: tuple[str, ...]) -> list[str]:
    """The pieces that spell `word` (parts() also lists the pieces' own parts)."""
    pieces, rest = [], word
    for piece in compound:
        if rest.startswith(piece):
            pieces.append(piece)
            rest = rest[len(piece) :]
    return pieces if not rest else []


def build(text: str, synonyms: Synonyms | None = None) -> Node | None:
    """The query tree of what was typed, or None when it holds no word to look for.

    >>> build("ขยะ บางบ")
    AllOf(items=(Word(text='ขยะ', prefix=False), AnyOf(items=(AllOf(items=(Word(text='บา', prefix=False), \
Word(text='งบ', prefix=True))), Word(text='บางบ', prefix=True)))))
    """
    synonyms = synonyms or Synonyms()
    pieces = normalise(text).split()[:MAX_PIECES]
    nodes: list[Node] = []
    for number, piece in enumerate(pieces):
        last_piece = number == len(pieces) - 1
        found = words(piece)[:MAX_WORDS]
        if not found:
            continue
        terms = [
            word_node(word, synonyms, prefix=last_piece and index == len(found) - 1)
            for index, word in enumerate(found)
        ]
        node = all_of(terms)
        whole = "".join(found)
        if len(found) > 1:
            # The piece as one word (and its synonyms): "น้ำท่วมขัง", or a partial word.
            alternatives = [node, Word(piece, prefix=last_piece)]
            alternatives += [all_of(Word(w) for w in eq) for eq in synonyms.of(whole)]
            node = any_of(a for a in alternatives if a is not None)
        if node is not None:
            nodes.append(node)
    return all_of(nodes)


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def as_tsquery(node: Node) -> str:
    """PostgreSQL's tsquery text (cast with ::tsquery: no parser, the words as they are).

    >>> as_tsquery(build("มูลฝอย เขต"))
    "( 'มูลฝอย' | ( 'มูล' & 'ฝอย' ) ) & 'เขต':*"
    """
    if isinstance(node, Word):
        return _lexeme(node.text) + (":*" if node.prefix else "")
    joiner = " & " if isinstance(node, AllOf) else " | "
    return joiner.join(
        as_tsquery(item) if isinstance(item, Word) else f"( {as_tsquery(item)} )" for item in node.items
    )


def as_fts5(node: Node) -> str:
    """SQLite FTS5's query text.

    >>> as_fts5(build("มูลฝอย เขต"))
    '("มูลฝอย" OR ("มูล" AND "ฝอย")) AND "เขต"*'
    """
    if isinstance(node, Word):
        return '"' + node.text.replace('"', '""') + '"' + ("*" if node.prefix else "")
    joiner = " AND " if isinstance(node, AllOf) else " OR "
    return joiner.join(
        as_fts5(item) if isinstance(item, Word) else f"({as_fts5(item)})" for item in node.items
    )
