"""``check --fix`` rewrites only files of the issue folder: an article that issue.toml lists
through ``../``, an absolute path or a symlink out of the folder is refused (S036) and left
byte for byte as it was; a listed name too long for the system is S007, not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.hostile import run_cli

COLUMN_LINE = 'articles = ["articles/01-juanshou.md"]'
OUTSIDE_TEXT = "---\ntitle: 外面的文章\n---\n\n外面的文件,不该被改.他说:\"好\"\n"


def _list_also(issue: Path, rel: str) -> None:
    toml = issue / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    assert COLUMN_LINE in text
    toml.write_text(text.replace(COLUMN_LINE, f'articles = ["articles/01-juanshou.md", "{rel}"]'),
                    encoding="utf-8")


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_check_fix_never_rewrites_a_file_outside_the_issue(example_copy, tmp_path, how):
    issue = example_copy
    outside = tmp_path / "outside.md"
    outside.write_text(OUTSIDE_TEXT, encoding="utf-8")
    if how == "symlink":
        (issue / "articles" / "link.md").symlink_to(outside)
    _list_also(issue, {"dotdot": "../outside.md", "absolute": str(outside),
                       "symlink": "articles/link.md"}[how])
    result = run_cli("check", "--fix", issue)
    assert result.code == 2 and "S036" in result.text
    assert "outside.md：" not in result.text  # no "已修改 …outside.md：N 处"
    assert outside.read_text(encoding="utf-8") == OUTSIDE_TEXT
    plain = run_cli("check", issue)  # nor are its contents quoted in warnings
    assert "外面的文件" not in plain.text


def test_listed_name_too_long_is_s007(example_copy):
    issue = example_copy
    toml = issue / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        COLUMN_LINE, f'articles = ["articles/{"长" * 200}.md"]'), encoding="utf-8")
    for args in (("check", issue), ("check", "--fix", issue)):
        result = run_cli(*args)
        assert result.code == 2, result.text
        assert "S007" in result.text and "E013" not in result.text
