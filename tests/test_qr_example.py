"""The example issue's QR codes: the permanent URLs printed on paper never change."""

from __future__ import annotations

import pytest
from PIL import Image

from conftest import EXAMPLE
from issuepub.outputs.qr.symbol import encode
from issuepub.sources import load_issue
from support.qr import decode, run_qr

# Pinned: once printed, these must keep working. Changing one is a bug, not a refactoring.
EXAMPLE_URLS = {
    "juanshou": "https://ting.example.cn/2025/03a/01/",
    "hongse-guanjia": "https://ting.example.cn/2025/03a/02/",
    "minsheng-qingdan": "https://ting.example.cn/2025/03a/03/",
    "haihe-jiyi": "https://ting.example.cn/2025/03a/04/",
    "sanben-zhang": "https://ting.example.cn/2025/03a/05/",
    "liuhen-liuxin": "https://ting.example.cn/2025/03a/06/",
}


@pytest.fixture(scope="module")
def example():
    return load_issue(EXAMPLE)


def test_example_urls_are_pinned(example):
    assert {a.slug: example.article_url(a) for a in example.articles} == EXAMPLE_URLS


@pytest.mark.parametrize("level", ["M", "Q"])
def test_example_urls_fit_version_4(example, level):
    for url in EXAMPLE_URLS.values():
        assert encode(url, level).version <= 4, (url, level)


def test_example_codes_decode_at_the_default_20mm(example, tmp_path):
    # The example's URLs are short enough for version 3 at M (37 modules with the quiet
    # zone), so the default 20 mm gives 0.54 mm modules.
    assert example.qr.size_mm == 20
    assert all(encode(u, "M").version <= 3 for u in EXAMPLE_URLS.values())
    result = run_qr(example, tmp_path, draft=True)  # its base URL is a placeholder
    expected = {a.slug for a in example.articles if a.print_qr}
    assert set(result.articles) == expected
    for slug in expected:
        rec = result.articles[slug]
        image = Image.open(tmp_path / rec["files"]["png"]["path"])
        assert [t for t, _, _ in decode(image)] == [EXAMPLE_URLS[slug]]
