"""Commands that messages suggest can be pasted as printed, even for folders whose names hold
spaces (an editor's ``我的 期刊/第 3 期``): paths in them are quoted for the shell when needed.

They used to be printed bare (``issuepub check --fix 我的 期刊/第 3 期``), which a shell reads
as four arguments.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from issuepub import cli
from issuepub.text import shell_word

from conftest import EXAMPLE

BIN = Path(sys.executable).parent


def test_shell_word_quotes_only_what_needs_it():
    assert shell_word("build/期刊-2025") == "build/期刊-2025"
    assert shell_word(Path("/tmp/我的 期刊/第 3 期")) == "'/tmp/我的 期刊/第 3 期'"
    for value in ("a b", "it's", "（副本）", "$HOME", "x;rm -rf y", ""):
        assert shlex.split(shell_word(value)) == [value]


def test_check_suggests_a_fix_command_that_runs_as_printed(tmp_path):
    issue = tmp_path / "我的 期刊" / "第 3 期"
    shutil.copytree(EXAMPLE, issue)
    article = issue / "articles" / "06-yanlun.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n天津市2024年,全部完成。\n",
                       encoding="utf-8")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([str(BIN / "issuepub"), "check", str(issue)], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(l for l in proc.stdout.splitlines() if "check --fix" in l and "可用" in l)
    command = line.split("可用 ", 1)[1].split(" 自动修改", 1)[0]
    assert shlex.split(command) == ["issuepub", "check", "--fix", str(issue)]

    fixed = subprocess.run(command, shell=True, executable="/bin/bash", capture_output=True,
                           text=True, env=env, check=False)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "天津市2024年，全部完成。" in article.read_text(encoding="utf-8")


def test_publish_names_a_root_with_spaces_so_the_command_works(tmp_path, capsys):
    issue = tmp_path / "issue"
    shutil.copytree(EXAMPLE, issue)
    toml = issue / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://ting.example.cn",
                                                             "https://ting.tjzbsh.cn"),
                    encoding="utf-8")
    root = tmp_path / "输出 目录"
    assert cli.main(["build", str(issue), "--out", str(root), "--only", "epub"]) == 0
    capsys.readouterr()
    assert cli.main(["publish", str(root), "--to", str(tmp_path / "www")]) == 2
    err = capsys.readouterr().err
    assert "[P003]" in err
    command = err.split("先生成网页：", 1)[1].splitlines()[0]
    words = shlex.split(command)
    assert words[words.index("--out") + 1] == str(root)
