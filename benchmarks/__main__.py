"""`make bench`: run every benchmarks/bench_*.py module's main() and print its figures."""

import importlib
import pkgutil
import sys
from pathlib import Path

names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
only = sys.argv[1:]
for name in names:
    if only and name.removeprefix("bench_") not in only:
        continue
    print(f"== {name}", flush=True)
    importlib.import_module(f"benchmarks.{name}").main()
