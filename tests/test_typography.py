"""The typography rule set (``issuepub.typography.repair``): a table of input -> expected
output, a third of it text that must come out unchanged, and properties of every repair."""

from __future__ import annotations

import re

import pytest

from issuepub.typography import RULES, half_width, horizontal_simplified, repair, unpaired_corner_quotes

# (input, expected output) -- text that is repaired
REPAIRED = [
    ("思想深邃,是对", "思想深邃，是对"),
    ("思想深邃, 是对", "思想深邃，是对"),
    ("上的重要讲话,高屋建瓴、", "上的重要讲话，高屋建瓴、"),
    ("问题;二是", "问题；二是"),
    ("做到三个“重点看”,即:重点看", "做到三个“重点看”，即：重点看"),
    ("如何突破?西宁道社区", "如何突破？西宁道社区"),
    ("都来尝尝咱家的美食!”", "都来尝尝咱家的美食！”"),
    ("“打倒日本帝国主义!”“反对华北自治!”", "“打倒日本帝国主义！”“反对华北自治！”"),
    ("真的吗?!", "真的吗？！"),
    ("公司(中国资环集团)于", "公司（中国资环集团）于"),
    ("行动方案(2025年)》,明确", "行动方案（2025年）》，明确"),
    ("C-TRIZ(发明过程解决理论)创新方法", "C-TRIZ（发明过程解决理论）创新方法"),
    ("国际标准刊号(ISSN)由", "国际标准刊号（ISSN）由"),
    ("报告(2024)发布", "报告（2024）发布"),
    ("(作者系滨海新区城市管理委员会党建工作室副主任)", "（作者系滨海新区城市管理委员会党建工作室副主任）"),
    ("天津市 2024 年 20 项民心工程", "天津市2024年20项民心工程"),
    ("达 790.3 亿元,同比增长 6.4%。", "达790.3亿元，同比增长6.4%。"),
    ("生物多样性较 10 年前丰富 40% 以上", "生物多样性较10年前丰富40%以上"),
    ("拥有佛罗伦萨小镇、V1 汽车世界", "拥有佛罗伦萨小镇、V1汽车世界"),
    ("在 GT Show 上亮相", "在GT Show上亮相"),
    ("他说:\"好\"。", "他说：“好”。"),
    ("所谓\"红色物业\"和\"绿马甲\"", "所谓“红色物业”和“绿马甲”"),
    ("“看,那是我们的'绿马甲'叔叔", "“看，那是我们的‘绿马甲’叔叔"),
    ("她问:'真的吗?'", "她问：‘真的吗？’"),
    ('获评"最佳主题党日活动";2024年', "获评“最佳主题党日活动”；2024年"),
    ('叫"V1",2021年开业', "叫“V1”，2021年开业"),
    ("'好!'他说", "‘好！’他说"),
    ("乌豆...", "乌豆……"),
    ("乌豆......2023年", "乌豆……2023年"),
    ("乌豆。。。", "乌豆……"),
    ("等等…", "等等……"),
    ("--11月4日市委常委会扩大会议指出", "——11月4日市委常委会扩大会议指出"),
    ("纪念馆--天津", "纪念馆——天津"),
    ("──写在建区40周年之际", "——写在建区40周年之际"),
    ("２０２４年", "2024年"),
    ("ＡＩ技术", "AI技术"),
    ("增长３．５％", "增长3.5％"),
    ("见 http://cpc.people.com.cn,更多", "见http://cpc.people.com.cn，更多"),
    ("邮箱 tjzbsb@163.com。", "邮箱tjzbsb@163.com。"),
    ("比分 3:1,", "比分3:1，"),
    ("截至目前 ,已", "截至目前，已"),
    ("他说 Hello, world! 然后", "他说Hello, world! 然后"),
    ("2021年,首届", "2021年，首届"),
    ("共 15 项,以及", "共15项，以及"),
    ("《方案》(2024年)", "《方案》（2024年）"),
    ("领,两个研究生党支部", "领，两个研究生党支部"),
    ("基层治理“新引擎” ,成色更足", "基层治理“新引擎”，成色更足"),
    ("第 1 名", "第1名"),
    ("（2024年） 发布", "（2024年）发布"),
    # T009: corner brackets in horizontal Simplified Chinese become “” and ‘’ by nesting level
    ("专属网格解码「商圈党建」新思路", "专属网格解码“商圈党建”新思路"),
    ("「一二·九」抗日救亡运动在天津", "“一二·九”抗日救亡运动在天津"),
    ("『跨村联建』破壁垒 『攥指成拳』助三农", "“跨村联建”破壁垒 “攥指成拳”助三农"),
    ("他说：「大家要记住『为人民服务』这句话。」", "他说：“大家要记住‘为人民服务’这句话。”"),
    ("“他说「好」。”", "“他说‘好’。”"),
    ("「甲说『乙讲「丙」的事』。」", "“甲说‘乙讲“丙”的事’。”"),
    ("「第一」「第二」和「第三」", "“第一”“第二”和“第三”"),
    ("他说:「好!」", "他说：“好！”"),
    ('他说:"大家要记住「为人民服务」"', "他说：“大家要记住‘为人民服务’”"),
    # T010: the zero of a year in Chinese numerals is 〇
    ("二○二四年", "二〇二四年"),
    ("二零二四年", "二〇二四年"),
    ("二O二四年工作要点", "二〇二四年工作要点"),
    ("一九九○年至二零零八年", "一九九〇年至二〇〇八年"),
    # T011: a half-width full stop after Chinese
    ("工作完成了.", "工作完成了。"),
    ("工作完成了.下一步", "工作完成了。下一步"),
    ('他说:"好."', "他说：“好。”"),
    ("（见附件）.", "（见附件）。"),
    # T004, T005, T006, T007 in more spellings: ⋯⋯, ――, －－, the ideographic space
    ("等等⋯⋯", "等等……"),
    ("纪念馆――天津", "纪念馆——天津"),
    ("纪念馆－－天津", "纪念馆——天津"),
    ("天津市\u30002024年", "天津市2024年"),
    ("深邃，\u3000是", "深邃，是"),
    # T012: the middle dot typed as a bullet, katakana or hyphenation dot
    ("马克思•恩格斯", "马克思·恩格斯"),
    ("“一二•九”运动", "“一二·九”运动"),
    ("“7・9”重要讲话", "“7·9”重要讲话"),
    ("月读‧资讯", "月读·资讯"),
    # T013: <<…>> typed for the title marks
    ("印发<<方案>>的通知", "印发《方案》的通知"),
    ("学习<<习近平谈治国理政>>第四卷", "学习《习近平谈治国理政》第四卷"),
    # T014: a comma, enumeration comma, semicolon or colon typed twice
    ("他说，，好", "他说，好"),
    ("他说,,好", "他说，好"),
    ("他说，,好", "他说，好"),
    ("一是、、二是", "一是、二是"),
    ("问题;;二是", "问题；二是"),
    ("即：：重点看", "即：重点看"),
]

