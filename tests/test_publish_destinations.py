"""``publish --to``: a file:// URL means the folder it names, as a browser or a file manager
writes it (percent-encoded), and a host where the folder should be is refused (P008)."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuepub.diagnostics import UserError
from issuepub.publish.stores import parse_destination


@pytest.mark.parametrize("text,folder", [
    ("file:///tmp/%E5%8F%91%E5%B8%83%20ting", "/tmp/发布 ting"),
    ("file:///tmp/发布 ting", "/tmp/发布 ting"),
    ("file://localhost/var/www/ting", "/var/www/ting"),
    ("/var/www/%E5%8F%91", "/var/www/%E5%8F%91"),  # a plain path is taken as written
])
def test_file_url_names_its_folder(text, folder):
    destination = parse_destination(text)
    assert destination.kind == "folder" and destination.folder == Path(folder)


def test_file_url_with_a_host_is_refused():
    with pytest.raises(UserError) as caught:
        parse_destination("file://var/www/ting")  # one slash short: "var" is read as a host
    problem = caught.value.problems[0]
    assert problem.code == "P008" and "file:///var/www/ting" in problem.fix


def test_folder_destination_that_is_a_file_is_refused(example_copy, tmp_path):
    """``--to`` naming a file (or a path through one) is P008 with the --to fix, before
    anything is written (it was E003, whose fix says to change --out)."""
    from support.hostile import PLACEHOLDER_BASE_URL, REAL_BASE_URL, run_cli

    toml = example_copy / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(PLACEHOLDER_BASE_URL, REAL_BASE_URL),
                    encoding="utf-8")
    root = tmp_path / "build"
    assert run_cli("build", example_copy, "--out", root, "--only", "site").code == 0
    a_file = tmp_path / "a-file"
    a_file.write_bytes(b"keep")
    for to in (a_file, a_file / "ting"):
        for dry in ((), ("--dry-run",)):
            result = run_cli("publish", root, "--to", to, *dry)
            assert result.code == 2, result.text
            assert "P008" in result.err and "--to" in result.err and "E003" not in result.err
    assert a_file.read_bytes() == b"keep"


def test_placeholder_refusal_reads_as_a_sentence(example_copy, tmp_path):
    """P005 once said “网址 https://ting.example.cn example 域名是示例占位，不能发布”."""
    from support.hostile import run_cli

    root = tmp_path / "build"
    assert run_cli("build", example_copy, "--out", root, "--only", "site").code == 0
    result = run_cli("publish", root, "--to", tmp_path / "public")
    assert result.code == 2 and "[P005]" in result.err
    assert "网址 https://ting.example.cn 是示例用的占位网址，不是真实的网站，不能发布" in result.err, result.err
    assert not (tmp_path / "public").exists()
