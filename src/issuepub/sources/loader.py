"""Load and validate an issue folder into the immutable model.

``check_issue`` collects every problem it can find (it does not stop at the first), each with
file, line and fix. ``load_issue`` raises ``UserError`` when any of them is an error.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..addresses import placeholder_reason
from ..diagnostics import Problem, UserError
from ..model import (
    EDITIONS,
    Article,
    AudioSettings,
    Colophon,
    Column,
    Issue,
    Magazine,
    QrSettings,
)
from ..fsutil import contained
from .images import ImageProblem, verify_image
from .markdown import parse_article

ISSUE_FILE = "issue.toml"
# Markdown files in the folder that are not articles.
NOT_ARTICLES = {"readme.md", "import-report.md"}

_STR_LIST = "list[str]"
_NUMBER = "number"
_TABLE = "table"
_COLUMNS = "columns"  # [[columns]]: its shape is checked, and reported (S026), by _check_columns
# section -> key -> (type, required)
SCHEMA: dict[str, dict[str, tuple[Any, bool]]] = {
    "magazine": {"title": (str, True), "code": (str, True), "issn": (str, False),
                 "cn": (str, False), "publisher": (str, False),
                 "owner_name": (str, False), "owner_email": (str, False), "artwork": (str, False)},
    "issue": {"edition": (str, True), "year": (int, True), "number": (int, True),
              "total_number": (int, False), "date": (dt.date, True), "language": (str, False),
              "cover": (str, False)},
    "colophon": {"masthead": (_STR_LIST, False), "statement": (_STR_LIST, False),
                 "price": (str, False), "cover_caption": (str, False)},
    "audio": {"base_url": (str, True), "voice": (str, False), "rate": (str, False),
              "volume": (str, False), "pitch": (str, False), "pronunciations": (_TABLE, False)},
    "qr": {"size_mm": (_NUMBER, False), "error_correction": (str, False),
           "caption": (bool, False)},
}
COLUMN_SCHEMA: dict[str, tuple[Any, bool]] = {
    "name": (str, True), "articles": (_STR_LIST, True), "intro": (_STR_LIST, False),
    "feature": (str, False),
}
REQUIRED_SECTIONS = ("magazine", "issue", "audio")
TYPE_NAMES = {str: "文字（加引号）", int: "整数", bool: "true 或 false", dt.date: "日期，如 2024-11-15",
              _STR_LIST: "文字列表，如 [\"甲\", \"乙\"]", _NUMBER: "数字", _TABLE: "表"}

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CODE_RE = re.compile(r"^[a-z][a-z0-9-]*$")
ISSN_RE = re.compile(r"^\d{4}-\d{3}[\dX]$")
CN_RE = re.compile(r"^\d{2}-\d{4}/[A-Z0-9]{1,4}$")
RATE_RE = re.compile(r"^[+-]\d{1,3}%$")
PITCH_RE = re.compile(r"^[+-]\d{1,3}Hz$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")  # S062
ARTWORK_MIN_PX, ARTWORK_MAX_PX = 1400, 3000  # what podcast directories (Apple) accept
BASE_URL_RE = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*)?$")  # S019
# Output names carry the slug and the code (NN-slug-caption.png, <code>-2024-11a-read-aloud.epub,
# and their temporary .NAME.PID.RANDOM.part): these keep every name far under 255 bytes.
MAX_SLUG = 64
MAX_CODE = 32
# Characters XML 1.0 forbids (every output is XML or carries text into XML): C0 controls but
# tab and newline, U+FFFE, U+FFFF and lone surrogates (which only a TOML escape can make).
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FORBIDDEN_SHOWN = 5  # per file: enough to find the pattern, not a flood


def issn_is_valid(issn: str) -> bool:
    """ISSN check digit (ISO 3297): weights 8..2 over the first seven digits, mod 11."""
    if not ISSN_RE.match(issn):
        return False
    digits = issn.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1)))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file, accepting a BOM and CRLF; report other encodings with their line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(unreadable(path, exc))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(
            "S018", path, line, "文件不是 UTF-8 编码（可能是 GBK 等编码保存的）。",
            "用编辑器把文件另存为 UTF-8 编码。",
        ))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for m in itertools.islice(FORBIDDEN_CHARS.finditer(text), _FORBIDDEN_SHOWN):
        problems.append(forbidden_char(path, text.count("\n", 0, m.start()) + 1, m.group()))
    return text


def forbidden_char(path: Path, line: int | None, char: str) -> Problem:
    return Problem("S037", path, line,
                   f"含有 XML 不允许的字符 U+{ord(char):04X}（不可见的控制字符或非字符），电子书和网页不能容纳它。",
                   "删去这个字符（常见于从别处复制来的文字；编辑器里可能看不见，可重新输入这一行）。")


def unreadable(path: Path, exc: OSError) -> Problem:
    return Problem("E005", path, None, f"无法读取这个文件（{exc.strerror or exc}）。",
                   "检查文件的读取权限（ls -l），或确认它所在的磁盘能正常读取。")


def outside(path: Path | str, line: int | None, rel: str, what: str) -> Problem:
    return Problem("S036", path, line,
                   f"{what}“{rel}”不在期刊文件夹里（绝对路径、../ 或指向文件夹外的符号链接）。",
                   "把文件复制到期刊文件夹里，写相对于期刊文件夹的路径，例如 pictures/p11.jpg。")


def safe_resolve(path: Path) -> Path:
    """Path.resolve that does not raise on a symlink loop (the loop is reported as missing)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def is_regular_file(path: Path) -> bool:
    """Path.is_file that answers False, not an exception, for names the system refuses."""
    try:
        return path.is_file()
    except OSError:
        return False


