"""summary.xlsx, the working model (issue 16): its size and build time for every shipped scenario, and how long
LibreOffice headless takes to recalculate it (as tests/test_workbook.py does). Printed, not asserted."""

import time

from econ._params import load_scenario, scenario_files
from econ._pipeline import decide
from econ._workbook import recalculate, soffice, workbook_bytes


def main() -> None:
    scenarios = [load_scenario(f) for f in scenario_files()]
    decisions = [decide(sc, draws=2_000) for sc in scenarios]  # the confidence's draws do not change the workbook's size
    times = []
    for _ in range(3):
        start = time.perf_counter()
        data = workbook_bytes(scenarios, decisions)
        times.append(time.perf_counter() - start)
    line = (f"summary.xlsx: {len(data) / 1e3:.0f} kB for {len(scenarios)} scenarios, built in {min(times):.2f} s "
            "(best of 3)")
    if soffice():
        start = time.perf_counter()
        recalculate(data)
        line += f"; recalculated by LibreOffice headless in {time.perf_counter() - start:.1f} s"
    print(line)


if __name__ == "__main__":
    main()
