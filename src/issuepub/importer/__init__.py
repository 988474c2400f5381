"""``issuepub import``: text extracted from the typeset PDF -> an issue source folder, and one
hand-written Markdown article -> an article of an existing issue.

The analysis is pure (``analyse_text`` in ``analyse``, helpers in ``lines``, ``contents``,
``masthead``, ``bodies``); rendering is pure (``writer``, ``report``); the two entry points
below are the only places that read and write files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..diagnostics import Problem, UserError
from ..fsutil import atomic_write_bytes, atomic_write_text
from ..text import shell_word
from ..model import EDITIONS
from ..sources.loader import BASE_URL_RE, CODE_RE, SLUG_RE, contained, is_regular_file, outside, read_text
from .analyse import analyse_text
from .draft import DOUBT, MISMATCH, REPAIR, TODO, Dest, TextRepair
from .lines import split_lines
from .markdown_article import MarkdownArticleError, parse_markdown_article
from .report import REPORT_NAME, line_ranges, render_report, typography_counts
from .tomledit import TomlEditError, insert_article
from .writer import (ARTICLE_DIR, FolderNotEmpty, foreign_entries, render_article, render_files,
                     write_folder)


__all__ = ["import_issue_text", "import_markdown_article", "analyse_text", "ImportResult",
           "ArticleImportResult", "REPORT_NAME"]


@dataclass(frozen=True)
class ImportResult:
    out: Path
    issue_id: str
    title: str
    columns: int
    articles: int
    report: Path
    repairs: int
    doubts: int
    mismatches: int
    todos: tuple[str, ...]
    check_problems: tuple[str, ...]
    provenance: dict[int, Dest] = field(repr=False, default_factory=dict)
    text_repairs: tuple[TextRepair, ...] = field(repr=False, default=())

    def summary(self) -> str:
        lines = [f"已导入《{self.title}》（{self.issue_id}）：{self.columns} 个栏目，{self.articles} 篇文章，"
                 f"写在 {self.out}/。",
                 f"修复 {self.repairs} 处，存疑 {self.doubts} 处，目录与正文不一致 {self.mismatches} 处，"
                 f"详见 {self.report}。"]
        if self.text_repairs:
            lines.insert(1, f"标点与空格修复 {len(self.text_repairs)} 处：{typography_counts(self.text_repairs)}。")
        if self.check_problems:
            lines.append(f"导入后检查发现 {len(self.check_problems)} 个问题（已写入报告）：")
            lines.extend(f"  {p}" for p in self.check_problems)
        if self.todos:
            lines.append("出版前必须处理：")
            lines.extend(f"  · {t}" for t in self.todos)
        return "\n".join(lines)


@dataclass(frozen=True)
class ArticleImportResult:
    path: Path
    slug: str
    column: str
    title: str
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [f"已加入《{self.title}》到栏目“{self.column}”：{self.path}（文章代号 {self.slug}）。"]
        lines.extend(f"  · {n}" for n in self.notes)
        return "\n".join(lines)


def _read_utf8(path: Path, code_missing: str) -> str:
    """The file's text (BOM and CRLF accepted); a missing or non-UTF-8 file is a user error."""
    if path.is_dir():
        raise UserError(Problem(code_missing, path, None, "这是一个文件夹，要导入的应是一个文字文件。",
                                "写出文件夹里那个文字文件（.txt 或 .md）的路径。"))
    if not path.is_file():
        raise UserError(Problem(code_missing, path, None, "找不到要导入的文件。", "检查文件路径是否写对。"))
    problems: list[Problem] = []
    text = read_text(path, problems)
    if text is None:
        raise UserError(problems)
    return text


def _problem_text(p: Problem, root: Path) -> str:
    where = ""
    if p.file is not None:
        try:
            where = Path(p.file).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            where = Path(p.file).name
        if p.line:
            where += f":{p.line}"
        where += " "
    return f"{where}[{p.code}] {p.message}"


