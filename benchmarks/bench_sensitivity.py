"""Speed of the sensitivity analysis: Monte Carlo draws, Sobol indices, and notebook 03 per scenario.

Targets (issue 4): one million draws through the three-option comparison under 2 s on one core; Sobol indices with
2^14 base samples under 10 s; notebook 03 under 20 s per scenario. Printed, not asserted.
"""

import tempfile
import time
from pathlib import Path

from scipy import stats

from econ._costs import option_costs
from econ._params import PARAMS_DIR, load_scenario, scenario_files
from econ._sensitivity import (
    _expand,
    _sobol_evaluations,
    _sobol_from_evaluations,
    draw_assumptions,
    monte_carlo,
    savings_usd,
    sobol_indices,
    uncertain_assumptions,
)


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
    d = len(uncertain_assumptions(sc))
    n = 1_000_000
    print(f"scenario {sc.path}: {d} uncertain assumptions; numpy threads: elementwise work runs on one core")

    def core():
        values = _expand(sc.values, draw_assumptions(sc, n, seed=2026))
        option_costs(values)

    print(f"Monte Carlo, {n:,} draws through option_costs (draws + three options): {_best(core):.2f} s (target < 2 s)")
    print(f"monte_carlo(), {n:,} draws, as a DataFrame with the recommendation per draw: "
          f"{_best(lambda: monte_carlo(sc, n, 2026)):.2f} s")

    base = 2**14
    params = uncertain_assumptions(sc)
    func = lambda x: savings_usd(_expand(sc.values, dict(zip([p.key for p in params], x))))  # noqa: E731
    start = time.perf_counter()
    fa, fb, fab = _sobol_evaluations(func, params, base, 2026)
    t_eval = time.perf_counter() - start
    start = time.perf_counter()
    stats.sobol_indices(func={"f_A": fa, "f_B": fb, "f_AB": fab}, n=base)
    t_idx = time.perf_counter() - start
    start = time.perf_counter()
    _sobol_from_evaluations(fa, fb, fab, 2026, 0.95, 300)
    t_boot = time.perf_counter() - start
    t_all = _best(lambda: sobol_indices(sc, base, 2026), repeat=1)
    print(f"Sobol, 2^14 = {base:,} base samples x {d} assumptions = {base * (d + 2):,} model evaluations: "
          f"{t_eval:.2f} s evaluations + {t_idx:.2f} s indices (target < 10 s); "
          f"with 300 bootstrap resamples {t_boot:.2f} s; sobol_indices() end to end {t_all:.2f} s")

    nb = Path(__file__).resolve().parents[1] / "notebooks" / "03_sensitivity.ipynb"
    from econ._report import render

    with tempfile.TemporaryDirectory() as tmp:
        for f in scenario_files():
            s = load_scenario(f)
            start = time.perf_counter()
            render(nb, f, Path(tmp) / s.name)
            print(f"notebook 03 for {s.path}: {time.perf_counter() - start:.1f} s, executed in a fresh kernel and "
                  "rendered to HTML (target < 20 s)")


if __name__ == "__main__":
    main()
