"""``issuepub check`` warns about PDF-text artefacts in hand-written sources (T001–T008, with
file:line:column and the fix); ``check --fix`` repairs exactly those characters in place."""

from __future__ import annotations

from pathlib import Path

from issuepub.cli import main
from issuepub.sources import check_issue

from support.hostile import png_bytes

ARTICLE = "articles/01-juanshou.md"

# Front matter and body with artefacts; the picture's file name and the URL must not change.
DIRTY = (
    "---\n"
    "title: 春风化雨 久久为功(上)\n"
    "slug: juanshou\n"
    "page: 1\n"
    "narrate: yes\n"
    "print_qr: yes\n"
    "---\n"
    "\n"
    "天津市 2024 年 20 项民心工程,全部完成。\n"
    "他说:\"好\n"
    "得很\"...\n"
    "\n"
    "### 小标题(一)\n"
    "\n"
    "> 群众的事没有小事!\n"
    "\n"
    "![说明,图](a,b.png)\n"
    "\n"
    "790.3亿元，14:30，比分3:1，见 http://cpc.people.com.cn，GT Show。\n"
)
CLEAN = (
    "---\n"
    "title: 春风化雨 久久为功（上）\n"
    "slug: juanshou\n"
    "page: 1\n"
    "narrate: yes\n"
    "print_qr: yes\n"
    "---\n"
    "\n"
    "天津市2024年20项民心工程，全部完成。\n"
    "他说：“好\n"
    "得很”……\n"
    "\n"
    "### 小标题（一）\n"
    "\n"
    "> 群众的事没有小事！\n"
    "\n"
    "![说明，图](a,b.png)\n"
    "\n"
    "790.3亿元，14:30，比分3:1，见http://cpc.people.com.cn，GT Show。\n"
)


def _write(issue: Path, text: str, *, crlf: bool = False, bom: bool = False) -> Path:
    path = issue / ARTICLE
    data = text.replace("\n", "\r\n") if crlf else text
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    # A real picture: check decodes every picture (S038); this test is about its name only.
    (issue / "a,b.png").write_bytes(png_bytes())
    return path


def _warnings(issue: Path):
    model, problems = check_issue(issue)
    return model, [p for p in problems if p.code.startswith("T")]


def test_warnings_name_file_line_column_and_fix(example_copy):
    path = _write(example_copy, DIRTY)
    model, warnings = _warnings(example_copy)
    assert model is not None  # warnings do not fail the check
    assert all(p.severity == "warning" and p.file == path and p.fix for p in warnings)
    where = {(p.code, p.line, p.column) for p in warnings}
    lines = DIRTY.split("\n")
    expected = {
        ("T002", 2, lines[1].index("(") + 1), ("T002", 2, lines[1].index(")") + 1),
        ("T006", 9, 4), ("T006", 9, 9), ("T006", 9, 11), ("T006", 9, 14),
        ("T001", 9, lines[8].index(",") + 1),
        ("T001", 10, 3), ("T003", 10, 4), ("T003", 11, 3), ("T004", 11, 4),
        ("T002", 13, 8), ("T002", 13, 10),
        ("T001", 15, lines[14].index("!") + 1),
        ("T001", 17, lines[16].index(",") + 1),
        ("T006", 19, lines[18].index(" http") + 1),
    }
    assert where == expected
    first = next(p for p in warnings if p.code == "T001" and p.line == 9)
    assert first.format().startswith(f"{path}:9:{first.column}: 警告 [T001]")
    assert "check --fix" in first.fix


def test_check_passes_with_warnings_and_fix_changes_only_those_characters(example_copy, capsys):
    path = _write(example_copy, DIRTY)
    other = (example_copy / "articles").glob("*.md")
    before_others = {p: p.read_bytes() for p in other if p != path}
    assert main(["check", str(example_copy)]) == 0
    out = capsys.readouterr().out
    assert f"{ARTICLE}:9:" in out.replace(str(example_copy) + "/", "") and "check --fix" in out
    assert main(["check", "--fix", str(example_copy)]) == 0
    out = capsys.readouterr().out
    assert "共 16 处" in out and "9:4 [T006] 删去空格" in out
    assert path.read_text(encoding="utf-8") == CLEAN
    assert {p: p.read_bytes() for p in before_others} == before_others
    assert _warnings(example_copy)[1] == []
    assert main(["check", "--fix", str(example_copy)]) == 0  # nothing left to do
    assert "没有需要修改的地方" in capsys.readouterr().out
    assert path.read_text(encoding="utf-8") == CLEAN


