"""``issuepub build DIR --only qr``: print QR codes for the articles, and their proof sheet.

For each chosen article: check the rules (URL fits version 4, modules >= 0.5 mm), make the
symbol, render SVG/PDF/PNG (and the captioned variants), read every file's bytes back and
decode them, and only then write them (atomically) under ``qr/``. Then the proof sheet and
``qr/datamerge.csv`` for InDesign's Data Merge.

A placeholder or non-https base URL stops the build (Q006) unless ``--draft``: then every code
file and the proof sheet say 样张 — 网址未定，不可付印, and nothing claims the codes were checked
against a real address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...diagnostics import Problem, UserError
from ...fsutil import atomic_write_bytes, file_record
from ...model import Article, Column, Issue
from ..base import BuildContext, OutputResult
from . import render, verify
from .datamerge import DATAMERGE_NAME, datamerge_csv
from .safety import check_print_safety, placeholder_reason
from .proof import ProofEntry, proof_pdf, settings_line
from .symbol import (MAX_VERSION, MIN_MODULE_MM, QUIET_ZONE, QrSymbol, check_level, check_size,
                     check_url, encode)

NAME = "qr"
QR_DIR = "qr"
PROOF_NAME = "qr-proof.pdf"
_OUR_FILE = re.compile(r"^(\d{2,}-[a-z0-9-]+\.(svg|pdf|png)|datamerge\.csv)$")


@dataclass(frozen=True)
class Plan:
    column: Column
    article: Article
    url: str
    symbol: QrSymbol
    module_mm: float

    @property
    def stem(self) -> str:
        return f"{self.article.number:02d}-{self.article.slug}"


def chosen_articles(issue: Issue, all_narrated: bool) -> list[tuple[Column, Article]]:
    """print_qr articles; with ``all_narrated``, every narrated article too."""
    chosen = []
    for column, article in issue.iter_articles():
        if article.print_qr and not article.narrate:
            raise UserError(Problem(
                "Q003", article.source, None,
                f"文章《{article.title}》要印二维码（print_qr: yes），却不朗读（narrate: no）："
                "扫码后没有可听的音频。",
                "把 narrate 改为 yes，或把 print_qr 改为 no。"))
        if article.print_qr or (all_narrated and article.narrate):
            chosen.append((column, article))
    return chosen


def plan(issue: Issue, level: str, all_narrated: bool) -> list[Plan]:
    """Every check that can fail on the user's input, before any file is written."""
    issue_toml = issue.root / "issue.toml"
    plans = []
    for column, article in chosen_articles(issue, all_narrated):
        url = issue.article_url(article)
        check_url(url, issue.audio.base_url, level, issue_toml, article.title)
        symbol = encode(url, level)
        assert symbol.version <= MAX_VERSION, (url, symbol.version)
        module_mm = check_size(float(issue.qr.size_mm), symbol.version, issue_toml)
        plans.append(Plan(column, article, url, symbol, module_mm))
    return plans


def _verified_files(p: Plan, art: render.Artwork, stem: str) -> dict[str, bytes]:
    """The three files of one artwork, each decoded back from its bytes (raises on mismatch)."""
    s = p.symbol
    files = {
        "svg": render.svg_bytes(s, art),
        "pdf": render.pdf_bytes(s, art),
        "png": render.png_bytes(s, art),
    }
    name = f"{QR_DIR}/{stem}"
    # PNG: as a phone camera would see a print of it.
    png = verify.png_image(files["png"])
    verify.png_geometry(png, art.size_mm, art.modules, render.PNG_DPI, f"{name}.png")
    verify.expect(verify.decode_one(png, f"{name}.png"), p.url, s.version, s.level, f"{name}.png")
    # SVG: its size in mm, and its module path parsed back and rasterised.
    width_mm, height_mm = verify.svg_size_mm(files["svg"])
    if abs(width_mm - art.size_mm) > 1e-3 or abs(height_mm - art.height_mm) > 1e-3:
        raise verify.QrVerificationError(
            f"二维码核对失败：{name}.svg 的尺寸是 {width_mm} × {height_mm} 毫米，应为 {art.size_mm:g} 毫米宽。")
    verify.expect(verify.decode_one(verify.raster_svg(files["svg"]), f"{name}.svg"),
                  p.url, s.version, s.level, f"{name}.svg")
    # PDF: its page size, and its fill operators parsed back and rasterised.
    [(page_size, content)] = verify.pdf_pages(files["pdf"])
    if abs(page_size[0] / render.MM - art.size_mm) > 1e-3:
        raise verify.QrVerificationError(
            f"二维码核对失败：{name}.pdf 的页面宽 {page_size[0] / render.MM:.3f} 毫米，应为 {art.size_mm:g} 毫米。")
    verify.expect(verify.decode_one(verify.raster_pdf_page(page_size, content), f"{name}.pdf"),
                  p.url, s.version, s.level, f"{name}.pdf")
    return files


