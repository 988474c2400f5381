"""Source files from the importer's records: issue.toml and one Markdown file per article.

``render_*`` are pure (records -> text, in the canonical form of the README's source format);
``write_folder`` is the only function here that touches the disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from ..fsutil import atomic_write_text
from .analyse import issue_date
from .draft import DraftArticle, DraftBlock, ImportedIssue

ARTICLE_DIR = "articles"


def toml_str(value: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_list(values: list[str], indent: str = "  ") -> str:
    if not values:
        return "[]"
    return "[\n" + "".join(f"{indent}{toml_str(v)},\n" for v in values) + "]"


def article_path(article: DraftArticle) -> str:
    return f"{ARTICLE_DIR}/{article.slug}.md"


def render_issue_toml(issue: ImportedIssue) -> str:
    m = issue.masthead
    lines = [
        f"# 由 issuepub import 从 {issue.source_name or '排版文字'} 导入；导入时的判断和存疑见 import-report.md。",
        "",
        "[magazine]",
        f"title = {toml_str(m.title)}",
        f"code = {toml_str(issue.code)}",
    ]
    if m.issn:
        lines.append(f"issn = {toml_str(m.issn)}")
    if m.cn:
        lines.append(f"cn = {toml_str(m.cn)}")
    if m.publisher:
        lines.append(f"publisher = {toml_str(m.publisher)}")
    lines += ["", "[issue]", f"edition = {toml_str(m.edition)}", f"year = {m.year}",
              f"number = {m.number}"]
    if m.total_number:
        lines.append(f"total_number = {m.total_number}")
    lines += [f"date = {issue_date(issue).isoformat()}", 'language = "zh-CN"',
              "# 没有封面图片：EPUB 会自动生成封面；有图片时加一行 cover = \"cover.png\"。"]
    colophon = []
    if m.masthead:
        colophon.append(f"masthead = {toml_list(m.masthead)}")
    if m.statement:
        colophon.append(f"statement = {toml_list(m.statement)}")
    if m.price:
        colophon.append(f"price = {toml_str(m.price)}")
    if m.cover_caption:
        colophon.append(f"cover_caption = {toml_str(m.cover_caption)}")
    if colophon:
        lines += ["", "[colophon]", *colophon]
    lines += ["", "[audio]"]
    if issue.base_url_placeholder:
        lines.append("# 占位网址：印刷二维码之前必须改成正式的 https 网址。")
    lines.append(f"base_url = {toml_str(issue.base_url)}")
    for column in issue.columns:
        lines += ["", "[[columns]]", f"name = {toml_str(column.name)}"]
        if column.feature:
            lines.append(f"feature = {toml_str(column.feature)}")
        if column.intro:
            lines.append(f"intro = {toml_list(column.intro)}")
        lines.append(f"articles = {toml_list([article_path(a) for a in column.articles])}")
    return "\n".join(lines) + "\n"


def front_matter_value(value: str) -> str:
    """One-line front-matter value; quoted when the reader would otherwise strip its quotes."""
    value = " ".join(value.split())
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        other = "'" if value[0] == '"' else '"'
        return f"{other}{value}{other}"
    return value


def render_block(block: DraftBlock) -> str:
    if block.kind == "heading":
        return f"### {block.text}"
    if block.kind == "quote":
        return f"> {block.text}"
    if block.kind == "caption":
        text = block.text.replace("]", "］")
        return f"![{text}]({block.image})" if block.image else f"![{text}]"
    return block.text


def render_article(article: DraftArticle, source_name: str = "") -> str:
    lines = ["---"]
    if article.lines:
        lines.append(f"# 导入自 {source_name or '排版文字'} 第 {min(article.lines)}–{max(article.lines)} 行")
    lines.append(f"title: {front_matter_value(article.title)}")
    for key in ("subtitle", "author", "author_role", "credit"):
        value = getattr(article, key)
        if value:
            lines.append(f"{key}: {front_matter_value(value)}")
    if article.page is not None:
        lines.append(f"page: {article.page}")
    lines.append("narrate: yes")
    lines.append(f"print_qr: {'yes' if article.print_qr else 'no'}")
    lines.append("---")
    body = [render_block(b) for b in article.blocks]
    return "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"


def render_files(issue: ImportedIssue) -> dict[str, str]:
    """Relative path -> text of every source file (the report is added by the caller)."""
    files = {"issue.toml": render_issue_toml(issue)}
    for article in issue.articles:
        files[article_path(article)] = render_article(article, issue.source_name)
    return files


class FolderNotEmpty(Exception):
    """The target folder holds files and replacing it was not asked for."""


def foreign_entries(folder: Path, report_name: str) -> list[str]:
    """What ``folder`` holds besides what an import writes (issue.toml, the report,
    articles/*.md): files ``--force`` would destroy, such as a cover or pictures."""
    allowed = {"issue.toml", report_name, "articles"}
    found = [p.name for p in folder.iterdir() if p.name not in allowed]
    articles = folder / "articles"
    if articles.is_dir():
        found += [f"articles/{p.name}" for p in articles.iterdir()
                  if not (p.is_file() and p.suffix == ".md")]
    elif articles.exists():
        found.append("articles")
    return sorted(found)


def write_folder(files: dict[str, str], out: Path, *, force: bool,
                 finish: Callable[[Path], dict[str, str]] | None = None) -> None:
    """Write ``files`` under ``out``. The folder is assembled beside ``out`` and renamed into
    place at the end, so a failed import leaves an existing folder exactly as it was.
    ``finish`` sees the assembled folder before the swap and may add files (the report)."""
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.import-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        for rel, text in files.items():
            atomic_write_text(tmp / rel, text)  # fsynced: the old folder goes right after
        if finish is not None:
            for rel, text in finish(tmp).items():
                atomic_write_text(tmp / rel, text)
        if out.exists():
            if not force and any(out.iterdir()):
                raise FolderNotEmpty(out)
            old = parent / f".{out.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
