"""The importer on the real issue (shared/corpus): contents, masthead, every article's outline,
repairs, the report, a full line-by-line accounting, and the imported folder passing
``issuepub check`` and EPUBCheck.

The expected outline below was written by reading the corpus (column, page, title, byline,
credit, and the start and end of the first and last sentence), not by running the importer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from issuepub.build import run_build
from issuepub.diagnostics import UserError
from issuepub.importer import REPORT_NAME, analyse_text, import_issue_text
from issuepub.outputs.base import BuildOptions
from issuepub.sources import check_issue, load_issue
from issuepub.text import split_sentences

from conftest import assert_epubcheck_clean

COLUMNS = ["卷首", "月读", "组织部长谈党建", "特别关注", "特稿", "学史明理", "十项行动见行见效",
           "“四强”党支部风采", "国企党建", "城市基层党建", "农村党建", "书记好故事", "组织生活案例",
           "党建交流", "干部工作", "党风", "言论", "组工信息"]

# (column, page, title, contents author, author_role, author, credit,
#  (first sentence head, tail), (last sentence head, tail))
OUTLINE = [
    ("卷首", 1, "坚定信心真抓实干 敢作敢为善作善成", "", "", "", "",
     ("习近平总书记在省部级主要领导", "具有十分重要的意义。"), ("——11月4日市委常委会扩大会议指出", "")),
    ("月读", 4, "月读·资讯", "", "", "", "",
     ("新时代新征程，国家级经济技术开发区", "高质量发展。"), ("相信未来，会有更多新职业", "安居乐业的美丽家园。")),
    ("组织部长谈党建", 8, "以政绩考核凝聚高质量发展新动力", "潘作成", "东丽区委常委、区委组织部部长", "潘作成", "",
     ("党的二十届三中全会审议通过的", "政绩观偏差工作机制。"), ("注重提升考核结果运用效能", "奋勇争先、担当作为。")),
    ("特别关注", 11, "古街续文脉 党建兴百业", "谢小燕", "本刊记者", "谢小燕", "",
     ("天津，渤海湾畔的明珠", "愈发璀璨。"), ("鼓楼街道党工委书记王克明表示。", "")),
    ("特别关注", 14, "“烟火”西北角 从爆红到长红", "张婉妮", "本刊记者", "张婉妮", "",
     ("酱牛肉、烧鸡、牛肉饼", "卷圈、乌豆……"), ("展望未来，铃铛阁街道将继续", "贡献红桥力量。")),
    ("特别关注", 17, "“破圈”解题 治理“出彩”", "宋文钰", "本刊记者", "宋文钰", "",
     ("小洋楼、名人故居、“最美书店”", "前来“打卡”；"), ("从建阵地到优服务", "“出彩”的美好愿景。")),
    ("特别关注", 20, "专属网格解码“商圈党建”新思路", "郜敏", "本刊记者", "郜敏", "",
     ("城市商圈是城市经济、文化、活力", "的重要引擎。"), ("和平区全面夯实商圈党建组织基础", "”的新乐章。")),
    ("特别关注", 23, "党建联盟聚合力 商圈发展添动力", "卢艳芝", "本刊记者", "卢艳芝", "",
     ("武清区域铁商圈作为京津冀", "和消费地标。"), ("如今，党建联盟的成员单位", "竞争优势和发展优势。")),
    ("特别关注", 26, "“红色商圈”点燃基层治理“新引擎”", "李圆圆", "本刊记者", "李圆圆", "",
     ("商圈市场是城区最具经济活力", "城市发展的引擎。"), ("今后，尖山街道党工委", "底色更浓、成色更足。")),
    ("特别关注", 29, "坚持党建引领 助力商圈高质量发展", "杨玲", "", "杨玲", "",
     ("商圈是经济增长的关键引擎", "举足轻重的作用。"), ("（作者系天津市中国特色社会主义", "副研究员）")),
    ("特稿", 30, "四秩泰达 生而向新", "赵贤钰", "", "赵贤钰", "",
     ("中共中央总书记、国家主席", "改革开放的重要举措。"), ("求新、求实，众志成城", "新的更大奇迹。")),
    ("学史明理", 33, "“一二·九”抗日救亡运动在天津", "白琳", "", "白琳", "",
     ("2024年6月，作为目前全国唯一的", "重新对外开放。"), ("作者系天津市中国特色社会主义", "三级主任科员")),
    ("十项行动见行见效", 36, "知识产权作支撑 保障新质生产力发展", "赵燕荣", "", "赵燕荣", "",
     ("北辰区工业基础雄厚", "占有重要地位。"), ("下一步，北辰区知识产权局", "支撑和保障。")),
    ("十项行动见行见效", 38, "守护供水生命线 汇聚发展新动能", "天津市水务集团党委", "", "", "天津水务集团党委 供稿",
     ("水是生命之源、生产之要", "可持续发展的关键。"), ("站在新的历史起点上，天津水务集团", "贡献水务力量。")),
    ("“四强”党支部风采", 40, "强基固本筑堡垒 以文辅政显担当", "市委研究室机关党委", "", "",
     "市委研究室机关党委 供稿",
     ("市委研究室城市研究处负责", "改革方面工作。"), ("城市研究处党支部将坚持政治引领", "贡献智慧和力量。")),
    ("“四强”党支部风采", 42, "创建“四强”党支部 锻造审计监督“排头兵”", "天津市审计局机关党委", "", "",
     "天津市审计局机关党委 供稿",
     ("天津市审计局固定资产投资审计一处", "审计新篇章。"), ("投资一处党支部将永葆", "保驾护航。")),
    ("国企党建", 44, "“党建+优质服务”跑出发展“加速度”", "刘会娟 吕华丽", "", "刘会娟 吕华丽", "",
     ("10月18日，在供热企业", "企业用电需求。"), ("截至目前，优质服务专班", "增添了强劲动力。")),
    ("城市基层党建", 46, "用“红心”温暖民心", "滨海新区区委社会工作部", "", "", "滨海新区区委社会工作部 供稿",
     ("物业管理是一项牵动千家万户", "城市管理水平。"), ("当前，滨海新区正在全面推行", "幸福感、安全感。")),
    ("农村党建", 48, "“跨村联建”破壁垒 “攥指成拳”助三农", "静海区委组织部", "", "", "静海区委组织部 供稿",
     ("海河“23·7”流域性特大洪水过后", "农民富裕富足。"), ("立项后指导细化44项具体任务", "按时保质完成。")),
    ("书记好故事", 50, "情系居民心 巧解百家事", "张婉妮", "本刊记者", "张婉妮", "",
     ("“只有对居民有求必应", "感触越来越深。"), ("“以居民需要为导向", "建设得更加美好。”")),
    ("组织生活案例", 52, "党建领航实践路 岐黄有术薪火传", "谭培艺 晋黎", "", "谭培艺 晋黎", "",
     ("习近平总书记多次寄语广大中医药工作者", "走向世界。"), ("这样的主题党日活动", "力量之源。")),
    ("党建交流", 54, "讲好“三门课” 推动党员教育培训走深走实", "和平区委组织部", "", "", "和平区委组织部 供稿",
     ("和平区坚持以习近平新时代", "注入强劲动力。"), ("凝聚各方力量，形成共建共治共享", "先锋模范作用的能力。")),
    ("干部工作", 56, "“精准滴灌”提高公务员培训质效", "滨海新区区委组织部", "", "", "滨海新区区委组织部 供稿",
     ("培养造就一代又一代可靠接班人", "百年大计。"), ("把“请进来”和“走出去”结合起来", "切实提高培训实用性。")),
    ("干部工作", 57, "提升信息数据质量 推动公务员工作提质增效", "和平区委组织部", "", "", "和平区委组织部 供稿",
     ("和平区把全国公务员管理信息系统", "提质增效。"), ("在此基础上，由公务员管理机构", "奠定坚实基础。")),
    ("干部工作", 58, "播撒“金种子” 结出“好果子”", "河西区委组织部", "", "", "河西区委组织部 供稿",
     ("习近平总书记在新时代推动西部大开发", "定点帮扶”。"), ("近年来，先后从援派干部中", "丰收盛景。")),
    ("干部工作", 59, "严管厚爱并重 提振干部干事创业精气神", "宝坻区委组织部", "", "", "宝坻区委组织部 供稿",
     ("宝坻区着眼于建设一支有锐气", "良好环境。"), ("做好受处理处分干部管理使用", "重拾信心。")),
    ("党风", 60, "以纪检监察之为护航蓟州区经济社会高质量发展", "高婧", "蓟州区委常委、区纪委书记、区监委主任",
     "高焱", "",
     ("党的二十届三中全会是在以中国式现代化", "十分重要的会议。"),
     ("着力强化思想淬炼、政治历练", "纪检监察事业的铁军。")),
    ("党风", 62, "家访话清风 共架“廉心桥”", "张伟", "", "张伟", "",
     ("一大早，国家税务总局天津东疆", "家访之旅。"), ("（作者系东疆综保区税务局纪检组组长）", "")),
    ("言论", 63, "念好“三字诀” 主题党日有质又有效", "李晓萍", "", "李晓萍", "",
     ("主题党日活动是加强党员理想信念教育", "有效途径。"), ("（作者系滨海新区城市管理委员会", "四级调研员）")),
    ("组工信息", 64, "提升管理“严值” 释放党建效能", "和平区委组织部", "", "", "和平区委组织部 供稿",
     ("和平区委组织部把列席下级单位党组织会议", "提质增效。"), ("同时跟踪抓好反馈问题整改", "职能作用。")),
]
QR_PAGES = {17, 20, 23, 26, 50}


@pytest.fixture(scope="module")
def corpus(corpus_path) -> Path:
    return corpus_path


@pytest.fixture(scope="module")
def imported(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("import") / "tjzbsh-2024-11b"
    result = import_issue_text(corpus, out)
    return result, out, load_issue(out), (out / REPORT_NAME).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def analysed(corpus):
    return analyse_text(corpus.read_text(encoding="utf-8"), source_name=corpus.name)


def _by_page(issue):
    return {a.page: a for a in issue.articles}


def test_contents_all_columns_and_entries(analysed):
    """18 columns (the second half has no ■), 30 entries with page, title and contents author
    whether the author stood on the entry's line or the next."""
    assert [c.name for c in analysed.columns] == COLUMNS
    got = [(a.column, a.page, a.title, a.contents_author) for a in analysed.articles]
    assert got == [row[:4] for row in OUTLINE]
    feature = next(c for c in analysed.columns if c.name == "特别关注")
    assert feature.feature == "党旗映照商圈“红”"


