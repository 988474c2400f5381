"""What the voice says for what is written: Chinese text normalisation for narration.

Pure functions shared by every engine. ``normalize`` turns one displayed sentence into the
text an engine is given: numbers read the Chinese way (years digit by digit, amounts as
cardinals, percentages as 百分之…, codes such as standard, document, model, phone and room numbers
digit by digit), symbols spoken or turned into pauses, and Latin letters
either left for the voice (``latin="keep"``, voices that read them natively) or spelled with
Chinese letter names (``latin="spell"``, voices that would switch to English otherwise).
Per-issue pronunciation overrides are applied first, so they may target anything written.
"""

from __future__ import annotations

import re
from typing import Iterable, Literal

import regex  # for \p{Extended_Pictographic}, which the re module cannot name

from ...text import HAN as _HAN

LatinMode = Literal["keep", "spell"]

DIGITS = "零一二三四五六七八九"
YEAR_DIGITS = "〇一二三四五六七八九"  # years are printed and read digit by digit: 二〇二四
HAN_NUMERALS = "〇零一二三四五六七八九十"

_CJK_PUNCT = "，。！？；：、“”‘’「」『』《》〈〉（）【】"

# Mandarin names of Latin letters, for voices without English (the usual classroom forms).
LETTER_NAMES = {
    "A": "诶", "B": "比", "C": "西", "D": "迪", "E": "伊", "F": "艾弗", "G": "吉",
    "H": "艾尺", "I": "艾", "J": "杰", "K": "开", "L": "艾勒", "M": "艾姆", "N": "艾恩",
    "O": "欧", "P": "皮", "Q": "丘", "R": "艾儿", "S": "艾丝", "T": "提", "U": "优",
    "V": "维", "W": "达布留", "X": "艾克斯", "Y": "歪", "Z": "贼德",
}
# English words read as Chinese words rather than spelled (spell mode only).
LEXICON = {"and": "和", "show": "秀", "teda": "泰达", "eden": "伊甸", "www": "三达布留"}

# Measure words and units after which a lone 2 is read 两 (两个, 两家), never after 第.
_LIANG_UNITS = (
    "个位名家项件次场条座所种类批户人天年周岁张本篇支台辆棵只层栋块份笔处倍届轮节段句首幅组套"
    "班队间门艘架把枚颗根片株头匹米元吨斤亩克"
)
_LIANG_MULTI = ("分钟", "小时", "公里", "千米", "平方米", "公斤", "万", "亿", "千", "百")
# Units that make a long number an amount (read as a cardinal) rather than a code.
_AMOUNT_UNITS = _LIANG_UNITS + "里度万亿千百多余来"
_CODE_CONTEXT = re.compile(
    r"(?:电话|热线|号码|编码|邮编|代号|证号|编号|刊号|账号|拨打|致电|代码|型号|尾号|工号|学号|房号|传真|手机"
    r"|ISSN|CN|QQ|No\.?)\s*[:：]?\s*$",
    re.IGNORECASE,
)
# Units written in Latin letters after a number, longest first (m² before m, min before m).
_UNITS = {
    "μg/m³": "微克每立方米", "µg/m³": "微克每立方米", "mg/m³": "毫克每立方米",
    "μg": "微克", "µg": "微克", "μm": "微米", "µm": "微米", "nm": "纳米",
    "km/h": "公里每小时", "m/s": "米每秒", "km²": "平方公里", "km2": "平方公里", "km": "公里",
    "m²": "平方米", "m³": "立方米", "kg": "公斤", "mg": "毫克", "g": "克",
    "cm": "厘米", "mm": "毫米", "ml": "毫升", "mL": "毫升", "L": "升",
    "kW·h": "千瓦时", "kWh": "千瓦时", "kW": "千瓦", "MW": "兆瓦", "GW": "吉瓦", "kV": "千伏",
    "dB": "分贝", "min": "分钟", "h": "小时", "m": "米",
}
_UNIT_RE = re.compile(
    r"(?:(?<=\d)|(?<=\d[万亿]))\s*(" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
    + r")(?![A-Za-z²³])")
