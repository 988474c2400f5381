"""import-report.md: what the importer did, what it doubted, what the editor must do (Chinese).

Pure: records in, Markdown out. Every line the importer did not put into an article or
issue.toml is quoted here with its line number, so nothing of the input is silently lost.
"""

from __future__ import annotations

from collections import OrderedDict

from ..typography import RULES as TYPOGRAPHY_RULES
from .analyse import issue_date
from .draft import DOUBT, INFO, MISMATCH, REPAIR, TODO, Dest, ImportedIssue, Note
from .writer import article_path

REPORT_NAME = "import-report.md"

RULES = (
    "文章文件名（也是文章代号 slug）取自目录页码：`p011.md` 是从第 11 页开始的文章；"
    "同一页有两篇时第二篇为 `p011-2`。改页码不必改文件名。",
    "标题、页码和栏目取自目录（目录统一用“”引号）；正文标题写法不同（「」、『』、空格、断行、缺引号）"
    "时仍能找到对应正文，写法差异列在“其他说明”里。",
    "正文署名（文 / 本刊记者 某某）拆成作者 author 和身份 author_role；署名与目录不同时以正文署名为准，"
    "并在“目录与正文不一致”里列出。",
    "正文没有署名、只有文末供稿行的文章，按印刷版只写 credit（供稿单位），不另写作者；"
    "既无署名也无供稿行时，作者取自目录。",
    "文末标记 ✎ ■ 删除；“扫码收听有声文章”从正文删除，并在该文写 print_qr: yes。",
    "引语出处（——11月4日市委常委会扩大会议指出）和作者简介（（作者系……））作为文章最后的独立段落保留。",
    "被分页切开的段落（末尾没有句末标点，下一行接着说）已接成一段；夹在两半之间的短行判为图片说明，放在该段之后。",
    "文章结束（文末标记、供稿行）之后、下一篇标题之前的短行判为图片说明；"
    "“本期“栏目名”……”一行和专题标题之后的文字作为该栏目的导语。",
    "排在别的文章之后、带着自己供稿行的错位段落，接回“末段没有结束、且作者与供稿单位一致”的文章。",
    "PDF 文字层的排版痕迹按 GB/T 15834 和 W3C《中文排版需求》修复：中文里的半角 , ; : ? ! ( ) 改成全角，"
    "直引号改成成对的弯引号，... 和 。。。 改成 ……，-- 改成 ——，中文与数字、西文之间的空格删去，全角数字字母改半角，"
    "直角引号「」『』按层次改成“”‘’，汉字年份里的 ○ 和 零 改成 〇，中文后的半角句点改成 。，"
    "• ・ 等间隔号改成 ·，<<>> 改成《》，重复的逗号、顿号、分号、冒号只留一个；"
    "小数、千位分隔、时刻（14:30）、比分比例（3:1）、网址、电子邮箱和西文（GT Show）不动。"
    "版权页的“项目 内容”行（邮发代号 6-268）和定价按印刷版保留。"
    "正文标题里的「」『』不影响标题（标题取自目录的“”写法）；配不成对的「」『』不改写，由 issuepub check 提示手工修改。",
)


# Most consequential first.
TOPIC_ORDER = {"错位文字接回": 0, "跨栏接续": 1, "标题拆行": 2, "重复段落删除": 3, "署名拆行": 4,
               "跨页断段接续": 9, "找不到正文的文章": 0, "文章起点推测": 1, "未归属的行": 2,
               "文末之后的正文": 3, "未完的段落": 4}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _lines_label(lines: tuple[int, ...]) -> str:
    nums = sorted(set(n for n in lines if n))
    if not nums:
        return ""
    if len(nums) == 1:
        return f"第 {nums[0]} 行"
    if nums == list(range(nums[0], nums[-1] + 1)) or len(nums) > 3:
        return f"第 {nums[0]}–{nums[-1]} 行"
    return "第 " + "、".join(str(n) for n in nums) + " 行"


def _grouped(notes: list[Note]) -> "OrderedDict[str, list[Note]]":
    groups: OrderedDict[str, list[Note]] = OrderedDict()
    for note in notes:
        groups.setdefault(note.topic, []).append(note)
    return groups


def _dest_label(issue: ImportedIssue, dest: Dest) -> str:
    if dest.kind == "article":
        article = next((a for a in issue.articles if a.slug == dest.ref), None)
        return f"{article_path(article)}《{article.title}》" if article else f"文章 {dest.ref}"
    if dest.kind == "column":
        return f"栏目“{dest.ref}”的专题标题/导语（issue.toml）"
    if dest.kind == "issue":
        return f"issue.toml {dest.ref}"
    return {"contents": "本报告“目录原文”", "masthead": "本报告“刊物信息来源”", "qr": "本报告“扫码收听标记”",
            "unplaced": "本报告“存疑”（未归属）"}.get(dest.ref, "本报告")


