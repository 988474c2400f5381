"""What an EPUB-only build imports: nothing the EPUB does not need (the other outputs, the
typography lint that only ``check`` shows, Pillow when the cover is a whole PNG and no
picture needs scaling, the read-aloud overlays, boto3, pypinyin). Every import is start-up
time of every build (bench/bench_epub.py). The build runs in a fresh interpreter, as the
command does, and reports the modules it ended with.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import EXAMPLE

NOT_NEEDED = ("PIL", "pypinyin", "boto3", "botocore", "qrcode", "zxingcpp", "mutagen", "pydub",
              "edge_tts", "issuepub.outputs.audio", "issuepub.outputs.qr", "issuepub.outputs.site",
              "issuepub.publish", "issuepub.importer", "issuepub.sources.lint", "issuepub.typography",
              "issuepub.outputs.epub.overlays", "issuepub.cover", "issuepub.fonts", "difflib",
              "regex")

RUN = """
import contextlib, io, json, sys
from issuepub.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          check=True, timeout=300)
    result = json.loads(proc.stdout.splitlines()[-1])
    return result["code"], set(result["modules"])


def _loaded(modules: set[str], name: str) -> bool:
    return any(m == name or m.startswith(name + ".") for m in modules)


def test_epub_only_build_imports_nothing_it_does_not_need(tmp_path):
    code, modules = _modules_after("build", str(EXAMPLE), "--only", "epub", "--out", str(tmp_path))
    assert code == 0 and (tmp_path / "tjzbsh-2025-03a" / "tjzbsh-2025-03a.epub").is_file()
    assert "issuepub.outputs.epub" in modules and "ebooklib.epub" in modules  # it did build
    assert [name for name in NOT_NEEDED if _loaded(modules, name)] == []


def test_check_still_runs_the_typography_lint(tmp_path):
    """``check`` is where the T0xx warnings are shown: it imports what the build leaves out."""
    code, modules = _modules_after("check", str(EXAMPLE))
    assert code == 0 and "issuepub.sources.lint" in modules


def test_a_picture_to_scale_still_brings_pillow(tmp_path, example_copy):
    """A JPEG goes through Pillow: the lazy import is made when it is needed."""
    from PIL import Image

    (example_copy / "pictures").mkdir()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(example_copy / "pictures" / "p.jpg", "JPEG")
    article = example_copy / "articles" / "02-hongse-guanjia.md"
    article.write_text(article.read_text(encoding="utf-8") + "\n![图注](pictures/p.jpg)\n", encoding="utf-8")
    code, modules = _modules_after("build", str(example_copy), "--only", "epub", "--out", str(tmp_path))
    assert code == 0 and "PIL.Image" in modules
