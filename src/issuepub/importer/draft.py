"""Mutable working records of one import: what was found, where it came from, what was doubted.

These are the importer's own records (not ``issuepub.model``): an article is assembled piece
by piece, so the records are mutable; the writer turns them into source files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..typography import Repair
from .lines import join_parts

# Note kinds, in the order the report lists them.
TODO, MISMATCH, REPAIR, DOUBT, INFO = "todo", "mismatch", "repair", "doubt", "info"


@dataclass(frozen=True)
class Note:
    """One line of the report: a repair made, a doubt, a disagreement, a to-do."""

    kind: str  # todo | mismatch | repair | doubt | info
    topic: str  # short Chinese heading the report groups by, e.g. 跨页断段接续
    lines: tuple[int, ...]
    message: str  # Chinese
    slug: str = ""


@dataclass(frozen=True)
class Dest:
    """Where an input line went: an article, a column's feature/intro, issue.toml, the report."""

    kind: str  # article | column | issue | report
    ref: str  # slug, column name, toml key (colophon.masthead …) or report section


@dataclass(frozen=True)
class TextRepair:
    """One typographic repair (typography.Repair) and the input line it was made on."""

    line: int | None
    slug: str  # the article's slug; "" for issue.toml (column intro, colophon)
    field: str  # title, subtitle, author, author_role, credit, body, feature, intro, statement…
    repair: Repair


@dataclass
class Piece:
    line: int
    text: str


@dataclass(init=False)
class DraftBlock:
    kind: str  # heading | paragraph | quote | caption
    pieces: list[Piece]
    open: bool  # paragraph cut before its sentence ended (page break, displaced text)
    image: str | None  # captions: picture file, relative to the issue folder

    def __init__(self, kind: str, pieces: list[Piece], text: str, open: bool = False,
                 image: str | None = None):
        self.kind, self.pieces, self.open, self.image = kind, pieces, open, image
        # The text as parts, joined when read: a paragraph cut into many lines is copied
        # once, not at every line it gains (which made the import quadratic in its length).
        self._parts = [text]

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0]

    @text.setter
    def text(self, value: str) -> None:
        self._parts = [value]

    def join(self, more: str) -> None:
        """Join ``more`` to the text as ``lines.join_text`` does."""
        join_parts(self._parts, more)

    def tail(self, n: int) -> str:
        """The text's last ``n`` characters, without joining it."""
        out = ""
        for part in reversed(self._parts):
            out = part + out
            if len(out) >= n:
                break
        return out[-n:]

    @property
    def line(self) -> int:
        return self.pieces[0].line if self.pieces else 0

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(p.line for p in self.pieces)


@dataclass
class DraftArticle:
    index: int  # position in the contents, 0-based
    column: str
    title: str
    page: int | None
    contents_author: str = ""
    subtitle: str = ""
    author: str = ""
    author_role: str = ""
    credit: str = ""
    print_qr: bool = False
    blocks: list[DraftBlock] = field(default_factory=list)
    slug: str = ""
    title_line: int | None = None
    body_title: str = ""  # the title as printed over the body
    lines: list[int] = field(default_factory=list)  # every input line that ended up here

    @property
    def open_end(self) -> bool:
        paras = [b for b in self.blocks if b.kind == "paragraph"]
        return bool(paras) and paras[-1].open and self.blocks[-1] is paras[-1]


@dataclass
class DraftColumn:
    name: str
    feature: str = ""
    intro: list[str] = field(default_factory=list)
    articles: list[DraftArticle] = field(default_factory=list)


@dataclass
class Masthead:
    title: str = ""
    edition: str = ""
    year: int | None = None
    number: int | None = None
    total_number: int | None = None
    day: int | None = None
    issn: str = ""
    cn: str = ""
    publisher: str = ""
    price: str = ""
    cover_caption: str = ""
    masthead: list[str] = field(default_factory=list)
    statement: list[str] = field(default_factory=list)
    # (line, printed text, what was taken from it) for the report's 刊物信息来源
    sources: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class ImportedIssue:
    """Everything the analysis found; the writer needs nothing else."""

    source_name: str
    line_count: int
    masthead: Masthead
    columns: list[DraftColumn]
    notes: list[Note]
    provenance: dict[int, Dest]
    contents_lines: list[tuple[int, str, str]]  # (line, printed text, how it was read)
    qr_lines: list[tuple[int, str]]  # (line, slug)
    code: str = ""
    base_url: str = ""
    base_url_placeholder: bool = True
    text_repairs: list[TextRepair] = field(default_factory=list)

    @property
    def articles(self) -> list[DraftArticle]:
        return [a for c in self.columns for a in c.articles]
