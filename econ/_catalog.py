"""Catalogs as data: GPUs (econ/data/gpus.yaml), each entry with its source."""

from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path

import yaml

__all__ = ["gpu_spec", "gpu_names"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@cache
def _gpus() -> dict[str, dict]:
    return yaml.safe_load((DATA_DIR / "gpus.yaml").read_text(encoding="utf-8"))


def gpu_names() -> list[str]:
    """Keys of the GPU catalog, e.g. ``"H100-SXM"``."""
    return list(_gpus())


def _lookup(name: str, table: dict[str, dict], kind: str) -> dict:
    by_norm = {_norm(k): k for k in table}
    key = by_norm.get(_norm(name))
    if key is None:
        close = difflib.get_close_matches(_norm(name), list(by_norm), n=2, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(by_norm[c]) for c in close)}?" if close else ""
        raise ValueError(f"unknown {kind} {name!r}.{hint} Valid {kind}s: {', '.join(table)}")
    return {"key": key, **table[key]}


def gpu_spec(name: str) -> dict:
    """Specification and price range of a GPU, by a case- and punctuation-forgiving name.

    Parameters
    ----------
    name : str
        e.g. ``"H100-SXM"``, ``"h100 sxm"``, ``"l40s"``.

    Returns
    -------
    dict
        ``key``, ``name``, ``memory_gb`` [GB], ``bandwidth_tb_s`` [TB/s], ``bf16_tflops`` and ``fp8_tflops``
        [dense TFLOP/s], ``tdp_w`` [W], purchase [USD/GPU] and rent [USD/GPU-hour] ranges, ``source``.

    Examples
    --------
    >>> gpu_spec("h100 sxm")["memory_gb"], gpu_spec("H100_SXM")["key"]
    (80, 'H100-SXM')
    """
    return _lookup(name, _gpus(), "GPU")
