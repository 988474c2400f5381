"""``import ARTICLE.md --into``: inline Markdown in an editor's file (bold, links, code) is
not part of the source format, so only its words are kept (``**加粗**`` reached the EPUB and
the listener page with its asterisks); the import says where; a lone ``*`` (a note mark) and
a picture line stay as they are."""

from __future__ import annotations

from issuepub.importer.markdown_article import parse_markdown_article, plain_inline
from issuepub.sources import load_issue
from support.hostile import run_cli

ARTICLE = (
    "# 一篇**普通**的文章\n"
    "\n"
    "文 / 张三\n"
    "\n"
    "第一段有**加粗**的文字和[链接](http://a.cn/x_(1))，还有`代码`与 *注 一处。\n"
    "\n"
    "## 小节 __一__\n"
    "\n"
    "> 引文[强调](https://b.cn \"说明\")。\n"
)


def test_plain_inline_keeps_the_words_only():
    assert plain_inline("有**加粗**和__下划__、[链接](http://a.cn)、`代码`") == ("有加粗和下划、链接、代码", 4)
    assert plain_inline("*注：数据截至10月 2 * 3 = 6") == ("*注：数据截至10月 2 * 3 = 6", 0)
    assert plain_inline("见![图](p.jpg)") == ("见![图](p.jpg)", 0)


def test_imported_article_has_no_markdown_marks(example_copy, tmp_path):
    source = tmp_path / "putong.md"
    source.write_text(ARTICLE, encoding="utf-8")
    parsed = parse_markdown_article(ARTICLE)
    assert parsed.article.title == "一篇普通的文章"
    assert sorted(set(parsed.inline_marks)) == [1, 5, 7, 9]
    result = run_cli("import", source, "--into", example_copy, "--column", "言论")
    assert result.code == 0, result.text
    assert "去掉了 Markdown 的加粗、链接或代码标记 6 处" in result.out and "第 1、5、7、9 行" in result.out
    article = next(a for a in load_issue(example_copy).articles if a.slug == "putong")
    texts = [article.title] + [b.text for b in article.blocks]
    assert texts == ["一篇普通的文章", "第一段有加粗的文字和链接，还有代码与 *注 一处。", "小节 一", "引文强调。"]