def import_issue_text(raw: Path, out: Path, *, force: bool = False, code: str | None = None,
                      base_url: str | None = None) -> ImportResult:
    """Import a whole issue from the text extracted from its typeset PDF into folder ``out``.

    Writes ``out/issue.toml``, ``out/articles/*.md`` and ``out/import-report.md``. An existing,
    non-empty ``out`` is replaced only with ``force`` (the new folder is assembled beside it
    and swapped in at the end, so a failed import destroys nothing).
    """
    raw, out = Path(raw), Path(out)
    if code is not None and not CODE_RE.match(code):
        raise UserError(Problem("I004", None, None, f"刊物代号“{code}”只能用小写英文字母、数字和连字符。",
                                "例如 --code tjzbsh；它用在文件名和网址里，定了就不要再改。"))
    if base_url is not None:
        base_url = base_url.rstrip("/")
        if not BASE_URL_RE.match(base_url):
            raise UserError(Problem("I005", None, None, f"收听网址“{base_url}”必须以 https:// 开头，且只含域名和路径。",
                                    "例如 --base-url https://ting.example.cn/tjzbsh。"))
    if out.exists() and not out.is_dir():
        raise UserError(Problem("I003", out, None, "--out 指向的是一个已有的文件，不是文件夹。",
                                "换一个 --out 文件夹的名字。"))
    if out.exists() and any(out.iterdir()) and not force:
        raise UserError(Problem("I003", out, None, "目标文件夹已经存在，导入不会覆盖它。",
                                "换一个 --out 文件夹；确实要用新导入的内容替换它时加 --force。"))
    if out.exists() and force:
        foreign = foreign_entries(out, REPORT_NAME)
        if foreign:
            shown = "、".join(foreign[:5]) + ("等" if len(foreign) > 5 else "")
            raise UserError(Problem(
                "I008", out, None,
                f"文件夹里有导入不会生成的文件（{shown}），--force 会把它们一起删掉。",
                "把这些文件（封面、图片等）先移到别处，或换一个 --out 文件夹；"
                "--force 只替换上一次导入写出的 issue.toml、articles/*.md 和 import-report.md。"))
    if out.exists() and raw.resolve().is_relative_to(out.resolve()):
        raise UserError(Problem("I006", raw, None, "要导入的文字文件在目标文件夹里面，--force 会把它删掉。",
                                "先把文字文件移到别处，或换一个 --out 文件夹。"))
    text = _read_utf8(raw, "I001")
    try:
        issue = analyse_text(text, source_name=raw.name, code=code, base_url=base_url)
    except UserError as exc:  # the analysis knows lines, not the file: name it
        raise UserError([p if p.file else replace(p, file=raw) for p in exc.problems]) from None
    files = render_files(issue)
    lines_text = {ln.no: ln.text for ln in split_lines(text) if ln.text}
    found: list[str] = []

    def finish(folder: Path) -> dict[str, str]:
        from ..sources import check_issue  # the loader validates what was written

        _, problems = check_issue(folder)
        # Typography warnings left after the repair (corner brackets that do not pair up, T009)
        # are the editor's to settle, listed with the errors.
        found.extend(_problem_text(p, folder) for p in problems
                     if p.severity == "error" or p.code.startswith("T"))
        return {REPORT_NAME: render_report(issue, lines_text, found)}

    try:
        write_folder(files, out, force=force, finish=finish)
    except FolderNotEmpty:
        raise UserError(Problem("I003", out, None, "目标文件夹已经存在，导入不会覆盖它。",
                                "换一个 --out 文件夹；确实要替换时加 --force。")) from None
    except OSError as exc:
        raise UserError(Problem("I007", out, None, f"无法写入导入结果（{exc.strerror or exc}），原有内容未改动。",
                                "检查目标文件夹的位置和写入权限，或换一个 --out 文件夹。")) from None
    m = issue.masthead
    edition_code = EDITIONS[m.edition]
    return ImportResult(
        out=out, issue_id=f"{issue.code}-{m.year}-{m.number:02d}{edition_code}",
        title=f"{m.title} {m.year}年第{m.number}期（{m.edition}）", columns=len(issue.columns),
        articles=len(issue.articles), report=out / REPORT_NAME,
        repairs=sum(1 for n in issue.notes if n.kind == REPAIR),
        doubts=sum(1 for n in issue.notes if n.kind == DOUBT),
        mismatches=sum(1 for n in issue.notes if n.kind == MISMATCH),
        todos=tuple(n.message for n in issue.notes if n.kind == TODO),
        check_problems=tuple(found), provenance=dict(issue.provenance),
        text_repairs=tuple(issue.text_repairs),
    )