def test_outline_of_every_article(imported):
    _, _, issue, _ = imported
    assert len(issue.articles) == 30
    assert [c.name for c in issue.columns] == COLUMNS
    for row, article in zip(OUTLINE, issue.articles, strict=True):
        column, page, title, _, role, author, credit, first, last = row
        where = f"p{page} {title}"
        assert (article.column, article.page, article.title) == (column, page, title), where
        assert (article.author_role, article.author, article.credit) == (role, author, credit), where
        paragraphs = article.paragraphs
        first_sentence = split_sentences(paragraphs[0])[0]
        last_sentence = split_sentences(paragraphs[-1])[-1]
        assert first_sentence.startswith(first[0]) and first_sentence.endswith(first[1]), (where, first_sentence)
        assert last_sentence.startswith(last[0]) and last_sentence.endswith(last[1]), (where, last_sentence)


def test_subtitle_and_slugs(imported):
    _, out, issue, _ = imported
    pages = _by_page(issue)
    assert pages[30].subtitle == "——写在天津经济技术开发区建区40周年之际"
    assert all(not a.subtitle for a in issue.articles if a.page != 30)
    slugs = [a.slug for a in issue.articles]
    assert len(set(slugs)) == 30 and all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)
    assert pages[11].slug == "p011" and (out / "articles" / "p011.md").is_file()