# text that must come out exactly as it went in
UNTOUCHED = [
    "790.3亿元",
    "同比增长6.4%",
    "累计销售额11258.6万元",
    "定价8.00元",
    "1,000元",
    "1,234,567",
    "下午14:30开会",
    "比分3:1",
    "比例2:1:1",
    "http://cpc.people.com.cn",
    "www.tjzbsb.cn",
    "tjzbsb@163.com",
    "https://ting.example.cn/2025/03a/02/?a=1,b=2",
    "GT Show",
    "Hello, world! How are you? Fine: thanks; bye.",
    "We met in Tianjin, and talked about (the plan).",
    "他喊着Yes! We can.",
    "口号是Hello, world? 对",
    "it's fine",
    "f(x) = x + 1",
    "函数f(x)的值",
    "邮发代号6-268",
    "2023--2024年",
    "C-TRIZ",
    "党建领航 共谱新篇",
    "刘会娟 吕华丽",
    "“一二·九”运动",
    "乌豆……乡村焕然一新",
    "高质量发展——",
    "ISSN 0412-0892",
    "CN 12-1001/D",
    "",
    # corner brackets that do not pair up, Japanese, code: left alone (warned, not repaired)
    "他说「好",
    "他说」好「",
    "他说「好『对」』",
    "日本語の「テスト」と",
    "代码`x=「a」`里",
    "「」",
    # years and full stops that are not T010 / T011
    "二〇二四年",
    "一九九〇年",
    "零零年",
    "经过十二年",
    "一千零五年",
    "No.1",
    "1.加强组织建设",
    "见www.tjzbsb.cn.",
    "I like it. 好",
    "Mr. 王",
    "党建领航\u3000共谱新篇",
    # not T012-T014
    "• 第一条",
    "テスト・です",
    "a << b >> c",
    "a<<2",
    "用std::vector存",
    "真的吗？？",
    "太好了！！！",
    "他说……",
]