_CURRENCIES = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑"}
# Words before or after a:b that make 2:10 a score or a ratio, not a clock time.
_RATIO_BEFORE = re.compile(r"(?:比分|比例|比为|之比)[^，。；！？,;]{0,6}$|(?:按|按照)\s*$")
_RATIO_AFTER = re.compile(r"^\s*(?:获胜|战胜|取胜|击败|赢|胜|负|落败|的比分|的比例|的优势)")
_RANGE_DASH = "-–~—―"
# Marks a reader does not say: geometric shapes (U+25A0-25FF: ■ end marks, ● ▲ bullets; the
# circle ○ typed for the zero of a year is made 〇 first), stars, dingbats, check marks, ※ and
# the geta mark 〓 a PDF gives for a missing character.
_UNSPEAKABLE = "✎※〓✓✗✘☐\u25a0-\u25ff\u2605\u2606\u2660-\u2667\u2726-\u274b\u2794-\u27bf\u2b1b-\u2b1f\u2b50-\u2b55"
# Emoji (Extended_Pictographic, which also holds © ® ™: not said either) with what modifies or
# joins them: skin tones, variation selectors, ZWJ sequences (👨‍👩‍👧), tag sequences (subdivision
# flags), keycaps (1️⃣ #️⃣), and flags as regional-indicator pairs. The marks among them that
# stand in Chinese text (‼ ⁉, the arrows, the wavy dash 〰) are read before as marks.
_EMOJI_PART = (r"(?:\p{Extended_Pictographic}|[0-9#*]\ufe0f?\u20e3)"
               r"[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]*")
_EMOJI_RE = regex.compile(rf"{_EMOJI_PART}(?:\u200d{_EMOJI_PART})*|[\U0001f1e6-\U0001f1ff]+"
                          r"|[\U0001f3fb-\U0001f3ff\ufe0f\u20e3]+")
# List numbers in one character, read as the number they carry: ① 一, ⑴ 一, ⒈ 一, ㈠ 一, ❶ 一,
# Ⅱ 二 (第Ⅱ部分 第二部分); before text a short pause follows, as after 一、.
_LIST_NUMBERS = {}
for _first, _count in ((0x2460, 20), (0x2474, 20), (0x2488, 20), (0x2776, 10), (0x2780, 10),
                       (0x278A, 10), (0x24F5, 10), (0x3220, 10), (0x3280, 10), (0x2160, 12), (0x2170, 12)):
    _LIST_NUMBERS.update({chr(_first + i): i + 1 for i in range(_count)})
_LIST_NUMBERS.update({chr(0x3251 + i): 21 + i for i in range(15)})  # ㉑-㉟
_LIST_NUMBERS.update({chr(0x32B1 + i): 36 + i for i in range(15)})  # ㊱-㊿
_LIST_NUMBERS.update({chr(0x24EB + i): 11 + i for i in range(10)})  # ⓫-⓴
_LIST_NUMBERS.update({"⓪": 0, "⓿": 0})
_LIST_NUMBER_RE = re.compile("[" + "".join(sorted(_LIST_NUMBERS)) + "]")
# 同比↑5%: 同比上升百分之五; the other arrows (申请→审核→发放) and the wavy dash are pauses.
_MARKS = {"↑": "上升", "↓": "下降", "‼": "！", "⁉": "？！"}
_MARK_RE = re.compile("[‼⁉〰\u2190-\u21ff\u27a1\u27f0-\u27ff\u2b00-\u2b0d]")
_ASCII_TO_CJK = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９％＋－．／＜＞＝"}
_FULLWIDTH.update({ord(chr(o)): o - 0xFEE0 for o in range(0xFF21, 0xFF3B)})
_FULLWIDTH.update({ord(chr(o)): o - 0xFEE0 for o in range(0xFF41, 0xFF5B)})
_FULLWIDTH[ord("～")] = ord("~")
_FULLWIDTH[ord("−")] = ord("-")  # the minus sign


