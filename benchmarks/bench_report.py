"""Wall time of `make report`: the full report (every notebook for every scenario) and a rerun with nothing changed."""

import os
import time

from econ._params import scenario_files
from econ._report import build_report, notebooks


def main() -> None:
    pages = len(scenario_files()) * len(notebooks())
    cores = os.cpu_count()
    start = time.perf_counter()
    code = build_report(force=True)
    full = time.perf_counter() - start
    start = time.perf_counter()
    code_again = build_report()
    again = time.perf_counter() - start
    print(f"full report: {full:.1f} s for {pages} pages on {cores} cores ({full * cores / max(pages, 1):.1f} core-s per page), "
          f"exit code {code} [target < 60 s on 2 cores]")
    print(f"no-change rerun: {again:.2f} s, exit code {code_again} [target < 5 s]")


if __name__ == "__main__":
    main()
