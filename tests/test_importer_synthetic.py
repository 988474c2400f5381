"""The importer's rules on a small issue written for these tests (no corpus needed): the same
kinds of damage as the real issue, with other titles, names and organisations, so the rules
are shown to be general rather than fitted to one text."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepub.diagnostics import UserError
from issuepub.importer import REPORT_NAME, analyse_text, import_issue_text
from issuepub.importer.lines import (credit_of, is_terminal, join_text, norm_key, split_byline,
                                     starts_mid_sentence, strip_end_mark)
from issuepub.sources import check_issue, load_issue

RAW = """\
春风送暖正当时

基层工作千头万绪，最要紧的是把群众的小事当成大事。✎

——编者

目录 CONTENTS

■ 卷首

- 01 春风送暖正当时

■ 社区故事

- 02 楼道里的“微议事” 王小明

03 一张清单管到底

李华

邻里

05 老街巷里的新变化

河东区委组织部

06 家门口的小菜园 种出邻里大民生

红桥区委组织部

封面：海河春色

声明

本刊所发文字均为示例，转载请与编辑部联系，谢谢合作。

示例月刊

上半月 2025年第3期·总第99期

每月1日出版

主管主办 示例单位

编辑出版 示例杂志社

国际标准刊号 ISSN 0412-0892

国内统一刊号 CN 12-1001/D

定价 6.00元

楼道里的「微议事」

文 / 本刊记者 王小明

扫码收听有声文章

社区把议事桌搬进楼道，居民有事当面商量。今年以来，共解决停车、绿化等问题二十余

件，大家都说好。

议事桌前 人人发言

每周三晚上，楼长召集大家坐在一起，谁家有难处都可以说。■

一张清单管到底

文 / 李华

清单上写着每户的需求，办一件勾一件。社区干部说，清单就是承诺。✎

老街巷里的新变化

老街巷过去路面坑洼，雨天积水，居民出行很不方便。街道党工委牵头，联合物业和居民一起想办法，先修

家门口的小菜园

种出邻里大民生

楼后的空地过去堆满杂物，如今变成了整齐的小菜园，邻居们在这里种菜、聊天。✎

（红桥区委组织部 供稿）

路面，再补绿地，如今老街巷焕然一新。✎

