"""The corpus issue, imported from its PDF text, reads with the punctuation and spacing of the
printed magazine: no half-width punctuation or extraction spaces next to Chinese characters in
the outline JSON or the EPUB's XHTML, every decimal of the input kept, EPUBCheck clean; the
same for a hand-written Markdown article with page-break splits; and the contents are read
the same when their ■ markers, line ends, blank lines and trailing spaces are perturbed."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from issuepub.build import run_build
from issuepub.cli import main
from issuepub.importer import REPORT_NAME, analyse_text, import_issue_text, import_markdown_article
from issuepub.importer.markdown_article import parse_markdown_article
from issuepub.text import HAN

from conftest import assert_epubcheck_clean

DATA = Path(__file__).resolve().parent / "data"
SPLIT_ARTICLE = DATA / "fenye-duanluo.md"

HALF_WIDTH = re.compile(f"[{HAN}][,;:?!()]|[,;:?!()][{HAN}]")
SPACED = re.compile(f"[{HAN}][ \u00a0]+[0-9A-Za-z]|[0-9A-Za-z%][ \u00a0]+[{HAN}]")
DECIMAL = re.compile(r"\d+\.\d+")
# The other repairs: straight quotes touching Chinese, ... 。。。 and a lone …, -- and ──,
# full-width digits and Latin letters.
OTHER = re.compile(f"[{HAN}][\"']|[\"'][{HAN}]|\\.\\.\\.|。。。|(?<!…)…(?!…)|--|──|[０-９Ａ-Ｚａ-ｚ]")


def artefacts(text: str) -> list[str]:
    return [m.group(0) for pattern in (HALF_WIDTH, SPACED, OTHER) for m in pattern.finditer(text)]


def _outline_json(folder: Path, capsys) -> str:
    assert main(["outline", str(folder), "--json"]) == 0
    return capsys.readouterr().out


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _xhtml_texts(epub: Path) -> dict[str, str]:
    """Text of every XHTML document, without the colophon's label-value masthead lines and
    price (``邮发代号 6-268``: two printed columns, not running text, kept as printed)."""
    out = {}
    with zipfile.ZipFile(epub) as z:
        for name in z.namelist():
            if not name.endswith(".xhtml"):
                continue
            root = etree.fromstring(z.read(name))
            for el in list(root.iter("{*}ul", "{*}p", "{*}dl")):
                # Also the colophon's own rows (期号 下半月 2024年第11期) and its made-with
                # line: written by the EPUB output, not text of the sources.
                if el.get("class") in ("masthead", "price", "made-with") or (
                        el.tag.endswith("dl") and name.endswith("colophon.xhtml")):
                    el.getparent().remove(el)
            # Element by element: the space the contents page sets between an entry's title,
            # author and page (toc-title, toc-author, toc-page) separates fields, it is not
            # text of the sources; an artefact inside any one text still shows.
            out[name] = "\n".join(root.itertext())
    return out


@pytest.fixture(scope="module")
def corpus_import(corpus_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("typo") / "tjzbsh-2024-11b"
    result = import_issue_text(corpus_path, out)
    return result, out


def test_corpus_input_has_the_artefacts(corpus_path):
    text = corpus_path.read_text(encoding="utf-8")
    assert len(HALF_WIDTH.findall(text)) > 1800 and len(SPACED.findall(text)) > 100


def test_corpus_outline_has_no_artefacts_and_keeps_every_decimal(corpus_path, corpus_import, capsys):
    result, out = corpus_import
    data = json.loads(_outline_json(out, capsys))
    # The issue's title (天津支部生活 2024年第11期（下半月）) is made by the model, not imported.
    strings = _strings(data["issue"]["columns"]) + _strings(data["articles"])
    found = [a for s in strings for a in artefacts(s)]
    assert found == []
    joined = "\n".join(strings)
    lines = corpus_path.read_text(encoding="utf-8").split("\n")
    decimals = 0
    for no, line in enumerate(lines, 1):
        dest = result.provenance.get(no)
        if dest is None or dest.kind not in ("article", "column"):
            continue
        for d in DECIMAL.findall(line):
            decimals += 1
            assert d in joined, (no, d)
    assert decimals >= 10


def test_corpus_epub_has_no_artefacts_keeps_decimals_and_is_epubcheck_clean(corpus_path, corpus_import,
                                                                             tmp_path):
    _, out = corpus_import
    report = run_build(out, tmp_path, only=["epub"])
    epub = report.out_dir / "tjzbsh-2024-11b.epub"
    texts = _xhtml_texts(epub)
    assert len(texts) > 30
    for name, text in texts.items():
        assert artefacts(text) == [], name
    with zipfile.ZipFile(epub) as z:
        everything = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml"))
    for d in DECIMAL.findall(corpus_path.read_text(encoding="utf-8")):
        assert d in everything, d
    assert_epubcheck_clean(epub)


def test_corpus_listener_pages_have_no_artefacts(corpus_import, tmp_path):
    """What a listener reads on the phone: every article page's text and its description."""
    _, out = corpus_import
    report = run_build(out, tmp_path, only=["site"])
    pages = sorted((report.out_dir / "site").glob("*/*/[0-9][0-9]/index.html"))
    assert len(pages) == 30
    for page in pages:
        root = lxml_html.parse(str(page)).getroot()
        [article] = root.iter("article")
        texts = list(article.itertext())
        # The description is cut by the site output with one …, its own mark, not the text's.
        texts += [m.get("content").removesuffix("…") for m in root.iter("meta")
                  if m.get("name") == "description"]
        assert "".join(texts).strip()
        assert [a for t in texts for a in artefacts(t)] == [], page


