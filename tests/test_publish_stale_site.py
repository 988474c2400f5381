"""publish refuses listener pages older than the articles and narration in the manifest (P030).

An editor who changes the issue and rebuilds only some outputs (``--only audio``, ``--only
epub``) keeps the pages, and the MP3 copies in them, from the last site build. Publishing that
used to put the old audio online, or, after an article was removed, pages at addresses that now
belong to other articles (a printed code then opens the wrong article), and its final check
said 都在. The example is built once with the offline engine and a real-looking base URL; each
test edits a private copy (with the synthesis cache, so rebuilding the audio is quick).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from issuepub import cli

from conftest import EXAMPLE

BASE_URL = "https://ting.tjzbsh.cn"
ISSUE_ID = "tjzbsh-2025-03a"


def build(issue_dir: Path, root: Path, *only: str) -> None:
    args = ["build", str(issue_dir), "--out", str(root)] + (["--only", *only] if only else [])
    assert cli.main(args) == 0


def publish(root: Path, dest: Path) -> int:
    return cli.main(["publish", str(root), "--to", str(dest), "--allow-preview"])


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("stale-site")
    issue = base / "issue"
    shutil.copytree(EXAMPLE, issue)
    toml = issue / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://ting.example.cn", BASE_URL),
                    encoding="utf-8")
    build(issue, base / "root")
    return issue, base / "root"


@pytest.fixture
def edited(built, tmp_path) -> tuple[Path, Path]:
    issue, root = built
    shutil.copytree(issue, tmp_path / "issue")
    shutil.copytree(root, tmp_path / "root")
    return tmp_path / "issue", tmp_path / "root"


def drop_article(issue: Path, name: str) -> None:
    toml = issue / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    text, n = re.subn(rf'"articles/{name}",? ?', "", text)
    assert n == 1
    toml.write_text(text.replace(", ]", "]"), encoding="utf-8")
    (issue / "articles" / name).unlink()


def test_pages_built_before_the_new_narration_are_refused(edited, tmp_path, capsys):
    issue, root = edited
    article = issue / "articles" / "06-yanlun.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n编者补记：新加的一段。\n",
                       encoding="utf-8")
    build(issue, root, "audio")
    capsys.readouterr()
    dest = tmp_path / "www"
    assert publish(root, dest) == 2
    err = capsys.readouterr().err
    assert "[P030]" in err and "第 6 篇《少一些“留痕”，多一些“留心”》的网页放的不是最新生成的音频" in err
    assert "--only audio qr site" in err and "Traceback" not in err
    assert not dest.exists() or not any(dest.rglob("*"))

    build(issue, root, "site")  # the fix the message names
    assert publish(root, dest) == 0
    mp3 = dest / "2025/03a/06/tjzbsh-2025-03a-06.mp3"
    assert mp3.read_bytes() == (root / ISSUE_ID / "audio" / "06-liuhen-liuxin.mp3").read_bytes()


def test_pages_at_addresses_moved_by_a_removed_article_are_refused(edited, tmp_path, capsys):
    issue, root = edited
    drop_article(issue, "03-louzhang.md")  # articles 4-6 become 3-5
    build(issue, root, "epub")
    capsys.readouterr()
    dest = tmp_path / "www"
    assert publish(root, dest) == 2
    err = capsys.readouterr().err
    assert "[P030]" in err
    assert f"第 3 篇《" in err and f"旧网址 {BASE_URL}/2025/03a/04/（现在应是 {BASE_URL}/2025/03a/03/）" in err
    assert not dest.exists() or not any(dest.rglob("*"))

    build(issue, root, "qr", "site")
    assert publish(root, dest) == 0
    assert not (dest / "2025/03a/06").exists()


def test_the_page_of_a_removed_last_article_is_refused(edited, tmp_path, capsys):
    issue, root = edited
    drop_article(issue, "06-yanlun.md")
    toml = issue / "issue.toml"  # its column is left empty: remove it (S026)
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text[:text.rindex("[[columns]]")], encoding="utf-8")
    build(issue, root, "epub")
    capsys.readouterr()
    dest = tmp_path / "www"
    assert publish(root, dest) == 2
    err = capsys.readouterr().err
    assert "[P030]" in err and "已删去的文章页 2025/03a/06/index.html" in err

    build(issue, root, "site")
    assert publish(root, dest) == 0
    assert not (dest / "2025/03a/06").exists()


# --- a printed code whose article moved ------------------------------------------------------

def test_build_warns_when_a_code_for_print_changes_address(edited, capsys):
    """The address is the article's position: removing an article moves every code after it,
    and a code already printed would open another article. The build used to say nothing."""
    issue, root = edited
    drop_article(issue, "03-louzhang.md")
    build(issue, root, "qr")
    out = capsys.readouterr().out
    assert (f"第 3 篇《海河岸边的红色记忆》的二维码网址由 {BASE_URL}/2025/03a/04/ 变成了 "
            f"{BASE_URL}/2025/03a/03/") in out
    assert out.count("的二维码网址由") == 2 and "印出的码会打开别的文章或打不开" in out
    build(issue, root, "qr")  # said once: the manifest now holds the new addresses
    assert "的二维码网址由" not in capsys.readouterr().out


def test_no_warning_for_draft_codes_or_unchanged_addresses(tmp_path, capsys):
    issue = tmp_path / "issue"
    shutil.copytree(EXAMPLE, issue)  # placeholder base URL: draft codes, never printed
    root = tmp_path / "root"
    assert cli.main(["build", str(issue), "--out", str(root), "--only", "qr", "--draft"]) == 0
    drop_article(issue, "03-louzhang.md")
    assert cli.main(["build", str(issue), "--out", str(root), "--only", "qr", "--draft"]) == 0
    assert cli.main(["build", str(issue), "--out", str(root), "--only", "qr", "--draft"]) == 0
    assert "的二维码网址由" not in capsys.readouterr().out


# --- a build that rewrites the root while it is published -----------------------------------

def test_a_file_replaced_during_the_publish_is_not_sent_under_its_old_sha256(built, tmp_path):
    """A build renames new files into place while a publish of the same root runs: the publish
    used to send the new bytes labelled with the sha256 it had planned, so the store held a page
    that the next publish took for unchanged, and the final check passed."""
    from support.object_store import CREDENTIALS, S3Server
    import os
    import uuid
    from issuepub.diagnostics import UserError
    from issuepub.publish import run_publish

    _, built_root = built
    root = tmp_path / "root"
    shutil.copytree(built_root, root, ignore=shutil.ignore_patterns(".cache"))
    page = root / ISSUE_ID / "site" / "2025/03a/02/index.html"
    server = S3Server()
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        bucket = f"ting-{uuid.uuid4().hex[:12]}"
        server.client().create_bucket(Bucket=bucket)

        def progress(message: str) -> None:
            if message.startswith("上传 1/"):  # as a build would: a new file renamed over it
                new = page.with_name("new.html")
                new.write_text(page.read_text(encoding="utf-8") + "<!-- rebuilt -->",
                               encoding="utf-8")
                os.replace(new, page)

        with pytest.raises(UserError) as raised:
            run_publish(root, f"s3://{bucket}", endpoint_url=server.endpoint,
                        allow_preview=True, progress=progress)
        problem = raised.value.problems[0]
        assert problem.code == "P031" and problem.file == page
        objects = server.objects(bucket)
        assert objects and "2025/03a/02/index.html" not in objects
        assert "2025/03a/index.html" not in objects  # nothing after it either
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


# --- the issue built again after its number was corrected -----------------------------------

def test_an_issue_left_from_before_its_number_was_corrected_is_named(tmp_path, capsys):
    """Correcting 第3期 to 第4期 and building again left tjzbsh-2025-03a in the root: the
    magazine index and the podcast listed the same issue twice, and publish put both online."""
    issue = tmp_path / "issue"
    shutil.copytree(EXAMPLE, issue)
    toml = issue / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://ting.example.cn", BASE_URL),
                    encoding="utf-8")
    root = tmp_path / "root"
    build(issue, root, "site")
    toml.write_text(toml.read_text(encoding="utf-8").replace("number = 3\n", "number = 4\n"),
                    encoding="utf-8")
    capsys.readouterr()
    build(issue, root, "site")
    out = capsys.readouterr().out
    assert f"输出根目录里的 {ISSUE_ID} 也是总第1156期" in out and str(root / ISSUE_ID) in out

    dest = tmp_path / "www"
    assert cli.main(["publish", str(root), "--to", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "[P032]" in err and f"{ISSUE_ID}、tjzbsh-2025-04a" in err
    assert not dest.exists()

    shutil.rmtree(root / ISSUE_ID)  # the fix the message names
    build(issue, root, "site")
    assert "也是总第" not in capsys.readouterr().out
    assert cli.main(["publish", str(root), "--to", str(dest)]) == 0
    assert (dest / "2025/04a/index.html").is_file() and not (dest / "2025/03a").exists()


# --- pages rebuilt over narration of the text before an edit ---------------------------------

def test_pages_over_narration_older_than_the_text_are_named_and_refused(edited, tmp_path, capsys):
    """build --only site after an edit showed the new text beside the old narration and
    subtitles, said nothing and exited 0; publish put it online."""
    issue, root = edited
    article = issue / "articles" / "06-yanlun.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n编者补记：新加的一段。\n",
                       encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["build", str(issue), "--out", str(root), "--only", "site"]) == 1
    out = capsys.readouterr().out
    assert ("《少一些“留痕”，多一些“留心”》的音频是按修改前的文字生成的（正文里的“编者补记：新加的一段。”没有读）"
            in out and "--only audio site" in out)
    dest = tmp_path / "www"
    assert publish(root, dest) == 2
    assert "第 6 篇《少一些“留痕”，多一些“留心”》的音频是按修改前的文字生成的" in capsys.readouterr().err

    build(issue, root, "audio", "site")  # the fix the message names
    assert "修改前的文字" not in capsys.readouterr().out
    assert publish(root, dest) == 0


def test_a_changed_sentence_is_named(edited, capsys):
    issue, root = edited
    article = issue / "articles" / "06-yanlun.md"
    text = article.read_text(encoding="utf-8")
    assert "衡量工作成效" in text
    article.write_text(text.replace("衡量工作成效", "衡量工作的成效"), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["build", str(issue), "--out", str(root), "--only", "site"]) == 1
    assert "（读的“衡量工作成效，最终要看群众满意不满意。”已不在正文里）" in capsys.readouterr().out
