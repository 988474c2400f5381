"""Plain-data views of the model: the outline command's JSON and the manifest's base records."""

from __future__ import annotations

from typing import Any

from .model import Article, Issue


def issue_record(issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "title": issue.title,
        "magazine": issue.magazine.title,
        "code": issue.magazine.code,
        "issn": issue.magazine.issn,
        "cn": issue.magazine.cn,
        "publisher": issue.magazine.publisher,
        "edition": issue.edition,
        "year": issue.year,
        "number": issue.number,
        "total_number": issue.total_number,
        "date": issue.date.isoformat(),
        "language": issue.language,
        "base_url": issue.audio.base_url,
        "url": issue.issue_url,
        "columns": [
            {"name": c.name, "feature": c.feature, "intro": list(c.intro),
             "articles": [a.slug for a in c.articles]}
            for c in issue.columns
        ],
    }


def article_record(issue: Issue, article: Article, *, blocks: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": article.number,
        "slug": article.slug,
        "column": article.column,
        "title": article.title,
        "subtitle": article.subtitle,
        "author": article.author,
        "author_role": article.author_role,
        "credit": article.credit,
        "page": article.page,
        "narrate": article.narrate,
        "print_qr": article.print_qr,
        "url": issue.article_url(article),
    }
    if article.source is not None:
        try:
            record["source"] = article.source.relative_to(issue.root).as_posix()
        except ValueError:
            record["source"] = article.source.as_posix()
    if blocks:
        record["blocks"] = [
            {"type": b.kind, "text": b.text, **({"image": b.image} if b.image else {})}
            for b in article.blocks
        ]
    return record


def outline(issue: Issue) -> dict[str, Any]:
    return {
        "issue": issue_record(issue),
        "articles": [article_record(issue, a, blocks=True) for a in issue.articles],
    }