def test_check_finds_nothing_left_to_repair_in_the_imported_corpus(corpus_import, capsys):
    """The import and ``check`` apply one rule set: what the import wrote passes the lint."""
    _, out = corpus_import
    assert main(["check", str(out)]) == 0
    printed = capsys.readouterr()
    assert "[T0" not in printed.out + printed.err
    assert "检查通过" in printed.out + printed.err


def test_report_counts_repairs_by_kind_with_lines(corpus_import):
    result, out = corpus_import
    report = (out / REPORT_NAME).read_text(encoding="utf-8")
    kinds = {r.repair.kind for r in result.text_repairs}
    assert {"punctuation", "brackets", "space"} <= kinds
    assert len(result.text_repairs) > 1900
    assert f"标点与空格修复 {len(result.text_repairs)} 处" in report
    section = report.split("### 标点与空格")[1].split("\n## ")[0]
    # Every repaired line is listed: the lines of a file as ranges (…、359–362、…).
    for r in result.text_repairs[:50]:
        assert r.line is not None
    assert "| 中文里的半角标点（T001） | " in section
    assert "`articles/p011.md`《古街续文脉 党建兴百业》" in section and "第 359、" in section
    # The line-by-line account is still there and complete.
    assert "## 十、逐行去向" in report


def _perturbed(text: str, how: str) -> str:
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("目录"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith("封面"))
    if how in ("no-markers", "all"):
        lines = [ln.lstrip("■").strip() if start <= i < end and ln.startswith("■") else ln
                 for i, ln in enumerate(lines)]
    if how == "first-marker":
        k = next(i for i in range(start, end) if lines[i].startswith("■"))
        lines[k] = lines[k].lstrip("■").strip()
    if how == "every-other-marker":
        marked = [i for i in range(start, end) if lines[i].startswith("■")]
        for k in marked[1::2]:
            lines[k] = lines[k].lstrip("■").strip()
    if how in ("trailing", "all"):
        lines = [ln + " \t " if ln else ln for ln in lines]
    text = "\n".join(lines)
    if how in ("collapsed", "all"):
        text = re.sub(r"\n\s*\n+", "\n", text)
    if how in ("crlf", "all"):
        text = text.replace("\n", "\r\n")
    return text


@pytest.mark.parametrize("how", ["no-markers", "first-marker", "every-other-marker", "crlf", "collapsed",
                                 "trailing", "all"])
def test_contents_read_alike_when_perturbed(corpus_path, how):
    text = corpus_path.read_text(encoding="utf-8")
    want = [(c.name, [(a.page, a.title) for a in c.articles]) for c in analyse_text(text).columns]
    assert sum(len(a) for _, a in want) == 30 and len(want) == 18
    perturbed = _perturbed(text, how)
    assert perturbed != text
    got = [(c.name, [(a.page, a.title) for a in c.articles]) for c in analyse_text(perturbed).columns]
    assert got == want


def test_the_whole_import_of_the_perturbed_corpus_reads_alike(corpus_path, corpus_import, tmp_path, capsys):
    """Not only the contents: every article is found with the same column, title and text."""
    _, out = corpus_import
    raw = tmp_path / "raw.txt"
    raw.write_bytes(_perturbed(corpus_path.read_text(encoding="utf-8"), "all").encode("utf-8"))
    import_issue_text(raw, tmp_path / "perturbed")

    def articles(folder):
        data = json.loads(_outline_json(folder, capsys))
        return [(a["column"], a["title"], a["author"], a["page"], a["blocks"]) for a in data["articles"]]

    want = articles(out)
    assert len(want) == 30
    assert articles(tmp_path / "perturbed") == want


