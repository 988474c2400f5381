"""``issuepub import ARTICLE.md --into DIR --column NAME [--after SLUG]``: one hand-written
Markdown article added to an existing issue, issue.toml edited without disturbing the rest."""

from __future__ import annotations

import shutil
import struct
import tomllib
import zlib
from pathlib import Path

import pytest

from issuepub.diagnostics import UserError
from issuepub.importer import import_markdown_article
from issuepub.importer.markdown_article import MarkdownArticleError, parse_markdown_article
from issuepub.importer.tomledit import insert_article
from issuepub.sources import load_issue

DATA = Path(__file__).resolve().parent / "data"
ARTICLE = DATA / "yishi-changlang.md"


def _png(path: Path) -> None:
    """A 1x1 PNG (the loader only checks that pictures exist)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00\xff\xff\xff")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def _without_array(text: str, column: str) -> str:
    """issue.toml with the articles array of ``column`` blanked, to compare the rest."""
    data = tomllib.loads(text)
    index = [c["name"] for c in data["columns"]].index(column)
    out, seen, skipping = [], -1, False
    for line in text.split("\n"):
        if line.strip() == "[[columns]]":
            seen += 1
        if seen == index and line.lstrip().startswith("articles"):
            skipping = "]" not in line
            out.append("articles = <…>")
            continue
        if skipping:
            skipping = "]" not in line
            continue
        out.append(line)
    return "\n".join(out)


def test_article_added_after_a_slug_and_rest_of_toml_kept(example_copy):
    before = (example_copy / "issue.toml").read_text(encoding="utf-8")
    result = import_markdown_article(ARTICLE, example_copy, column="特别关注", after="hongse-guanjia")
    after = (example_copy / "issue.toml").read_text(encoding="utf-8")
    assert _without_array(before, "特别关注") == _without_array(after, "特别关注")
    assert "# 示例期刊" in after  # comments survive
    assert result.slug == "yishi-changlang" and result.path == example_copy / "articles" / "yishi-changlang.md"
    issue = load_issue(example_copy)
    column = next(c for c in issue.columns if c.name == "特别关注")
    assert [a.slug for a in column.articles] == ["hongse-guanjia", "yishi-changlang", "minsheng-qingdan"]
    article = column.articles[1]
    assert article.title == "小区里的“议事长廊”"
    assert article.subtitle == "——记一个社区党委的协商议事新做法"
    assert (article.author_role, article.author) == ("本刊记者", "林晓")
    assert article.credit == "某某街道党工委 供稿"
    assert article.print_qr
    assert [b.kind for b in article.blocks] == ["paragraph", "heading", "paragraph", "quote", "caption", "paragraph"]
    assert article.blocks[0].text == "社区里有一条长廊，过去只是居民乘凉的地方。如今，大家在这里商量小区的大事小情。"
    assert article.blocks[-1].text.endswith("件件有着落。")
    # The picture is not next to the Markdown file: caption kept, picture noted as missing.
    assert article.blocks[4].image is None
    assert any("changlang.png" in n for n in result.notes)


def test_picture_next_to_the_article_is_copied(example_copy, tmp_path):
    source = tmp_path / "article"
    source.mkdir()
    shutil.copy(ARTICLE, source / "changlang.md")
    _png(source / "changlang.png")
    import_markdown_article(source / "changlang.md", example_copy, column="言论")
    issue = load_issue(example_copy)
    article = next(a for a in issue.articles if a.slug == "changlang")
    caption = next(b for b in article.blocks if b.kind == "caption")
    assert caption.image == "pictures/changlang.png" and (example_copy / caption.image).is_file()
    assert issue.columns[-1].articles[-1].slug == "changlang"  # end of the column by default


def test_unknown_column_names_the_existing_ones(example_copy):
    before = (example_copy / "issue.toml").read_bytes()
    with pytest.raises(UserError) as err:
        import_markdown_article(ARTICLE, example_copy, column="不存在的栏目")
    problem = err.value.problems[0]
    assert problem.code == "I024"
    for name in ("卷首", "特别关注", "学史明理", "书记好故事", "言论"):
        assert name in problem.fix
    assert "--new-column" in problem.fix
    assert (example_copy / "issue.toml").read_bytes() == before
    assert not (example_copy / "articles" / "yishi-changlang.md").exists()


def test_new_column_is_created_at_the_end(example_copy):
    import_markdown_article(ARTICLE, example_copy, column="基层来信", new_column=True, slug="laixin")
    issue = load_issue(example_copy)
    assert issue.columns[-1].name == "基层来信"
    assert [a.slug for a in issue.columns[-1].articles] == ["laixin"]


def test_after_must_name_an_article_of_that_column(example_copy):
    with pytest.raises(UserError) as err:
        import_markdown_article(ARTICLE, example_copy, column="特别关注", after="juanshou")
    assert err.value.problems[0].code == "I025"
    assert "hongse-guanjia" in err.value.problems[0].fix


def test_import_that_breaks_the_issue_is_rolled_back(example_copy):
    """Page 99 placed in the first column makes the pages decrease: nothing is kept."""
    before = (example_copy / "issue.toml").read_bytes()
    with pytest.raises(UserError) as err:
        import_markdown_article(ARTICLE, example_copy, column="卷首", page=99)
    assert any(p.code == "S013" for p in err.value.problems)
    assert (example_copy / "issue.toml").read_bytes() == before
    assert not (example_copy / "articles" / "yishi-changlang.md").exists()
    load_issue(example_copy)


def test_same_slug_twice_gets_a_new_one(example_copy):
    first = import_markdown_article(ARTICLE, example_copy, column="言论")
    second = import_markdown_article(ARTICLE, example_copy, column="言论")
    assert (first.slug, second.slug) == ("yishi-changlang", "yishi-changlang-2")
    assert len(load_issue(example_copy).articles) == 8


def test_article_already_in_source_format_is_copied(example_copy, tmp_path):
    source = tmp_path / "ready.md"
    source.write_text("---\ntitle: 现成的文章\nauthor: 某某\n---\n\n正文一段。\n", encoding="utf-8")
    result = import_markdown_article(source, example_copy, column="言论", after="liuhen-liuxin")
    assert result.path.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
    article = next(a for a in load_issue(example_copy).articles if a.slug == "ready")
    assert (article.title, article.author, article.paragraphs) == ("现成的文章", "某某", ("正文一段。",))
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: 坏文章\nsize: 3\n---\n\n正文。\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        import_markdown_article(bad, example_copy, column="言论")
    assert err.value.problems[0].code == "S021"


def test_byline_forms_and_dash_subtitle():
    parsed = parse_markdown_article("# 标题\n——写在某某之际\n本版撰文:张三 李四\n\n正文。\n")
    a = parsed.article
    assert (a.title, a.subtitle, a.author, a.author_role) == ("标题", "——写在某某之际", "张三 李四", "")
    with pytest.raises(MarkdownArticleError):
        parse_markdown_article("没有标题的一段话。\n")
    with pytest.raises(MarkdownArticleError):
        parse_markdown_article("# 只有标题\n文 / 某某\n")


def test_toml_edit_keeps_style_and_comments():
    single = ('a = 1 # note\n\n[[columns]]\nname = "甲"\narticles = ["x.md", "y.md"] # two\n\n'
              '[[columns]]\nname = "乙"\narticles = [\n    "z.md",  # first\n]\n')
    out = insert_article(single, "甲", "n.md", after="x.md")
    assert 'articles = ["x.md", "n.md", "y.md"] # two' in out
    assert out.startswith("a = 1 # note\n") and out.endswith('name = "乙"\narticles = [\n    "z.md",  # first\n]\n')
    out = insert_article(single, "乙", "n.md")
    assert tomllib.loads(out)["columns"][1]["articles"] == ["z.md", "n.md"]
    assert out.endswith('articles = [\n    "z.md",  # first\n    "n.md",\n]\n')  # comment kept
    tight = '[[columns]]\nname = "甲"\narticles = [\n  "a.md",\n  "b.md"]\n'
    out = insert_article(tight, "甲", "n.md", after="a.md")
    assert out == '[[columns]]\nname = "甲"\narticles = [\n  "a.md",\n  "n.md",\n  "b.md"]\n'
    out = insert_article(tight, "甲", "n.md")  # closing bracket on the last entry's line
    assert tomllib.loads(out)["columns"][0]["articles"] == ["a.md", "b.md", "n.md"]
    with pytest.raises(KeyError):
        insert_article(single, "丙", "n.md")
    out = insert_article(single, "丙", "n.md", new_column=True)
    assert tomllib.loads(out)["columns"][2] == {"name": "丙", "articles": ["n.md"]}


def test_command_line_takes_slug_and_page(example_copy, capsys):
    from issuepub.cli import main

    code = main(["import", str(ARTICLE), "--into", str(example_copy), "--column", "特别关注",
                 "--slug", "changlang", "--page", "8"])
    assert code == 0, capsys.readouterr()
    article = next(a for a in load_issue(example_copy).articles if a.slug == "changlang")
    assert article.column == "特别关注" and article.page == 8
    # a slug that is not a slug is the user's mistake: exit 2, file untouched
    before = (example_copy / "issue.toml").read_bytes()
    assert main(["import", str(ARTICLE), "--into", str(example_copy), "--column", "特别关注",
                 "--slug", "长廊"]) == 2
    assert (example_copy / "issue.toml").read_bytes() == before


def test_articles_moved_by_the_insertion_are_named(example_copy):
    """An article number is part of the permanent URL: the editor is told which ones moved."""
    result = import_markdown_article(ARTICLE, example_copy, column="卷首")
    moved = [n for n in result.notes if "序号随之改变" in n]
    assert len(moved) == 1 and "《楼门口的“红色管家”》第 2 → 3 篇" in moved[0]
    # A printed code keeps its address, which now belongs to the article before it (it used
    # to say the codes would open nothing).
    assert "已经印出的二维码会打开别的文章" in moved[0]
    at_end = import_markdown_article(ARTICLE, example_copy, column="言论")
    assert not any("序号随之改变" in n for n in at_end.notes)


def test_the_mistakes_of_an_import_into_an_issue_are_named_with_their_file(example_copy, tmp_path, capsys):
    from issuepub.cli import main

    def run(*args) -> tuple[int, str]:
        code = main(["import", *map(str, args)])
        return code, capsys.readouterr().err

    toml = example_copy / "issue.toml"
    good = toml.read_bytes()
    # issue.toml not UTF-8, or its columns of the wrong type: the loader's own messages
    toml.write_bytes(good.replace("天津".encode(), "天津".encode("gbk"), 1))
    code, err = run(ARTICLE, "--into", example_copy, "--column", "卷首")
    assert code == 2 and "issue.toml" in err and "S018" in err and "Traceback" not in err
    toml.write_bytes(b'columns = 3\n' + good.split(b"[[columns]]")[0])
    code, err = run(ARTICLE, "--into", example_copy, "--column", "卷首")
    assert code == 2 and "issue.toml" in err and "Traceback" not in err
    toml.write_bytes(good)
    # a page that is not a page; a file that already lives in the issue folder
    code, err = run(ARTICLE, "--into", example_copy, "--column", "卷首", "--page", "-5")
    assert code == 2 and "I029" in err
    inside = example_copy / "articles" / "juanshou.md"
    code, err = run(inside, "--into", example_copy, "--column", "卷首")
    assert code == 2 and "I028" in err
    # a source-format file whose front matter --slug/--page would not reach
    ready = tmp_path / "ready.md"
    ready.write_text("---\ntitle: 现成的文章\nslug: xian\n---\n\n正文一段。\n", encoding="utf-8")
    code, err = run(ready, "--into", example_copy, "--column", "言论", "--slug", "yy")
    assert code == 2 and "I030" in err
    code, err = run(ready, "--into", example_copy, "--column", "言论", "--page", "40")
    assert code == 2 and "I030" in err
    # a copied file that breaks the issue is named as the user's file, not the removed copy
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: 坏页码\npage: 1\n---\n\n正文一段。\n", encoding="utf-8")
    code, err = run(broken, "--into", example_copy, "--column", "言论")
    assert code == 2 and f"{broken.name}:" in err and "articles/broken.md" not in err
    assert toml.read_bytes() == good and not (example_copy / "articles" / "broken.md").exists()


def test_lines_of_a_paragraph_are_joined_as_the_loader_joins_them():
    parsed = parse_markdown_article("# 标题\n\nWe met in Tianjin,\nand talked about\n(the plan).\n")
    [block] = [b for b in parsed.article.blocks if b.kind == "paragraph"]
    assert block.text == "We met in Tianjin, and talked about (the plan)."


@pytest.mark.parametrize("language, body", [
    ("zh-CN", "他说：“大家要记住‘为人民服务’这句话。”"),
    ("zh-TW", "他说：「大家要记住『为人民服务』这句话。」"),
])
def test_corner_quotes_follow_the_language_of_the_issue_imported_into(example_copy, tmp_path, language, body):
    toml = example_copy / "issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('language = "zh-CN"', f'language = "{language}"'),
                    encoding="utf-8")
    source = tmp_path / "yinhao.md"
    source.write_text("# 引号的写法\n\n文 / 本刊记者 王某\n\n他说：「大家要记住『为人民服务』这句话。」\n",
                      encoding="utf-8")
    result = import_markdown_article(source, example_copy, column="言论")
    issue = load_issue(example_copy)
    article = next(a for a in issue.articles if a.slug == result.slug)
    assert [b.text for b in article.blocks] == [body]