def _listed_slugs(root: Path, data: dict) -> dict[str, tuple[str, str]]:
    """slug -> (column name, listed path) for every article file issue.toml lists."""
    from ..sources.markdown import parse_article

    out: dict[str, tuple[str, str]] = {}
    for column in data.get("columns", []):
        for rel in column.get("articles", []):
            path = root / rel
            slug = Path(rel).stem.lower()
            text = read_text(path, []) if path.is_file() else None  # unreadable: check says so
            if text is not None:
                slug = str(parse_article(text, path).meta.get("slug") or slug)
            out[slug] = (column.get("name", ""), rel)
    return out


def _renumbered(before, after, added: str) -> list[str]:
    """Notes on articles whose number (part of their permanent URL) the insertion changed."""
    if before is None or after is None:
        return []
    old = {a.slug: a for a in before.articles}
    moved = [(old[a.slug], a) for a in after.articles
             if a.slug != added and a.slug in old and old[a.slug].number != a.number]
    if not moved:
        return []
    shown = "、".join(f"《{b.title}》第 {b.number} → {a.number} 篇" for b, a in moved[:5])
    more = f"等 {len(moved)} 篇" if len(moved) > 5 else ""
    return [f"后面文章的序号随之改变：{shown}{more}。序号是收听网址的一部分，这些文章的网址和二维码都变了；"
            "已经印出的二维码会打开别的文章，请重新生成并重新印刷二维码，或把这篇放到期末（--new-column 或最后一个栏目）。"]


def _markdown_notes(parsed, source: Path) -> list[str]:
    """What the conversion changed: paragraphs joined, typography repaired (with lines)."""
    notes = [f"{source.name} 第 {a} 行的段落没有句末标点，与第 {b} 行的段落原是一段（分页切开），已接上。"
             for a, b in parsed.joins]
    notes += [f"{source.name} 第 {line} 行“{text}”像没有写成“### ”的小标题，没有与下一段接上；"
              f"如果是小标题，请改成“### {text}”。" for line, text in parsed.numbered]
    if parsed.text_repairs:
        notes.append(f"标点与空格修复 {len(parsed.text_repairs)} 处（{typography_counts(parsed.text_repairs)}），"
                     f"在 {source.name} 第 {line_ranges(r.line for r in parsed.text_repairs)} 行。")
    if parsed.inline_marks:
        notes.append(f"去掉了 Markdown 的加粗、链接或代码标记 {len(parsed.inline_marks)} 处，只留文字"
                     f"（源文件格式不解释这些标记，留着会连星号一起印出来），"
                     f"在 {source.name} 第 {line_ranges(parsed.inline_marks)} 行。")
    return notes