# --- number readings ----------------------------------------------------------------------


def _group(n: int) -> str:
    """0 < n < 10000 as 千百十 with the zeros a reader says (一千零五, 一千零五十)."""
    out, zero = "", False
    for size, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // size % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[d] + unit
    return out


def cardinal(n: int) -> str:
    """An integer as a Chinese cardinal: 10 十, 110 一百一十, 10005 一万零五, 2500 两千五百."""
    if n < 0:
        return "负" + cardinal(-n)
    if n == 0:
        return "零"
    units = ("", "万", "亿", "万亿")
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    if len(groups) > len(units):
        raise ValueError("number too large for a cardinal reading")
    out, gap = "", False
    for idx in range(len(groups) - 1, -1, -1):
        g = groups[idx]
        if g == 0:
            gap = bool(out)
            continue
        if out and (gap or g < 1000):
            out += "零"
        out += _group(g) + units[idx]
        gap = False
    if out.startswith("一十"):
        out = out[1:]  # 十, 十万: a leading 一十 is not said
    if out[:2] in ("二千", "二万", "二亿"):
        out = "两" + out[1:]  # 两千, 两万 as a reader says them
    return out


def digits(text: str, *, year: bool = False) -> str:
    """Digit by digit: 022 零二二; years with 〇 as printed: 2024 二〇二四."""
    table = YEAR_DIGITS if year else DIGITS
    return "".join(table[int(c)] for c in text)


def decimal(text: str) -> str:
    """790.3 七百九十点三, 0.5 零点五, 2.0 二点零 (fraction digit by digit)."""
    whole, _, frac = text.partition(".")
    out = cardinal(int(whole or "0"))
    return out + ("点" + digits(frac) if frac else "")


def _number(text: str) -> str:
    return decimal(text) if "." in text else cardinal(int(text))


# --- the passes -----------------------------------------------------------------------------


def _spell_latin(word: str, latin: LatinMode) -> str:
    if latin == "keep":
        return word
    known = LEXICON.get(word.lower())
    if known:
        return known
    return "".join(LETTER_NAMES.get(c.upper(), "") if c.isalpha() else digits(c) for c in word)


def _alnum_token(m: re.Match, latin: LatinMode) -> str:
    """Model names and grades mixing letters and digits: V1, 5A, C919."""
    token = m.group(0)
    # Two digits after letters are a number (G20 二十, Top10 十); longer runs are model
    # numbers said digit by digit (C919 九一九), as are digits before letters (5A).
    parts = re.findall(r"[A-Za-z]+|\d+", token)
    return "".join(
        _spell_latin(part, latin) if part.isalpha()
        else cardinal(int(part)) if len(part) == 2 and part[0] != "0" and i > 0 else digits(part)
        for i, part in enumerate(parts))


def _address(m: re.Match, latin: LatinMode) -> str:
    """URLs and e-mail addresses, spelled with their punctuation spoken."""
    names = {".": "点", "/": "斜杠", ":": "冒号", "@": "艾特", "-": "杠", "_": "下划线"}
    out = []
    for part in re.findall(r"[A-Za-z]+|\d+|.", m.group(0)):
        if part.isdigit():
            out.append(digits(part))
        elif part.isalpha():
            known = LEXICON.get(part.lower()) if latin == "spell" else None
            out.append(known or (part if latin == "keep" else _spell_latin(part, latin)))
        else:
            out.append(names.get(part, ""))
    return "".join(out)


def _unit_follows(after: str) -> bool:
    """A measure word or unit opens ``after``: the number before it is an amount."""
    after = after.lstrip()
    return bool(after) and (after[0] in _AMOUNT_UNITS or after.startswith(_LIANG_MULTI))