@dataclass
class _TomlLines:
    """Finds the line a key is written on (tomllib gives values, not positions)."""

    lines: list[str]
    _headers: dict[str, list[int]] = field(default_factory=dict)

    def header(self, section: str, index: int = 0) -> int | None:
        # One scan per section name, kept: asking for the 10,000th [[columns]] must not
        # rescan the file (that made check quadratic in the number of columns).
        found = self._headers.get(section)
        if found is None:
            pat = re.compile(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]\]?\s*(#.*)?$")
            found = self._headers[section] = [i + 1 for i, line in enumerate(self.lines)
                                              if line.lstrip().startswith("[") and pat.match(line)]
        return found[index] if index < len(found) else None

    def key(self, section: str | None, key: str, index: int = 0) -> int | None:
        start = self.header(section, index) if section else 0
        if start is None:
            return None
        pat = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(start, len(self.lines)):
            if i > start and re.match(r"^\s*\[", self.lines[i]) and section:
                break
            if pat.match(self.lines[i]):
                return i + 1
        return start or None


def _type_ok(value: Any, kind: Any) -> bool:
    if kind is _STR_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is _TABLE:
        return isinstance(value, dict)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return isinstance(value, kind)


def _check_table(table: dict, schema: dict, where: str, toml_path: Path, locate,
                 problems: list[Problem]) -> None:
    for key, value in table.items():
        if key not in schema:
            import difflib  # only for a mistyped key: not every load's start-up

            near = difflib.get_close_matches(key, schema, n=1, cutoff=0.5)
            fix = f"是不是想写“{near[0]}”？" if near else "可用的键：" + "、".join(schema) + "。"
            problems.append(Problem("S003", toml_path, locate(key),
                                    f"{where}中有未知的键“{key}”。", fix))
            continue
        kind, _ = schema[key]
        if kind is _COLUMNS:
            continue
        if kind is dt.date and isinstance(value, str):
            continue  # reported with its own message by the date check
        if not _type_ok(value, kind):
            problems.append(Problem(
                "S005", toml_path, locate(key),
                f"{where}的“{key}”类型不对：应为{TYPE_NAMES[kind]}。",
                f"把 {key} 改成{TYPE_NAMES[kind]}。",
            ))
    for key, (_, required) in schema.items():
        if required and key not in table:
            problems.append(Problem(
                "S004", toml_path, locate(None), f"{where}缺少必填的“{key}”。",
                f"在{where}下加一行 {key} = …（格式见 README 的“期刊源文件格式”）。",
            ))


def check_issue(root: Path, *, lint: bool = True) -> tuple[Issue | None, list[Problem]]:
    """Validate an issue folder; return the model (None if errors) and every problem found.
    ``lint``: also the typography warnings (T0xx), which only ``check`` shows."""
    root = Path(root)
    problems: list[Problem] = []
    toml_path = root / ISSUE_FILE
    if not root.is_dir():
        return None, [Problem("S001", root, None, "找不到期刊文件夹。",
                              "检查路径是否写对；期刊文件夹里应有 issue.toml。")]
    if not toml_path.is_file():
        return None, [Problem("S001", toml_path, None, "期刊文件夹里没有 issue.toml。",
                              "新建 issue.toml（格式见 README），或用 issuepub import 从排版文字导入。")]
    if contained(root, ISSUE_FILE) is None:  # a symlink out: its titles would reach every output
        return None, [outside(toml_path, None, ISSUE_FILE, "期刊设置文件")]
    text = read_text(toml_path, problems)
    if text is None:
        return None, problems
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        if "date" in str(exc).lower():
            return None, problems + [Problem("S015", toml_path, line, f"日期不存在或格式不对（{exc}）。",
                                  "日期写成 YYYY-MM-DD，并确认这一天存在，例如 2024-11-15。")]
        return None, problems + [Problem("S002", toml_path, line, f"issue.toml 的 TOML 语法错误：{exc}",
                              "对照 README 的示例修正这一行（常见原因：文字没加引号、括号不配对）。")]
    where = _TomlLines(text.split("\n"))
    _check_toml_strings(data, where, toml_path, problems)

    top_schema = {**{s: (_TABLE, s in REQUIRED_SECTIONS) for s in SCHEMA},
                  "columns": (_COLUMNS, True)}
    _check_table(data, top_schema, "issue.toml", toml_path,
                 lambda k: (where.key(None, k) or where.header(k)) if k else 1,
                 problems)
    for section, schema in SCHEMA.items():
        table = data.get(section)
        if isinstance(table, dict):
            _check_table(table, schema, f"[{section}]", toml_path,
                         lambda k, s=section: where.key(s, k) if k else where.header(s), problems)

    mag = data.get("magazine") if isinstance(data.get("magazine"), dict) else {}
    iss = data.get("issue") if isinstance(data.get("issue"), dict) else {}
    col = data.get("colophon") if isinstance(data.get("colophon"), dict) else {}
    aud = data.get("audio") if isinstance(data.get("audio"), dict) else {}
    qr = data.get("qr") if isinstance(data.get("qr"), dict) else {}

    def bad(code: str, section: str, key: str, message: str, fix: str) -> None:
        problems.append(Problem(code, toml_path, where.key(section, key), message, fix))

    code = mag.get("code")
    if isinstance(code, str) and not CODE_RE.match(code):
        bad("S025", "magazine", "code", f"刊物代号“{code}”只能用小写英文字母、数字和连字符。",
            "例如 code = \"tjzbsh\"；它用在文件名和网址里，定了就不要再改。")
    elif isinstance(code, str) and len(code) > MAX_CODE:
        bad("S025", "magazine", "code", f"刊物代号有 {len(code)} 个字符，太长（最多 {MAX_CODE} 个）：它是每个成品文件名的一部分。",
            "用一个简短的代号，例如 code = \"tjzbsh\"。")
    issn = mag.get("issn")
    if isinstance(issn, str) and issn and not issn_is_valid(issn):
        if ISSN_RE.match(issn):
            bad("S014", "magazine", "issn", f"ISSN“{issn}”的校验位不对。",
                "核对版权页上的 ISSN（例如 0412-0892），注意最后一位是校验位。")
        else:
            bad("S014", "magazine", "issn", f"ISSN“{issn}”格式不对。",
                "写成 四位数字-四位数字，例如 0412-0892（最后一位可以是 X）。")
    cn = mag.get("cn")
    if isinstance(cn, str) and cn and not CN_RE.match(cn):
        bad("S034", "magazine", "cn", f"国内统一刊号“{cn}”格式不对。", "写成 12-1001/D 这样的格式。")

    edition = iss.get("edition")
    if isinstance(edition, str) and edition not in EDITIONS:
        bad("S006", "issue", "edition", f"“{edition}”不是有效的版别。",
            "edition 只能是 \"上半月\" 或 \"下半月\"。")
    year, number = iss.get("year"), iss.get("number")
    if isinstance(year, int) and not 1900 <= year <= 2200:
        bad("S028", "issue", "year", f"年份 {year} 不合理。", "写四位年份，例如 year = 2024。")
    if isinstance(number, int) and not 1 <= number <= 12:
        bad("S028", "issue", "number", f"期号 {number} 不合理：每月一期，应为 1 到 12。",
            "number 写月份对应的期号，例如第11期写 number = 11。")
    total = iss.get("total_number")
    if isinstance(total, int) and total < 1:
        bad("S028", "issue", "total_number", f"总期号 {total} 不合理。", "写成正整数，例如 1148。")
    date = iss.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
            bad("S005", "issue", "date", "出版日期写成了带引号的文字。",
                f"去掉引号：date = {date.isoformat()}。")
        except ValueError:
            bad("S015", "issue", "date", f"出版日期“{date}”不存在或格式不对。",
                "日期写成 YYYY-MM-DD（不加引号），并确认这一天存在，例如 2024-11-15。")
        date = None
    elif isinstance(date, dt.date) and isinstance(year, int) and date.year not in (year, year + 1):
        bad("S015", "issue", "date", f"出版日期 {date} 与年份 {year} 对不上。",
            "核对 [issue] 里的 year 和 date。")
    language = iss.get("language", "zh-CN")
    if isinstance(language, str) and not LANG_RE.match(language):
        bad("S033", "issue", "language", f"语言代码“{language}”不对。",
            "中文刊物写 language = \"zh-CN\"。")

    cover_path = None
    cover = iss.get("cover")
    if isinstance(cover, str) and cover:
        cover_path = (root / cover)
        if contained(root, cover) is None:
            problems.append(outside(toml_path, where.key("issue", "cover"), cover, "封面"))
            cover_path = None
        elif not is_regular_file(cover_path):
            bad("S016", "issue", "cover", f"找不到封面图片“{cover}”。",
                "把封面图片（PNG 或 JPEG）放进期刊文件夹，或改正文件名；不写 cover 时会自动生成封面。")
            cover_path = None
        else:
            try:
                verify_image(cover_path, formats={"PNG": "image/png", "JPEG": "image/jpeg"})
            except ImageProblem as why:
                bad("S017", "issue", "cover", f"封面“{cover}”不能用：{why}。",
                    "用一张完好的 PNG 或 JPEG 封面图片（可用看图软件打开确认）。")
                cover_path = None
            except OSError as exc:
                problems.append(unreadable(cover_path, exc))
                cover_path = None

    owner_email = mag.get("owner_email")
    if isinstance(owner_email, str) and owner_email and not EMAIL_RE.match(owner_email):
        bad("S062", "magazine", "owner_email", f"播客联系邮箱“{owner_email}”格式不对。",
            "写成 owner_email = \"audio@example.org\" 这样的电子邮件地址（播客平台用它联系刊物）。")
    artwork_path = _check_artwork(root, mag.get("artwork"), lambda code, message, fix:
                                  bad(code, "magazine", "artwork", message, fix))

    base_url = aud.get("base_url")
    if isinstance(base_url, str):
        if not BASE_URL_RE.match(base_url):
            bad("S019", "audio", "base_url",
                f"音频网址“{base_url}”必须以 https:// 开头，且只含域名和路径。",
                "二维码印在纸上要长期有效，请写 https 网址，例如 https://ting.example.cn（越短，二维码越小越好扫）。")
        elif placeholder_reason(base_url):
            problems.append(Problem(
                "S063", toml_path, where.key("audio", "base_url"),
                f"音频网址“{base_url}”{placeholder_reason(base_url)}：二维码只能出样张（build --draft），不能付印。",
                "印刷二维码前把 base_url 改成收听网页真正发布的 https 网址。", severity="warning"))
    for key, pattern, example in (("rate", RATE_RE, "+0%"), ("volume", RATE_RE, "+0%"),
                                  ("pitch", PITCH_RE, "+0Hz")):
        value = aud.get(key)
        if isinstance(value, str) and not pattern.match(value):
            bad("S030", "audio", key, f"{key} 的写法“{value}”不对。",
                f"写成带正负号的值，例如 {key} = \"{example}\"。")
    pron = aud.get("pronunciations", {})
    if isinstance(pron, dict):
        for k, v in pron.items():
            if not isinstance(v, str) or not k or not v:
                problems.append(Problem("S005", toml_path, where.key("audio.pronunciations", k),
                                        f"读音替换“{k}”的写法不对。", "写成 \"原词\" = \"读法\"。"))
    ec = qr.get("error_correction", "M")
    if isinstance(ec, str) and ec not in ("M", "Q"):
        bad("S031", "qr", "error_correction", f"纠错等级“{ec}”不可用。",
            "写 \"M\"（默认）或 \"Q\"（印刷条件差时）。")
    size = qr.get("size_mm", 20)
    if _type_ok(size, _NUMBER) and not 15 <= size <= 100:
        bad("S031", "qr", "size_mm", f"二维码尺寸 {size} 毫米不合适。",
            "印刷尺寸写 15 到 100 之间的毫米数，常用 20。")

    columns, articles_meta = _check_columns(root, data.get("columns"), toml_path, where, problems)
    built_columns = _build_columns(root, columns, articles_meta, problems)
    if lint:  # typography warnings, T0xx: never errors, so a build skips them (and their import)
        from .lint import lint_sources

        problems.extend(lint_sources(root, data.get("columns"), language))

    errors = [p for p in problems if p.severity == "error"]
    if errors:
        return None, problems
    issue = Issue(
        root=root,
        magazine=Magazine(title=mag["title"], code=mag["code"], issn=mag.get("issn", ""),
                          cn=mag.get("cn", ""), publisher=mag.get("publisher", ""),
                          owner_name=mag.get("owner_name", ""), owner_email=mag.get("owner_email", ""),
                          artwork=artwork_path),
        edition=edition, year=year, number=number, total_number=total, date=date,
        language=language, cover=cover_path,
        colophon=Colophon(masthead=tuple(col.get("masthead", ())),
                          statement=tuple(col.get("statement", ())),
                          price=col.get("price", ""), cover_caption=col.get("cover_caption", "")),
        audio=AudioSettings(base_url=base_url.rstrip("/"),
                            voice=aud.get("voice", AudioSettings.voice),
                            rate=aud.get("rate", AudioSettings.rate),
                            volume=aud.get("volume", AudioSettings.volume),
                            pitch=aud.get("pitch", AudioSettings.pitch),
                            pronunciations=tuple(sorted(pron.items(), key=lambda kv: -len(kv[0])))),
        qr=QrSettings(size_mm=float(size), error_correction=ec, caption=bool(qr.get("caption", False))),
        columns=built_columns,
    )
    return issue, problems


def _check_artwork(root: Path, artwork: Any, bad) -> Path | None:
    """[magazine] artwork: a square PNG or JPEG of 1400-3000 px inside the issue folder."""
    if not isinstance(artwork, str) or not artwork:
        return None
    path = contained(root, artwork)
    if path is None:
        bad("S036", f"播客封面“{artwork}”不在期刊文件夹里（绝对路径、../ 或指向文件夹外的符号链接）。",
            "把方形的播客封面复制到期刊文件夹里，写相对于期刊文件夹的路径，例如 artwork.png。")
        return None
    if not path.is_file():
        bad("S060", f"找不到播客封面图片“{artwork}”。",
            "把方形的播客封面（PNG 或 JPEG，1400 到 3000 像素见方）放进期刊文件夹，写它的相对路径；"
            "不写 artwork 时用各期封面。")
        return None
    try:
        info = verify_image(path, formats={"PNG": "image/png", "JPEG": "image/jpeg"})
    except ImageProblem as why:
        bad("S061", f"播客封面“{artwork}”不能用：{why}。", "用一张完好的 PNG 或 JPEG 格式的方形图片。")
        return None
    except OSError as exc:
        bad("E005", f"无法读取播客封面“{artwork}”（{exc.strerror or exc}）。",
            "检查文件的读取权限（ls -l），或确认它所在的磁盘能正常读取。")
        return None
    if info.width != info.height or not ARTWORK_MIN_PX <= info.width <= ARTWORK_MAX_PX:
        bad("S061", f"播客封面“{artwork}”是 {info.width} × {info.height} 像素：应为正方形，"
                    f"边长 {ARTWORK_MIN_PX} 到 {ARTWORK_MAX_PX} 像素。",
            f"把图片裁成正方形，边长至少 {ARTWORK_MIN_PX} 像素（播客平台的要求）。")
        return None
    return path


def _check_toml_strings(data: dict, where: _TomlLines, toml_path: Path,
                        problems: list[Problem]) -> None:
    """Forbidden characters a TOML escape (\\u000c, \\u0000, \\uFFFE) put into a value or key."""
    found: list[Problem] = []

    def check(text: str, section: str | None, index: int, key: str) -> None:
        m = FORBIDDEN_CHARS.search(text)
        if m and len(found) < _FORBIDDEN_SHOWN:
            found.append(forbidden_char(toml_path, where.key(section, key, index), m.group()))

    def table(items: dict, section: str | None, index: int) -> None:
        for key, value in items.items():
            check(key, section, index, key)
            value_of(value, section, index, key)

    def value_of(value: Any, section: str | None, index: int, key: str) -> None:
        if isinstance(value, str):
            check(value, section, index, key)
        elif isinstance(value, dict):
            table(value, f"{section}.{key}" if section else key, 0)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict) and section is None:  # [[columns]]: i-th header
                    table(item, key, i)
                else:
                    value_of(item, section, index, key)

    table(data, None, 0)
    problems.extend(found)


