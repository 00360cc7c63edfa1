"""Command line: ``python -m econ validate FILE...``, ``python -m econ report`` and
``python -m econ scenario-from-log LOG``."""

from __future__ import annotations

import argparse
import os
import shlex
import sys


def _workers(text: str) -> int:
    """``--jobs``: a whole number of worker processes, at least one."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected a whole number of workers >= 1")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m econ", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="check scenario files; exit non-zero on the first bad one")
    val.add_argument("files", nargs="+", help="scenario YAML files")
    rep = sub.add_parser("report", help="execute every notebook for every scenario into outputs/")
    rep.add_argument("--scenarios", nargs="+", metavar="FILE", help="scenario files (default: every params/*.yaml)")
    rep.add_argument("--jobs", type=_workers, default=None, help="worker processes, 1 or more (default: one per core)")
    rep.add_argument("--force", action="store_true", help="render every page, even those whose inputs did not change")
    rep.add_argument("--no-open", action="store_true",
                     help="do not open the index in a browser (it opens where there is a desktop)")
    log = sub.add_parser("scenario-from-log", help="write a scenario measured from a usage log, its traffic profile beside it",
                         description="Write a scenario whose workload (requests per day, token distribution, caching, "
                                     "batch share, peak-to-mean, hourly profile, model mix) is measured from a usage "
                                     "log; each value's source names the log, its rows and its date range.")
    log.add_argument("log", help="the usage log (CSV, JSON lines, JSON or Parquet)")
    log.add_argument("--format", default="generic", help="the log's format (default: generic); one of: "
                     "generic, openai, openai-responses, anthropic, gemini, openai-usage-api, openrouter, litellm, "
                     "langfuse, azure, burstgpt, mooncake, vllm-bench")
    log.add_argument("--out", help="scenario file to write (default: params/<log name>.yaml); a name of letters, "
                     "digits, '-' and '_' ending in .yaml; never params/_defaults.yaml or another name starting with '_'")
    log.add_argument("--column", action="append", default=[], metavar="FIELD=PATH",
                     help="map a field to a column or dotted path, e.g. input_tokens=usage.prompt_tokens (repeatable)")
    log.add_argument("--task", help="column or dotted path naming each call's task")
    log.add_argument("--timestamp-unit", choices=["s", "ms", "us", "ns"], help="unit of numeric timestamps")
    log.add_argument("--relative", action="store_true", default=None,
                     help="timestamps count from the start of the trace, not from 1970")
    log.add_argument("--title", help="the scenario's title")
    log.add_argument("--api-model", help="price the API option at this model of genai-prices' catalog (exact id, "
                     "e.g. claude-sonnet-4-5; default: the log's most used model, when the catalog prices it)")
    log.add_argument("--api-provider", help="the --api-model's provider (default: the catalog's provider of that model)")
    log.add_argument("--force", action="store_true", help="replace an existing scenario or profile file")
    args = parser.parse_args(argv)

    if args.command == "validate":
        from ._params import ScenarioError, load_scenario
        from ._pipeline import decide

        from pathlib import Path

        from ._report import _name_problem

        for f in args.files:
            problem = _name_problem([Path(f)])  # a name the report cannot render under is refused here too
            if problem:
                print(f"error: {problem}", file=sys.stderr)
                return 1
            try:
                d = decide(load_scenario(f), draws=2_000)
            except ScenarioError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            except ValueError as exc:  # valid inputs, but no decision can be made from them
                print(f"error: {exc}", file=sys.stderr)
                return 1
            for w in d.warnings:
                print(f"warning: {f}: {w}: give it a range (dist) or check it", file=sys.stderr)
            print(f"ok: {f}")
        return 0
    if args.command == "scenario-from-log":
        return _scenario_from_log(args)
    from ._report import OUTPUT_DIR, build_report, open_in_browser

    code = build_report(args.scenarios, jobs=args.jobs, force=args.force)
    if code == 0 and not args.no_open and open_in_browser(OUTPUT_DIR / "index.html"):
        print("report: opened in your browser")
    return code


def _scenario_from_log(args) -> int:
    import warnings

    from ._params import ScenarioError
    from ._usage import UsageWarning, scenario_from_log

    columns = {}
    for item in args.column:
        field, sep, path = item.partition("=")
        if not sep or not field or not path:
            print(f"error: --column {item!r} is not allowed; expected FIELD=PATH, e.g. input_tokens=usage.prompt_tokens",
                  file=sys.stderr)
            return 2
        columns[field.strip()] = path.strip()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UsageWarning)
            out = scenario_from_log(args.log, out=args.out, format=args.format, columns=columns, task=args.task,
                                    timestamp_unit=args.timestamp_unit, relative=args.relative, title=args.title,
                                    overwrite=args.force, api_model=args.api_model, api_provider=args.api_provider)
    except (ValueError, FileExistsError, ScenarioError) as exc:  # UsageLogError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for w in caught:
        if issubclass(w.category, UsageWarning):
            print(f"warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    profile = out.with_name(f"{out.stem}_profile.csv")
    print(f"wrote {out}" + (f" and {profile}" if profile.exists() else ""))
    python = shlex.quote(os.path.relpath(sys.executable))  # the interpreter that ran this (.venv/bin/python)
    print(f"next: {python} -m econ validate {out}\n      {python} -m econ report --scenarios {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