def test_masthead_into_issue_toml(imported):
    _, out, issue, report = imported
    assert issue.magazine.title == "天津支部生活" and issue.magazine.code == "tjzbsh"
    assert (issue.magazine.issn, issue.magazine.cn) == ("0412-0892", "12-1001/D")
    assert issue.magazine.publisher == "中共天津市委支部生活社"
    assert (issue.edition, issue.year, issue.number, issue.total_number) == ("下半月", 2024, 11, 1148)
    assert issue.date.isoformat() == "2024-11-15"
    assert issue.id == "tjzbsh-2024-11b"
    assert issue.cover is None
    c = issue.colophon
    assert c.price == "定价 8.00元"
    assert c.cover_caption == "封面：蓟州区eden春山里生态教育国际生活示范区"  # extraction spacing removed
    assert len(c.statement) == 2 and c.statement[0].startswith("本刊刊发的文字、图片均向作者支付稿酬")
    assert "主管主办 中共天津市委" in c.masthead
    assert "副总编辑 岳涛 王翊" in c.masthead  # a name continued on the next line
    assert "文字采编 李圆圆 张婉妮 卢艳芝 宋文钰 郜敏" in c.masthead
    assert not any("ISSN" in line or "下半月" in line for line in c.masthead)
    assert issue.audio.base_url.startswith("https://")
    assert issue.audio.base_url in report and "base_url" in report  # placeholder flagged