def _integer(m: re.Match, text: str) -> str:
    num = m.group(0)
    start, end = m.span()
    before, after = text[max(0, start - 12):start], text[end:end + 3]
    if len(num) > 1 and num.startswith("0"):
        return digits(num)
    unit_follows = _unit_follows(after)
    if _CODE_CONTEXT.search(before) and not unit_follows:
        return digits(num)  # 电话 022…, but 拨打12次 and 电话110余次 are counts
    if len(num) >= 13 or (len(num) >= 6 and not unit_follows):
        return digits(num)  # codes, licence and postal numbers: 300210 三零零二一零
    # 两 before a measure word, but not for an ordinal: 第2, 3号楼2门 (the entrance), 5栋2层.
    ordinal = before.endswith("第") or (before.endswith(("号楼", "栋")) and after[:1] in ("门", "层"))
    if num == "2" and not ordinal and after and (
        after[0] in _LIANG_UNITS or after.startswith(_LIANG_MULTI)
    ):
        return "两"
    return cardinal(int(num))


# Standard designations (GB/T 15834—2011, JGJ 130-2011, ISO/IEC 27001:2022, DB12/T 1234—2023,
# T/CECS 100-2020): codes, not quantities. Said as a broadcaster says them: the letters, the
# number digit by digit (一五八三四), a short pause for the dash or colon, and the year of issue
# read as a year (二〇一一). The slash is not said.
_STANDARD_RE = re.compile(
    r"(?<![A-Za-z\d])(?P<prefix>(?:[TQ]/[A-Z]{2,8})|GBJ|GB|JGJ|JG|CJJ|CJ|HJ|DL|YY|QB|SJ|JB|HG|SH|NY|SN|TB|JT|MH"
    r"|WS|GA|AQ|DB\d{2}|ISO|IEC|ASTM|IEEE|DIN|JIS|ANSI|EN)(?P<series>(?:/[A-Z]{1,4})*)"
    r"\s*(?P<number>\d{2,}(?:\.\d+)*|\d(?:\.\d+)+)"
    r"(?:\s*[-—–‐:：]\s*(?P<year>(?:19|20)\d{2}|\d{2})(?![\d.]))?(?![\d.A-Za-z])(?!\s*[年月日])"
)


def _standard(m: re.Match) -> str:
    prefix = m["prefix"].replace("/", " ")
    prefix = re.sub(r"\d+", lambda d: digits(d[0]), prefix)  # DB12: DB一二
    letters = " ".join([prefix] + [s for s in m["series"].split("/") if s])
    number = "点".join(digits(part) for part in m["number"].split("."))
    year = "，" + digits(m["year"], year=True) if m["year"] else ""
    return f"{letters} {number}{year}"


# Document numbers (发文字号, GB/T 9704): 津政发〔2024〕12号 is 津政发二〇二四年十二号, the year in
# brackets read as a year, the serial number as a number. The hexagonal brackets 〔〕 hold
# nothing else; square and round ones count only before the serial.
_DOCUMENT_NO_RE = re.compile(
    r"〔\s*((?:19|20)\d{2})\s*〕"
    r"|(?:[［\[【]|(?<=[发字函])[（(])\s*((?:19|20)\d{2})\s*[］\]】）)]\s*(?=第?\d{1,5}号)")

# Codes among house numbers: a room number (502室, 3单元1202) is said digit by digit; a building,
# entrance or floor number is an ordinal (12号楼 十二号楼, 3单元 三单元) and stays a number.
_ROOM_RE = re.compile(r"(?<![\d.])\d{3,5}(?=室(?![内外]))|(?<=单元|号楼|\d门)\d{3,5}(?![\d.%])")
# Emergency and service numbers before what they are for: 110报警, 120急救, 12345热线.
_SERVICE_NO_RE = re.compile(r"(?<![\d.])\d{3,}(?=\s*(?:热线|报警|急救|火警|求助|接警))")
# Latin model names with a hyphen: ZF-3000 as ZF3000 (ZF三零零零), read as the model names below.
_MODEL_HYPHEN_RE = re.compile(r"(?<![A-Za-z\d-])([A-Za-z]{1,6})-(\d{1,6})(?![\d.%-])")