def line_ranges(numbers) -> str:
    """``[3, 4, 5, 9]`` -> ``3–5、9``: line numbers grouped for an editor to scan."""
    nums = sorted(set(n for n in numbers if n))
    parts: list[str] = []
    k = 0
    while k < len(nums):
        j = k
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(str(nums[k]) if j == k else f"{nums[k]}–{nums[j]}")
        k = j + 1
    return "、".join(parts)


def typography_counts(repairs) -> str:
    """``中文里的半角标点 1886 处、…`` in the rule table's order."""
    parts = []
    for rule in TYPOGRAPHY_RULES:
        n = sum(1 for r in repairs if r.repair.kind == rule.kind)
        if n:
            parts.append(f"{rule.label} {n} 处")
    return "、".join(parts)


def _typography_section(issue: ImportedIssue, add) -> None:
    """Every typographic repair counted by kind, then where: per file, input lines grouped."""
    repairs = issue.text_repairs
    if not repairs:
        return
    add(f"### 标点与空格（排版文字修复，{len(repairs)} 处）")
    add("")
    add("PDF 文字层里的半角标点、多余空格等已按印刷规范改正（规则见文末“导入规则”）。")
    add("")
    add("| 类别 | 处数 | 改法 | 例 |")
    add("| --- | ---: | --- | --- |")
    titles = {a.slug: a for a in issue.articles}
    for rule in TYPOGRAPHY_RULES:
        mine = [r for r in repairs if r.repair.kind == rule.kind]
        if not mine:
            continue
        shown = []
        for r in mine:
            pair = f"“{r.repair.before}”→“{r.repair.after}”" if r.repair.before.strip() else "删去空格"
            if pair not in shown:
                shown.append(pair)
        add(f"| {rule.label}（{rule.code}） | {len(mine)} | {_cell(rule.fix)} | {_cell('，'.join(shown[:4]))} |")
    add("")
    for rule in TYPOGRAPHY_RULES:
        mine = [r for r in repairs if r.repair.kind == rule.kind]
        if not mine:
            continue
        add(f"#### {rule.label}（{len(mine)} 处）")
        add("")
        groups: OrderedDict[str, list] = OrderedDict()
        for r in mine:
            groups.setdefault(r.slug, []).append(r)
        for slug, group in groups.items():
            if slug and slug in titles:
                where = f"`{article_path(titles[slug])}`《{titles[slug].title}》"
            else:
                where = "`issue.toml`（栏目导语、声明、封面说明）"
            add(f"- {where}：{len(group)} 处，第 {line_ranges(r.line for r in group)} 行")
        add("")