@dataclass
class _ColumnSpec:
    name: str
    feature: str
    intro: tuple[str, ...]
    files: list[tuple[Path, str, int]]  # (path, as written, toml line)


def _check_columns(root: Path, columns: Any, toml_path: Path, where: _TomlLines,
                   problems: list[Problem]):
    specs: list[_ColumnSpec] = []
    if not isinstance(columns, list) or not columns:
        if columns is not None:
            problems.append(Problem("S026", toml_path, where.key(None, "columns"),
                                    "columns 应写成一个个 [[columns]] 栏目。",
                                    "每个栏目写一段 [[columns]]，含 name 和 articles。"))
        else:
            problems.append(Problem("S026", toml_path, None, "issue.toml 里没有任何栏目。",
                                    "按阅读顺序为每个栏目写一段 [[columns]]，含 name 和 articles。"))
        return specs, {}
    names: dict[str, int] = {}
    seen_files: dict[Path, int] = {}
    for index, column in enumerate(columns):
        header_line = where.header("columns", index) or where.key(None, "columns")
        if not isinstance(column, dict):
            problems.append(Problem("S026", toml_path, header_line, "栏目写法不对。",
                                    "每个栏目写成 [[columns]] 段。"))
            continue
        _check_table(column, COLUMN_SCHEMA, f"第 {index + 1} 个栏目", toml_path,
                     lambda k, i=index: where.key("columns", k, i) if k else where.header("columns", i),
                     problems)
        name = column.get("name")
        if not isinstance(name, str):
            continue
        name = name.strip()
        if not name:
            problems.append(Problem("S027", toml_path, where.key("columns", "name", index),
                                    "栏目名是空的。", "写上栏目名，例如 name = \"卷首\"。"))
        elif name in names:
            problems.append(Problem("S027", toml_path, where.key("columns", "name", index),
                                    f"栏目“{name}”出现了两次（另见第 {names[name]} 行）。",
                                    "把两个栏目的文章合并到一个 [[columns]] 里。"))
        names[name] = where.key("columns", "name", index) or 0
        files = column.get("articles")
        intro = column.get("intro", ())
        if isinstance(intro, str):
            intro = (intro,)
        spec = _ColumnSpec(name, str(column.get("feature", "")), tuple(intro) if _type_ok(list(intro), _STR_LIST) else (), [])
        if isinstance(files, list):
            line = where.key("columns", "articles", index)
            if not files:
                problems.append(Problem("S026", toml_path, line, f"栏目“{name}”没有文章。",
                                        "在 articles 里列出文章文件，或删去这个栏目。"))
            for rel in files:
                if not isinstance(rel, str):
                    continue
                path = (root / rel)
                key = safe_resolve(path)
                if key in seen_files:
                    problems.append(Problem(
                        "S009", toml_path, line,
                        f"文章“{rel}”被列了两次（另见第 {seen_files[key]} 行）。",
                        "一篇文章只能属于一个栏目，删去多余的一处。"))
                    continue
                seen_files[key] = line or 0
                if contained(root, rel) is None:
                    problems.append(outside(toml_path, line, rel, f"栏目“{name}”列出的文章文件"))
                    continue
                if not is_regular_file(path):
                    problems.append(Problem(
                        "S007", toml_path, line, f"栏目“{name}”列出的文章文件“{rel}”不存在。",
                        "检查文件名是否写对（区分大小写），或把文章文件放到期刊文件夹里。"))
                    continue
                spec.files.append((path, rel, line or 0))
        specs.append(spec)
    # Article files on disk that no column lists: probably forgotten.
    for md in sorted(root.rglob("*.md")):
        if md.name.lower() in NOT_ARTICLES or any(p.startswith(".") for p in md.relative_to(root).parts):
            continue
        if safe_resolve(md) not in seen_files:
            problems.append(Problem(
                "S008", md, None, "这篇文章文件没有列入任何栏目，不会出现在刊物里。",
                "把它加到 issue.toml 某个栏目的 articles 里；不要的文章请移出期刊文件夹。"))
    return specs, seen_files