def test_markdown_article_with_page_break_splits(example_copy, tmp_path, capsys):
    source = tmp_path / "fenye-duanluo.md"
    source.write_bytes(SPLIT_ARTICLE.read_bytes())
    (tmp_path / "yizhan.png").write_bytes((example_copy / "cover.png").read_bytes()
                                          if (example_copy / "cover.png").is_file() else b"")
    result = import_markdown_article(source, example_copy, column="特别关注")
    joins = [n for n in result.notes if "分页切开" in n]
    assert len(joins) == 2  # 5|7 across a picture, 18|20; lines 11-12 are one paragraph already
    assert any("第 5 行" in n and "第 7 行" in n for n in joins)
    assert any("第 18 行" in n and "第 20 行" in n for n in joins)
    assert any("标点与空格修复" in n for n in result.notes)
    data = json.loads(_outline_json(example_copy, capsys))
    article = next(a for a in data["articles"] if a["slug"] == result.slug)
    strings = _strings(article)
    assert [a for s in strings for a in artefacts(s)] == []
    # Quotes pair up; a space before a quote stays (this magazine spaces phrases in titles:
    # “跨村联建”破壁垒 “攥指成拳”助三农).
    assert article["title"] == "小巷里的 “红色驿站”"
    assert article["subtitle"] == "——记一个社区党委的24小时服务点"
    paragraphs = [b["text"] for b in article["blocks"] if b["type"] == "paragraph"]
    assert paragraphs[0] == ("驿站设在巷子口，原是一间闲置的门面房。2023年4月，社区党委把它改造成了服务点，"
                             "配了3名网格员和12名志愿者，每天7:30开门，累计接待居民1,280人次。")
    assert paragraphs[1].endswith("居民说：“有事先到驿站问一问，心里就踏实了。”")
    assert paragraphs[3].endswith("他跑了不下20趟，直到业主们在协议上签了字！")
    assert "驿站墙上贴着一张表格，写着每一件事的办理进度……" in paragraphs
    kinds = [b["type"] for b in article["blocks"]]
    assert kinds[:3] == ["paragraph", "caption", "paragraph"]  # the picture follows its paragraph
    caption = article["blocks"][1]
    assert caption["text"] == "驿站里的志愿者" and caption["image"].startswith("pictures/yizhan")
    assert not any("找不到" in n for n in result.notes)
    for d in DECIMAL.findall(SPLIT_ARTICLE.read_text(encoding="utf-8")):
        assert d in "\n".join(strings)


def test_source_format_article_is_copied_as_written_and_its_warnings_named(example_copy, tmp_path):
    source = tmp_path / "xianzhi.md"
    text = "---\ntitle: 现成的文章\n---\n\n天津市 2024 年,全部完成。\n"
    source.write_text(text, encoding="utf-8")
    result = import_markdown_article(source, example_copy, column="言论")
    assert result.path.read_text(encoding="utf-8") == text
    [note] = [n for n in result.notes if "排版警告" in n]
    assert "3 处" in note and "第 5 行" in note and "check --fix" in note


def test_a_paragraph_ending_in_a_straight_closing_quote_is_not_joined_to_the_next():
    # Hand-written Markdown often has straight quotes: 他说:"……。" ends its paragraph as
    # 他说：“……。” does; only the cut paragraph (…后面 | 还有半句。) is joined.
    text = ('# 测试文章\n\n文 / 张三\n\n他说:"我们一定能做好。"\n\n第二段开始了,这是新的一段。\n\n'
            "这一段被分页切开了,后面\n\n还有半句。\n\n她问:'真的吗?'\n\n最后一段。\n")
    parsed = parse_markdown_article(text)
    assert [b.text for b in parsed.article.blocks] == [
        "他说：“我们一定能做好。”", "第二段开始了，这是新的一段。", "这一段被分页切开了，后面还有半句。",
        "她问：‘真的吗？’", "最后一段。"]
    assert parsed.joins == [(9, 11)]