def _dashes(text: str) -> str:
    """——, — and …… become pauses; at either end of the text they are dropped."""
    text = re.sub(r"\s*[—―─]+\s*", "—", text)
    text = re.sub(r"[…⋯]+|\.{3,}", "…", text)
    text = re.sub(r"^[—…\s]+", "", text)
    # A trailing ellipsis ends the sentence (split_sentences ends sentences there too).
    text = re.sub(r"…(?=[”’」』）》]*\s*$)", "。", text)
    text = re.sub(r"[—…]+(?=[”’」』）》]*\s*$)", "", text)
    return re.sub(r"[—…]", "，", text)


def normalize(
    text: str,
    *,
    pronunciations: Iterable[tuple[str, str]] = (),
    latin: LatinMode = "spell",
) -> str:
    """The spoken form of one displayed sentence (or title, byline…)."""
    t = text.translate(_FULLWIDTH)
    for written, spoken in sorted(pronunciations, key=lambda p: -len(p[0])):
        if written:
            t = t.replace(written, spoken)
    # Bounded work: many passes below scan a run of digits, letters or spaces from each of its
    # positions (quadratic in the run's length), so a run of whitespace becomes its first
    # character and a run of visible ASCII longer than any number, address or model name is
    # read in pieces of _MAX_RUN characters (a 20,000-digit run took 156 s; now linear).
    t = _SPACE_RUN.sub(r"\1", _ZERO_WIDTH.sub("", t))
    if _LONG_RUN.search(t):
        return _normalize_in_pieces(t, latin)
    t = _emoji_and_marks(t)
    t = re.sub(r"[\u200b-\u200f\ufeff]", "", t)

    # Codes before any pass reads their digits as amounts, years or ranges.
    t = _STANDARD_RE.sub(_standard, t)
    t = _DOCUMENT_NO_RE.sub(lambda m: digits(m[1] or m[2], year=True) + "年", t)
    t = _ROOM_RE.sub(lambda m: m[0] if _unit_follows(t[m.end():m.end() + 3]) else digits(m[0]), t)
    t = _SERVICE_NO_RE.sub(lambda m: digits(m[0]), t)
    t = _MODEL_HYPHEN_RE.sub(r"\1\2", t)
    t = re.sub(r"(?<=公元)(前?)\s*(\d{1,4})(?=\s*年)", lambda m: m[1] + digits(m[2], year=True), t)

    # Typesetting spaces around numbers and between Chinese words.
    t = re.sub(rf"(?<=[{_HAN}{_CJK_PUNCT}])\s+(?=[\d])|(?<=[\d%])\s+(?=[{_HAN}{_CJK_PUNCT}])", "", t)
    t = re.sub(rf"(?<=[{_HAN}])\s+(?=[{_HAN}])", "，", t)

    # Thousands separators: 1,200 -> 1200, before money signs and decimals read the number
    # (¥1,200 一千二百元, 1,234.5万元 一千二百三十四点五万元).
    t = re.sub(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])", lambda m: m[0].replace(",", ""), t)

    # Units and money signs in Latin script: 100km 100公里, ¥80 80元.
    t = _UNIT_RE.sub(lambda m: _UNITS[m[1]], t)
    t = re.sub(r"([¥￥$€£])\s*(\d+(?:\.\d+)?)\s*(万亿|万|亿)?(?!\s*元)",
               lambda m: m[2] + (m[3] or "") + _CURRENCIES[m[1]], t)

    # Addresses before anything reads their digits or dots.
    t = re.sub(
        r"(?<![\w.-])(?:https?://)?[\w.-]+@[\w-]+(?:\.[\w-]+)+|https?://[\w./%?=&#-]+|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:cn|com|net|org|gov)\b[\w./-]*",
        lambda m: _address(m, latin), t, flags=re.IGNORECASE,
    )

    # Telephone numbers, digit by digit in groups: 022-23456789.
    t = re.sub(r"(?<![\d.])(0\d{2,3})-(\d{7,8})(?![\d.])", lambda m: digits(m[1]) + "，" + digits(m[2]), t)
    t = re.sub(r"(?<![\d.])1[3-9]\d{9}(?![\d.])", lambda m: digits(m[0]), t)

    # Dates written with separators: 2024-11-15, 2024.11.15, 2024/11/15.
    t = re.sub(
        r"(?<![\d.])((?:19|20)\d{2})([-./])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?![\d.])",
        lambda m: digits(m[1], year=True) + "年" + cardinal(int(m[3])) + "月" + cardinal(int(m[4])) + "日",
        t,
    )

    # Years: 2024年 二〇二四年, 2021-2024年, an event's year before its Latin name, 90后.
    t = re.sub(
        r"(?<![\d.])((?:1[6-9]|20)\d{2})\s*[-–—~至到]\s*((?:1[6-9]|20)\d{2})(?=年)",
        lambda m: digits(m[1], year=True) + "到" + digits(m[2], year=True), t,
    )
    t = re.sub(r"(?<![\d.])(\d{4})(?=年)", lambda m: digits(m[1], year=True), t)
    t = re.sub(r"(?<![\d.])((?:19|20)\d{2})(?=\s*[A-Za-z])", lambda m: digits(m[1], year=True), t)
    t = re.sub(r"(?<=[（(])((?:19|20)\d{2})(?=[）)])", lambda m: digits(m[1], year=True), t)  # 报告（2024）
    t = re.sub(r"(?<![\d.])(\d)0(?=后)", lambda m: digits(m[1]) + "零", t)

    # Dates and names with a middle dot: “7·9” 七九, “23·7” 二三七, “一二·九” 一二九.
    t = re.sub(r"(?<![\d.])(\d{1,2})[·•・‧](\d{1,2})(?![\d.])", lambda m: digits(m[1]) + digits(m[2]), t)
    t = re.sub(rf"(?<=[{HAN_NUMERALS}])[·•・‧](?=[{HAN_NUMERALS}])", "", t)

    num = r"\d+(?:\.\d+)?"
    # Percentages and per mille: 6.4% 百分之六点四, 5%-10%.
    # A minus: 零下 for temperatures, 负 before a percentage (never inside a range: 5%-10%).
    t = re.sub(rf"(?<![\d.%A-Za-z])-\s*({num})\s*℃", lambda m: "零下" + _number(m[1]) + "摄氏度", t)
    t = re.sub(rf"(?<![\d.%A-Za-z])-\s*(?=({num})\s*%)", "负", t)
    t = t.replace("±", "正负").replace("≥", "大于等于").replace("≤", "小于等于")
    t = t.replace("≠", "不等于").replace("≈", "约等于")
    t = re.sub(
        rf"({num})\s*%?\s*[{_RANGE_DASH}至到]\s*({num})\s*%",
        lambda m: "百分之" + _number(m[1]) + "到百分之" + _number(m[2]), t,
    )
    t = re.sub(rf"({num})\s*%", lambda m: "百分之" + ("百" if m[1] == "100" else _number(m[1])), t)
    t = re.sub(rf"({num})\s*‰", lambda m: "千分之" + _number(m[1]), t)
    t = re.sub(rf"({num})\s*℃", lambda m: _number(m[1]) + "摄氏度", t)
    t = re.sub(rf"({num})\s*℉", lambda m: _number(m[1]) + "华氏度", t)
    t = t.replace("℃", "摄氏度").replace("℉", "华氏度").replace("°", "度")

    # Ranges before a unit: 30-50户 三十到五十户.
    def _range(m: re.Match) -> str:
        if float(m[1]) >= float(m[2]):
            return m[0]
        after = t[m.end():m.end() + 3].lstrip()
        # 2~3万人次 两到三万: a lone 2 before a measure word is 两, as in _integer.
        first = "两" if m[1] == "2" and (after[:1] in _LIANG_UNITS or after.startswith(_LIANG_MULTI)) \
            else _number(m[1])
        return first + "到" + _number(m[2])

    t = re.sub(rf"(?<![\d.])({num})\s*[-–—~]\s*({num})(?=\s*[{_HAN}])", _range, t)

    # Scores and ratios: 3:1 三比一 (a single digit after the colon, a ∶, or a cue before).
    def _ratio(m: re.Match) -> str:
        clock = m[2] != "∶" and len(m[3]) == 2 and int(m[1]) <= 23 and int(m[3]) <= 59
        if clock and not (_RATIO_BEFORE.search(t[max(0, m.start() - 10):m.start()])
                          or _RATIO_AFTER.search(t[m.end():m.end() + 4])):
            return m[0]
        return cardinal(int(m[1])) + "比" + cardinal(int(m[3]))

    t = re.sub(r"(?<![\d.:：])(\d{1,3})\s*([:：∶])\s*(\d{1,3})(?![\d.:：])", _ratio, t)

    # Clock times: 7:30 七点三十分, 2:15 两点十五分.
    t = re.sub(
        r"(?<![\d.])([01]?\d|2[0-3])[:：]([0-5]\d)(?![\d.])",
        lambda m: ("两" if int(m[1]) == 2 else cardinal(int(m[1]))) + "点" + (
            "" if m[2] == "00" else ("零" if m[2][0] == "0" else "") + cardinal(int(m[2])) + "分"),
        t,
    )
    # Fractions and rates: 1/3 三分之一, 99元/月 九十九元每月.
    t = re.sub(r"(?<![\d./])(\d+)/(\d+)(?![\d./])", lambda m: cardinal(int(m[2])) + "分之" + cardinal(int(m[1])), t)
    t = re.sub(rf"(?<=[{_HAN}])/(?=月|年|天|日|周|次|人|户|小时|公里|千克|吨|平方米)", "每", t)

    # Codes with hyphens, digit by digit: 6-268 六杠二六八.
    t = re.sub(
        r"(?<![\d.])\d+(?:-\d+)+(?![\d.])",
        lambda m: "杠".join(digits(p) for p in m[0].split("-")), t,
    )
    # After Latin letters: a decimal is read as one (PM2.5 PM二点五), No.1 is 第一.
    t = re.sub(r"(?<=[A-Za-z])\d+\.\d+(?![\d.])", lambda m: decimal(m[0]), t)
    t = re.sub(r"(?<![A-Za-z])No\.\s*(\d{1,3})(?![\d.])", lambda m: "第" + cardinal(int(m[1])), t,
               flags=re.IGNORECASE)
    # Letters and digits together: V1, 5A, C919, G20.
    t = re.sub(r"(?<![A-Za-z\d])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z\d]+(?![A-Za-z\d])",
               lambda m: _alnum_token(m, latin), t)

    # Arithmetic and other spoken symbols.
    t = re.sub(r"\s*\+\s*", "加", t)
    t = re.sub(r"(?<=[\d\s])>(?=[\d\s])", "大于", t)
    t = re.sub(r"(?<=[\d\s])<(?=[\d\s])", "小于", t)
    t = re.sub(r"(?<=[\d\s])=(?=[\d\s])", "等于", t)
    t = t.replace("×", "乘").replace("&", "和").replace("@", "艾特").replace("#", "号")

    # Decimals, then whole numbers by context.
    t = re.sub(r"(?<![\d.])(\d+)\.0+(?=元)", lambda m: m[1], t)  # 8.00元 八元
    t = re.sub(r"(?<![\d.])\d+\.\d+(?![\d.])", lambda m: decimal(m[0]), t)
    t = _integers(t)

    # A single dash or tilde between two readings of numbers, dates or times is 到:
    # 一月一日-三月三十一日, 九点-十七点, 零下五摄氏度~三摄氏度 (a double dash stays a pause).
    t = re.sub(
        rf"(?<=[日月号时点分秒年度名〇零一二三四五六七八九十百千万亿两])\s*(?<![—―])[{_RANGE_DASH}](?![—―])\s*"
        r"(?=[〇零一二三四五六七八九十两]|百分之|零下)",
        "到", t)

    # Pauses: dashes, ellipses, middle dots, slashes and hyphens left over.
    t = _dashes(t)
    t = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", t)
    t = re.sub(r"\s*[·•/\\|~_-]+\s*", "，", t)

    # Latin words.
    t = re.sub(r"[A-Za-z]+(?:'[a-z]+)?", lambda m: _spell_latin(m[0], latin), t)

    # Punctuation to the Chinese forms engines pause on; quotes and stray symbols go.
    t = re.sub(rf"(?<=[{_HAN}”’」』）》])\.(?=\s|$|[”’」』）》])", "。", t)
    t = "".join(_ASCII_TO_CJK.get(c, c) for c in t)
    t = re.sub(r"[\"'`^*$<>=\[\]{}.]", "", t)
    if latin == "spell":
        t = re.sub(r"\s+", "", t)
    else:
        t = re.sub(r"\s+", " ", t)
        t = re.sub(rf"(?<=[{_HAN}{_CJK_PUNCT}])\s|\s(?=[{_HAN}{_CJK_PUNCT}])", "", t)
    t = re.sub(r"，+", "，", t)
    t = re.sub(r"，(?=[。！？；：、，]|[”’」』）》]*$)", "", t)
    t = re.sub(r"(?<=[（“‘「『《：、])，", "", t)
    t = re.sub(r"（）|“”|‘’|《》|【】|「」|『』", "", t)  # around an emoji that is not said
    return t.strip().lstrip("，")


