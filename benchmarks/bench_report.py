"""Wall time of the full report (every notebook for every scenario), as `make report` runs it."""

import time

from econ._report import build_report, notebooks
from econ._params import scenario_files


def main() -> None:
    start = time.perf_counter()
    code = build_report()
    seconds = time.perf_counter() - start
    jobs = len(scenario_files()) * len(notebooks())
    print(f"full report: {seconds:.1f} s for {jobs} pages ({seconds / max(jobs, 1):.1f} s per page), exit code {code}")


if __name__ == "__main__":
    main()