def import_markdown_article(source: Path, into: Path, *, column: str, after: str | None = None,
                            new_column: bool = False, slug: str | None = None,
                            page: int | None = None) -> ArticleImportResult:
    """Add one Markdown article to the issue folder ``into``, in ``column`` after ``after``.

    The article file is written in the source format under ``articles/``; issue.toml gets
    one more entry in that column's list and is otherwise left as written. If the issue no
    longer passes ``issuepub check`` because of the new article, nothing is kept.
    """
    from ..sources import check_issue

    source, into = Path(source), Path(into)
    toml_path = into / "issue.toml"
    if not toml_path.is_file():
        raise UserError(Problem("I020", toml_path, None, "期刊文件夹里没有 issue.toml。",
                                "--into 要指向已有的期刊文件夹（先用 --out 导入整期，或按 README 新建）。"))
    # issue.toml must be sound before it is edited; its own problems name its lines.
    before_issue, before = check_issue(into)
    toml_errors = [p for p in before if p.severity == "error" and p.file is not None
                   and Path(p.file).resolve() == toml_path.resolve()]
    if toml_errors:
        raise UserError(toml_errors)
    if source.resolve().is_relative_to(into.resolve()):
        raise UserError(Problem("I028", source, None, "这篇文章已经在期刊文件夹里，导入会再复制一份。",
                                "把它移出期刊文件夹再导入；或者不导入，直接在 issue.toml 该栏目的 "
                                "articles 列表里写上它的路径。"))
    if page is not None and page < 1:
        raise UserError(Problem("I029", None, None, f"页码 {page} 不对，应是印刷版上的页码（正整数）。",
                                "例如 --page 12。"))
    text = _read_utf8(source, "I021")
    source_format = text.lstrip("\ufeff").lstrip().startswith("---")
    if source_format:
        # Already in the source format (front matter + body): checked, then copied as is.
        from ..sources.markdown import parse_article

        checked = parse_article(text.lstrip("\ufeff").replace("\r\n", "\n"), source)
        errors = [p for p in checked.problems if p.severity == "error"]
        if errors:
            raise UserError(errors)
        if "title" not in checked.meta:
            raise UserError(Problem("I022", source, 1, "文章的前言里没有 title。", "在前言里写 title: 文章标题。"))
        title = str(checked.meta["title"])
        # The file is copied as written: what its front matter says is what it gets.
        if page is not None or (slug is not None and checked.meta.get("slug") not in (None, slug)):
            raise UserError(Problem("I030", source, 1,
                                    "这篇文章已经是源格式（有前言），--slug 和 --page 不会写进它的前言。",
                                    "在文章前言里写 slug: 和 page:，去掉 --slug、--page 再导入。"))
        if slug is None and checked.meta.get("slug"):
            slug = str(checked.meta["slug"])
        parsed = None
    else:
        try:
            # The target issue's language decides the quotes (「」 stay in a zh-TW issue).
            parsed = parse_markdown_article(text, language=getattr(before_issue, "language", "zh-CN"))
        except MarkdownArticleError as exc:
            raise UserError(Problem("I022", source, exc.line, exc.message, exc.fix)) from None
        title = parsed.article.title
    toml_bytes = toml_path.read_bytes()
    toml_text = toml_bytes.decode("utf-8-sig")
    data = tomllib.loads(toml_text)  # sound: checked above
    names = [c.get("name") for c in data.get("columns", [])]
    if column not in names and not new_column:
        raise UserError(Problem("I024", toml_path, None, f"期刊里没有栏目“{column}”。",
                                "现有栏目：" + "、".join(str(n) for n in names)
                                + "。写其中一个，或加 --new-column 新建这个栏目（放在期末）。"))
    listed = _listed_slugs(into, data)
    after_path = None
    if after is not None:
        if after not in listed or listed[after][0] != column:
            in_column = [s for s, (c, _) in listed.items() if c == column]
            raise UserError(Problem("I025", toml_path, None, f"栏目“{column}”里没有代号为“{after}”的文章。",
                                    ("这个栏目的文章代号：" + "、".join(in_column) + "。") if in_column
                                    else "这个栏目还没有文章，去掉 --after。"))
        after_path = listed[after][1]
    if slug is None:
        stem = source.stem.lower()
        slug = stem if SLUG_RE.match(stem) else "extra"
    elif not SLUG_RE.match(slug):
        raise UserError(Problem("I026", None, None, f"文章代号“{slug}”只能用小写英文字母、数字和连字符。",
                                "例如 --slug p065。"))
    if source_format and slug in listed:
        raise UserError(Problem("I026", source, None, f"文章代号“{slug}”在期刊里已经有了。",
                                "在文章前言里改一个不同的 slug:。"))
    base, n = slug, 2
    while slug in listed or (into / ARTICLE_DIR / f"{slug}.md").exists():
        slug, n = f"{base}-{n}", n + 1
    rel = f"{ARTICLE_DIR}/{slug}.md"
    try:
        new_toml = insert_article(toml_text, column, rel, after=after_path, new_column=new_column)
    except TomlEditError as exc:
        raise UserError(Problem("I027", toml_path, None, str(exc),
                                "手工在 issue.toml 该栏目的 articles 列表里加上 " + rel + "。")) from None
    before_keys = {(p.code, p.message) for p in before if p.severity == "error"}
    notes: list[str] = _markdown_notes(parsed, source) if parsed is not None else []
    copied: list[Path] = []
    article_path = into / rel
    # The folders written into must be the issue's own: articles/ or pictures/ as a symlink
    # out of it would have this import write files elsewhere.
    for folder in (ARTICLE_DIR, "pictures"):
        if contained(into, folder) is None:
            raise UserError(Problem("S036", into / folder, None,
                                    f"期刊文件夹里的 {folder}/ 指向期刊文件夹以外（符号链接），导入会把文件写到别处。",
                                    f"把 {folder}/ 换成期刊文件夹里真正的文件夹（删去符号链接，把文件复制进来）。"))
    made_pictures = not (into / "pictures").exists()
    try:
        if parsed is not None:
            article = parsed.article
            article.slug, article.column, article.page = slug, column, page
            for block_index, image in parsed.images:
                # A picture next to the Markdown file is copied into the issue's pictures/.
                picture = source.parent / image
                block = article.blocks[block_index]
                if contained(source.parent, image) is None:
                    # Only pictures of the article's own folder: never /etc/passwd or ../../x.
                    raise UserError(outside(source, block.line, image, "图片"))
                if not is_regular_file(picture):
                    notes.append(f"图片“{image}”找不到，只保留了说明文字“{block.text}”。")
                    continue
                target = into / "pictures" / picture.name
                k = 2
                while target.exists():
                    target = into / "pictures" / f"{picture.stem}-{k}{picture.suffix}"
                    k += 1
                copied.append(target)
                atomic_write_bytes(target, picture.read_bytes())
                block.image = target.relative_to(into).as_posix()
            article_text = render_article(article, source.name)
        else:
            article_text = text.lstrip("\ufeff")
        atomic_write_text(article_path, article_text)
        # Keep the BOM an editor (Windows Notepad) wrote, as check --fix does.
        bom = "\ufeff" if toml_bytes.startswith(b"\xef\xbb\xbf") else ""
        atomic_write_text(toml_path, bom + new_toml)
        after_issue, after_problems = check_issue(into)
        new_errors = [p for p in after_problems if p.severity == "error" and (p.code, p.message) not in before_keys]
        if new_errors:
            # The written copy is removed below: point at the user's own file instead (same
            # lines when it was copied as is; a converted one has other lines).
            raise UserError([
                replace(p, file=source, line=p.line if source_format else None)
                if p.file is not None and Path(p.file).resolve() == article_path.resolve() else p
                for p in new_errors])
    except BaseException:
        atomic_write_bytes(toml_path, toml_bytes)
        article_path.unlink(missing_ok=True)
        for path in copied:
            path.unlink(missing_ok=True)
        if made_pictures and copied and copied[0].parent.is_dir() and not any(copied[0].parent.iterdir()):
            copied[0].parent.rmdir()  # the pictures/ folder this import created
        raise
    if column not in names:
        notes.append(f"新建了栏目“{column}”（放在期末）。")
    if source_format:
        # Copied as written: its typography is the editor's to fix, so say where it is off.
        warned = [p for p in after_problems if p.code.startswith("T") and p.file is not None
                  and Path(p.file).resolve() == article_path.resolve()]
        if warned:
            notes.append(f"这篇文章照原样复制，其中有 {len(warned)} 处排版警告（第 "
                         f"{line_ranges(p.line for p in warned)} 行），"
                         f"可用 issuepub check --fix {shell_word(into)} 自动修改。")
    notes.extend(_renumbered(before_issue, after_issue, slug))
    return ArticleImportResult(path=article_path, slug=slug, column=column, title=title,
                               notes=tuple(notes))