def _build_columns(root: Path, specs: list[_ColumnSpec], _seen, problems: list[Problem]):
    columns: list[Column] = []
    slugs: dict[str, Path] = {}
    number = 0
    last_page: tuple[int, Path] | None = None
    checked: dict[Path, list[Problem]] = {}  # a picture used twice is opened once
    for spec in specs:
        articles: list[Article] = []
        for path, rel, toml_line in spec.files:
            file_problems: list[Problem] = []
            text = read_text(path, file_problems)
            problems.extend(file_problems)
            if text is None:
                continue
            parsed = parse_article(text, path)
            problems.extend(parsed.problems)
            meta = parsed.meta
            title = str(meta.get("title", "")).strip()
            if not title and not any(p.code == "S020" for p in parsed.problems):
                problems.append(Problem("S012", path, parsed.meta_lines.get("title", 1),
                                        "文章没有标题。", "在前言里写 title: 文章标题。"))
            if not parsed.blocks and not any(p.code == "S020" for p in parsed.problems):
                # An error, not a warning: a page of pictures or a notice has a body (a caption
                # line, a paragraph); a title alone is most often a body lost in a paste.
                problems.append(Problem("S011", path, None, "文章没有正文。",
                                        "在前言之后写正文段落；只有图片的页面写一行图片说明"
                                        "（![说明](图片文件)，没有图片文件时写 ![说明]）；"
                                        "不用的文章请从 issue.toml 里删去。"))
            slug = str(meta.get("slug") or path.stem.lower())
            if not SLUG_RE.match(slug):
                problems.append(Problem(
                    "S024", path, parsed.meta_lines.get("slug", 1),
                    f"文章代号“{slug}”只能用小写英文字母、数字和连字符。",
                    "把文件改成英文名，或在前言里写 slug: 例如 juanshou。"))
            elif len(slug) > MAX_SLUG:
                problems.append(Problem(
                    "S024", path, parsed.meta_lines.get("slug", 1),
                    f"文章代号有 {len(slug)} 个字符，太长（最多 {MAX_SLUG} 个）：它是音频、二维码等文件名的一部分。",
                    "在前言里写一个简短的 slug:，例如 juanshou。"))
            elif slug in slugs:
                problems.append(Problem(
                    "S010", path, parsed.meta_lines.get("slug", 1),
                    f"文章代号“{slug}”与 {slugs[slug].relative_to(root)} 重复。",
                    "在其中一篇的前言里写一个不同的 slug:。"))
            slugs.setdefault(slug, path)
            page = meta.get("page")
            if isinstance(page, int):
                if last_page and page < last_page[0]:
                    problems.append(Problem(
                        "S013", path, parsed.meta_lines.get("page"),
                        f"页码 {page} 比前一篇（{last_page[1].relative_to(root)}，第 {last_page[0]} 页）还小，"
                        "页码应随阅读顺序递增。",
                        "核对页码，或调整 issue.toml 里文章的顺序。"))
                last_page = (page, path)
            if meta.get("print_qr") is True and meta.get("narrate") is False:
                problems.append(Problem(
                    "S035", path, parsed.meta_lines.get("print_qr"),
                    "这篇文章不朗读（narrate: no），却要印二维码（print_qr: yes）：扫码后没有音频可听。",
                    "改成 narrate: yes，或 print_qr: no。"))
            for block in parsed.blocks:
                if block.image:
                    problems.extend(_check_picture(root, path, block.line, block.image, checked))
            number += 1
            articles.append(Article(
                number=number, slug=slug, column=spec.name, title=title,
                blocks=tuple(parsed.blocks), subtitle=str(meta.get("subtitle", "")),
                author=str(meta.get("author", "")), author_role=str(meta.get("author_role", "")),
                credit=str(meta.get("credit", "")), page=page if isinstance(page, int) else None,
                narrate=bool(meta.get("narrate", True)), print_qr=bool(meta.get("print_qr", False)),
                source=path,
            ))
        columns.append(Column(name=spec.name, articles=tuple(articles), intro=spec.intro,
                              feature=spec.feature))
    return tuple(columns)