def _list_number(m: re.Match, t: str) -> str:
    """A list number opening an item (①加强学习, 目标⑵压实责任) is followed by a pause before its
    text; one inside a phrase (见图①和图②) is not, nor a Roman numeral (第Ⅱ部分, Ⅲ期, Ⅰ类)."""
    before, after = t[m.start() - 1:m.start()], t[m.end():m.end() + 1]
    in_phrase = "\u2160" <= m[0] <= "\u217f" or (bool(before) and before in "第图表式例附")
    pause = not in_phrase and after and (regex.match(r"[\p{L}\p{N}]", after) or after in "“‘《（")
    return cardinal(_LIST_NUMBERS[m[0]]) + ("、" if pause else "")


def _emoji_and_marks(t: str) -> str:
    """Emoji and marks a reader does not say removed, list numbers and arrows said, before
    any other pass (a keycap's digit is not a number; ①2024年 is 一、二〇二四年)."""
    t = _MARK_RE.sub(lambda m: _MARKS.get(m[0], "，"), t)
    # ©2024: the year of a copyright line is a year (the sign itself is not said).
    t = re.sub(r"©\s*((?:19|20)\d{2})(?![\d.])", lambda m: digits(m[1], year=True), t)
    t = _EMOJI_RE.sub("", t)
    t = t.replace("№", "No.")
    t = _LIST_NUMBER_RE.sub(lambda m: _list_number(m, t), t)
    t = re.sub(f"(?<=[{HAN_NUMERALS}])○|○(?=[{HAN_NUMERALS}]*年)", "〇", t)  # 二○二四年
    return re.sub(f"[{_UNSPEAKABLE}]", "", t)


_MAX_RUN = 200  # longer than any real URL, number or model name in an article
_LONG_RUN = re.compile(rf"[!-~]{{{_MAX_RUN + 1},}}")
_SPACE_RUN = re.compile(r"(\s)\s+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\ufeff]")


def _normalize_in_pieces(t: str, latin: LatinMode) -> str:
    """``t`` read as its long ASCII runs cut into pieces of _MAX_RUN and the text between."""
    pieces, at = [], 0
    for m in _LONG_RUN.finditer(t):
        pieces.append(t[at:m.start()])
        pieces.extend(m[0][i:i + _MAX_RUN] for i in range(0, len(m[0]), _MAX_RUN))
        at = m.end()
    pieces.append(t[at:])
    return "".join(normalize(piece, latin=latin) for piece in pieces if piece)


def _integers(t: str) -> str:
    return re.sub(r"\d+", lambda m: _integer(m, t), t)


def is_speakable(spoken: str) -> bool:
    """True when the text has something to say (not only punctuation or quotes)."""
    return bool(re.search(rf"[{_HAN}A-Za-z0-9〇]", spoken))
