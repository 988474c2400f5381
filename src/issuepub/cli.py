"""Command line: thin wrappers over sources, build, outline and the importer.

Exit codes: 0 done, 1 some articles failed (the rest was built), 2 a mistake in the input
(message names file, line and fix; ``--debug`` shows the traceback), 3 a fault of the machine
(permissions, read-only or full disk, a path of the wrong kind, the output folder held by
another build; message names the path and what to do).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import sys
import time
from pathlib import Path

from . import __version__
from .diagnostics import EnvironmentFault, Problem, UserError, environment_problem
from .text import shell_word

EXIT_OK, EXIT_FAILURES, EXIT_USER, EXIT_ENVIRONMENT = 0, 1, 2, 3
EXIT_STDOUT_CLOSED = 141  # 128 + SIGPIPE
DEFAULT_OUT = Path("build")


# argparse's own messages are English; these say the same in Chinese (unmatched ones stay as
# they are, so a newer Python's rewording degrades to English, never to a crash).
_ARGPARSE_MESSAGES = (
    (re.compile(r"argument 命令: invalid choice: '(.*)' \(choose from (.*)\)"),
     lambda m: f"没有“{m[1]}”这个命令，可用的命令：{_choices(m[2])}"),
    (re.compile(r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)"),
     lambda m: f"{m[1]} 不能是“{m[2]}”，只能是 {_choices(m[3])}"),
    (re.compile(r"argument (\S+): invalid int value: '(.*)'"), lambda m: f"{m[1]} 后面要写整数，不是“{m[2]}”"),
    (re.compile(r"argument (\S+): invalid \w+ value: '(.*)'"), lambda m: f"{m[1]} 的值“{m[2]}”不对"),
    (re.compile(r"argument (\S+): expected one argument"), lambda m: f"{m[1]} 后面要写一个值"),
    (re.compile(r"argument (\S+): expected at least one argument"), lambda m: f"{m[1]} 后面至少要写一个值"),
    (re.compile(r"argument (\S+): ignored explicit argument '(.*)'"), lambda m: f"{m[1]} 后面不能带值“{m[2]}”"),
    (re.compile(r"the following arguments are required: (.*)"), lambda m: f"缺少 {m[1]}"),
    (re.compile(r"unrecognized arguments: (.*)"), lambda m: f"不认识的参数 {m[1]}"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)"), lambda m: f"{m[1]} 不明确，可能是 {m[2]}"),
)


def _choices(text: str) -> str:
    return "、".join(c.strip().strip("'") for c in text.split(","))


def _chinese_usage_message(message: str) -> str:
    for pattern, say in _ARGPARSE_MESSAGES:
        if m := pattern.fullmatch(message):
            return say(m)
    return message


class _HelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def format_help(self) -> str:  # argparse ends section headings with an ASCII colon
        return re.sub(r"^(参数|选项):$", r"\1：", super().format_help(), flags=re.MULTILINE)


class _Parser(argparse.ArgumentParser):
    """argparse that speaks Chinese (help and usage mistakes) and exits with code 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本说明后退出")

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(EXIT_USER, f"{self.prog}：命令写法有误：{_chinese_usage_message(message)}\n"
                             f"（用 {self.prog} --help 查看用法）\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="issuepub", description="把一期刊物的源文件制作成 EPUB 电子书、有声文章、印刷二维码和收听网页。")
    p.add_argument("--version", action="version", version=f"issuepub {__version__}", help="显示版本号后退出")
    p.add_argument("--debug", action="store_true", help="出错时显示完整的调用栈（给开发者看）")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)

    c = sub.add_parser("check", help="检查期刊源文件，列出所有问题")
    c.add_argument("issue_dir", type=Path, metavar="期刊文件夹")
    c.add_argument("--fix", action="store_true",
                   help="就地修改文章和 issue.toml 文字里的排版问题（半角标点、多余空格等，T001–T008），只改这些字符")
    c.add_argument("--tts", choices=("offline", "edge"), default="offline",
                   help="也确认这个朗读引擎仍提供 [audio] voice 设置的声音（edge 需联网）")
    c.add_argument("--edge-endpoint", metavar="URL", help=argparse.SUPPRESS)  # tests: local stand-in

    b = sub.add_parser("build", help="生成 EPUB、音频、二维码和收听网页")
    b.add_argument("issue_dir", type=Path, metavar="期刊文件夹")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="输出根目录",
                   help="输出根目录（默认 build/）；成品在 <根目录>/<期号>/ 下")
    b.add_argument("--only", nargs="+", action="extend", metavar="成品",  # --only epub --only qr: both
                   help="只生成其中几种：epub audio qr site（可写多个，或用逗号分隔）")
    b.add_argument("--tts", choices=("offline", "edge"), default=None,
                   help="朗读引擎：edge（微软神经语音，需联网，正式出版用）或 offline（离线 espeak-ng，默认）")
    b.add_argument("--jobs", type=int, metavar="N", help="同时合成的任务数（默认按引擎自动选择）")
    b.add_argument("--read-aloud", action="store_true",
                   help="另外生成带同步朗读（Media Overlays）的 EPUB：<期号>-read-aloud.epub")
    b.add_argument("--all", dest="qr_all", action="store_true",
                   help="为每篇朗读的文章都生成二维码（默认只为 print_qr: yes 的文章）")
    b.add_argument("--qr-ec", choices=("M", "Q"), help="二维码纠错等级，覆盖 issue.toml 的设置")
    b.add_argument("--edge-endpoint", metavar="URL", help=argparse.SUPPRESS)  # tests: local stand-in
    b.add_argument("--draft", action="store_true",
                   help="网址未定时出样张：允许占位网址，二维码和校样标明“样张 — 网址未定，不可付印”")
    b.add_argument("--lock-wait", type=float, default=None, help=argparse.SUPPRESS)  # tests: seconds

    o = sub.add_parser("outline", help="按阅读顺序列出全部文章")
    o.add_argument("issue_dir", type=Path, metavar="期刊文件夹")
    o.add_argument("--json", action="store_true", help="输出 JSON（含期刊信息和每篇文章的段落）")

    i = sub.add_parser("import", help="从排版 PDF 提取的文字导入一期，或向已有期刊加入一篇 Markdown 文章")
    i.add_argument("source", type=Path, metavar="文字或文章文件")
    i.add_argument("--out", type=Path, metavar="新期刊文件夹", help="导入整期：写到这个文件夹")
    i.add_argument("--force", action="store_true", help="覆盖已存在的期刊文件夹")
    i.add_argument("--into", type=Path, metavar="期刊文件夹", help="导入单篇文章：加入这个期刊")
    i.add_argument("--column", metavar="栏目", help="单篇文章所属的栏目")
    i.add_argument("--after", metavar="文章代号", help="放在这篇文章之后（默认放在栏目末尾）")
    i.add_argument("--new-column", action="store_true", help="栏目不存在时新建（放在期末）")
    i.add_argument("--slug", help="单篇文章的代号（默认按页码生成，如 p011）")
    i.add_argument("--page", type=int, metavar="页码", help="单篇文章在印刷版上的起始页码")
    i.add_argument("--code", help="刊物代号（默认按刊名推断，如 tjzbsh）")
    i.add_argument("--base-url", help="收听网页的 https 根网址")

    u = sub.add_parser("publish", help="把构建好的收听网页和音频发布到对象存储或网站文件夹")
    u.add_argument("root", type=Path, nargs="?", default=DEFAULT_OUT, metavar="构建根目录",
                   help="issuepub build 的输出根目录（默认 build/）")
    u.add_argument("--to", required=True, metavar="目标",
                   help="s3://存储桶/前缀（S3 兼容：AWS、阿里云 OSS、腾讯云 COS、MinIO），或本地文件夹")
    u.add_argument("--endpoint-url", metavar="URL", help="S3 兼容存储的地址（也可用环境变量 AWS_ENDPOINT_URL）")
    u.add_argument("--dry-run", action="store_true", help="只列出要上传和删除的文件，不写入")
    u.add_argument("--allow-preview", action="store_true", help="允许发布离线引擎的试听版音频")
    u.add_argument("--delete", action="store_true", help="删除存储里不属于这次构建的文件")
    u.add_argument("--check-url", nargs="?", const="", metavar="URL",
                   help="最后再从公网核对：GET 每个二维码网址、Range 请求它的音频；"
                        "写 URL 时用它代替 base_url（如预发布地址）")
    for command in sub.choices.values():  # --debug also after the command, where users put it
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="出错时显示完整的调用栈（给开发者看）")
    return p