def test_fix_keeps_bom_and_crlf(example_copy):
    path = _write(example_copy, DIRTY, crlf=True, bom=True)
    _, warnings = _warnings(example_copy)
    assert len(warnings) == 16
    assert main(["check", "--fix", str(example_copy)]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + CLEAN.replace("\n", "\r\n").encode("utf-8")


def test_clean_sources_have_no_warnings_and_fix_writes_nothing(example_copy):
    stamps = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (example_copy / "articles").glob("*.md")}
    assert _warnings(example_copy)[1] == []
    assert main(["check", "--fix", str(example_copy)]) == 0
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in stamps} == stamps


def test_issue_toml_text_is_linted_and_fixed_but_not_masthead_price_or_names(example_copy):
    import tomllib

    toml = example_copy / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    dirty = text.replace('statement = [\n', 'statement = [\n  "本刊 2025 年,征稿。",\n  "带转义的\\"引号\\" 2025 年,不动",\n', 1)
    dirty = dirty.replace('masthead = [\n', 'masthead = [\n  "邮发代号 6-268",\n', 1)
    dirty = dirty.replace('price = "定价：6.00元"', 'price = "定价 6.00元"')
    dirty = dirty.replace('cover_caption = "', 'cover_caption = "(海河) ', 1)
    assert dirty.count("\n") == text.count("\n") + 3
    toml.write_text(dirty, encoding="utf-8")
    _, warnings = _warnings(example_copy)
    lines = dirty.split("\n")
    got = {(p.line, p.code) for p in warnings}
    statement = next(i for i, ln in enumerate(lines, 1) if "本刊 2025" in ln)
    caption = next(i for i, ln in enumerate(lines, 1) if ln.startswith("cover_caption"))
    assert got == {(statement, "T006"), (statement, "T001"), (caption, "T002"), (caption, "T007")}
    assert len([p for p in warnings if p.line == statement]) == 3
    assert main(["check", "--fix", str(example_copy)]) == 0
    fixed = toml.read_text(encoding="utf-8")
    data = tomllib.loads(fixed)
    assert data["colophon"]["statement"][0] == "本刊2025年，征稿。"
    assert data["colophon"]["statement"][1] == "带转义的\"引号\" 2025 年,不动"  # escapes: left alone
    assert data["colophon"]["masthead"][0] == "邮发代号 6-268"
    assert data["colophon"]["price"] == "定价 6.00元"
    assert data["colophon"]["cover_caption"].startswith("（海河）")
    changed = [(a, b) for a, b in zip(dirty.split("\n"), fixed.split("\n")) if a != b]
    assert len(changed) == 2


