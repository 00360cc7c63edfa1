"""Command line: ``python -m econ validate FILE...`` and ``python -m econ report``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m econ", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="check scenario files; exit non-zero on the first bad one")
    val.add_argument("files", nargs="+", help="scenario YAML files")
    rep = sub.add_parser("report", help="execute every notebook for every scenario into outputs/")
    rep.add_argument("--scenarios", nargs="*", help="scenario files (default: every params/*.yaml)")
    rep.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    rep.add_argument("--force", action="store_true", help="render every page, even those whose inputs did not change")
    rep.add_argument("--no-open", action="store_true",
                     help="do not open the index in a browser (it opens where there is a desktop)")
    args = parser.parse_args(argv)

    if args.command == "validate":
        from ._params import ScenarioError, load_scenario
        from ._pipeline import decide

        for f in args.files:
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
    from ._report import OUTPUT_DIR, build_report, open_in_browser

    code = build_report(args.scenarios, jobs=args.jobs, force=args.force)
    if code == 0 and not args.no_open and open_in_browser(OUTPUT_DIR / "index.html"):
        print("report: opened in your browser")
    return code


if __name__ == "__main__":
    sys.exit(main())
