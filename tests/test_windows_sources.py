"""Sources saved by a Windows editor (UTF-8 with a BOM, CRLF line ends) keep that form when
issuepub edits them: ``import ARTICLE.md --into`` adds its line to issue.toml without dropping
the BOM or mixing line ends."""

from __future__ import annotations

from support.hostile import run_cli

BOM = b"\xef\xbb\xbf"


def test_import_into_keeps_issue_toml_bom_and_crlf(example_copy, tmp_path):
    toml = example_copy / "issue.toml"
    toml.write_bytes(BOM + toml.read_bytes().replace(b"\n", b"\r\n"))
    article = tmp_path / "xinwen.md"
    article.write_text("---\ntitle: 新来的文章\nauthor: 李四\npage: 17\n---\n\n正文第一段。\n",
                       encoding="utf-8")
    result = run_cli("import", article, "--into", example_copy, "--column", "言论")
    assert result.code == 0, result.text
    data = toml.read_bytes()
    assert data.startswith(BOM) and not data.startswith(BOM * 2)
    assert b"articles/xinwen.md" in data
    assert data.count(b"\n") == data.count(b"\r\n")  # every line end still CRLF
    check = run_cli("check", example_copy)
    assert check.code == 0 and "7 篇文章" in check.out, check.text
