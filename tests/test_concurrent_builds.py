"""Two builds of the same issue into the same output root at once, several times: the lock
lets one write at a time, so no file under a final name is ever broken and the manifest's
records match the files on disk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from support.hostile import EXAMPLE, ISSUE_ID
from support.media import decoded_seconds
from issuepub.fsutil import sha256_file


def _small_issue(root: Path) -> Path:
    """The example with its first article only (short, so each round synthesises quickly)."""
    issue = root / "issue"
    shutil.copytree(EXAMPLE, issue)
    for md in (issue / "articles").glob("*.md"):
        if md.name != "01-juanshou.md":
            md.unlink()
    toml = (issue / "issue.toml").read_text(encoding="utf-8")
    toml = toml[: toml.index("[[columns]]")] + '[[columns]]\nname = "卷首"\narticles = ["articles/01-juanshou.md"]\n'
    (issue / "issue.toml").write_text(toml, encoding="utf-8")
    return issue


def _build(issue: Path, out: Path, wait: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "issuepub", "build", str(issue), "--out", str(out),
         "--only", "audio", "epub", "--jobs", "1", "--lock-wait", str(wait)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_consistent(out: Path) -> None:
    build_dir = out / ISSUE_ID
    assert not list(out.rglob("*.part")), "temporary files left behind"
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    records = [r for a in manifest["articles"] if "audio" in a
               for r in (a["audio"], a["audio"]["subtitles"], a["audio"]["timings"])]
    records.append(manifest["outputs"]["epub"]["file"])
    for record in records:
        path = build_dir / record["path"]
        assert path.stat().st_size == record["size"] and sha256_file(path) == record["sha256"], path
    for mp3 in (build_dir / "audio").glob("*.mp3"):
        assert decoded_seconds(mp3) > 1.0  # decodes without an error, and is not empty


def test_two_builds_at_once_never_break_a_file(tmp_path):
    issue = _small_issue(tmp_path)
    out = tmp_path / "out"
    # Waiting builds (both finish, one after the other) and impatient ones (the second refuses).
    for round_no, wait in enumerate((120, 120, 0, 120)):
        if round_no % 2 == 0:  # start from nothing: both builds have real work to do
            shutil.rmtree(out, ignore_errors=True)
        else:  # a changed article: the audio must be made again
            md = issue / "articles" / "01-juanshou.md"
            md.write_text(md.read_text(encoding="utf-8") + f"\n第 {round_no} 轮加的一段。\n", encoding="utf-8")
        first, second = _build(issue, out, wait), _build(issue, out, wait)
        results = [(p.wait(timeout=600), p.stdout.read(), p.stderr.read()) for p in (first, second)]
        codes = sorted(code for code, _, _ in results)
        for code, stdout, stderr in results:
            assert "Traceback" not in stderr, stderr
            if code == 3:
                assert "[E001]" in stderr
        # A waiting second build runs after the first; an impatient one refuses (unless the
        # first was already done when it started).
        assert codes == [0, 0] or (not wait and codes == [0, 3]), results
        _assert_consistent(out)


def test_builds_of_two_issues_at_once_both_reach_the_magazine_site(tmp_path):
    """Two issues built into one root at the same moment: the magazine's index and sitemap are
    made from every issue's manifest, so the one that finishes last must still list the other
    (the root's site lock: without it each made the index from the other's old state)."""
    first = _small_issue(tmp_path / "a")
    second = tmp_path / "b" / "issue"
    shutil.copytree(first, second)
    toml = second / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("number = 3", "number = 4"), encoding="utf-8")
    out = tmp_path / "out"
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        builds = [subprocess.Popen(
            [sys.executable, "-m", "issuepub", "build", str(issue), "--out", str(out), "--only", "site",
             "--draft"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for issue in (first, second)]
        for build in builds:
            _, err = build.communicate(timeout=300)
            assert build.returncode == 0, err
        index = (out / "site" / "index.html").read_text(encoding="utf-8")
        sitemap = (out / "site" / "sitemap.xml").read_text(encoding="utf-8")
        for number in ("2025/03a/", "2025/04a/"):
            assert number in index and number in sitemap, number
        assert not list(out.glob(".site-staging-*")) and not list(out.rglob("*.part"))
