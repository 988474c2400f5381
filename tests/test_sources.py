"""Validation of issue sources: every bad input gets its stable id, the file, the line and a fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from issuepub.sources import check_issue, load_issue
from issuepub.sources.loader import issn_is_valid

from conftest import EXAMPLE


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


T = "issue.toml"
A1, A2, A3, A4 = ("articles/01-juanshou.md", "articles/02-hongse-guanjia.md",
                  "articles/03-louzhang.md", "articles/04-haihe-jiyi.md")


def _remove(rel):
    return lambda d: (d / rel).unlink()


def _write(rel, text, encoding="utf-8"):
    return lambda d: (d / rel).write_bytes(text.encode(encoding))


def _sub(rel, old, new):
    return lambda d: _edit(d / rel, old, new)


# (case id, mutation, expected code, file the problem is in, text on the expected line or None,
#  a word the message or fix must contain)
CASES = [
    ("no-issue-toml", _remove(T), "S001", T, None, "issue.toml"),
    ("toml-syntax", _sub(T, 'title = "天津支部生活"', "title = 天津支部生活"), "S002", T, "title = 天津支部生活", "TOML"),
    ("unknown-key-near-spelling", _sub(T, "edition = ", "editon = "), "S003", T, "editon", "edition"),
    ("unknown-section", _sub(T, "[qr]", "[qrcode]"), "S003", T, "[qrcode]", "qr"),
    ("missing-required-key", _sub(T, "year = 2025\n", ""), "S004", T, None, "year"),
    ("wrong-type", _sub(T, "year = 2025", 'year = "2025"'), "S005", T, 'year = "2025"', "整数"),
    ("bad-edition", _sub(T, 'edition = "上半月"', 'edition = "中旬"'), "S006", T, "中旬", "上半月"),
    ("listed-file-missing", _remove(A3), "S007", T, "03-louzhang.md", "03-louzhang.md"),
    ("unlisted-file", _write("articles/draft.md", "---\ntitle: 草稿\n---\n\n正文。\n"), "S008", "articles/draft.md", None, "articles"),
    ("listed-twice", _sub(T, '"articles/06-yanlun.md"]', '"articles/06-yanlun.md", "articles/01-juanshou.md"]'), "S009", T, '"articles/06-yanlun.md", "articles/01-juanshou.md"', "两次"),
    ("duplicate-slug", _sub(A2, "slug: hongse-guanjia", "slug: juanshou"), "S010", A2, "slug: juanshou", "slug"),
    ("empty-article", _write(A3, "---\ntitle: 一张清单管到底\npage: 7\n---\n\n"), "S011", A3, None, "正文"),
    ("missing-title", _sub(A3, "title: 一张清单管到底\n", ""), "S012", A3, None, "title"),
    ("pages-not-increasing", _sub(A4, "page: 10", "page: 3"), "S013", A4, "page: 3", "页码"),
    ("issn-check-digit", _sub(T, "0412-0892", "0412-0893"), "S014", T, "0412-0893", "校验位"),
    ("issn-format", _sub(T, "0412-0892", "04120892"), "S014", T, "04120892", "格式"),
    ("impossible-date", _sub(T, "date = 2025-03-01", "date = 2025-02-30"), "S015", T, "2025-02-30", "日期"),
    ("impossible-date-string", _sub(T, "date = 2025-03-01", 'date = "2025-02-30"'), "S015", T, "2025-02-30", "日期"),
    ("cover-missing", _remove("cover.png"), "S016", T, "cover = ", "封面"),
    ("cover-not-image", _write("cover.png", "这不是图片"), "S017", T, "cover = ", "PNG"),
    ("article-not-utf8", _write(A1, "---\ntitle: 春风化雨\n---\n\n正文是GBK编码的。\n", "gbk"), "S018", A1, None, "UTF-8"),
    ("toml-not-utf8", lambda d: (d / T).write_bytes((d / T).read_text(encoding="utf-8").encode("gbk")), "S018", T, None, "UTF-8"),
    ("base-url-not-https", _sub(T, "https://ting.example.cn", "http://ting.example.cn"), "S019", T, "base_url", "https"),
    ("front-matter-unclosed", _write(A3, "---\ntitle: 一张清单管到底\n\n正文。\n"), "S020", A3, None, "---"),
    ("front-matter-missing", _write(A3, "一张清单管到底\n\n正文。\n"), "S020", A3, None, "title"),
    ("front-matter-unknown-key", _sub(A3, "author: 赵晓晴", "auther: 赵晓晴"), "S021", A3, "auther", "author"),
    ("page-not-number", _sub(A3, "page: 7", "page: 七"), "S022", A3, "page: 七", "页码"),
    ("narrate-not-bool", _sub(A3, "print_qr: yes", "print_qr: maybe"), "S022", A3, "print_qr: maybe", "yes"),
    ("body-h2-heading", _sub(A2, "### 让服务有温度", "## 让服务有温度"), "S023", A2, "## 让服务有温度", "###"),
    ("bad-slug", _sub(A1, "slug: juanshou", "slug: Juan Shou"), "S024", A1, "slug: Juan Shou", "slug"),
    ("bad-magazine-code", _sub(T, 'code = "tjzbsh"', 'code = "天津"'), "S025", T, 'code = "天津"', "code"),
    ("column-without-articles", _sub(T, 'articles = ["articles/06-yanlun.md"]', "articles = []"), "S026", T, "articles = []", "文章"),
    ("duplicate-column", _sub(T, 'name = "言论"', 'name = "卷首"'), "S027", T, None, "两次"),
    ("issue-number-range", _sub(T, "number = 3", "number = 13"), "S028", T, "number = 13", "1 到 12"),
    ("caption-image-missing", _sub(A4, "![觉悟社旧址（示例图注）]", "![觉悟社旧址](pictures/p10.jpg)"), "S029", A4, "![觉悟社旧址]", "图片"),
    ("voice-rate-format", _sub(T, 'rate = "+0%"', 'rate = "fast"'), "S030", T, 'rate = "fast"', "rate"),
    ("qr-error-correction", _sub(T, 'error_correction = "M"', 'error_correction = "H"'), "S031", T, 'error_correction = "H"', "Q"),
    ("bad-language", _sub(T, 'language = "zh-CN"', 'language = "中文"'), "S033", T, 'language = "中文"', "zh-CN"),
    ("qr-without-narration", _sub(A3, "page: 7", "page: 7\nnarrate: no"), "S035", A3, "print_qr: yes", "narrate"),
    ("bad-cn", _sub(T, 'cn = "12-1001/D"', 'cn = "12 1001 D"'), "S034", T, 'cn = "12 1001 D"', "12-1001/D"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_with_file_line_and_fix(example_copy, case):
    _, mutate, code, rel, line_text, word = case
    mutate(example_copy)
    issue, problems = check_issue(example_copy)
    assert issue is None, "a bad input must not give a model"
    matching = [p for p in problems if p.code == code]
    assert matching, f"expected {code}, got {[p.format() for p in problems]}"
    problem = matching[0]
    assert problem.file is not None and Path(problem.file).resolve() == (example_copy / rel).resolve()
    if line_text is not None:
        assert problem.line == _line_of(example_copy / rel, line_text), problem.format()
    if code == "S018" and rel.endswith(".md"):
        assert problem.line == 2  # the first line with non-UTF-8 bytes (the title)
    assert problem.fix, "every problem says what to do"
    assert word in problem.message + problem.fix


def test_at_least_25_distinct_bad_inputs():
    assert len({c[0] for c in CASES}) >= 25
    assert len({c[2] for c in CASES}) >= 25


def test_check_command_exit_code_and_no_traceback(example_copy):
    _edit(example_copy / "issue.toml", "0412-0892", "0412-0893")
    proc = subprocess.run([sys.executable, "-m", "issuepub", "check", str(example_copy)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert "issue.toml:" in out and "S014" in out and "校验位" in out


def test_build_on_bad_input_exits_2_and_keeps_earlier_output(example_copy, tmp_path):
    out = tmp_path / "out"
    ok = subprocess.run([sys.executable, "-m", "issuepub", "build", str(example_copy), "--only", "epub",
                         "--out", str(out)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    epub = out / "tjzbsh-2025-03a" / "tjzbsh-2025-03a.epub"
    before = epub.read_bytes()
    _edit(example_copy / "articles/03-louzhang.md", "page: 7", "page: 七")
    bad = subprocess.run([sys.executable, "-m", "issuepub", "build", str(example_copy), "--only", "epub",
                          "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "03-louzhang.md:" in bad.stderr
    assert epub.read_bytes() == before, "bad input must not destroy an earlier build"
    debug = subprocess.run([sys.executable, "-m", "issuepub", "--debug", "build", str(example_copy),
                            "--only", "epub", "--out", str(out)], capture_output=True, text=True)
    assert "Traceback" in debug.stderr


def test_bom_and_crlf_are_accepted(example_copy):
    reference = load_issue(EXAMPLE)
    for path in [example_copy / "issue.toml", *sorted((example_copy / "articles").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    issue = load_issue(example_copy)
    assert [a.title for a in issue.articles] == [a.title for a in reference.articles]
    assert [a.blocks for a in issue.articles] == [a.blocks for a in reference.articles]


def test_every_problem_is_found_in_one_pass(example_copy):
    _edit(example_copy / "issue.toml", "0412-0892", "0412-0893")
    _edit(example_copy / "articles/03-louzhang.md", "page: 7", "page: 七")
    _edit(example_copy / "articles/02-hongse-guanjia.md", "### 让服务有温度", "## 让服务有温度")
    _, problems = check_issue(example_copy)
    assert {"S014", "S022", "S023"} <= {p.code for p in problems}


@pytest.mark.parametrize("issn,valid", [("0412-0892", True), ("0317-8471", True), ("2049-3630", True),
                                        ("0378-5955", True), ("0412-0893", False), ("1234-567X", False)])
def test_issn_check_digit(issn, valid):
    assert issn_is_valid(issn) is valid


def test_model_of_the_example():
    issue = load_issue(EXAMPLE)
    assert issue.id == "tjzbsh-2025-03a"
    assert [c.name for c in issue.columns] == ["卷首", "特别关注", "学史明理", "书记好故事", "言论"]
    assert [a.number for a in issue.articles] == [1, 2, 3, 4, 5, 6]
    guanjia = issue.articles[1]
    assert guanjia.author == "李明远" and guanjia.author_role == "本刊记者"
    kinds = [b.kind for b in guanjia.blocks]
    assert {"heading", "paragraph", "quote", "caption"} <= set(kinds)
    assert guanjia.headings == ("把网格划到楼门口", "让服务有温度")
    assert issue.columns[1].feature == "社区里的“红色管家”"
    # dataclasses are frozen: the model cannot be changed by an output
    with pytest.raises(Exception):
        guanjia.title = "x"  # type: ignore[misc]


def test_columns_of_the_wrong_shape_are_reported_not_a_crash(example_copy):
    from issuepub.sources import check_issue

    toml = example_copy / "issue.toml"
    head = toml.read_text(encoding="utf-8").split("[[columns]]")[0]
    for columns, line in (("columns = 3", 1), ('columns = ["a"]', 1)):
        toml.write_text(columns + "\n" + head, encoding="utf-8")
        issue, problems = check_issue(example_copy)
        assert issue is None
        assert [(p.code, p.line) for p in problems if p.code == "S026"] == [("S026", line)]
        assert not any(p.code == "S005" for p in problems)


def test_an_article_of_a_title_alone_is_refused_and_told_how_to_write_a_picture_page(example_copy, tmp_path):
    # S011 stays an error: a picture page or a notice has a body (a caption line, a paragraph);
    # the fix says how to write one. Such a page builds, and its narration is the column and title.
    import zipfile

    from issuepub.build import run_build
    from issuepub.outputs.audio.script import article_script
    from issuepub.outputs.base import BuildOptions

    path = example_copy / "articles" / "01-juanshou.md"
    head = "---\ntitle: 海河夜色\nslug: juanshou\npage: 1\nnarrate: yes\nprint_qr: yes\n---\n\n"
    path.write_text(head, encoding="utf-8")
    _, problems = check_issue(example_copy)
    s011 = [p for p in problems if p.code == "S011"]
    assert len(s011) == 1 and s011[0].severity == "error" and "![说明](图片文件)" in s011[0].fix
    path.write_text(head + "![海河两岸的夜景]\n", encoding="utf-8")
    model, problems = check_issue(example_copy)
    assert model is not None and not [p for p in problems if p.severity == "error"]
    article = model.articles[0]
    assert [u.target for u in article_script(article)] == ["column", "title"]
    report = run_build(example_copy, tmp_path / "out", only=["epub", "qr", "site"],
                       options=BuildOptions(draft=True))
    with zipfile.ZipFile(report.out_dir / f"{report.issue.id}.epub") as z:
        assert "海河两岸的夜景" in z.read("EPUB/text/a01.xhtml").decode("utf-8")
    assert (report.out_dir / "qr" / "01-juanshou.svg").is_file()
    page = report.out_dir / "site" / report.issue.article_path(article).strip("/") / "index.html"
    assert "海河夜色" in page.read_text(encoding="utf-8")