def _prune(qr_dir: Path, keep: set[str]) -> None:
    """Remove codes of earlier builds that this build did not make (an article that lost
    print_qr, a renumbered article): a stale code must not reach the printer."""
    if not qr_dir.is_dir():
        return
    for path in qr_dir.iterdir():
        if path.is_file() and _OUR_FILE.match(path.name) and path.name not in keep:
            path.unlink()


def _moved_codes(manifest: dict, plans: list[Plan]) -> list[tuple[Plan, str]]:
    """Codes for print made by an earlier build whose article now has another address: the
    address is the article's position, so removing or moving an article renumbers those after
    it, and a code already printed would open a different article."""
    earlier = {a.get("slug"): (a.get("qr") or {}) for a in manifest.get("articles", [])
               if isinstance(a, dict)}
    moved = []
    for p in plans:
        old = earlier.get(p.article.slug) or {}
        if old.get("draft") is False and isinstance(old.get("url"), str) and old["url"] != p.url:
            moved.append((p, old["url"]))
    return moved


def settings_problems(issue: Issue) -> list[Problem]:
    """For ``check``, the gate: what ``build`` would refuse in the codes of the print_qr
    articles at issue.toml's settings (URL too long, printed size too small, level). A
    placeholder base URL is not among them: check warns about it (S063), drafts allow it."""
    try:
        plan(issue, check_level(issue.qr.error_correction, issue.root / "issue.toml"), False)
    except UserError as exc:
        return list(exc.problems)
    return []


def check(ctx: BuildContext) -> None:
    """The input checks of ``build``, run by the build before any output writes a file."""
    level = check_level(ctx.options.qr_error_correction or ctx.issue.qr.error_correction,
                        ctx.issue.root / "issue.toml")
    plan(ctx.issue, level, ctx.options.qr_all)
    check_print_safety(ctx.issue.audio.base_url, ctx.options.draft, ctx.issue.root / "issue.toml")


