"""The capacity model's speed: 1,000 `serving_capacity` calls (the decision pipeline's fleet search calls it once
per GPU and tensor-parallel degree), and the calibration and validation tables. Target (issue 14): 1,000 calls in
under 1 s on 2 cores. Printed, not asserted. Run: ``.venv/bin/python -m benchmarks.bench_capacity``.
"""

import time

import econ

CASES = [("llama-3.3-70b", "H100-SXM", "fp8", 2), ("llama-3.1-8b", "L4", "bf16", 1), ("gpt-oss-120b", "H100-SXM", "mxfp4", 1),
         ("qwen3-235b-a22b", "H200", "fp8", 4), ("deepseek-r1", "H200", "fp8", 8)]


def main():
    econ.serving_capacity("llama-3.3-70b", "H100-SXM", 1000, 300, "fp8", 2, 2.0, 0.05)  # warm the catalog caches
    t = time.perf_counter()
    for i in range(1000):
        model, gpu, precision, tp = CASES[i % len(CASES)]
        econ.serving_capacity(model, gpu, 1000 + i, 300, precision, tp, 2.0, 0.05)
    print(f"1,000 serving_capacity calls (5 models, distinct request shapes): {time.perf_counter() - t:.2f} s (target < 1 s)")
    t = time.perf_counter()
    econ.feasible_tensor_parallel("qwen3-235b-a22b", "H100-SXM", "fp8", expert_parallel=True)
    print(f"feasible_tensor_parallel, 8 degrees: {(time.perf_counter() - t) * 1e3:.1f} ms")
    t = time.perf_counter()
    econ.validation_table()
    print(f"validation_table: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    econ.calibration_table()
    print(f"calibration_table with leave-one-source-out refits: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
