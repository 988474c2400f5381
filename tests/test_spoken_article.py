"""An article written for the tests in the corpus's style, dense with numbers, units and dates
(tests/data/shuzi-kanbian.md), read through the real loader and script: every sentence the
voice gets is checked against the reading written here by hand."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from issuepub.outputs.audio.script import article_script
from issuepub.sources import load_issue

from conftest import EXAMPLE

ARTICLE = Path(__file__).parent / "data" / "shuzi-kanbian.md"

SPOKEN = [
    "特别关注",  # the example's column the article is added to
    "数说这一年：家门口的变化看得见",
    "某区二〇二五年民生实事项目观察",
    "本刊记者，周一鸣",
    "二〇二五年一月一日到三月三十一日，区里集中开展“暖冬行动”，夜间最低气温降到零下八摄氏度时，"
    "一百二十七支党员志愿服务队二十四小时轮流值守，为三千二百余户独居老人送去取暖物资。",
    "一条路的变化",
    "全长六点五公里的滨河绿道于二〇二五年六月十八日全线贯通，新建口袋公园一千二百平方米，"
    "沿线限速三十公里每小时。",
    "每天六点三十分到二十二点开放，晚上八点零五分准时亮灯，周末客流同比增长百分之三十五到百分之四十。",
    "一笔账的变化",
    "全年为企业办理贷款一点二亿元，其中三分之二投向小微企业，户均贷款五十万元，"
    "不良率控制在百分之零点八以内；",
    "普惠贷款利率下降零点三五个百分点，同比负百分之十二点五。",
    "一张表的变化",
    "居民满意度大于等于百分之九十六，皮艾姆二点五年均浓度降至三十二微克每立方米，"
    "空气质量优良天数达到二百六十八天，区里的社区足球队还以三比一赢得全市联赛冠军，跻身提欧皮十。",
    "今年十月八日到十二日，第三到五届“邻里节”优秀项目将集中展示，预计两到三万人次参与。",
]


def issue_with_the_article(tmp_path: Path) -> Path:
    """The example issue with the article appended to its 特别关注 column (a real issue folder)."""
    root = tmp_path / "issue"
    shutil.copytree(EXAMPLE, root)
    shutil.copy(ARTICLE, root / "articles" / ARTICLE.name)
    toml = root / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    last = '"articles/03-louzhang.md"]'  # the end of the column's article list
    assert text.count(last) == 1
    text = text.replace(last, f'"articles/03-louzhang.md", "articles/{ARTICLE.name}"]')
    toml.write_text(text, encoding="utf-8")
    return root


def test_the_number_dense_article_reads_right(tmp_path):
    issue = load_issue(issue_with_the_article(tmp_path))
    article = next(a for a in issue.articles if a.slug == "shuzi-kanbian")
    spoken = [s.spoken for unit in article_script(article, pronunciations=issue.audio.pronunciations)
              for s in unit.sentences]
    assert spoken == SPOKEN
    assert not any(re.search(r"[A-Za-z0-9%℃²³/:~—-]", s) for s in spoken)