def build(ctx: BuildContext) -> OutputResult:
    issue = ctx.issue
    issue_toml = issue.root / "issue.toml"
    level = check_level(ctx.options.qr_error_correction or issue.qr.error_correction, issue_toml)
    all_narrated = ctx.options.qr_all
    size_mm = float(issue.qr.size_mm)
    plans = plan(issue, level, all_narrated)
    check_print_safety(issue.audio.base_url, ctx.options.draft, issue_toml)
    # A draft of a real URL is still a code for print; only a placeholder makes a marked proof.
    draft = placeholder_reason(issue.audio.base_url) is not None

    result = OutputResult()
    qr_dir = ctx.out_dir / QR_DIR
    moved = _moved_codes(ctx.manifest, plans)
    written: set[str] = set()
    entries: list[ProofEntry] = []
    for p in plans:
        ctx.progress(f"二维码：{p.stem}  {p.url}")
        variants = [("", render.artwork(p.symbol, size_mm, caption=False, draft=draft))]
        if issue.qr.caption:
            variants.append(("-caption", render.artwork(p.symbol, size_mm, caption=True, draft=draft)))
        records: dict[str, dict] = {}
        checked: list[str] = []
        for suffix, art in variants:
            stem = p.stem + suffix
            for fmt, data in _verified_files(p, art, stem).items():
                path = qr_dir / f"{stem}.{fmt}"
                atomic_write_bytes(path, data)
                written.add(path.name)
                key = fmt if not suffix else f"caption_{fmt}"
                records[key] = file_record(path, ctx.out_dir)
                checked.append(f"{QR_DIR}/{path.name}")
        record = {
            "url": p.url,
            "decoded": p.url,  # every file below decoded to exactly this (else the build raised)
            "checked": checked,
            "draft": draft,
            "png_dpi": round(render.png_dpi(variants[0][1]), 2),
            "png_module_px": render.png_module_pixels(variants[0][1]),
            "version": p.symbol.version,
            "error_correction": level,
            "size_mm": size_mm,
            "module_mm": round(p.module_mm, 4),
            "modules": p.symbol.modules,
            "quiet_zone_modules": QUIET_ZONE,
            "files": records,
        }
        if issue.qr.caption:
            record["caption_height_mm"] = round(variants[1][1].height_mm, 3)
        result.articles[p.article.slug] = record
        entries.append(ProofEntry(
            number=p.article.number, column=p.column.name, title=p.article.title,
            page=p.article.page, url=p.url, stem=p.stem, symbol=p.symbol, art=variants[0][1],
            caption_art=variants[1][1] if len(variants) > 1 else None))
    csv_path = qr_dir / DATAMERGE_NAME
    atomic_write_bytes(csv_path, datamerge_csv(entries, qr_dir))
    written.add(csv_path.name)
    _prune(qr_dir, written)

    ctx.progress("二维码：校样 " + PROOF_NAME)
    proof, missing = proof_pdf(issue.title, entries,
                               settings_line(level, size_mm, issue.qr.caption, len(entries), all_narrated),
                               draft=draft)
    _verify_proof(proof, [e.url for e in entries] * (2 if issue.qr.caption else 1))
    proof_path = ctx.out_dir / PROOF_NAME
    atomic_write_bytes(proof_path, proof)

    result.record = {
        "error_correction": level,
        "size_mm": size_mm,
        "quiet_zone_modules": QUIET_ZONE,
        "min_module_mm": MIN_MODULE_MM,
        "max_version": MAX_VERSION,
        "caption": issue.qr.caption,
        "all_narrated": all_narrated,
        "count": len(plans),
        "draft": draft,
        "proof": file_record(proof_path, ctx.out_dir),
        "datamerge": file_record(csv_path, ctx.out_dir),
    }
    versions = sorted({p.symbol.version for p in plans})
    state = (f"{render.DRAFT_MARK}（网址 {issue.audio.base_url} 是占位网址）" if draft
             else "均已解码核对")
    if not plans:  # not "0 个（版本 -），均已解码核对": say why there is nothing to print
        result.summary.append(
            "二维码：0 个：没有文章标注 print_qr: yes"
            + ("，也没有朗读的文章" if all_narrated else "（要为每篇朗读的文章都出码，加 --all）")
            + f"；校样 {proof_path}；排版数据 {csv_path}")
    else:
        result.summary.append(
            f"二维码：{len(plans)} 个（纠错 {level}，{size_mm:g} 毫米，版本 {'/'.join(map(str, versions))}），"
            f"{state}；校样 {proof_path}；排版数据 {csv_path}")
    for p, old_url in moved:
        result.summary.append(
            f"注意：第 {p.article.number} 篇《{p.article.title}》的二维码网址由 {old_url} 变成了 {p.url}"
            "。如果上次的二维码已经付印，印出的码会打开别的文章或打不开："
            "请恢复原来的文章顺序和网址，或按新的二维码重新印刷。")
    if missing:
        result.record["proof_missing_glyphs"] = "".join(missing)
        result.summary.append(f"二维码校样：字体缺少“{''.join(missing)}”，这些字显示为方框（二维码本身不受影响）。")
    return result


def _verify_proof(data: bytes, urls: list[str]) -> None:
    """Every code on the proof sheet decodes, and they are exactly the issue's codes (each
    URL once per variant)."""
    found: list[str] = []
    for size, content in verify.pdf_pages(data):
        found += [d.text for d in verify.decode_all(verify.raster_pdf_page(size, content, dpi=300))]
    if sorted(found) != sorted(urls):
        raise verify.QrVerificationError(
            f"二维码核对失败：校样 {PROOF_NAME} 上识别出 {len(found)} 个二维码，与本期的 {len(urls)} 个链接不一致。")
