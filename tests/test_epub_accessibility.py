"""Accessibility of the EPUBs as Ace by DAISY sees it, and EPUBCheck's usage report.

Ace (npm ``@daisy/ace``, installed by ``.ci/run`` into ``.ci/node/``) runs as ``ace-puppeteer``
with Debian's Chromium on the example issue's EPUB, the EPUB of the real corpus issue
(imported here) and a read-aloud EPUB, and must report no violation at all. Outside CI the
test skips when Ace or Chromium is missing; with CI=true it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLE, ROOT, assert_epubcheck_clean
from issuepub.build import run_build
from issuepub.importer import import_issue_text
from issuepub.outputs.epub.package import CONFORMS_TO

OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
ACE_CANDIDATES = (ROOT / ".ci" / "node" / "node_modules" / ".bin" / "ace-puppeteer",
                  ROOT / "node_modules" / ".bin" / "ace-puppeteer")
ACE_TIMEOUT_S = 900  # a guard against a hung browser, not a timing assertion


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the accessibility test must run)")
    pytest.skip(reason)


def ace_command() -> tuple[str, str]:
    """(ace-puppeteer, chromium); skips (fails under CI) when either is missing."""
    ace = next((str(p) for p in ACE_CANDIDATES if p.is_file()), None) or shutil.which("ace-puppeteer")
    _need(ace is not None, "没有安装 Ace by DAISY（bash .ci/run 会把它装进 .ci/node/）")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or \
        ("/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None)
    _need(chromium is not None, "没有找到 chromium（apt-get install -y chromium）")
    _need(shutil.which("node") is not None, "没有 node")
    return ace, chromium


def run_ace(epub: Path, out: Path) -> dict:
    ace, chromium = ace_command()
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
    proc = subprocess.run([ace, "--silent", "--force", "--outdir", str(out), str(epub)],
                          capture_output=True, text=True, env=env, timeout=ACE_TIMEOUT_S)
    report = out / "report.json"
    assert report.is_file(), f"Ace did not run ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


def violations(report: dict) -> list[str]:
    found = []
    for document in report["assertions"]:
        for a in document.get("assertions", []):
            if a["earl:result"]["earl:outcome"] != "pass":
                found.append(f'{document["earl:testSubject"]["url"]}: {a["earl:test"]["dct:title"]} '
                             f'({a["earl:test"].get("earl:impact")}) '
                             f'{a["earl:result"].get("dct:description", "")} {a["earl:result"].get("html", "")}')
    return found


def assert_ace_clean(epub: Path, out: Path) -> dict:
    report = run_ace(epub, out)
    found = violations(report)
    assert not found, f"Ace found {len(found)} violations in {epub.name}:\n" + "\n".join(found)
    assert report["earl:result"]["earl:outcome"] == "pass"
    return report


def epubcheck_usage(epub: Path) -> list[str]:
    """EPUBCheck's usage report (``-u``): what it finds unused or questionable."""
    import epubcheck

    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    out = epub.with_suffix(".usage.json")
    subprocess.run(["java", "-jar", str(jar), "-u", str(epub), "--json", str(out)],
                   capture_output=True, text=True, timeout=600)
    report = json.loads(out.read_text())
    out.unlink()
    return [f'{m["ID"]} {m["message"]}' for m in report["messages"] if m["severity"] == "USAGE"]


@pytest.fixture(scope="module")
def example_epub(tmp_path_factory) -> Path:
    report = run_build(EXAMPLE, tmp_path_factory.mktemp("example"), only=["epub"])
    return report.out_dir / f"{report.issue.id}.epub"


@pytest.fixture(scope="module")
def corpus_epub(tmp_path_factory, corpus_path) -> Path:
    base = tmp_path_factory.mktemp("corpus")
    import_issue_text(corpus_path, base / "issue")
    report = run_build(base / "issue", base / "out", only=["epub"])
    return report.out_dir / f"{report.issue.id}.epub"


@pytest.fixture(scope="module")
def read_aloud_epub(tmp_path_factory) -> Path:
    from test_read_aloud import build_read_aloud  # its stand-in narration (real MP3s)

    epub, _, _ = build_read_aloud(tmp_path_factory.mktemp("read-aloud"))
    return epub


def _opf(epub: Path):
    with zipfile.ZipFile(epub) as z:
        name = next(n for n in z.namelist() if n.endswith(".opf"))
        return etree.fromstring(z.read(name))


def test_ace_finds_no_violation_in_the_example(example_epub, tmp_path):
    report = assert_ace_clean(example_epub, tmp_path / "ace")
    assert set(report["a11y-metadata"]["present"]) >= {
        "schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
        "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo",
        "a11y:certifiedBy"}


def test_ace_finds_no_violation_in_the_corpus_issue(corpus_epub, tmp_path):
    assert_epubcheck_clean(corpus_epub)
    assert_ace_clean(corpus_epub, tmp_path / "ace")


def test_ace_finds_no_violation_in_the_read_aloud_epub(read_aloud_epub, tmp_path):
    assert_ace_clean(read_aloud_epub, tmp_path / "ace")


def test_package_language_page_source_and_conformance_claim(example_epub):
    opf = _opf(example_epub)
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    source = opf.find("opf:metadata/dc:source", OPF)
    assert source.text == "urn:issn:0412-0892"
    refines = opf.xpath("//opf:meta[@property='source-of']", namespaces=OPF)
    assert [(m.get("refines"), m.text) for m in refines] == [(f"#{source.get('id')}", "pagination")]
    claim = opf.xpath("//opf:meta[@property='dcterms:conformsTo']", namespaces=OPF)
    assert [m.text for m in claim] == [CONFORMS_TO]
    certifier = opf.xpath("//opf:meta[@property='a11y:certifiedBy']", namespaces=OPF)
    assert [(m.get("refines"), m.text) for m in certifier] == [(f"#{claim[0].get('id')}", "中共天津市委支部生活社")]
    modes = [m.text for m in opf.xpath("//opf:meta[@property='schema:accessMode']", namespaces=OPF)]
    assert modes == ["textual"]  # the example's articles carry no picture files


def test_plain_epub_has_a_clean_usage_report(example_epub, corpus_epub):
    """The plain EPUB carries no media-overlay class it never uses (CSS-029) or anything
    else EPUBCheck's usage report would list."""
    assert epubcheck_usage(example_epub) == []
    assert epubcheck_usage(corpus_epub) == []
    with zipfile.ZipFile(example_epub) as z:
        assert b"media-overlay-active" not in z.read("EPUB/styles/epub.css")


def test_read_aloud_epub_keeps_its_active_class(read_aloud_epub):
    with zipfile.ZipFile(read_aloud_epub) as z:
        assert b".-epub-media-overlay-active" in z.read("EPUB/styles/epub.css")
    modes = [m.text for m in _opf(read_aloud_epub).xpath("//opf:meta[@property='schema:accessMode']",
                                                          namespaces=OPF)]
    assert modes == ["textual", "auditory"]