def render_report(issue: ImportedIssue, lines_text: dict[int, str], check: list[str] | None = None) -> str:
    """``lines_text``: input line number -> text (non-blank lines); ``check``: the problems
    ``issuepub check`` found in the written folder (None when it was not run)."""
    m = issue.masthead
    notes = issue.notes
    by_kind = {k: [n for n in notes if n.kind == k] for k in (TODO, MISMATCH, REPAIR, DOUBT, INFO)}
    dest_count: dict[str, int] = {}
    for dest in issue.provenance.values():
        dest_count[dest.kind] = dest_count.get(dest.kind, 0) + 1
    out: list[str] = []
    add = out.append
    title = f"{m.title} {m.year}年第{m.number}期（{m.edition}）"
    add(f"# 导入报告：{title}")
    add("")
    add(f"来源：`{issue.source_name}`，共 {issue.line_count} 行，其中有文字的 {len(lines_text)} 行。")
    add("")
    add("## 概要")
    add("")
    add(f"- 刊物：{m.title}，{m.edition}，{m.year}年第{m.number}期"
        + (f"（总第{m.total_number}期）" if m.total_number else "")
        + f"，出版日期 {issue_date(issue).isoformat()}；刊物代号 `{issue.code}`。")
    add(f"- 导入 {len(issue.columns)} 个栏目、{len(issue.articles)} 篇文章，写在 `issue.toml` 和 `articles/` 下。")
    add(f"- 每一行的去向：写入文章 {dest_count.get('article', 0)} 行，写入栏目专题标题/导语 "
        f"{dest_count.get('column', 0)} 行，写入 issue.toml {dest_count.get('issue', 0)} 行，"
        f"只记录在本报告 {dest_count.get('report', 0)} 行（目录、期号行、扫码标记等，见下文）。")
    add(f"- 修复 {len(by_kind[REPAIR])} 处，存疑 {len(by_kind[DOUBT])} 处，目录与正文不一致 "
        f"{len(by_kind[MISMATCH])} 处，待办 {len(by_kind[TODO])} 项。")
    if issue.text_repairs:
        add(f"- 标点与空格修复 {len(issue.text_repairs)} 处（{typography_counts(issue.text_repairs)}），"
            "见“三、修复记录”。")
    if check is None:
        add("- 导入后检查：未运行。")
    elif not check:
        add("- 导入后检查（issuepub check）：通过。")
    else:
        add(f"- 导入后检查（issuepub check）发现 {len(check)} 个问题，见“待办”。")
    add("")

    add("## 一、待办（出版前必须处理）")
    add("")
    todos = [n.message for n in by_kind[TODO]] + [f"修正检查发现的问题：{p}" for p in (check or [])]
    if by_kind[DOUBT]:
        todos.append(f"对照印刷版核对“四、存疑”中的 {len(by_kind[DOUBT])} 处。")
    if by_kind[MISMATCH]:
        todos.append(f"确认“二、目录与正文不一致”中的 {len(by_kind[MISMATCH])} 处以哪一边为准。")
    for i, text in enumerate(todos, 1):
        add(f"{i}. {text}")
    if not todos:
        add("无。")
    add("")

    def section(heading: str, kind: str, empty: str) -> None:
        add(heading)
        add("")
        items = by_kind[kind]
        if not items:
            add(empty)
            add("")
            return
        groups = _grouped(items)
        for topic in sorted(groups, key=lambda t: TOPIC_ORDER.get(t, 50)):
            group = groups[topic]
            add(f"### {topic}（{len(group)} 处）")
            add("")
            for n in group:
                # Messages name their lines already; the others get them in front.
                where = "" if "第 " in n.message else _lines_label(n.lines)
                add(f"- {where + '：' if where else ''}{n.message}")
            add("")

    section("## 二、目录与正文不一致", MISMATCH, "没有发现。")
    section("## 三、修复记录", REPAIR, "没有需要修复的地方。" if not issue.text_repairs else "")
    _typography_section(issue, add)
    section("## 四、存疑（请对照印刷版核对）", DOUBT, "没有。")
    section("## 五、其他说明", INFO, "没有。")

    add("## 六、文章一览")
    add("")
    add("| 序号 | 栏目 | 页码 | 标题 | 署名 / 供稿 | 文件 | 二维码 |")
    add("| --- | --- | --- | --- | --- | --- | --- |")
    number = 0
    for column in issue.columns:
        for a in column.articles:
            number += 1
            who = " ".join(x for x in (a.author_role, a.author) if x) or (f"（{a.credit}）" if a.credit else "")
            add(f"| {number:02d} | {_cell(column.name)} | {a.page if a.page is not None else ''} | "
                f"{_cell(a.title)} | {_cell(who)} | `{article_path(a)}` | {'是' if a.print_qr else ''} |")
    add("")

    add("## 七、扫码收听标记")
    add("")
    if issue.qr_lines:
        titles = {a.slug: a.title for a in issue.articles}
        for no, slug in issue.qr_lines:
            add(f"- 第 {no} 行 {lines_text.get(no, '')} → 《{titles.get(slug, slug)}》：从正文删除，写 print_qr: yes。")
    else:
        add("正文里没有“扫码收听有声文章”标记。")
    add("")

    add("## 八、刊物信息来源（版权页）")
    add("")
    for no, text, what in m.sources:
        add(f"- 第 {no} 行 “{text}” → {what}")
    add(f"- 刊名 “{m.title}”、出版单位 “{m.publisher}”、定价 “{m.price}”、其余版权页各行写入 issue.toml 的 "
        "[magazine] 和 [colophon]。")
    add("")

    add("## 九、目录原文")
    add("")
    add("| 行 | 目录原文 | 读作 |")
    add("| --- | --- | --- |")
    for no, text, how in issue.contents_lines:
        add(f"| 第 {no} 行 | {_cell(text)} | {_cell(how)} |")
    add("")

    add("## 十、逐行去向")
    add("")
    add("按输入行号列出每段文字写到了哪里（空行不计）。")
    add("")
    runs: list[tuple[int, int, Dest]] = []
    for no in sorted(issue.provenance):
        dest = issue.provenance[no]
        if runs and runs[-1][2] == dest:
            runs[-1] = (runs[-1][0], no, dest)
        else:
            runs.append((no, no, dest))
    for start, end, dest in runs:
        span = f"第 {start} 行" if start == end else f"第 {start}–{end} 行"
        add(f"- {span} → {_dest_label(issue, dest)}")
    add("")

    add("## 附：导入规则")
    add("")
    out.extend(f"- {rule}" for rule in RULES)
    add("")
    return "\n".join(out)
