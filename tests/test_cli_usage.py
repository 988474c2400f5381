"""The command line as a user types it: help and usage mistakes in Chinese, exit code 2,
``--debug`` accepted where users put it (after the command)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from issuepub.cli import main
from issuepub.diagnostics import UserError
from support.hostile import run_cli

# argparse's English that a user must never see
ENGLISH = re.compile(r"usage:|positional arguments|options:|show this help|the following arguments"
                     r"|unrecognized arguments|invalid choice|invalid int value|expected (one|at least)"
                     r"|ignored explicit|error:")

MISTAKES = [
    (("build",), "缺少 期刊文件夹"),
    (("bogus",), "没有“bogus”这个命令，可用的命令：check、build、outline、import、publish"),
    (("build", "x", "--tts", "google"), "--tts 不能是“google”，只能是 offline、edge"),
    (("build", "x", "--jobs", "abc"), "--jobs 后面要写整数，不是“abc”"),
    (("build", "x", "--only"), "--only 后面至少要写一个值"),
    (("build", "x", "--frobnicate"), "不认识的参数 --frobnicate"),
    (("check", "--fix=3", "x"), "--fix 后面不能带值“3”"),
    (("publish",), "缺少 --to"),
    (("import", "x.txt", "--page", "十一"), "--page 后面要写整数，不是“十一”"),
]


@pytest.mark.parametrize("args,said", MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_usage_mistakes_are_said_in_chinese(args, said):
    result = run_cli(*args)
    assert result.code == 2
    assert said in result.err
    assert "命令写法有误" in result.err and "用法：" in result.err
    assert not ENGLISH.search(result.err), result.err


@pytest.mark.parametrize("command", ["", "check", "build", "outline", "import", "publish"])
def test_help_of_every_command_is_chinese(command):
    args = [sys.executable, "-m", "issuepub", *([command] if command else []), "--help"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("用法：issuepub")
    assert "参数：" in done.stdout and "选项：" in done.stdout
    assert "显示本说明后退出" in done.stdout
    assert not ENGLISH.search(done.stdout), done.stdout


def test_debug_after_the_command_shows_the_traceback(tmp_path):
    missing = tmp_path / "没有这一期"
    plain = run_cli("build", missing, "--out", tmp_path / "out")
    assert plain.code == 2 and "S001" in plain.err and "Traceback" not in plain.err
    with pytest.raises(UserError):  # --debug lets the exception through (its traceback)
        main(["build", str(missing), "--out", str(tmp_path / "out"), "--debug"])
    with pytest.raises(UserError):  # and before the command, as before
        main(["--debug", "outline", str(missing)])


def test_output_into_a_closed_pipe_stops_quietly(example_copy):
    """``issuepub outline --json DIR | head -1``: the reader goes away after one line; the
    command stops without a message (it said 错误 [E019] 系统错误：Broken pipe)."""
    article = example_copy / "articles" / "01-juanshou.md"
    # A long article, so that the JSON is well beyond what a pipe holds (64 KiB).
    article.write_text(article.read_text(encoding="utf-8") + "\n" + "长段落。" * 40_000 + "\n",
                       encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "issuepub", "outline", "--json", str(example_copy)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"{"
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_a_broken_pipe_of_our_own_is_still_reported(tmp_path, monkeypatch):
    """Only a closed standard output is silent: another broken pipe is a fault (E019, exit 3)."""
    import issuepub.cli as cli

    def broken(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setitem(cli.COMMANDS, "outline", broken)
    result = run_cli("outline", tmp_path)
    assert result.code == 3 and "E019" in result.err


def test_only_given_twice_builds_both(example_copy, tmp_path):
    """``--only epub --only site`` built the site alone (the second --only replaced the first)."""
    result = run_cli("build", example_copy, "--out", tmp_path / "out", "--only", "epub", "--only", "site")
    assert result.code == 0, result.text
    issue_dir = tmp_path / "out" / "tjzbsh-2025-03a"
    assert (issue_dir / "tjzbsh-2025-03a.epub").is_file()
    assert (issue_dir / "site" / "2025" / "03a" / "index.html").is_file()
    assert not (issue_dir / "audio").exists() and not (issue_dir / "qr").exists()
