"""``check`` is the gate: a base URL that makes the codes too big for the printed size (Q002)
or too long for any printable code (Q001) is reported by ``check`` too, as ``build --only qr``
reports it, not first by the build."""

from __future__ import annotations

import pytest

from support.hostile import PLACEHOLDER_BASE_URL, run_cli


def _base_url(issue, url: str, size_mm: str | None = None) -> None:
    toml = issue / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    assert PLACEHOLDER_BASE_URL in text and "size_mm = 20\n" in text
    text = text.replace(PLACEHOLDER_BASE_URL, f'base_url = "{url}"')
    if size_mm:
        text = text.replace("size_mm = 20\n", f"size_mm = {size_mm}\n")
    toml.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("url,code", [
    ("https://ting.tianjinzhibushenghuo.cn", "Q002"),  # 36 characters: version 4, 20 mm too small
    ("https://ting.tianjinzhibushenghuo-youshengban.com.cn", "Q001"),  # beyond version 4 at M
])
def test_check_reports_what_the_qr_build_would_refuse(example_copy, tmp_path, url, code):
    _base_url(example_copy, url)
    check = run_cli("check", example_copy)
    assert check.code == 2 and f"[{code}]" in check.text, check.text
    build = run_cli("build", example_copy, "--out", tmp_path / "out", "--only", "qr")
    assert build.code == 2 and f"[{code}]" in build.text, build.text


def test_check_passes_when_the_size_fits(example_copy, tmp_path):
    _base_url(example_copy, "https://ting.tianjinzhibushenghuo.cn", size_mm="20.5")
    check = run_cli("check", example_copy)
    assert check.code == 0 and "[Q0" not in check.text, check.text
    assert run_cli("build", example_copy, "--out", tmp_path / "out", "--only", "qr").code == 0


def test_no_code_to_print_says_why(example_copy, tmp_path):
    """No print_qr article: the summary said “0 个（…版本 -），均已解码核对”; now it says
    that none is marked and how to get codes for every narrated article."""
    for article in (example_copy / "articles").glob("*.md"):
        article.write_text(article.read_text(encoding="utf-8").replace("print_qr: yes", "print_qr: no"),
                           encoding="utf-8")
    result = run_cli("build", example_copy, "--out", tmp_path / "out", "--only", "qr", "--draft")
    assert result.code == 0, result.text
    assert "二维码：0 个：没有文章标注 print_qr: yes" in result.out and "--all" in result.out
    assert "均已解码核对" not in result.out and "版本 -" not in result.out
