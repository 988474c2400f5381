"""EPUB build speed and memory: the example issue, an issue ten times its size, the example
with one 4000x3000 photo (scaled to e-reader size by issuepub, copied as it is by pandoc), the real
corpus issue (imported from ../shared when present), and pandoc on the same content where
pandoc is installed. Prints a table; no thresholds are asserted (target: no slower than pandoc).

Both tools are timed as whole commands, interpreter start-up included. Python's bytecode cache
is allowed (PYTHONDONTWRITEBYTECODE is cleared for the runs), as on an installed system.

    .venv/bin/python bench/bench_epub.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tjzbsh-2025-03a"
CORPUS = ROOT / ".." / "shared" / "corpus" / "tjzbsh-2024-11b.txt"
sys.path.insert(0, str(ROOT / "src"))

from issuepub.sources import load_issue  # noqa: E402


def scaled_issue(target: Path, factor: int) -> Path:
    """A copy of the example with every article repeated ``factor`` times (new slugs)."""
    shutil.copytree(EXAMPLE, target)
    toml = (target / "issue.toml").read_text(encoding="utf-8")
    for md in sorted((EXAMPLE / "articles").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        copies = []
        for k in range(1, factor):
            name = f"{md.stem}-x{k}.md"
            body = re.sub(r"^slug: (.*)$", lambda m: f"slug: {m.group(1)}-x{k}", text, flags=re.M)
            (target / "articles" / name).write_text(body, encoding="utf-8")
            copies.append(f'"articles/{name}"')
        toml = toml.replace(f'"articles/{md.name}"', ", ".join([f'"articles/{md.name}"'] + copies))
    # repeated articles repeat page numbers: keep them non-decreasing by dropping pages
    for md in (target / "articles").glob("*.md"):
        md.write_text(re.sub(r"^page: .*\n", "", md.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    (target / "issue.toml").write_text(toml, encoding="utf-8")
    return target


def with_cover(issue_dir: Path) -> None:
    """Give an imported issue a cover file, as production has (the import leaves none, and a
    build without one draws it each time: the "no cover file" row shows what that costs)."""
    from issuepub.cover import draw_cover

    (issue_dir / "cover.png").write_bytes(draw_cover(load_issue(issue_dir)))
    toml = issue_dir / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('language = "zh-CN"', 'language = "zh-CN"\ncover = "cover.png"', 1),
                    encoding="utf-8")
    assert load_issue(issue_dir).cover is not None


def with_photo(target: Path) -> Path:
    """A copy of the example whose second article carries a 4000x3000 camera JPEG (noise, so it
    compresses like a photo, not like a flat picture): what resizing for e-readers costs."""
    from PIL import Image

    shutil.copytree(EXAMPLE, target)
    (target / "pictures").mkdir()
    channels = [Image.effect_noise((4000, 3000), 40 + 10 * k) for k in range(3)]
    Image.merge("RGB", channels).save(target / "pictures" / "photo.jpg", "JPEG", quality=92)
    article = target / "articles" / "02-hongse-guanjia.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n![楼门口的议事会](pictures/photo.jpg)\n",
                       encoding="utf-8")
    return target


def pandoc_sources(issue_dir: Path, target: Path) -> list[Path]:
    """The same content as pandoc Markdown: one file per article with its title as a heading."""
    issue = load_issue(issue_dir)
    target.mkdir()
    files = []
    for column in issue.columns:
        for article in column.articles:
            lines = [f"# {article.title}", ""]
            if article.byline:
                lines += [f"文 / {article.byline}", ""]
            for block in article.blocks:
                if block.kind == "caption" and block.image:  # pandoc copies the picture in
                    lines += [f"![{block.text}]({issue.root / block.image})", ""]
                    continue
                prefix = {"heading": "## ", "quote": "> ", "caption": "*"}.get(block.kind, "")
                suffix = "*" if block.kind == "caption" else ""
                lines += [prefix + block.text + suffix, ""]
            path = target / f"{article.number:03d}.md"
            path.write_text("\n".join(lines), encoding="utf-8")
            files.append(path)
    return files


def measure(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command run in a fresh child."""
    code = (
        "import resource, subprocess, sys, time;"
        "t=time.perf_counter(); r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
        "dt=time.perf_counter()-t;"
        "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024, r.returncode)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run([sys.executable, "-c", code, *cmd], cwd=cwd, capture_output=True,
                         text=True, check=True, env=env).stdout.split()
    if out[2] != "0":
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return float(out[0]), float(out[1])


def best(cmd, repeat, cwd=None):
    measure(cmd, cwd)  # warm-up: bytecode cache, file cache
    runs = [measure(cmd, cwd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    issuepub = [sys.executable, "-m", "issuepub"]
    pandoc = shutil.which("pandoc")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = [("example", EXAMPLE), ("example x10", scaled_issue(tmp / "x10", 10)),
                 ("example + 12 MP photo", with_photo(tmp / "photo"))]
        if CORPUS.is_file():
            from issuepub.importer import import_issue_text

            import_issue_text(CORPUS, tmp / "corpus")
            import_issue_text(CORPUS, tmp / "corpus-nocover")
            with_cover(tmp / "corpus")
            cases += [("corpus", tmp / "corpus"), ("corpus, no cover file", tmp / "corpus-nocover")]
        # What every run pays before any work: the interpreter alone (the floor no change to
        # issuepub can go below), then with the imports of an EPUB build.
        wall, rss = best([sys.executable, "-c", "pass"], args.repeat)
        rows.append(("interpreter only", 0, "python", wall, rss))
        wall, rss = best([sys.executable, "-c", "import issuepub.build, issuepub.outputs.epub"],
                         args.repeat)
        rows.append(("start-up only", 0, "issuepub", wall, rss))
        for label, issue_dir in cases:
            n = len(load_issue(issue_dir).articles)
            wall, rss = best(issuepub + ["build", str(issue_dir), "--only", "epub", "--out", str(tmp / "out")],
                             args.repeat)
            rows.append((label, n, "issuepub", wall, rss))
            if pandoc and load_issue(issue_dir).cover is not None:
                files = pandoc_sources(issue_dir, tmp / f"pandoc-{label.replace(' ', '')}")
                cover = load_issue(issue_dir).cover  # the same cover picture for both tools
                wall, rss = best([pandoc, "--toc", "--metadata", "title=bench", "--metadata", "lang=zh-CN",
                                  f"--epub-cover-image={cover}", "-o", str(tmp / "p.epub"),
                                  *map(str, files)], args.repeat)
                rows.append((label, n, "pandoc", wall, rss))
    print(f"{'issue':<26}{'articles':>9}  {'tool':<9}{'wall s (best)':>14}{'peak MB':>10}")
    for label, n, tool, wall, rss in rows:
        print(f"{label:<26}{n:>9}  {tool:<9}{wall:>14.3f}{rss:>10.1f}")
    if not pandoc:
        print("(pandoc not installed: apt-get install pandoc to compare)")
    print("wall time includes interpreter start-up for both tools; best of", args.repeat)


if __name__ == "__main__":
    main()