def test_feature_intro_and_column_intros(imported):
    _, _, issue, _ = imported
    cols = {c.name: c for c in issue.columns}
    feature = cols["特别关注"]
    assert feature.feature == "党旗映照商圈“红”"
    assert len(feature.intro) == 2
    assert feature.intro[0].startswith("商圈作为城市经济的重要载体")
    assert feature.intro[1].startswith("本期“特别关注”") and not feature.intro[1].endswith("✎")
    assert cols["书记好故事"].intro == (
        "本期“书记好故事”的主人公是河东区大王庄街道十三经路社区党委书记、居委会主任郭莉",)
    assert all(not c.intro for name, c in cols.items() if name not in ("特别关注", "书记好故事"))


def test_print_qr_and_markers_removed(imported):
    _, _, issue, _ = imported
    assert {a.page for a in issue.articles if a.print_qr} == QR_PAGES
    for article in issue.articles:
        for block in article.blocks:
            assert "扫码收听有声文章" not in block.text
            assert "✎" not in block.text and "■" not in block.text, (article.title, block.text[-20:])
            assert not re.match(r"^文\s*/", block.text)
            assert not re.fullmatch(r"[（(].*供稿[)）]", block.text)


def test_month_reader_items_are_sections(imported):
    _, _, issue, _ = imported
    yuedu = _by_page(issue)[4]
    heads = yuedu.headings
    for label in ("习语金句", "解读", "焦点", "京津冀", "数说", "热点", "城事", "荐影", "现象"):
        assert label in heads
    assert heads.index("焦点") + 1 == heads.index("新央企中国资源循环集团有限公司成立")
    assert "新职业青年遇上广袤乡村，创造更多可能" in heads
    assert "——习近平总书记对国家级经济技术开发区工作作出重要指示强调" in yuedu.paragraphs


def test_page_breaks_joined(imported):
    _, _, issue, _ = imported
    pages = _by_page(issue)
    assert any("1326年由元政府正式下诏敕建，1985年大规模重建" in p for p in pages[11].paragraphs)
    assert any("中提到鼓励设立社区慈善组织" in p for p in pages[14].paragraphs)  # not a heading
    assert any("基层治理组织体系横向到边" in p for p in pages[20].paragraphs)  # across the QR marker
    # No paragraph is left unfinished anywhere in the issue.
    for article in issue.articles:
        for text in article.paragraphs:
            assert not re.search(r"[\u4e00-\u9fff]$", text) or text.startswith(("——", "作者系")), (
                article.title, text[-15:])


def test_caption_inside_a_cut_paragraph(imported):
    _, _, issue, _ = imported
    article = _by_page(issue)[60]
    kinds = [(b.kind, b.text[:8]) for b in article.blocks]
    caption = ("caption", "蓟州区纪检监察干")
    assert caption in kinds
    index = kinds.index(caption)
    before = article.blocks[index - 1]
    assert before.kind == "paragraph" and "作为党内监督和国家监察专责机关" in before.text
    captions = {a.page: [b.text for b in a.blocks if b.kind == "caption"] for a in issue.articles}
    assert captions[42] == ["投资一处党支部在轨道交通项目审计中开展“探寻建设路、慰问建设者”活动"]
    assert captions[48] == ["北二堡村义渡码头"]
    assert sum(len(v) for v in captions.values()) == 3


def test_title_split_inside_body_and_displaced_halves(imported):
    """党建领航实践路 / 岐黄有术薪火传: the title's second half sits in the body, the
    案例背景 paragraph's end was pushed below, and one paragraph was extracted twice."""
    _, _, issue, report = imported
    article = _by_page(issue)[52]
    text = "\n".join(article.paragraphs)
    assert "岐黄有术薪火传" not in text
    assert "以党的二十届三中全会精神为引领，两个研究生党支部带领" in text
    assert "制备环节多以传统的手工生产或半机械化生产为主" in text
    assert text.count("这份沉甸甸的社会责任感令学生党员们顿生敬佩之心") == 1
    assert article.headings[:3] == ("案例背景", "活动镜头", "探工艺 担社会责任")
    assert "编辑说" in article.headings
    for needle in ("第 1286 行", "第 1294 行", "第 1292 行"):
        assert needle in report


