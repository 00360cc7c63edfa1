"""Speed of the decision pipeline (issue 13): the fleet search inside the Monte Carlo and inside a volume sweep.

Targets: one million draws of every ranged assumption through every plan, the fleet re-sized per draw, under 2 s on
2 cores; a 200-point volume sweep with the GPU, tensor-parallel degree and replicas re-chosen at every point under
1 s; `decide` end to end per scenario. Printed, not asserted.
"""

import time

import numpy as np

from econ._breakeven import cheaper_intervals
from econ._costs import option_costs
from econ._params import PARAMS_DIR, load_scenario, scenario_files
from econ._pipeline import _routed_split, decide, plan_costs
from econ._sensitivity import _expand, draw_assumptions


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    sc = load_scenario(PARAMS_DIR / "enterprise_steady.yaml")
    routed, _ = _routed_split(sc)
    n = 1_000_000

    def draws():
        values = _expand(sc.values, draw_assumptions(sc, n, seed=2026, sections=("routing",)))
        plans = plan_costs(values, routed)
        return plans["selfhost"]["gpus"]

    gpus = draws()
    print(f"{sc.path}: {n:,} draws of every ranged assumption through every plan (the routed split re-tuned, the fleet "
          f"re-sized per draw: {np.unique(gpus).size} distinct fleet sizes): {_best(draws):.2f} s (target < 2 s)")
    volumes = np.geomspace(1e3, 1e8, 200)
    sweep = lambda: option_costs({**sc.values, "workload.requests_per_day": volumes})  # noqa: E731
    degrees = np.unique(sweep()["selfhost"]["tensor_parallel"])
    print(f"200-point volume sweep, the fleet re-chosen at every point (degrees {degrees.astype(int).tolist()}): "
          f"{_best(sweep) * 1e3:.1f} ms (target < 1 s)")
    print(f"cheaper_intervals(api, selfhost) over 2,000 volumes, refined by brentq: "
          f"{_best(lambda: cheaper_intervals(sc, 'api', 'selfhost')) * 1e3:.0f} ms")
    for f in scenario_files():
        s = load_scenario(f)
        print(f"decide({s.path}) with 100,000 draws, flips and breakevens: {_best(lambda: decide(s), repeat=1):.2f} s")


if __name__ == "__main__":
    main()