def _stdout_gone() -> bool:
    """True when standard output is a pipe whose reader has closed it."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # not a real file (tests), or no poll
        return False


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_check(args) -> int:
    from .sources import check_issue

    if args.fix:
        _fix_typography(args.issue_dir)
    issue, problems = check_issue(args.issue_dir)
    if issue is not None:  # what build --only qr would refuse (Q001–Q005): check is the gate
        from .outputs.qr import settings_problems

        problems += settings_problems(issue)
    if issue is not None and args.tts != "offline":
        from .outputs.audio.pipeline import voice_problems
        from .outputs.base import BuildOptions

        problems += voice_problems(issue, BuildOptions(tts=args.tts, edge_endpoint=args.edge_endpoint))
    for problem in problems:
        print(problem.format())
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print(f"\n发现 {len(errors)} 个错误，请按提示修改后再检查。")
        return EXIT_ENVIRONMENT if any(p.code.startswith("E") for p in errors) else EXIT_USER
    print(f"检查通过：《{issue.title}》，{len(issue.columns)} 个栏目，{len(issue.articles)} 篇文章。")
    warnings = [p for p in problems if p.code.startswith("T")]
    if warnings:
        # Unpaired corner quotes (T009) are warned about but never repaired automatically.
        manual = sum(1 for p in warnings if "check --fix" not in (p.fix or ""))
        how = f"可用 issuepub check --fix {shell_word(args.issue_dir)} 自动修改"
        how += f"（其中 {manual} 处须手工修改）" if manual else ""
        print(f"另有 {len(warnings)} 处排版警告（见上），{how}。")
    return EXIT_OK


def _fix_typography(issue_dir: Path) -> None:
    """``check --fix``: repair the typography warnings in place and say what changed."""
    import tomllib

    from .sources.lint import fix_sources

    try:
        data = tomllib.loads((issue_dir / "issue.toml").read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # check below reports why issue.toml cannot be read
    issue = data.get("issue")
    fixed = fix_sources(issue_dir, data.get("columns"),
                        issue.get("language", "zh-CN") if isinstance(issue, dict) else "zh-CN")
    for f in fixed:
        print(f"已修改 {f.path}：{len(f.findings)} 处")
        for x in f.findings:
            change = (f"“{x.repair.before}” → “{x.repair.after}”" if x.repair.before.strip()
                      else "删去空格")
            print(f"  {x.line}:{x.column} [{x.repair.rule.code}] {change}")
    total = sum(len(f.findings) for f in fixed)
    print(f"排版修改：{len(fixed)} 个文件，共 {total} 处。\n" if fixed else "排版修改：没有需要修改的地方。\n")


def _split_only(values: list[str] | None) -> list[str] | None:
    from .build import OUTPUT_ORDER

    if not values:
        return None
    names = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if not names:  # "--only ,,," names nothing: never read as "everything"
        raise UserError(Problem("C004", None, None, "--only 后面没有写任何成品。",
                                "写 epub、audio、qr、site 中的一个或几个，例如 --only epub qr；要全部生成就不写 --only。"))
    unknown = [n for n in names if n not in OUTPUT_ORDER]
    if unknown:
        raise UserError(Problem("C001", None, None, f"不认识的成品“{'、'.join(unknown)}”。",
                                "--only 后面写 epub、audio、qr、site 中的一个或几个。"))
    return names


def cmd_build(args) -> int:
    from .build import run_build
    from .outputs.base import BuildOptions

    if args.jobs is not None and args.jobs < 1:
        raise UserError(Problem("C002", None, None, "--jobs 必须是正整数。", "例如 --jobs 2。"))
    if args.jobs is not None:
        from .build import capped_jobs

        jobs, reason = capped_jobs(args.jobs, args.tts or "offline")
        if reason:
            _say(f"· --jobs {args.jobs} 超出{reason}，改为 --jobs {jobs}。")
        args.jobs = jobs
    options = BuildOptions(tts=args.tts or "offline", tts_chosen=args.tts is not None,
                           jobs=args.jobs, read_aloud=args.read_aloud,
                           qr_all=args.qr_all, qr_error_correction=args.qr_ec,
                           edge_endpoint=args.edge_endpoint, draft=args.draft)
    started = time.monotonic()
    wait = {} if args.lock_wait is None else {"lock_wait": args.lock_wait}
    report = run_build(args.issue_dir, args.out, only=_split_only(args.only), options=options,
                       progress=lambda m: _say(f"· {m}"), **wait)
    elapsed = time.monotonic() - started
    print(f"\n完成《{report.issue.title}》（{elapsed:.1f} 秒），成品在 {report.out_dir}/：")
    for line in report.summary:
        print(f"  {line}")
    print(f"  清单：{report.manifest_path}")
    if report.failures:
        print(f"\n有 {len(report.failures)} 项没有完成（其余成品已生成）：")
        for line in report.failures:
            print(f"  ✗ {line}")
        return EXIT_FAILURES
    return EXIT_OK


def cmd_outline(args) -> int:
    from .outline import outline
    from .sources import load_issue

    issue = load_issue(args.issue_dir)
    if args.json:
        print(json.dumps(outline(issue), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{issue.title}  {issue.id}")
    for column in issue.columns:
        print(f"\n■ {column.name}" + (f"  {column.feature}" if column.feature else ""))
        for a in column.articles:
            page = f"{a.page:>3}" if a.page is not None else "  -"
            flags = ("朗读" if a.narrate else "    ") + (" 二维码" if a.print_qr else "")
            print(f"  {page}  {a.title}  {a.byline}  [{a.slug}] {flags}")
    return EXIT_OK


def cmd_import(args) -> int:
    from . import importer

    if args.into is not None:
        if not args.column:
            raise UserError(Problem("C003", None, None, "导入单篇文章需要指定栏目。",
                                    "加上 --column 栏目名。"))
        result = importer.import_markdown_article(args.source, args.into, column=args.column,
                                                  after=args.after, new_column=args.new_column,
                                                  slug=args.slug, page=args.page)
    elif args.out is not None:
        result = importer.import_issue_text(args.source, args.out, force=args.force,
                                            code=args.code, base_url=args.base_url)
    else:
        raise UserError(Problem("C003", None, None, "没有说明导入到哪里。",
                                "整期导入用 --out 新文件夹；单篇文章用 --into 期刊文件夹 --column 栏目。"))
    print(result.summary())
    return EXIT_OK


def cmd_publish(args) -> int:
    from .publish import run_publish

    report = run_publish(args.root, args.to, endpoint_url=args.endpoint_url, dry_run=args.dry_run,
                         allow_preview=args.allow_preview, delete=args.delete,
                         check_url=args.check_url, progress=lambda m: _say(f"· {m}"))
    if args.dry_run:
        for upload, why in report.uploads:
            print(f"  将上传 {upload.key}（{why}，{upload.content_type}）")
        for key in report.deletions:
            print(f"  将删除 {key}")
    print(f"\n{'试运行' if args.dry_run else '发布完成'}：{args.to}")
    for line in report.summary():
        print(f"  {line}")
    if report.failures:
        print(f"\n有 {len(report.failures)} 处核对没有通过（读者扫码会打不开或听不了）：")
        for failure in report.failures:
            print(f"  ✗ [P020] {failure.url}：{failure.what}")
        return EXIT_FAILURES
    return EXIT_OK


COMMANDS = {"check": cmd_check, "build": cmd_build, "outline": cmd_outline, "import": cmd_import}
COMMANDS["publish"] = cmd_publish


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USER
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        if args.debug:
            raise
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return EXIT_ENVIRONMENT if any(p.code.startswith("E") for p in exc.problems) else EXIT_USER
    except EnvironmentFault as exc:
        if args.debug:
            raise
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return EXIT_ENVIRONMENT
    except BrokenPipeError as exc:
        if not _stdout_gone():  # a pipe of our own (to ffmpeg, say) broke: a fault to report
            if args.debug:
                raise
            print(environment_problem(exc).format(), file=sys.stderr)
            return EXIT_ENVIRONMENT
        # The reader of our output went away (issuepub outline … | head): nothing to say to
        # anyone; stop quietly, with the status a shell gives a process ended by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_STDOUT_CLOSED
    except OSError as exc:  # the machine's fault: permissions, full disk, wrong kind of path
        if args.debug:
            raise
        print(environment_problem(exc, args.command).format(), file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print("\n已中断。" + ("已上传的文件都完整，再次运行 issuepub publish 会接着上传其余的文件。"
                             if args.command == "publish" else
                             "已完成的成品保留，再次运行会从中断处继续。"), file=sys.stderr)
        return 130