def test_a_numbered_heading_written_without_hashes_is_not_joined_to_its_section(example_copy, tmp_path):
    # 一、加强组织建设 ends without a full stop, as every subheading does: it is not the first
    # half of a cut paragraph. It stays a line of its own and the import says how to mark it.
    source = tmp_path / "bianhao.md"
    source.write_text("# 测试文章\n\n文 / 张三\n\n第一段说完了。\n\n一、加强组织建设\n\n组织建设是基础。\n\n"
                      "（二）强化服务意识\n\n服务是根本。\n\n最后一段,2024 年\n\n后半句。\n", encoding="utf-8")
    parsed = parse_markdown_article(source.read_text(encoding="utf-8"))
    assert [b.text for b in parsed.article.blocks] == [
        "第一段说完了。", "一、加强组织建设", "组织建设是基础。", "（二）强化服务意识", "服务是根本。",
        "最后一段，2024年后半句。"]
    assert parsed.joins == [(15, 17)]
    result = import_markdown_article(source, example_copy, column="言论")
    notes = [n for n in result.notes if "小标题" in n]
    assert len(notes) == 2 and "第 7 行" in notes[0] and "### 一、加强组织建设" in notes[0]
    assert "第 11 行" in notes[1]


def test_full_width_digits_and_letters_are_read_as_printed_and_reported(corpus_path, corpus_import, tmp_path):
    # A text layer with full-width digits (contents pages ０１, dates, the ISSN ０４１２-０８９２):
    # made half-width before the structure is read, the import is the corpus's own.
    _, out = corpus_import
    text = corpus_path.read_text(encoding="utf-8")
    wide = re.sub(r"[0-9]", lambda m: chr(ord(m[0]) + 0xFEE0), text)
    raw = tmp_path / corpus_path.name
    raw.write_text(wide, encoding="utf-8")
    result = import_issue_text(raw, tmp_path / "wide")
    for path in sorted(out.rglob("*.md")) + [out / "issue.toml"]:
        if path.name != REPORT_NAME:
            rel = path.relative_to(out)
            assert (tmp_path / "wide" / rel).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), rel
    widths = [r for r in result.text_repairs if r.repair.kind == "fullwidth"]
    assert len(widths) == sum(1 for ch in text if ch.isascii() and ch.isdigit())
    assert all(wide.split("\n")[r.line - 1].count(r.repair.before) for r in widths)
    report = (tmp_path / "wide" / REPORT_NAME).read_text(encoding="utf-8")
    assert f"| 全角数字或字母（T008） | {len(widths)} |" in report


def test_straight_quotes_of_a_text_layer_are_paired_everywhere_column_names_included(
        corpus_path, corpus_import, tmp_path, capsys):
    # A text layer with straight quotes throughout ("四强"党支部风采, 获评"…活动";2024年) imports
    # as the corpus: every text readers see, column names too, with “” and full-width marks.
    _, out = corpus_import
    raw = tmp_path / corpus_path.name
    raw.write_text(re.sub("[“”]", '"', corpus_path.read_text(encoding="utf-8")), encoding="utf-8")
    import_issue_text(raw, tmp_path / "straight")
    data = json.loads(_outline_json(tmp_path / "straight", capsys))
    strings = _strings(data["issue"]["columns"]) + _strings(data["articles"])
    assert [a for s in strings for a in artefacts(s)] == []
    want = json.loads(_outline_json(out, capsys))
    assert [c["name"] for c in data["issue"]["columns"]] == [c["name"] for c in want["issue"]["columns"]]
    assert "“四强”党支部风采" in [c["name"] for c in data["issue"]["columns"]]
    # And the structure is read as with curly quotes: headings (开展"义教" 点燃…), joins of cut
    # paragraphs, every article the same.
    for path in sorted(out.rglob("*.md")) + [out / "issue.toml"]:
        if path.name != REPORT_NAME:
            rel = path.relative_to(out)
            assert (tmp_path / "straight" / rel).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), rel


def test_a_text_layer_writing_dashes_as_double_hyphens_imports_as_the_corpus(corpus_path, corpus_import, tmp_path):
    # —— written -- (some extractors): subtitles, quotation sources and a paragraph ending in a
    # dash are read as before, and every -- becomes —— again.
    _, out = corpus_import
    raw = tmp_path / corpus_path.name
    raw.write_text(corpus_path.read_text(encoding="utf-8").replace("——", "--"), encoding="utf-8")
    import_issue_text(raw, tmp_path / "hyphens")
    for path in sorted(out.rglob("*.md")) + [out / "issue.toml"]:
        if path.name != REPORT_NAME:
            rel = path.relative_to(out)
            assert (tmp_path / "hyphens" / rel).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), rel