@pytest.mark.parametrize("text,expected", REPAIRED)
def test_repaired(text, expected):
    assert repair(text)[0] == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_untouched(text):
    assert repair(text) == (text, [])


def test_table_size():
    cases = len(REPAIRED) + len(UNTOUCHED)
    assert cases >= 60 and len(UNTOUCHED) * 3 >= cases


@pytest.mark.parametrize("text,expected", REPAIRED)
def test_every_repair_names_what_it_changed_and_a_second_pass_finds_nothing(text, expected):
    fixed, repairs = repair(text)
    assert repairs
    kinds = {r.kind for r in RULES}
    rebuilt, pos = [], 0
    for r in repairs:
        assert r.kind in kinds
        assert text[r.offset:r.offset + len(r.before)] == r.before  # offsets are input columns
        assert r.offset >= pos  # sorted, no overlaps
        rebuilt.append(text[pos:r.offset] + r.after)
        pos = r.offset + len(r.before)
    assert "".join(rebuilt) + text[pos:] == fixed
    assert repair(fixed) == (fixed, [])  # idempotent


def test_quotes_alternate_within_a_paragraph():
    fixed, repairs = repair('他说:"第一"、"第二"和"第三"。')
    assert fixed == "他说：“第一”、“第二”和“第三”。"
    assert [r.after for r in repairs if r.kind == "quotes"] == ["“", "”"] * 3


def test_rule_ids_are_stable_and_distinct():
    codes = [r.code for r in RULES]
    assert codes == [f"T{n:03d}" for n in range(1, len(RULES) + 1)]
    assert len({r.kind for r in RULES}) == len(RULES)


@pytest.mark.parametrize("text", ["０１ 坚定信心", "ＩＳＳＮ ０４１２-０８９２", "定价 ８．００元", "增长３．５％",
                                  "见 http://a.cn/１", "ＡＩ技术", "２０２４ 年,好"])
def test_half_width_alone_is_the_repair_of_full_width_characters(text):
    fixed, repairs = half_width(text)
    assert len(fixed) == len(text)  # one character for one: offsets stay
    assert repairs == [r for r in repair(text)[1] if r.kind == "fullwidth"]
    assert not re.search("[０-９Ａ-Ｚａ-ｚ]", fixed)


@pytest.mark.parametrize("text, offsets", [
    ("他说「好", [2]),
    ("他说」好「", [2]),
    ("他说「好『对」』", [6]),
    ("「甲『乙』丙「丁", [0, 6]),
    ("日本語の「テスト」と", [4, 8]),
    ("代码`x=「a」`里", [5, 7]),
    ("他说「好」", []),
    ("没有引号", []),
])
def test_corner_quotes_that_do_not_pair_are_named_not_repaired(text, offsets):
    assert unpaired_corner_quotes(text) == offsets
    repaired = [r for r in repair(text)[1] if r.kind == "corner-quotes"]
    assert bool(repaired) == (any(c in text for c in "「」『』") and not offsets)  # all or nothing


@pytest.mark.parametrize("language, changed", [
    ("zh-CN", True), ("zh", True), ("zh-Hans", True), ("zh-SG", True),
    ("zh-TW", False), ("zh-HK", False), ("zh-Hant", False), ("zh-Hant-TW", False), ("en", False),
])
def test_corner_quotes_are_repaired_only_in_horizontal_simplified_chinese(language, changed):
    text = "他说「好」"
    fixed, repairs = repair(text, language)
    assert (fixed == "他说“好”") is changed and (fixed == text) is not changed
    assert unpaired_corner_quotes("他说「好", language) == ([2] if changed else [])
    assert horizontal_simplified(language) is changed