def test_displaced_ending_reattached_with_its_credit(imported):
    _, _, issue, report = imported
    pages = _by_page(issue)
    target, neighbour = pages[56], pages[57]
    assert target.credit == "滨海新区区委组织部 供稿"
    assert "及时奖励三等功个人等分享工作经历" in target.paragraphs[-1]
    assert target.paragraphs[-1].endswith("切实提高培训实用性。")
    assert neighbour.credit == "和平区委组织部 供稿"
    assert not any("个人等分享工作经历" in p for p in neighbour.paragraphs)
    assert "第 1396–1400 行" in report and "错位文字接回" in report


def test_disagreements_reported_byline_kept(imported):
    _, _, issue, report = imported
    article = _by_page(issue)[60]
    assert article.author == "高焱"
    line = next(ln for ln in report.splitlines() if "高婧" in ln)
    assert "高焱" in line and "第 1430 行" in line
    assert "天津市水务集团党委" in report and "天津水务集团党委 供稿" in report


def test_report_lists_repairs_and_doubts_with_lines(imported):
    _, _, _, report = imported
    assert "第 355 行“…诏敕建，1985”与第 359 行" in report
    assert "第 413–414 行" in report or "第 414 行" in report  # 文 / 本刊记者 ⏎ 张婉妮
    assert "第 1078 行" in report and "第 1204 行" in report and "第 1444 行" in report  # captions
    assert "第 213–295 行" in report  # 月读 has no printed title over its body
    assert "第 454 行" in report  # judged cut text, not a heading


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s“”‘’「」『』\"'《》]", "", t)


def _content(line: str) -> str:
    """What of an input line must survive: without list marker, byline prefix, end marks,
    and the brackets around a credit line."""
    t = line.strip()
    t = re.sub(r"^[-•]\s+", "", t)
    t = re.sub(r"^文\s*[/／]\s*", "", t)
    t = t.rstrip("✎■ ")
    m = re.fullmatch(r"[（(](.*供稿)[)）]", t)
    return m.group(1) if m else t


def test_every_input_line_is_accounted_for(imported, corpus):
    """Every non-blank input line has a destination, and its text is found there: in the
    article, the column, issue.toml (via the loaded model) or the report with its line."""
    result, out, issue, report = imported
    lines = corpus.read_text(encoding="utf-8").split("\n")
    articles = {a.slug: a for a in issue.articles}
    columns = {c.name: c for c in issue.columns}
    m, c = issue.magazine, issue.colophon
    issue_text = _norm(" ".join([m.title, m.issn, m.cn, m.publisher, c.price, c.cover_caption,
                                 *c.masthead, *c.statement]))
    report_norm = _norm(report)
    texts = {}
    for slug, a in articles.items():
        texts[slug] = _norm(" ".join([a.title, a.subtitle, a.author_role, a.author, a.credit,
                                      *(b.text for b in a.blocks)]))
    checked = 0
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        dest = result.provenance.get(number)
        assert dest is not None, f"line {number} has no destination: {raw[:30]}"
        content = _norm(_content(raw))
        if dest.kind == "article":
            assert content in texts[dest.ref], (number, dest, raw[:40])
        elif dest.kind == "column":
            col = columns[dest.ref]
            assert content in _norm(" ".join([col.feature, *col.intro])), (number, raw[:40])
        elif dest.kind == "issue":
            assert content in issue_text, (number, raw[:40])
        else:
            assert dest.kind == "report", dest
            assert f"第 {number} 行" in report, (number, raw[:40])
            assert content in report_norm, (number, raw[:40])
        checked += 1
    assert checked == sum(1 for ln in lines if ln.strip())
    # And the bulk really went into articles, not into the report.
    in_articles = sum(1 for d in result.provenance.values() if d.kind == "article")
    assert in_articles > 550


def test_imported_folder_passes_check(imported):
    _, out, _, _ = imported
    issue, problems = check_issue(out)
    assert issue is not None
    assert [p for p in problems if p.severity == "error"] == []


def test_imported_issue_builds_epubcheck_clean(imported, tmp_path):
    _, out, _, _ = imported
    report = run_build(out, tmp_path, only=["epub"])
    assert not report.failures
    assert_epubcheck_clean(report.out_dir / "tjzbsh-2024-11b.epub")


