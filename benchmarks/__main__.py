"""`make bench`: run every benchmarks/bench_*.py module's main(), each in a process of its own (so that memory
figures are its own), and print its figures. ``python -m benchmarks report traffic`` runs only those."""

import pkgutil
import subprocess
import sys
from pathlib import Path

names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
only = sys.argv[1:]
failed = 0
for name in names:
    if only and name.removeprefix("bench_") not in only:
        continue
    print(f"== {name}", flush=True)
    failed += subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode != 0
sys.exit(1 if failed else 0)
