"""Catalogs as data: GPUs (econ/data/gpus.yaml), each entry with its source. The model catalog: econ/_models.py."""

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
        ``key`` and ``name``; ``memory_gb`` [GB], the datasheet figure; ``memory_mib`` [MiB], what the driver
        reports (nvidia-smi), the memory an engine can use, with ``memory_source``; ``bandwidth_tb_s`` [TB/s];
        ``bf16_tflops`` and ``fp8_tflops`` [dense TFLOP/s, None: no FP8]; ``tdp_w`` [W]; ``interconnect_gb_s``
        [GB/s, both directions]; ``source``. Where a source exists (absent otherwise, never another GPU's):
        ``rent_usd_per_gpu_hour`` [USD/GPU-hour] and ``purchase_usd_per_gpu`` [USD/GPU], each a dict with
        ``value``, ``low``, ``high``, ``source``, ``checked``; ``server_power_w_per_gpu`` [W/GPU], the GPU's share
        of its server's maximum draw, a dict with ``value`` and ``source``.

    Raises
    ------
    ValueError
        Unknown name: the message lists the valid names and the closest ones.

    Examples
    --------
    >>> h = gpu_spec("h100 sxm")
    >>> h["key"], h["memory_gb"], h["memory_mib"], h["server_power_w_per_gpu"]["value"]
    ('H100-SXM', 80, 81559, 1275)
    >>> h["rent_usd_per_gpu_hour"]["value"], h["purchase_usd_per_gpu"]["low"]
    (2.69, 30000)
    >>> "purchase_usd_per_gpu" in gpu_spec("L4")   # no source: absent
    False
    """
    return _lookup(name, _gpus(), "GPU")