def test_import_is_deterministic(corpus, imported, tmp_path):
    _, first, _, _ = imported
    second = tmp_path / "again"
    import_issue_text(corpus, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_never_overwrites_without_force_and_failed_import_keeps_folder(corpus, tmp_path, monkeypatch):
    out = tmp_path / "issue"
    out.mkdir()
    (out / "keep.txt").write_text("editor's work", encoding="utf-8")
    with pytest.raises(UserError) as err:
        import_issue_text(corpus, out)
    assert err.value.problems[0].code == "I003"
    # --force replaces an earlier import only, never files an import does not write
    with pytest.raises(UserError) as err:
        import_issue_text(corpus, out, force=True)
    assert err.value.problems[0].code == "I008" and "keep.txt" in err.value.problems[0].message
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "editor's work"
    (out / "keep.txt").unlink()
    (out / "pictures").mkdir()
    with pytest.raises(UserError) as err:
        import_issue_text(corpus, out, force=True)
    assert err.value.problems[0].code == "I008" and "pictures" in err.value.problems[0].message
    (out / "pictures").rmdir()

    import_issue_text(corpus, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # A failure while the new folder is assembled leaves the old one untouched, even with --force.
    import issuepub.importer as importer

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "render_report", broken)
    with pytest.raises(RuntimeError):
        import_issue_text(corpus, out, force=True)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()

    (out / "articles" / "p999.md").write_text("an article of the earlier import", encoding="utf-8")
    import_issue_text(corpus, out, force=True)  # an earlier import is replaced whole
    assert not (out / "articles" / "p999.md").exists() and (out / "issue.toml").is_file()


def test_options_code_and_base_url(corpus, tmp_path):
    out = tmp_path / "issue"
    result = import_issue_text(corpus, out, code="zbsh", base_url="https://ting.example.cn/zbsh/")
    issue = load_issue(out)
    assert issue.id == "zbsh-2024-11b" and result.issue_id == issue.id
    assert issue.audio.base_url == "https://ting.example.cn/zbsh"
    assert not result.todos
    with pytest.raises(UserError) as err:
        import_issue_text(corpus, tmp_path / "x", code="天津")
    assert err.value.problems[0].code == "I004"
    with pytest.raises(UserError) as err:
        import_issue_text(corpus, tmp_path / "y", base_url="http://ting.example.cn")
    assert err.value.problems[0].code == "I005"
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_imported_issue_codes_decode_from_files_and_proof(imported, tmp_path):
    """QR codes of the real issue (every narrated article, --all): each SVG/PDF/PNG and the
    rendered proof sheet decode to the article's URL, and the PDFs measure as configured."""
    import pymupdf
    from PIL import Image

    from support.qr import decode, mupdf_render, page_size_mm

    _, out, issue, _ = imported
    # The importer sets a placeholder base URL: only a draft may print codes for it.
    report = run_build(out, tmp_path, only=["qr"], options=BuildOptions(qr_all=True, draft=True))
    assert not report.failures
    manifest = json.loads(report.manifest_path.read_text(encoding="utf-8"))
    urls = {rec["slug"]: rec["url"] for rec in manifest["articles"]}
    coded = {rec["slug"]: rec["qr"] for rec in manifest["articles"] if "qr" in rec}
    assert set(coded) == {a.slug for a in issue.articles if a.narrate}
    size = issue.qr.size_mm
    for slug, rec in coded.items():
        files = rec["files"]
        png = Image.open(report.out_dir / files["png"]["path"])
        assert [t for t, _, _ in decode(png)] == [urls[slug]], slug
        for fmt in ("pdf", "svg"):
            render = mupdf_render(report.out_dir / files[fmt]["path"], dpi=300)
            assert [t for t, _, _ in decode(render)] == [urls[slug]], (slug, fmt)
        width, height = page_size_mm(report.out_dir / files["pdf"]["path"])
        assert width == pytest.approx(size, abs=0.1)
        assert rec["draft"] and height > size  # a draft: the 样张 band under the code
    proof = report.out_dir / "qr-proof.pdf"
    found = []
    with pymupdf.open(proof) as doc:
        pages = doc.page_count
    for number in range(pages):
        found += [t for t, _, _ in decode(mupdf_render(proof, dpi=300, page=number))]
    assert sorted(found) == sorted(urls[s] for s in coded)