def _check_picture(root: Path, article: Path, line: int, rel: str,
                   checked: dict[Path, list[Problem]]) -> list[Problem]:
    """A picture named by an article: inside the folder, present, and an image the EPUB carries."""
    path = root / rel
    if contained(root, rel) is None:
        return [outside(article, line, rel, "图片")]
    if not is_regular_file(path):
        return [Problem("S029", article, line, f"找不到图片“{rel}”。",
                        "把图片放进期刊文件夹，或只写说明：![说明]。")]
    real = safe_resolve(path)
    if real not in checked:
        try:
            verify_image(path)
            checked[real] = []
        except ImageProblem as why:
            checked[real] = [Problem("S038", article, line, f"图片“{rel}”不能用：{why}。",
                                     "换一张完好的 PNG、JPEG、GIF 或 WebP 图片（可用看图软件打开确认），"
                                     "或只写说明：![说明]。")]
        except OSError as exc:
            checked[real] = [unreadable(path, exc)]
    return [replace(p, file=article, line=line) if p.code == "S038" else p for p in checked[real]]


def load_issue(root: Path) -> Issue:
    """Load an issue folder; raise ``UserError`` listing every error found."""
    issue, problems = check_issue(root, lint=False)
    if issue is None:
        raise UserError([p for p in problems if p.severity == "error"] or problems)
    return issue
