"""`make report`'s weight and speed: a forced full render, a no-change rerun, page sizes, and ``import econ``.

Each timing runs the command a user runs, in a fresh interpreter (``python -m econ report ...``), so interpreter
start-up and imports count. The full render writes the real ``outputs/``, like ``make report --force`` would.
"""

import os
import resource
import statistics
import subprocess
import sys
import time

from econ._params import scenario_files
from econ._report import OUTPUT_DIR, notebooks

IMPORT = "import time; t = time.perf_counter(); import econ; print(time.perf_counter() - t)"
IMPORT_ALL = ("import time; t = time.perf_counter(); import econ; [getattr(econ, n) for n in econ.__all__]; "
              "print(time.perf_counter() - t)")


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(*args: str) -> tuple[float, int, float]:
    """Wall time, exit code and CPU time (the report's, its workers' and their kernels') of one report."""
    start, cpu = time.perf_counter(), _cpu_children()
    command = [sys.executable, "-m", "econ", "report", "--no-open", *args]
    code = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
    return time.perf_counter() - start, code, _cpu_children() - cpu


def _best_of(code: str, n: int = 5) -> float:
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
               for _ in range(n))


def main() -> None:
    pages = len(scenario_files()) * len(notebooks())
    full, code, cpu = _wall("--force")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"forced full render: {full:.1f} s for {pages} pages on {os.cpu_count()} cores, {cpu:.0f} CPU-s in all "
          f"(load average {load:.1f} after), exit code {code} [target < 45 s on 2 cores]")
    again = [_wall() for _ in range(3)]
    print(f"no-change rerun: {min(t for t, *_ in again):.2f} s (best of 3, interpreter start included), exit codes "
          f"{sorted({c for _, c, _ in again})} [target < 1 s]")
    sizes = sorted(p.stat().st_size for p in OUTPUT_DIR.glob("*/[0-9][0-9]_*.html"))
    total = sum(p.stat().st_size for p in OUTPUT_DIR.rglob("*") if p.is_file())
    static = sum(p.stat().st_size for p in (OUTPUT_DIR / "_static").glob("*"))
    print(f"pages: {len(sizes)}, median {statistics.median(sizes) / 1e3:.0f} kB, largest {sizes[-1] / 1e3:.0f} kB, "
          f"all pages {sum(sizes) / 1e6:.1f} MB [target: median < 300 kB]")
    print(f"outputs/: {total / 1e6:.1f} MB in all, of which {static / 1e6:.2f} MB shared in _static/ "
          "[target < 15 MB]")
    print(f"import econ: {_best_of(IMPORT) * 1e3:.0f} ms (best of 5) [target < 500 ms]; "
          f"with every public name loaded: {_best_of(IMPORT_ALL, 3):.2f} s")


if __name__ == "__main__":
    main()