def test_fix_never_rewrites_a_file_outside_the_issue_folder(example_copy, tmp_path):
    """An article listed by an absolute path, by ../ or through a symlink out of the folder is
    refused by check (S036); --fix must not have rewritten it on the way."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victims = []
    toml = example_copy / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    for i, how in enumerate(("absolute", "dotdot", "symlink")):
        victim = outside / f"v{i}.md"
        victim.write_text(DIRTY.replace("slug: juanshou", f"slug: v{i}"), encoding="utf-8")
        victims.append((victim, victim.read_bytes()))
        if how == "absolute":
            rel = str(victim)
        elif how == "dotdot":
            rel = "../elsewhere/" + victim.name
        else:
            (example_copy / "link.md").symlink_to(victim)
            rel = "link.md"
        text = text.replace(f'articles = ["{ARTICLE}"', f'articles = ["{ARTICLE}", "{rel}"', 1)
    toml.write_text(text, encoding="utf-8")
    assert text.count("elsewhere") == 2 and "link.md" in text
    assert main(["check", "--fix", str(example_copy)]) == 2  # S036, with no traceback
    for victim, before in victims:
        assert victim.read_bytes() == before


# T009–T011 (issue g2): corner brackets, a year's zero, a half-width full stop; and corner
# brackets that do not pair up, which are warned about and left as written.
CORNER = (
    "---\n"
    "title: 专属网格解码「商圈党建」新思路\n"
    "slug: juanshou\n"
    "page: 1\n"
    "---\n"
    "\n"
    "他说：「大家要记住『为人民服务』\n"
    "这句话。」二○二四年工作完成了.\n"
    "\n"
    "> 「未配对的引号\n"
)
CORNER_FIXED = (
    "---\n"
    "title: 专属网格解码“商圈党建”新思路\n"
    "slug: juanshou\n"
    "page: 1\n"
    "---\n"
    "\n"
    "他说：“大家要记住‘为人民服务’\n"
    "这句话。”二〇二四年工作完成了。\n"
    "\n"
    "> 「未配对的引号\n"
)


def test_corner_quotes_year_zero_and_full_stop_are_warned_and_fixed(example_copy, capsys):
    path = _write(example_copy, CORNER)
    _, warnings = _warnings(example_copy)
    got = [(p.code, p.line, p.column) for p in warnings]
    assert got == [
        ("T009", 2, 14), ("T009", 2, 19),
        ("T009", 7, 4), ("T009", 7, 10), ("T009", 7, 16),
        ("T009", 8, 5), ("T010", 8, 7), ("T011", 8, 16),
        ("T009", 10, 3),
    ]
    unpaired = [p for p in warnings if p.line == 10]
    assert "配不成对" in unpaired[0].message and "check --fix" not in unpaired[0].fix
    assert all("check --fix" in p.fix for p in warnings if p.line != 10)
    assert main(["check", str(example_copy)]) == 0
    assert "其中 1 处须手工修改" in capsys.readouterr().out
    assert main(["check", "--fix", str(example_copy)]) == 0
    out = capsys.readouterr().out
    assert "共 8 处" in out and "7:10 [T009] “『” → “‘”" in out
    assert path.read_text(encoding="utf-8") == CORNER_FIXED
    assert [(p.code, p.line) for p in _warnings(example_copy)[1]] == [("T009", 10)]  # left for the editor


def test_a_traditional_chinese_issue_keeps_its_corner_quotes(example_copy):
    path = _write(example_copy, CORNER)
    toml = example_copy / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'language = "zh-CN"' in text
    toml.write_text(text.replace('language = "zh-CN"', 'language = "zh-TW"'), encoding="utf-8")
    _, warnings = _warnings(example_copy)
    assert {p.code for p in warnings} == {"T010", "T011"}
    assert main(["check", "--fix", str(example_copy)]) == 0
    assert "「商圈党建」" in path.read_text(encoding="utf-8")


def test_middle_dot_title_marks_and_doubled_marks_are_warned_and_fixed(example_copy):
    text = "---\ntitle: 学习<<资本论>>\nslug: juanshou\npage: 1\n---\n\n马克思•恩格斯说，，好。\n"
    path = _write(example_copy, text)
    got = [(p.code, p.line, p.column) for p in _warnings(example_copy)[1]]
    assert got == [("T013", 2, 10), ("T013", 2, 15), ("T012", 7, 4), ("T014", 7, 10)]
    assert main(["check", "--fix", str(example_copy)]) == 0
    assert path.read_text(encoding="utf-8") == (
        "---\ntitle: 学习《资本论》\nslug: juanshou\npage: 1\n---\n\n马克思·恩格斯说，好。\n")
    assert _warnings(example_copy)[1] == []


def test_a_run_of_full_width_characters_is_one_warning_and_fix_still_repairs_each(example_copy, capsys):
    # Each full-width character used to be its own warning: 14 for this line.
    text = ("---\ntitle: 全角\nslug: juanshou\npage: 1\n---\n\n"
            "２０２４年１１月，１２３４５户，增长６．５％，ＡＩ。\n二○二○年和二○○八年。\n")
    path = _write(example_copy, text)
    got = [(p.code, p.line, p.column) for p in _warnings(example_copy)[1]]
    line = text.split("\n")[6]
    assert got == [("T008", 7, line.index(run) + 1) for run in ("２０２４", "１１", "１２３４５", "６．５", "ＡＩ")] \
        + [("T010", 8, 2), ("T010", 8, 8)]  # a year's zeros: one warning a year
    messages = [p.message for p in _warnings(example_copy)[1]]
    assert "中的“１２３４５”" in messages[2] and "中的“６．５”" in messages[3]
    fixes = [p.fix for p in _warnings(example_copy)[1]]
    assert "改为“12345”" in fixes[2] and "改为“6.5”" in fixes[3] and "改为“〇二〇”" in fixes[5] and "改为“〇〇”" in fixes[6]
    assert main(["check", "--fix", str(example_copy)]) == 0
    assert "共 20 处" in capsys.readouterr().out  # --fix lists every character it changed, as before
    assert path.read_text(encoding="utf-8").endswith("2024年11月，12345户，增长6.5％，AI。\n二〇二〇年和二〇〇八年。\n")
    assert _warnings(example_copy)[1] == []