(河东区委组织部 供稿)
"""


@pytest.fixture
def raw(tmp_path) -> Path:
    path = tmp_path / "sample.txt"
    path.write_text(RAW, encoding="utf-8")
    return path


def test_contents_and_articles(raw, tmp_path):
    out = tmp_path / "issue"
    result = import_issue_text(raw, out)
    issue = load_issue(out)
    assert [c.name for c in issue.columns] == ["卷首", "社区故事", "邻里"]
    got = [(a.page, a.title, a.author_role, a.author, a.credit) for a in issue.articles]
    assert got == [
        (1, "春风送暖正当时", "", "", ""),
        (2, "楼道里的“微议事”", "本刊记者", "王小明", ""),
        (3, "一张清单管到底", "", "李华", ""),
        (5, "老街巷里的新变化", "", "", "河东区委组织部 供稿"),
        (6, "家门口的小菜园 种出邻里大民生", "", "", "红桥区委组织部 供稿"),
    ]
    pages = {a.page: a for a in issue.articles}
    assert pages[1].paragraphs[-1] == "——编者"
    assert pages[2].print_qr and not any(a.print_qr for a in issue.articles if a.page != 2)
    assert pages[2].headings == ("议事桌前 人人发言",)
    assert "问题二十余件，大家都说好。" in pages[2].paragraphs[0]
    # The displaced ending (with its own credit) went back to the article it was cut from.
    assert pages[5].paragraphs[-1].endswith("先修路面，再补绿地，如今老街巷焕然一新。")
    assert pages[6].paragraphs == ("楼后的空地过去堆满杂物，如今变成了整齐的小菜园，邻居们在这里种菜、聊天。",)
    # Unknown magazine: a fallback code, flagged as a to-do, and a placeholder base URL.
    assert issue.magazine.code == "magazine" and len(result.todos) == 2
    assert (issue.edition, issue.year, issue.number, issue.total_number) == ("上半月", 2025, 3, 99)
    assert issue.date.isoformat() == "2025-03-01"
    assert issue.colophon.cover_caption == "封面：海河春色"
    problems = [p for p in check_issue(out)[1] if p.severity == "error"]
    assert problems == []
    report = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "错位文字接回" in report and "老街巷里的新变化" in report
    lines = RAW.split("\n")
    assert {n for n, t in enumerate(lines, 1) if t.strip()} == set(result.provenance)


def test_crlf_and_bom_give_the_same_result():
    plain = analyse_text(RAW, source_name="a.txt")
    windows = analyse_text("\ufeff" + RAW.replace("\n", "\r\n"), source_name="a.txt")
    assert [(a.title, [b.text for b in a.blocks]) for a in plain.articles] == \
           [(a.title, [b.text for b in a.blocks]) for a in windows.articles]


def test_text_without_contents_is_a_user_error(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("只有一段文字。\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        import_issue_text(path, tmp_path / "out")
    assert err.value.problems[0].code == "I010"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("old, new, code, line_text", [
    ("上半月 2025年第3期", "上半月 2025年第13期", "I014", "上半月 2025年第13期·总第99期"),
    ("每月1日出版", "每月31日出版", "I015", "每月31日出版"),  # March has 31 days: use February
])
def test_an_issue_date_that_cannot_be_is_named_with_its_line(tmp_path, old, new, code, line_text):
    text = RAW.replace(old, new)
    if code == "I015":
        text = text.replace("2025年第3期", "2025年第2期")
    path = tmp_path / "x.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        import_issue_text(path, tmp_path / "out")
    problem = err.value.problems[0]
    assert problem.code == code and problem.file == path
    assert text.split("\n")[problem.line - 1] == line_text
    assert not (tmp_path / "out").exists()


def test_non_utf8_input_names_the_line(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("目录\n".encode("utf-8") + "春风".encode("gbk"))
    with pytest.raises(UserError) as err:
        import_issue_text(path, tmp_path / "out")
    assert (err.value.problems[0].code, err.value.problems[0].line) == ("S018", 2)


@pytest.mark.parametrize("text, ended", [
    ("天后宫于1326年由元政府正式下诏敕建，1985", False),
    ("是中华优秀传统文化的基因符号,", False),
    ("他说：“这是好事。”", True),
    ("助力商圈高质量发展——", True),
    ("效、惠民利民项目落地生根。", True),
    ("党建赋能 画出基层治理“同心圆”", False),
])
def test_sentence_end(text, ended):
    assert is_terminal(text) is ended


def test_line_helpers():
    assert credit_of("(天津水务集团党委 供稿)") == "天津水务集团党委 供稿"
    assert credit_of("（天津市审计局机关党委 供稿）") == "天津市审计局机关党委 供稿"
    assert credit_of("（作者系某单位干部）") is None
    assert split_byline("东丽区委常委、区委组织部部长 潘作成") == ("东丽区委常委、区委组织部部长", "潘作成")
    assert split_byline("本刊记者 谢小燕") == ("本刊记者", "谢小燕")
    assert split_byline("刘会娟 吕华丽") == ("", "刘会娟 吕华丽")
    assert split_byline("本刊记者") == ("本刊记者", "")
    assert norm_key("「一二·九」抗日救亡运动在天津") == norm_key("“一二·九”抗日救亡运动在天津")
    assert norm_key("“党建+优质服务” 跑出发展“加速度”") == norm_key("“党建+优质服务”跑出发展“加速度”")
    assert strip_end_mark("奋力打开改革发展新天地。✎") == ("奋力打开改革发展新天地。", True)
    assert join_text("共计", "61 户") == "共计61 户" and join_text("V1", "Show") == "V1 Show"
    assert starts_mid_sentence("领,两个研究生党支部带领") and not starts_mid_sentence("对此，社区党委")


def test_corner_brackets_are_repaired_and_unpaired_ones_are_left_and_listed(tmp_path):
    raw = tmp_path / "sample.txt"
    paired = RAW.replace("居民有事当面商量。", "居民有事「当面『商量』」。")
    unpaired = paired.replace("大家都说好。", "大家都说「好。")
    assert paired.count("「") == 2 and unpaired.count("「") == 3
    raw.write_text(unpaired, encoding="utf-8")
    out = tmp_path / "issue"
    import_issue_text(raw, out)
    issue = load_issue(out)
    story = next(a for a in issue.articles if a.page == 2)
    # Two paragraphs joined across the page break: one unpaired 「 leaves the whole paragraph
    # as written, with a warning in the report and in check.
    assert "居民有事「当面『商量』」。" in story.paragraphs[0] and "大家都说「好。" in story.paragraphs[0]
    report = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert "[T009]" in report and "配不成对" in report
    warned = [p for p in check_issue(out)[1] if p.code.startswith("T")]
    assert [(p.code, "「好" in p.message) for p in warned] == [("T009", True)]  # the 「 never closed
    raw.write_text(paired, encoding="utf-8")
    import_issue_text(raw, out, force=True)
    story = next(a for a in load_issue(out).articles if a.page == 2)
    assert "居民有事“当面‘商量’”。" in story.paragraphs[0]
    assert "[T009]" not in (out / REPORT_NAME).read_text(encoding="utf-8")
