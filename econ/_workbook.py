"""``summary.xlsx``: the report's workbook, a working model a reviewer can flex.

Sheets, in order:

- ``how to use``: what each sheet is, what to change, what is held.
- ``summary``: one row per scenario, the kit's decision (values, as ``decision.json``), and beside it the
  recommended plan and its monthly cost as this workbook recalculates them (formulas).
- per scenario, named by `sheet_names`: ``<name> inputs``, every assumption the cost formulas use with its value
  (a number where it is one), unit, source, checked date and where it was set, then the inputs the kit computes
  with models a spreadsheet cannot run (the fleet's GPU and tensor-parallel degree, the capacity model's goodput,
  the GPU's catalog prices, the routed split's shares), each marked "computed by the kit", then the scenario's
  other assumptions; ``<name> costs``, every option and plan as Excel formulas over the inputs: the per-token bill
  per bin of the token distribution (caching minimums, long-context tiers, batch), the fleet (replicas, GPUs,
  rent or purchase, power, hosting), every cost component, the routed split, quality and eligibility, and the
  recommended plan (the cheapest eligible, a formula: it flips in the sheet); ``<name> cash``, month by month
  over the horizon: capex, opex, resale at book value, cumulative and discounted cash, the present cost.
- ``Monte Carlo``: the decision's confidence, draws and seed, and the assumptions that flip it (values).
- ``provenance``: the kit, the price catalog, each scenario file's digest.

Text from scenario files is written as text (`_put`), never as a formula, whatever it starts with; formulas are
written on purpose only (`_Book.formula`). The kit's own figures (``decision.json``) sit beside the recalculated
ones with their difference, zero until an input changes.

Recalculation: openpyxl stores formulas without their values, and the workbook asks for a full calculation when
opened (Excel does it). `recalculate` has LibreOffice do the same headless: a private user profile set to
recalculate on load ("Recalculation on File Load: Always"; LibreOffice's default keeps stored values), then
``soffice --headless --convert-to xlsx``; the copy it writes holds every formula's value (read them with
openpyxl's ``data_only=True``).
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._params import Scenario
    from ._pipeline import Decision

__all__ = ["workbook_bytes", "sheet_names", "recalculate", "soffice", "SUFFIXES", "MAX_MONTHS"]

SUFFIXES = ("inputs", "costs", "cash")
"""Each scenario's sheets: ``<name> inputs``, ``<name> costs``, ``<name> cash``."""
FIXED_SHEETS = ("how to use", "summary", "Monte Carlo", "provenance")
MAX_MONTHS = 120
"""Rows of the cash-flow table [months]: the longest horizon a scenario allows (``horizon.months``); months beyond
the scenario's horizon hold zeros, so that a reviewer can lengthen it in the sheet."""

_INT, _PCT, _NUM, _TOK = "#,##0", "0.0%", "General", "#,##0.0"
_USD0, _USD2, _USD4, _USD6 = '"$"#,##0', '"$"#,##0.00', '"$"#,##0.0000', '"$"#,##0.000000'
_RATIO = "0.000"


# --- cells ------------------------------------------------------------------------------------------------------

def _usd_format(values) -> str:
    """Dollars with as many decimals as the magnitudes need: $1,234 / $12.34 / $0.0123 / $0.000020."""
    top = max((abs(v) for v in values if isinstance(v, (int, float)) and v == v), default=0)
    return _USD0 if top >= 100 else _USD2 if top >= 1 else _USD4 if top >= 0.01 or top == 0 else _USD6


def _number_format(name: str, unit: str, values) -> str | None:
    """The spreadsheet format of a column from its name or unit."""
    text = f"{name} {unit}"
    if "USD" in text or "usd" in name:
        return _usd_format(values)
    if "fraction" in text or name == "utilization":
        return _PCT
    if "tokens" in text or name in ("gpus", "replicas"):
        return _INT
    return _NUM


_EXCEL_TEXT_MAX = 32_767  # characters in one cell


def _put(ws, row: int, col: int, value) -> None:
    """Write one value into a cell (1-based): numbers, booleans and dates as they are, NaN as an empty cell, and
    everything else as text, even when it starts with "=" (a title or a source is never a formula)."""
    import datetime

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if value is None or (isinstance(value, float) and value != value):
        return
    if isinstance(value, float) and math.isinf(value):
        value = "inf" if value > 0 else "-inf"  # as pandas writes it: Excel has no infinity
    if isinstance(value, (bool, int, float, datetime.date)):
        ws.cell(row, col).value = value
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = ws.cell(row, col)
    cell.value = text if len(text) <= _EXCEL_TEXT_MAX else text[:_EXCEL_TEXT_MAX - 1] + "…"
    cell.data_type = "s"  # openpyxl would take a leading "=" for a formula


def _write_frame(ws, frame, startrow: int = 0, header: bool = True) -> None:
    """Write ``frame`` from the 0-based row ``startrow`` as ``to_excel(index=False)`` lays it out, through `_put`."""
    rows = ([list(frame.columns)] if header else []) + frame.astype(object).values.tolist()
    for i, values in enumerate(rows, start=startrow + 1):
        for j, v in enumerate(values, start=1):
            _put(ws, i, j, v)


def _format_frame(ws, frame, header_row: int) -> None:
    """Bold header, number formats by column, widths (``header_row`` is 1-based)."""
    from openpyxl.styles import Font

    for j, col in enumerate(frame.columns, start=1):
        ws.cell(header_row, j).font = Font(bold=True)
        fmt = _number_format(str(col), "", frame[col].tolist())
        for i, v in enumerate(frame[col].tolist()):
            if not isinstance(v, bool) and isinstance(v, (int, float)):
                ws.cell(header_row + 1 + i, j).number_format = fmt
        letter = ws.cell(header_row, j).column_letter
        width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        ws.column_dimensions[letter].width = min(width + 2, 60)


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_names(names: list[str], taken: tuple[str, ...] = ("summary", "provenance", "History"),
                width: int = 31) -> list[str]:
    """Excel sheet names for ``names``, in order: the characters Excel forbids (``[]:*?/\\``) replaced by "_", no
    apostrophe at either end, at most ``width`` characters (Excel allows 31; less leaves room for a suffix),
    unique case-insensitively (also against ``taken``; Excel reserves "History"): a name that clashes gets "~2",
    "~3", ... in its last characters.

    Examples
    --------
    >>> sheet_names(["what?", "a" * 40, "a" * 35, "Summary"])
    ['what_', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaa~2', 'Summary~2']
    >>> sheet_names(["enterprise_steady", "a_long_scenario_file_name_one", "a_long_scenario_file_name_two"], width=24)
    ['enterprise_steady', 'a_long_scenario_file_nam', 'a_long_scenario_file_n~2']
    """
    used = {t.lower() for t in taken}
    out = []
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", name).strip("'")[:width].strip("'") or "scenario"
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            candidate = base[:width - len(f"~{n}")] + f"~{n}"
        used.add(candidate.lower())
        out.append(candidate)
    return out


def _deterministic_xlsx(data: bytes) -> bytes:
    """The same workbook without the save time: openpyxl stamps it in docProps/core.xml and the zip entries."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", body)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- references and formulas ------------------------------------------------------------------------------------

def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


class _Book:
    """Named cells across the workbook, and the formulas written over them.

    A cell is named within the scenario being written (``scope``): ``name("w.requests", ...)`` in scope ``s1`` is
    ``s1/w.requests``. A formula template names cells in braces, ``"={w.requests}*{api.usd_per_request}"``, a range
    as ``{first:last}``, a cell of another scope as ``{s1/rec}``. Formulas are rendered when the whole workbook is
    laid out (`flush`), so a template may name a cell written later; each becomes an absolute reference, qualified
    by its sheet when it is not the formula's own.
    """

    _NAME = re.compile(r"\{([^{}]+)\}")

    def __init__(self):
        self.refs: dict[str, tuple[str, int, int]] = {}
        self.scope = ""
        self._pending: list[tuple[object, int, int, str, str]] = []

    def name(self, key: str, ws, row: int, col: int) -> None:
        full = f"{self.scope}/{key}"
        if full in self.refs:
            raise ValueError(f"workbook: the cell name {full!r} is taken")  # a layout bug, never a user's input
        self.refs[full] = (ws.title, row, col)

    def has(self, key: str) -> bool:
        return f"{self.scope}/{key}" in self.refs

    def _addr(self, key: str, here: str, scope: str) -> str:
        from openpyxl.utils import get_column_letter

        sheet, row, col = self.refs[key if "/" in key else f"{scope}/{key}"]
        cell = f"${get_column_letter(col)}${row}"
        return cell if sheet == here else f"{_quoted(sheet)}!{cell}"

    def render(self, template: str, here: str, scope: str | None = None) -> str:
        scope = self.scope if scope is None else scope

        def one(m):
            a, _, b = m.group(1).partition(":")
            first = self._addr(a, here, scope)
            return first if not b else first + ":" + self._addr(b, here, scope).split("!")[-1]

        return self._NAME.sub(one, template)

    def formula(self, ws, row: int, col: int, template: str, fmt: str | None = None) -> None:
        """Write a formula on purpose (the only way one enters the workbook), rendered by `flush`."""
        self._pending.append((ws, row, col, template, self.scope))
        if fmt:
            ws.cell(row, col).number_format = fmt

    def flush(self) -> None:
        for ws, row, col, template, scope in self._pending:
            ws.cell(row, col).value = self.render(template, ws.title, scope)
        self._pending.clear()


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return {
        "title": Font(bold=True, size=13),
        "bold": Font(bold=True),
        "input": Font(color="0000CC"),
        "held": PatternFill("solid", fgColor="FFF4CC"),
        "head": PatternFill("solid", fgColor="E8E8E8"),
        "kit": Font(color="777777", italic=True),
        "grey": Font(color="AAAAAA"),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "top": Alignment(vertical="top"),
    }


def _header(ws, row: int, labels: list[str], st, start: int = 1) -> None:
    for j, label in enumerate(labels, start=start):
        _put(ws, row, j, label)
        ws.cell(row, j).font = st["bold"]
        ws.cell(row, j).fill = st["head"]


def _widths(ws, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


# --- the inputs sheet -------------------------------------------------------------------------------------------

_USED = {
    "workload": ("requests_per_day", "input_tokens_per_request", "output_tokens_per_request", "token_distribution",
                 "cacheable_prefix_share", "batchable_share", "peak_to_mean"),
    "engineering": ("loaded_usd_per_hour",),
    "api": ("permitted", "provider", "model", "input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok",
            "cache_write_usd_per_mtok", "price_factor", "batch_price_factor", "batch_cache_read_factor",
            "cache_hit_rate", "min_cacheable_prefix_tokens", "cache_step_tokens", "long_context_above_tokens",
            "long_context_input_factor", "long_context_output_factor", "engineering_hours_per_month",
            "eval_hours_per_month", "compliance_usd_per_month"),
    "selfhost": ("permitted", "replica_output_tokens_per_s", "throughput_factor", "max_utilization", "min_replicas",
                 "redundancy_replicas", "gpu_cost_mode", "rent_usd_per_gpu_hour", "rent_price_factor",
                 "commitment_discount", "purchase_usd_per_gpu", "purchase_price_factor", "amortization_years",
                 "power_draw_share", "server_power_per_tdp", "pue", "electricity_usd_per_kwh",
                 "hosting_usd_per_gpu_month", "engineering_hours_per_month", "eval_hours_per_month",
                 "upgrade_hours_per_year", "egress_usd_per_gb", "egress_bytes_per_output_token",
                 "storage_usd_per_month"),
    "routing": ("hard_share", "open_quality_easy", "open_quality_hard", "premium_quality_easy", "premium_quality_hard",
                "recovered_fraction", "router_usd_per_request", "router_hours_per_month"),
    "horizon": ("months", "discount_rate_per_year", "resale_share"),
}
"""The assumptions the formulas read, by section, in the order the inputs sheet lists them."""
_USED["managed"] = _USED["api"]
_SECTIONS = ("workload", "engineering", "api", "managed", "selfhost", "routing", "horizon")
_PRICES = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok", "cache_write_usd_per_mtok")
_BILLING_DEFAULTS = {  # a billing rule genai-prices has none of for the model: what the kit bills with instead
    "batch_cache_read_factor": ("same as batch_price_factor", "× cache-read price in the batch API"),
    "min_cacheable_prefix_tokens": (0, "tokens"),
    "cache_step_tokens": (1, "tokens"),
    "long_context_above_tokens": ("none", "input tokens per call"),
    "long_context_input_factor": (1.0, "× input, cache-read and cache-write prices above the threshold"),
    "long_context_output_factor": (1.0, "× output price above the threshold"),
}
KIT = "computed by the kit: "
"""How the inputs sheet marks a model output held as an input (its 'set in' column)."""


def _set_in(a, scenario) -> str:
    if a.origin == "genai-prices":
        return f"genai-prices, read by the kit at prices.price_date ({scenario['prices.price_date']})"
    if a.origin == "traffic trace":
        return KIT + "measured on the traffic profile (traffic.profile)"
    if a.origin == "_defaults.yaml":
        return "params/_defaults.yaml"
    return a.origin or "varied in this analysis"  # the scenario file's name


def _range_text(dist) -> str:
    if not dist:
        return ""
    mode = f", mode {dist['mode']:g}" if "mode" in dist else ""
    return f"{dist['kind']} {dist['low']:g} to {dist['high']:g}{mode}"


def _inputs_sheet(book: _Book, ws, sc: Scenario, d: Decision, sha: str, st) -> None:
    """Every assumption the formulas use, then the inputs computed by the kit, then the scenario's others."""
    from ._catalog import gpu_spec
    from ._fleet import HOURS_PER_MONTH, SECONDS_PER_DAY
    from ._prices import billing_label, price_catalog_version

    v = sc.values
    _put(ws, 1, 1, sc.title)
    ws.cell(1, 1).font = st["title"]
    _put(ws, 2, 1, f"params/{sc.file.name} (sha256 {sha}), merged over params/_defaults.yaml")
    _put(ws, 3, 1, f"API prices: genai-prices {price_catalog_version()} as of {sc['prices.price_date']}")
    _put(ws, 4, 1, "Values in blue are inputs: change one and the costs and cash sheets move. Rows on a yellow ground "
                   "are computed by the kit with models a spreadsheet cannot run, held here as inputs.")
    head = ["assumption", "value", "unit", "source", "checked", "set in", "range in the Monte Carlo", "in words"]
    _header(ws, 6, head, st)
    row = 7
    used: set[str] = set()

    def line(key, value, unit, source, checked="", origin="", dist=None, held=False, label=""):
        nonlocal row
        for j, x in enumerate((key, "null" if value is None else value, unit or "", source, checked or "", origin,
                               _range_text(dist), label), start=1):
            _put(ws, row, j, x)
            ws.cell(row, j).alignment = st["top"]
        cell = ws.cell(row, 2)
        cell.font = st["input"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.number_format = _number_format("", unit or "", [value])
        if held:
            for j in range(1, len(head) + 1):
                ws.cell(row, j).fill = st["held"]
        book.name(key, ws, row, 2)
        row += 1

    def section(text):
        nonlocal row
        row += 1
        _put(ws, row, 1, text)
        ws.cell(row, 1).font = st["bold"]
        row += 1

    section("Assumptions the cost formulas use")
    for s in _SECTIONS:
        for name in _USED[s]:
            key = f"{s}.{name}"
            if key not in sc.assumptions:
                if name in _BILLING_DEFAULTS:
                    value, unit = _BILLING_DEFAULTS[name]
                    line(key, value, unit, f"genai-prices {price_catalog_version()} publishes no such rule for "
                         f"{sc[f'{s}.model']}: the kit bills without it", origin="genai-prices (no rule: the default)",
                         label=billing_label(s, name))
                continue
            a = sc.assumptions[key]
            used.add(key)
            value, unit = a.value, a.unit
            if name == "token_distribution":
                value = "in bins: see 'Token distribution' below" if value else "null"
            if name in _PRICES and s in ("api", "managed") and v[f"{s}.price_factor"] != 1:
                value = a.value / v[f"{s}.price_factor"]  # the kit folds the factor in; the costs sheet applies it
                unit = f"{unit}, listed (the costs sheet multiplies it by {s}.price_factor)"
            line(key, value, unit, a.source, a.checked, _set_in(a, sc), a.dist, label=a.label)

    bins = v.get("workload.token_distribution")
    if bins:
        section("Token distribution (workload.token_distribution): bins of requests, rescaled in the costs sheet so "
                "that their means are the mean input and output tokens above")
        a = sc.assumptions["workload.token_distribution"]
        for field, unit in (("input_tokens", "tokens/request"), ("output_tokens", "tokens/request"),
                            ("share", "weight (the shares are normalised to sum to 1)")):
            for j, x in enumerate(bins[field], start=1):
                line(f"workload.token_distribution.{field}.{j}", float(x), unit, a.source, origin=_set_in(a, sc))

    section("Inputs computed by the kit: model outputs held here as inputs (change them if you have better figures; "
            "they do not follow the other inputs)")
    f = d.fleet
    searched = ("every catalog GPU with a price" if v["selfhost.gpu"] == "auto" else f"the scenario's {v['selfhost.gpu']}")
    degrees = ("tensor-parallel degrees 1, 2, 4 and 8" if v["selfhost.tensor_parallel"] is None
               else f"the scenario's tensor-parallel degree {v['selfhost.tensor_parallel']}")
    choice = (f"the cheapest fleet at the peak that meets the latency targets, over {searched} and {degrees} "
              "(econ._fleet.size_fleet); held: the replica count follows the formulas")
    line("fleet.gpu", f.gpu, "GPU catalog key", f"{f.gpu_name}: {choice}", origin=KIT + "fleet search", held=True)
    line("fleet.tensor_parallel", f.tensor_parallel, "GPUs per replica", choice, origin=KIT + "fleet search", held=True)
    if v["selfhost.replica_output_tokens_per_s"] is not None:
        line("fleet.stated_throughput_scale", f.replica_output_tokens_per_s / float(v["selfhost.replica_output_tokens_per_s"]),
             "× stated throughput", f.throughput_note, origin=KIT + "capacity model (econ.serving_capacity)", held=True)
    else:
        line("fleet.replica_goodput_output_tokens_per_s", f.replica_output_tokens_per_s / float(v["selfhost.throughput_factor"]),
             "output tokens/s per replica", f"goodput of one replica of {f.tensor_parallel} × {f.gpu} before "
             f"selfhost.throughput_factor: {f.throughput_note}", origin=KIT + "capacity model (econ.serving_capacity)",
             held=True)
    spec = gpu_spec(f.gpu)
    for field, unit, what in (("rent_usd_per_gpu_hour", "USD/GPU-hour", "on-demand rent"),
                              ("purchase_usd_per_gpu", "USD/GPU", "purchase price")):
        entry = spec.get(field)
        if entry is None:
            line(f"catalog.{field}", "none", unit, f"econ/data/gpus.yaml has no sourced {what} for {f.gpu}",
                 origin="econ/data/gpus.yaml", held=True)
        else:
            line(f"catalog.{field}", float(entry["value"]), unit, f"{spec['name']}, {what}: {entry['source']}",
                 entry.get("checked"), "econ/data/gpus.yaml", held=True)
    power = spec.get("server_power_w_per_gpu")
    line("catalog.server_power_w_per_gpu", "none" if power is None else float(power["value"]), "W per GPU",
         "the GPU's share of its server's maximum draw: " + (power["source"] if power else
                                                             "none in the catalog (TDP × selfhost.server_power_per_tdp)"),
         origin="econ/data/gpus.yaml", held=True)
    line("catalog.tdp_w", float(spec["tdp_w"]), "W", f"{spec['name']}: {spec['source']}", origin="econ/data/gpus.yaml",
         held=True)
    routed = d.options.get("routed")
    if routed is not None:
        how = ("the routed split (econ.routed_plan): the cheapest split over the permitted options that meets the "
               "quality floor, the router's threshold set where quality meets it; held here (the kit re-tunes the "
               "premium share when the quality inputs move)")
        for k in ("api", "managed", "selfhost"):
            line(f"routed.share.{k}", float((routed.shares or {}).get(k, 0.0)), "fraction of requests",
                 f"share of requests sent to the {d.options[k].name}: {how}", origin=KIT + "routing model", held=True)
        if not math.isclose(routed.quality, d.quality_floor, rel_tol=0, abs_tol=1e-9):
            line("routed.quality", routed.quality, "probability of an acceptable answer",
                 "the routed split's quality, above the floor (the premium share is set by capacity)",
                 origin=KIT + "routing model", held=True)

    section("Conventions")
    line("convention.hours_per_month", HOURS_PER_MONTH, "hours/month", "8,760 hours a year / 12, as cloud providers bill",
         origin="econ/_fleet.py")
    line("convention.seconds_per_day", SECONDS_PER_DAY, "seconds/day", "24 × 3,600", origin="econ/_fleet.py")

    section("Other assumptions of the scenario (read by the kit's models and other pages, not by these formulas)")
    for key, a in sc.assumptions.items():
        if key in used:
            continue
        value = a.value if isinstance(a.value, (bool, int, float, str)) or a.value is None else str(a.value)
        line(key, value, a.unit, a.source, a.checked, _set_in(a, sc), a.dist, label=a.label)
    _widths(ws, {"A": 46, "B": 16, "C": 34, "D": 90, "E": 12, "F": 44, "G": 30, "H": 46})
    ws.freeze_panes = "B7"


# --- the costs sheet --------------------------------------------------------------------------------------------

_BILLED = ("uncached input", "cache reads", "cache writes", "output")


class _Rows:
    """A sheet laid out row by row: sections with their own header, rows of one value or one per column."""

    def __init__(self, book: _Book, ws, columns: dict[str, int], how_col: int, st, row: int = 3):
        self.book, self.ws, self.col, self.how_col, self.st, self.row = book, ws, columns, how_col, st, row

    def section(self, text: str, labels: list[str]) -> int:
        self.row += 1
        _put(self.ws, self.row, 1, text)
        self.ws.cell(self.row, 1).font = self.st["bold"]
        self.row += 1
        width = self.how_col - 3
        _header(self.ws, self.row, ["item", "unit", *labels, *[""] * (width - len(labels)), "how it is computed"], self.st)
        self.row += 1
        return self.row - 1

    def _label(self, label: str, unit: str, how: str) -> None:
        _put(self.ws, self.row, 1, label)
        _put(self.ws, self.row, 2, unit)
        _put(self.ws, self.row, self.how_col, how)

    def one(self, name: str, label: str, unit: str, template: str, how: str, fmt: str | None = None) -> None:
        """A row with one value, in the first value column, named ``name``."""
        self._label(label, unit, how)
        self.book.formula(self.ws, self.row, 3, template, fmt)
        self.book.name(name, self.ws, self.row, 3)
        self.row += 1

    def each(self, name: str, label: str, unit: str, templates: dict[str, str], how: str, fmt: str | None = None) -> None:
        """A row with a value per option or plan, each named ``<key>.<name>``."""
        self._label(label, unit, how)
        for k, t in templates.items():
            self.book.formula(self.ws, self.row, self.col[k], t, fmt)
            self.book.name(f"{k}.{name}", self.ws, self.row, self.col[k])
        self.row += 1

    def values(self, name: str, label: str, unit: str, values: dict, how: str, fmt: str | None = None) -> None:
        """A row of the kit's own figures (values, grey), each named ``<key>.<name>``."""
        self._label(label, unit, how)
        for k, x in values.items():
            _put(self.ws, self.row, self.col[k], x)
            cell = self.ws.cell(self.row, self.col[k])
            cell.font = self.st["kit"]
            if fmt:
                cell.number_format = fmt
            self.book.name(f"{k}.{name}", self.ws, self.row, self.col[k])
        self.row += 1


def _costs_sheet(book: _Book, ws, sc: Scenario, d: Decision, inputs: str, st) -> None:
    """Every option and plan as formulas over the inputs sheet."""
    from openpyxl.utils import get_column_letter as letter

    v = sc.values
    plans = [k for k in ("api", "managed", "selfhost", "routed") if k in d.options]
    options = ("api", "managed", "selfhost")
    per_token = ("api", "managed")
    routed = "routed" in d.options
    col = {k: 3 + i for i, k in enumerate(plans)}
    r = _Rows(book, ws, col, 3 + len(plans), st)
    _put(ws, 1, 1, f"{sc.title}: monthly cost of every option and plan")
    ws.cell(1, 1).font = st["title"]
    _put(ws, 2, 1, f"Every number here is a formula over the sheet '{inputs}' (or a value of the kit's, in grey, "
                   "to compare): change an input there and every option moves. The last column says how each row "
                   "is computed.")

    r.section("Workload", ["value"])
    r.one("w.days", "days per month", "days/month", "={convention.hours_per_month}/24", "hours per month / 24", _NUM)
    r.one("w.requests", "requests per month", "requests/month", "={workload.requests_per_day}*{w.days}",
          "requests per day × days per month", _INT)
    r.one("w.tokens_per_request", "tokens per request", "tokens/request",
          "={workload.input_tokens_per_request}+{workload.output_tokens_per_request}", "input + output", _INT)
    r.one("w.tokens", "tokens per month", "tokens/month", "={w.requests}*{w.tokens_per_request}",
          "requests per month × tokens per request", _INT)
    r.one("w.mean_rps", "mean requests per second", "requests/s",
          "={workload.requests_per_day}/{convention.seconds_per_day}", "requests per day / seconds per day", _RATIO)
    r.one("w.peak_rps", "peak requests per second", "requests/s", "={w.mean_rps}*{workload.peak_to_mean}",
          "mean × peak-to-mean ratio", _RATIO)

    r.section("Quality (routing.*)", ["value"])
    q = "=(1-{routing.hard_share})*{routing.%s_quality_easy}+{routing.hard_share}*{routing.%s_quality_hard}"
    r.one("q.open", "open model's quality", "probability of an acceptable answer", q % ("open", "open"),
          "easy and hard requests weighted by routing.hard_share", _PCT)
    r.one("q.premium", "premium API's quality", "probability of an acceptable answer", q % ("premium", "premium"),
          "easy and hard requests weighted by routing.hard_share", _PCT)
    r.one("q.floor", "quality floor", "probability of an acceptable answer",
          "=IF({api.permitted},{q.open}+{routing.recovered_fraction}*({q.premium}-{q.open}),{q.open})",
          "open + recovered fraction × (premium − open); the open model's own quality when the API is not permitted",
          _PCT)

    r.section("Per-token billing, per request (the bins of the token distribution: bottom table)",
              [d.options[s].name for s in per_token])
    for field, what in (("input", "input"), ("output", "output"), ("cache_read", "cache-read"), ("cache_write", "cache-write")):
        r.each(f"p_{field}", f"{what} price", "USD/Mtok",
               {s: f"={{{s}.{field}_usd_per_mtok}}*{{{s}.price_factor}}" for s in per_token}, "listed price × price_factor",
               _USD2)
    r.each("f_batch", "batch price factor", "fraction of list price", {s: f"={{{s}.batch_price_factor}}" for s in per_token},
           "through the provider's batch API", _NUM)
    r.each("f_batch_read", "batch price factor of cache reads", "fraction of list price",
           {s: f"=IF(ISNUMBER({{{s}.batch_cache_read_factor}}),{{{s}.batch_cache_read_factor}},{{{s}.batch_price_factor}})"
            for s in per_token}, "the provider's own factor for cached input, else the batch price factor", _NUM)
    for i, field in enumerate(_BILLED):
        r.each(f"billed.{i}", f"billed {field} tokens per request", "tokens/request",
               {s: f"=SUMPRODUCT({{bin.share.first:bin.share.last}},{{bin.{s}.{i}.first:bin.{s}.{i}.last}})"
                for s in per_token},
               "the bins' shares × their billed tokens (long-context factors applied), summed", _TOK)
    r.each("usd_standard", "cost per request, standard API", "USD/request",
           {s: f"=({{{s}.billed.0}}*{{{s}.p_input}}+{{{s}.billed.1}}*{{{s}.p_cache_read}}"
               f"+{{{s}.billed.2}}*{{{s}.p_cache_write}}+{{{s}.billed.3}}*{{{s}.p_output}})/10^6" for s in per_token},
           "billed tokens × their prices / 1e6", _USD4)
    r.each("usd_batch", "cost per request, batch API", "USD/request",
           {s: f"=(({{{s}.billed.0}}*{{{s}.p_input}}+{{{s}.billed.2}}*{{{s}.p_cache_write}}+{{{s}.billed.3}}*{{{s}.p_output}})"
               f"*{{{s}.f_batch}}+{{{s}.billed.1}}*{{{s}.p_cache_read}}*{{{s}.f_batch_read}})/10^6" for s in per_token},
           "the same × the batch factors", _USD4)
    r.each("usd_per_request", "expected cost per request", "USD/request",
           {s: f"=(1-{{workload.batchable_share}})*{{{s}.usd_standard}}+{{workload.batchable_share}}*{{{s}.usd_batch}}"
            for s in per_token}, "(1 − batchable share) × standard + batchable share × batch", _USD4)

    r.section("Self-hosted fleet (the GPU type and degree are the decision's; the replicas follow the formulas)", ["value"])
    r.one("f.gpu", "GPU", "GPU catalog key", "={fleet.gpu}", "the decision's GPU type (inputs sheet)")
    r.one("f.tp", "GPUs per replica", "tensor-parallel degree", "={fleet.tensor_parallel}",
          "the decision's degree (inputs sheet)", _INT)
    if v["selfhost.replica_output_tokens_per_s"] is not None:
        r.one("f.tps", "replica throughput", "output tokens/s",
              "={selfhost.replica_output_tokens_per_s}*{fleet.stated_throughput_scale}",
              "stated throughput × its rescaling to this request shape (capacity model)", _INT)
    else:
        r.one("f.tps", "replica throughput", "output tokens/s",
              "={fleet.replica_goodput_output_tokens_per_s}*{selfhost.throughput_factor}",
              "the capacity model's goodput × selfhost.throughput_factor", _INT)
    r.one("f.rps", "replica requests per second", "requests/s", "={f.tps}/{workload.output_tokens_per_request}",
          "throughput / output tokens per request", _RATIO)
    r.one("f.serving", "serving replicas", "replicas",
          "=MAX(ROUNDUP({w.peak_rps}/({f.rps}*{selfhost.max_utilization}),0),{selfhost.min_replicas})",
          "MAX(CEILING(peak / (replica requests/s × max utilization)), min replicas)", _INT)
    r.one("f.spares", "spare replicas", "replicas", "={selfhost.redundancy_replicas}", "selfhost.redundancy_replicas", _INT)
    r.one("f.replicas", "replicas", "replicas", "={f.serving}+{f.spares}", "serving + spares", _INT)
    r.one("f.gpus", "GPUs in the fleet", "GPUs", "={f.replicas}*{f.tp}", "replicas × GPUs per replica", _INT)
    r.one("f.utilization", "utilization", "fraction", "={w.mean_rps}/({f.serving}*{f.rps})",
          "mean demand / capacity of the serving replicas (spares excluded)", _PCT)
    r.one("f.rent", "rent on demand", "USD/GPU-hour",
          '=IF(ISNUMBER({selfhost.rent_usd_per_gpu_hour}),{selfhost.rent_usd_per_gpu_hour},'
          'IF(ISNUMBER({catalog.rent_usd_per_gpu_hour}),{catalog.rent_usd_per_gpu_hour}*{selfhost.rent_price_factor},""))',
          "the scenario's rent, else the catalog's × selfhost.rent_price_factor", _USD2)
    r.one("f.rent_paid", "rent paid", "USD/GPU-hour", '=IF(ISNUMBER({f.rent}),{f.rent}*(1-{selfhost.commitment_discount}),"")',
          "rent × (1 − commitment discount)", _USD2)
    r.one("f.purchase", "purchase price", "USD/GPU",
          '=IF(ISNUMBER({selfhost.purchase_usd_per_gpu}),{selfhost.purchase_usd_per_gpu},'
          'IF(ISNUMBER({catalog.purchase_usd_per_gpu}),{catalog.purchase_usd_per_gpu}*{selfhost.purchase_price_factor},""))',
          "the scenario's price, else the catalog's × selfhost.purchase_price_factor", _USD0)
    r.one("f.server_w", "server power per GPU", "W",
          "=IF(ISNUMBER({catalog.server_power_w_per_gpu}),{catalog.server_power_w_per_gpu},"
          "{catalog.tdp_w}*{selfhost.server_power_per_tdp})",
          "the GPU's share of its server (catalog), else TDP × selfhost.server_power_per_tdp", _INT)
    r.one("f.kw", "average power per GPU, facility included", "kW",
          "={f.server_w}/1000*{selfhost.power_draw_share}*{selfhost.pue}", "server W / 1000 × draw share × PUE", _RATIO)
    buy = '{selfhost.gpu_cost_mode}="buy"'
    r.one("f.gpu_month", "GPU cost per GPU-month", "USD/GPU-month",
          f"=IF({buy},{{f.purchase}}*(1-{{horizon.resale_share}})/(12*{{selfhost.amortization_years}}),"
          f"{{f.rent_paid}}*{{convention.hours_per_month}})",
          "bought: purchase × (1 − resale share) / (12 × amortization years), straight line to the resale value; "
          "rented: rent paid × hours per month", _USD2)
    r.one("f.power_month", "power per GPU-month", "USD/GPU-month",
          f"=IF({buy},{{f.kw}}*{{convention.hours_per_month}}*{{selfhost.electricity_usd_per_kwh}},0)",
          "bought: kW × hours × USD/kWh; rented: in the rent", _USD2)
    r.one("f.hosting_month", "hosting per GPU-month", "USD/GPU-month", f"=IF({buy},{{selfhost.hosting_usd_per_gpu_month}},0)",
          "bought: colocation per GPU; rented: in the rent", _USD2)
    r.one("f.usd_per_gpu_hour", "all-in cost per GPU-hour", "USD/GPU-hour",
          "=({f.gpu_month}+{f.power_month}+{f.hosting_month})/{convention.hours_per_month}",
          "(GPU + power + hosting per GPU-month) / hours per month", _USD2)
    r.one("f.capex", "the fleet's purchase (capex)", "USD", f"=IF({buy},{{f.gpus}}*{{f.purchase}},0)",
          "bought: GPUs × purchase price, paid at month 0; rented: none", _USD0)
    r.one("f.egress_gb", "egress", "GB/month",
          "={w.requests}*{workload.output_tokens_per_request}*{selfhost.egress_bytes_per_output_token}/10^9",
          "requests × output tokens × bytes per token / 1e9", _NUM)

    r.section("Cost components of each option [USD/month]", [d.options[k].name for k in options])
    L = "{engineering.loaded_usd_per_hour}"
    first = r.row
    zero = {"api": "=0", "managed": "=0"}
    r.each("tokens_usd", "tokens", "USD/month", {"api": "={api.usd_per_request}*{w.requests}",
                                                 "managed": "={managed.usd_per_request}*{w.requests}", "selfhost": "=0"},
           "expected cost per request × requests per month", _USD0)
    r.each("gpu_usd", "GPUs", "USD/month", {**zero, "selfhost": "={f.gpus}*{f.gpu_month}"},
           "GPUs × GPU cost per GPU-month", _USD0)
    r.each("power_usd", "power", "USD/month", {**zero, "selfhost": "={f.gpus}*{f.power_month}"},
           "GPUs × power per GPU-month", _USD0)
    r.each("hosting_usd", "hosting", "USD/month", {**zero, "selfhost": "={f.gpus}*{f.hosting_month}"},
           "GPUs × hosting per GPU-month", _USD0)
    r.each("engineering_usd", "engineering", "USD/month", {k: f"={{{k}.engineering_hours_per_month}}*{L}" for k in options},
           "engineering hours per month × loaded hourly rate", _USD0)
    r.each("evaluation_usd", "evaluation", "USD/month", {k: f"={{{k}.eval_hours_per_month}}*{L}" for k in options},
           "evaluation hours per month × loaded hourly rate", _USD0)
    r.each("upgrade_usd", "upgrades", "USD/month", {**zero, "selfhost": f"={{selfhost.upgrade_hours_per_year}}/12*{L}"},
           "upgrade hours per year / 12 × loaded hourly rate", _USD0)
    r.each("egress_storage_usd", "egress and storage", "USD/month",
           {**zero, "selfhost": "={f.egress_gb}*{selfhost.egress_usd_per_gb}+{selfhost.storage_usd_per_month}"},
           "egress GB × USD/GB + storage", _USD0)
    r.each("compliance_usd", "compliance", "USD/month",
           {"api": "={api.compliance_usd_per_month}", "managed": "={managed.compliance_usd_per_month}", "selfhost": "=0"},
           "the scenario's cost of sending the data out", _USD0)
    last = r.row - 1
    r.each("option_usd", "monthly cost of the option", "USD/month",
           {k: f"=SUM({letter(col[k])}{first}:{letter(col[k])}{last})" for k in options}, "sum of the components", _USD0)
    ws.cell(r.row - 1, 1).font = st["bold"]

    if routed:
        r.section("Routed split (shares held; each destination's marginal cost on its share, its fixed costs in full)",
                  [d.options[k].name for k in options])
        r.each("share", "share of requests", "fraction of requests", {k: f"={{routed.share.{k}}}" for k in options},
               "the kit's routed split (inputs sheet)", _PCT)
        r.each("marginal", "cost that follows the requests", "USD/month",
               {"api": "={api.tokens_usd}", "managed": "={managed.tokens_usd}",
                "selfhost": "={f.egress_gb}*{selfhost.egress_usd_per_gb}"},
               "tokens for a per-token option; egress for the fleet (sized for the whole workload's peak)", _USD0)
        r.each("in_split", "its cost in the split", "USD/month",
               {k: f"=IF({{{k}.share}}>0,{{{k}.share}}*{{{k}.marginal}}+{{{k}.option_usd}}-{{{k}.marginal}},0)"
                for k in options},
               "share × marginal cost + the rest of the option's cost (fixed), when the split uses it", _USD0)
        r.one("router_usd", "router", "USD/month",
              "={w.requests}*{routing.router_usd_per_request}+{engineering.loaded_usd_per_hour}*{routing.router_hours_per_month}",
              "requests × router cost per request + router hours × loaded hourly rate", _USD0)
        r.one("routed_usd", "monthly cost of the routed split", "USD/month",
              "=SUM({api.in_split:selfhost.in_split})+{router_usd}", "the destinations' costs in the split + router", _USD0)
        ws.cell(r.row - 1, 1).font = st["bold"]

    hdr = r.section("Plans: cost, quality, eligibility", [d.options[k].name for k in plans])
    names = f"${letter(col[plans[0]])}${hdr}:${letter(col[plans[-1]])}${hdr}"
    monthly = {k: f"={{{k}.option_usd}}" for k in options} | ({"routed": "={routed_usd}"} if routed else {})
    r.each("monthly", "monthly cost of the plan", "USD/month", monthly, "the option's total; the routed split's", _USD0)
    ws.cell(r.row - 1, 1).font = st["bold"]
    r.each("usd_per_mtok", "all-in cost per million tokens", "USD/Mtok",
           {k: f"={{{k}.monthly}}/({{w.tokens}}/10^6)" for k in plans}, "monthly cost / million tokens a month", _USD2)
    r.each("plan_usd_per_request", "cost per request", "USD/request", {k: f"={{{k}.monthly}}/{{w.requests}}" for k in plans},
           "monthly cost / requests a month", _USD4)
    quality = {"api": "={q.premium}", "managed": "={q.open}", "selfhost": "={q.open}"}
    if routed:
        quality["routed"] = "={routed.quality}" if book.has("routed.quality") else "={q.floor}"
    r.each("quality", "quality", "probability of an acceptable answer", quality,
           "the premium or the open model's; the routed split's router is set where quality meets the floor", _PCT)
    permitted = {k: f"={{{k}.permitted}}" for k in options}
    if routed:
        permitted["routed"] = "=AND(" + ",".join(f"OR({{routed.share.{k}}}=0,{{{k}.permitted}})" for k in options) + ")"
    r.each("plan_permitted", "permitted", "yes/no", permitted, "<option>.permitted; the routed split: every option it uses")
    r.each("meets", "meets the quality floor", "yes/no", {k: f"={{{k}.quality}}>={{q.floor}}-10^-12" for k in plans},
           "quality ≥ floor (less 1e-12 for rounding)")
    r.each("eligible", "eligible", "yes/no", {k: f"=AND({{{k}.plan_permitted}},{{{k}.meets}})" for k in plans},
           "permitted and meets the floor")
    r.each("eligible_usd", "monthly cost if eligible", "USD/month",
           {k: f'=IF({{{k}.eligible}},{{{k}.monthly}},"not eligible")' for k in plans},
           "what the recommendation compares", _USD0)
    span = f"{{{plans[0]}.eligible_usd:{plans[-1]}.eligible_usd}}"
    r.each("is_recommended", "recommended", "", {k: f'=IF({letter(col[k])}${hdr}={{rec}},"recommended","")' for k in plans},
           "the cheapest eligible plan (Decision, below)")
    ws.cell(r.row - 1, 1).font = st["bold"]
    with_routed = lambda t: {"routed": t} if routed else {}  # noqa: E731
    r.each("capex", "capex", "USD", {**zero, "selfhost": "={f.capex}", **with_routed("=IF({routed.share.selfhost}>0,{f.capex},0)")},
           "the fleet's purchase, paid at month 0 (cash sheet)", _USD0)
    r.each("depreciation", "depreciation in the monthly cost", "USD/month",
           {**zero, "selfhost": f"=IF({buy},{{selfhost.gpu_usd}},0)",
            **with_routed(f"=IF({{routed.share.selfhost}}>0,IF({buy},{{selfhost.gpu_usd}},0),0)")},
           "bought GPUs: the straight-line share in the monthly cost (paid as capex in cash)", _USD0)
    r.each("opex", "opex", "USD/month", {k: f"={{{k}.monthly}}-{{{k}.depreciation}}" for k in plans},
           "monthly cost − depreciation", _USD0)
    r.each("pv", "present cost over the horizon (NPV of the costs)", "USD", {k: f"={{{k}.npv}}" for k in plans},
           "the cash sheet", _USD0)
    r.values("kit_monthly", "the kit's monthly cost (decision.json)", "USD/month",
             {k: d.options[k].monthly_usd for k in plans}, "values: what the report shows", _USD0)
    r.each("difference", "recalculated against the kit", "fraction",
           {k: f'=IF({{{k}.kit_monthly}}=0,"n/a",{{{k}.monthly}}/{{{k}.kit_monthly}}-1)' for k in plans},
           "0 % until an input changes", _PCT)

    r.section("Decision", ["value"])
    r.one("rec", "recommended plan (the cheapest eligible)", "",
          f'=IFERROR(INDEX({names},MATCH(MIN({span}),{span},0)),"none eligible")',
          "the plan whose monthly cost if eligible is the least")
    ws.cell(r.row - 1, 1).font = st["bold"]
    r.one("rec_usd", "its monthly cost", "USD/month", f'=IF(COUNT({span})=0,"",MIN({span}))',
          "the least monthly cost among the eligible plans", _USD0)
    r.one("runner_up", "runner-up (the next cheapest eligible)", "",
          f'=IF(COUNT({span})<2,"none",INDEX({names},MATCH(SMALL({span},2),{span},0)))', "the second least")
    r.one("savings", "savings against the runner-up", "USD/month", f'=IF(COUNT({span})<2,"",SMALL({span},2)-MIN({span}))',
          "runner-up − recommended", _USD0)
    r._label("the kit's recommended plan (decision.json)", "", "value: what the report shows")
    _put(ws, r.row, 3, d.options[d.recommended].name)
    ws.cell(r.row, 3).font = st["kit"]
    r.row += 1

    _bins_table(book, ws, r, v, {s: d.options[s].name for s in per_token})
    _widths(ws, {"A": 48, "B": 24, letter(r.how_col): 70})
    for k in plans:
        ws.column_dimensions[letter(col[k])].width = 22
    ws.freeze_panes = "C3"


def _bins_table(book: _Book, ws, r: _Rows, v, per_token: dict[str, str]) -> None:
    """The bins of the token distribution (or the mean request), and per bin the tokens each per-token option bills:
    the cached prefix (caching minimum and step), uncached input, cache reads and writes, output, each times its
    long-context factor when the bin's prompt is above the threshold. The billing rows sum them with the shares."""
    from openpyxl.utils import get_column_letter as letter

    r.row += 1
    _put(ws, r.row, 1, "Per-token billing per bin of the token distribution [tokens per request; long-context factors "
                       "applied]: the billing rows above take SUMPRODUCT with the shares")
    ws.cell(r.row, 1).font = r.st["bold"]
    r.row += 1
    _header(ws, r.row, ["bin", "input tokens", "output tokens", "share"]
            + [f"{name}: {x}" for name in per_token.values() for x in ("cached prefix", *_BILLED)], r.st)
    for c in range(1, 5 + len(per_token) * (1 + len(_BILLED))):
        ws.cell(r.row, c).alignment = r.st["wrap"]
    ws.row_dimensions[r.row].height = 45
    r.row += 1
    bins = v.get("workload.token_distribution")
    n = len(bins["share"]) if bins else 1
    raw = lambda field, j: "workload.token_distribution.%s.%d" % (field, j)  # noqa: E731  (the inputs sheet's rows)
    shares = "{%s:%s}" % (raw("share", 1), raw("share", n))

    def rescaled(field: str, j: int, mean_key: str) -> str:  # the bin times the stated mean over the bins' mean
        mean = "SUMPRODUCT(%s,{%s:%s})/SUM(%s)" % (shares, raw(field, 1), raw(field, n), shares)
        return f"={{{raw(field, j)}}}*IF({mean}>0,{{{mean_key}}}/({mean}),1)"

    for j in range(1, n + 1):
        row = r.row
        ends = ("first",) * (j == 1) + ("last",) * (j == n)
        _put(ws, row, 1, f"bin {j}" if bins else "the mean request (no token distribution)")
        if bins:
            book.formula(ws, row, 2, rescaled("input_tokens", j, "workload.input_tokens_per_request"), _TOK)
            book.formula(ws, row, 3, rescaled("output_tokens", j, "workload.output_tokens_per_request"), _TOK)
            book.formula(ws, row, 4, "={%s}/SUM(%s)" % (raw("share", j), shares), _PCT)
        else:
            book.formula(ws, row, 2, "={workload.input_tokens_per_request}", _TOK)
            book.formula(ws, row, 3, "={workload.output_tokens_per_request}", _TOK)
            book.formula(ws, row, 4, "=1", _PCT)
        for end in ends:
            book.name(f"bin.share.{end}", ws, row, 4)
        tokens_in, tokens_out = f"$B{row}", f"$C{row}"
        prefix = f"{tokens_in}*{{workload.cacheable_prefix_share}}"
        for m, s in enumerate(per_token):
            c0 = 5 + m * (1 + len(_BILLED))
            least, step = f"{{{s}.min_cacheable_prefix_tokens}}", f"MAX({{{s}.cache_step_tokens}},1)"
            above = f"{{{s}.long_context_above_tokens}}"
            factor = {which: f"IF(ISNUMBER({above}),IF({tokens_in}>{above},{{{s}.long_context_{which}_factor}},1),1)"
                      for which in ("input", "output")}
            book.formula(ws, row, c0, f"=IF({prefix}>={least},IF({step}>1,MIN({least}+INT(({prefix}-{least})/{step}"
                                      f"+10^-9)*{step},{prefix}),{prefix}),0)", _TOK)
            cached, hit = f"{letter(c0)}{row}", f"{{{s}.cache_hit_rate}}"
            billed = (f"=({tokens_in}-{cached})*{factor['input']}", f"={cached}*{hit}*{factor['input']}",
                      f"={cached}*(1-{hit})*{factor['input']}", f"={tokens_out}*{factor['output']}")
            for i, t in enumerate(billed):
                book.formula(ws, row, c0 + 1 + i, t, _TOK)
                for end in ends:
                    book.name(f"bin.{s}.{i}.{end}", ws, row, c0 + 1 + i)
        r.row += 1


# --- the cash-flow sheet ----------------------------------------------------------------------------------------

_CASH = ("capex", "opex", "resale", "cumulative cash", "discounted cash", "cumulative discounted")


def _cash_sheet(book: _Book, ws, sc: Scenario, d: Decision, costs: str, st) -> None:
    """Per plan, month 0 to `MAX_MONTHS`: capex, opex, resale at book value, cumulative and discounted cash."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.utils import get_column_letter as letter

    plans = [k for k in ("api", "managed", "selfhost", "routed") if k in d.options]
    col = {k: 3 + i for i, k in enumerate(plans)}
    r = _Rows(book, ws, col, 3 + len(plans), st)
    _put(ws, 1, 1, f"{sc.title}: cash flow and present cost of every plan over the horizon")
    ws.cell(1, 1).font = st["title"]
    _put(ws, 2, 1, f"Formulas over '{costs}' and the horizon's assumptions: capex at month 0, opex at the end of months "
                   "1 to T, the bought GPUs sold at their book value at month T; months beyond T hold zeros (grey).")
    r.section("Horizon", ["value"])
    r.one("h.months", "horizon T", "months", "={horizon.months}", "horizon.months", _INT)
    r.one("h.rate_year", "discount rate", "fraction per year", "={horizon.discount_rate_per_year}",
          "horizon.discount_rate_per_year", _PCT)
    r.one("h.rate_month", "monthly discount rate", "fraction per month", "=(1+{h.rate_year})^(1/12)-1",
          "(1 + yearly rate)^(1/12) − 1", "0.000%")
    r.one("h.life", "depreciation life", "months", "=12*{selfhost.amortization_years}", "12 × selfhost.amortization_years",
          _INT)
    r.one("h.resale", "resale value at the end of the life", "fraction of the price", "={horizon.resale_share}",
          "horizon.resale_share", _PCT)
    r.section("Per plan", [d.options[k].name for k in plans])
    r.each("cash_capex", "capex at month 0", "USD", {k: f"={{{k}.capex}}" for k in plans}, "costs sheet", _USD0)
    r.each("cash_opex", "opex each month", "USD/month", {k: f"={{{k}.opex}}" for k in plans}, "costs sheet", _USD0)
    r.each("book_end", "book value at month T (sold)", "USD",
           {k: f"={{{k}.cash_capex}}*(1-(1-{{h.resale}})*MIN({{h.months}}/{{h.life}},1))" for k in plans},
           "capex × (1 − (1 − resale share) × MIN(T / life, 1))", _USD0)
    r.each("total_cash", "cash over the horizon", "USD",
           {k: f"=INDEX({{{k}.m.3.first:{k}.m.3.last}},MIN({{h.months}},{MAX_MONTHS})+1)" for k in plans},
           "cumulative cash at month T: capex + opex × T − resale (undiscounted)", _USD0)
    r.each("npv", "present cost (NPV of the costs)", "USD", {k: f"=SUM({{{k}.m.4.first:{k}.m.4.last}})" for k in plans},
           "the discounted cash, summed", _USD0)
    ws.cell(r.row - 1, 1).font = st["bold"]
    r.values("kit_pv", "the kit's present cost (decision.json)", "USD", {k: d.options[k].pv_usd for k in plans},
             "values: what the report shows", _USD0)
    r.each("pv_difference", "recalculated against the kit", "fraction",
           {k: f'=IF({{{k}.kit_pv}}=0,"n/a",{{{k}.npv}}/{{{k}.kit_pv}}-1)' for k in plans},
           "0 % until an input changes", _PCT)

    r.row += 1
    top = r.row
    _header(ws, top, ["month", "discount factor"], st)
    _header(ws, top + 1, ["", "(1 + monthly rate)^−month"], st)
    width = len(_CASH)
    for n, k in enumerate(plans):
        c0 = 3 + n * width
        _header(ws, top, [d.options[k].name] + [""] * (width - 1), st, start=c0)
        _header(ws, top + 1, [f"{x} [USD]" for x in _CASH], st, start=c0)
    first = top + 2
    for month in range(MAX_MONTHS + 1):
        row = first + month
        _put(ws, row, 1, month)
        book.formula(ws, row, 2, f"=(1+{{h.rate_month}})^-$A{row}", "0.0000")
        for n, k in enumerate(plans):
            c0 = 3 + n * width
            c = [f"{letter(c0 + i)}{row}" for i in range(width)]
            cash = f"({c[0]}+{c[1]}+{c[2]})"
            prev = lambda i: f"{letter(c0 + i)}{row - 1}+" if month else ""  # noqa: E731
            templates = (f"=IF($A{row}=0,{{{k}.cash_capex}},0)",
                         f"=IF(AND($A{row}>0,$A{row}<={{h.months}}),{{{k}.cash_opex}},0)",
                         f"=IF($A{row}={{h.months}},-{{{k}.book_end}},0)",
                         f"={prev(3)}{cash}", f"={cash}*$B{row}", f"={prev(5)}{c[4]}")
            for i, t in enumerate(templates):
                book.formula(ws, row, c0 + i, t, _USD0)
            for i in (3, 4):  # the sums above: the undiscounted cash of the horizon and the NPV
                if month == 0:
                    book.name(f"{k}.m.{i}.first", ws, row, c0 + i)
                if month == MAX_MONTHS:
                    book.name(f"{k}.m.{i}.last", ws, row, c0 + i)
    last = first + MAX_MONTHS
    months = book.render("{h.months}", ws.title)
    ws.conditional_formatting.add(f"A{first}:{letter(2 + width * len(plans))}{last}",
                                  FormulaRule(formula=[f"$A{first}>{months}"], font=st["grey"]))
    _widths(ws, {"A": 40, "B": 22})
    for c in range(3, 3 + width * len(plans)):
        ws.column_dimensions[letter(c)].width = 17
    ws.freeze_panes = f"C{first}"


# --- the workbook -----------------------------------------------------------------------------------------------

HOW_TO = """How to use this workbook
This workbook is the report's cost model, as formulas. Each scenario (a file in params/) has three sheets:
'<scenario> inputs': every assumption the formulas use, with its value, unit, source, checked date and where it was set (params/_defaults.yaml, the scenario's file, genai-prices). Values in blue are inputs.
'<scenario> costs': every option (closed API, managed open endpoint, self-hosted) and plan (the routed split, where the scenario has one) as formulas over the inputs: the bill per request (prices, caching, batch, long-context tiers, per bin of the token distribution), the fleet (replicas from the peak, GPUs, rent or purchase, power, hosting), each cost component, quality, eligibility and the recommended plan.
'<scenario> cash': month by month over the horizon, capex, opex, resale, cumulative and discounted cash, and each plan's present cost (NPV).
To flex the model: change a blue value in an inputs sheet (a price, the volume, an hourly rate, a discount, the horizon...). Every cost, the recommended plan (the cheapest eligible, a formula: it can flip), the savings and the cash flow follow. The kit's own figures (decision.json, what the report shows) stay beside them in grey, with the difference, 0 % until you change something.
Held inputs (yellow rows): what the kit computes with models a spreadsheet cannot run: the fleet's GPU type and tensor-parallel degree (the cheapest at the peak), a replica's goodput from the capacity model (or the rescaling of a stated throughput), the GPU's catalog prices, the routed split's shares. They do not follow the other inputs: after a large change (volume, request shape, quality), run the kit again (make report) for a new fleet or split.
'summary': the kit's decision per scenario (values), and the recommended plan and its cost as this workbook recalculates them.
'Monte Carlo': the decision's confidence (the share of joint draws of every assumption with a range in which the recommended plan stays the cheapest eligible one), its draws and seed, and the assumptions that flip it, with their flip values. Values from the kit: a spreadsheet does not redraw them.
Recalculation: Excel recalculates on opening. LibreOffice does too for this file as written; after editing, or for a copy saved with values, use Data > Calculate > Recalculate Hard (or set Tools > Options > LibreOffice Calc > Formula > Recalculation on File Load to Always).
Units: USD per month unless a column or row says otherwise; fractions are shown as percentages."""


def _how_to_sheet(ws, scenarios, sheets, st) -> None:
    lines = HOW_TO.splitlines()
    _put(ws, 1, 1, lines[0])
    ws.cell(1, 1).font = st["title"]
    for i, text in enumerate(lines[1:], start=3):
        _put(ws, i, 1, text)
        ws.cell(i, 1).alignment = st["wrap"]
        ws.row_dimensions[i].height = 15 * math.ceil(len(text) / 110)  # spreadsheets do not size wrapped rows
    row = len(lines) + 3
    _header(ws, row, ["scenario", "sheets"], st)
    for sc, names in zip(scenarios, sheets):
        row += 1
        _put(ws, row, 1, sc.title)
        _put(ws, row, 2, ", ".join(names))
    _widths(ws, {"A": 120, "B": 80})


def _monte_carlo_sheet(ws, decisions, st) -> None:
    import pandas as pd

    from ._params import key_label

    _put(ws, 1, 1, "Monte Carlo and flip points: values computed by the kit (econ.decide), not recalculated here")
    ws.cell(1, 1).font = st["title"]
    _put(ws, 2, 1, "Confidence: the share of joint draws of every assumption with a stated range in which the recommended "
                   "plan stays the cheapest eligible one. A flip value: where that assumption alone, the others held, "
                   "changes the recommended plan.")
    runs = pd.DataFrame([{
        "scenario file": d.scenario, "scenario": d.title, "recommended plan": d.options[d.recommended].name,
        "confidence [fraction]": d.confidence, "draws": d.draws, "seed": d.seed,
        "runner-up": d.options[d.runner_up].name if d.runner_up else "none eligible",
        "savings against the runner-up [USD/month]": d.savings_usd_per_month,
        "warnings": " ".join(d.warnings)} for d in decisions])
    _write_frame(ws, runs, startrow=3)
    _format_frame(ws, runs, 4)
    start = 4 + len(runs) + 2
    _put(ws, start, 1, "Assumptions that flip the recommendation, nearest first")
    ws.cell(start, 1).font = st["bold"]
    flips = pd.DataFrame([{
        "scenario file": d.scenario, "assumption": f["key"], "in words": f.get("label") or key_label(f["key"]),
        "value": f["value"], "unit": f["unit"],
        "flips when it goes": f["direction"], "flip value": f["flip_value"], "flip / value": f["ratio"],
        "new recommended plan": d.options[f["new_recommended"]].name if f["new_recommended"] in d.options else "none",
        "has a range in the Monte Carlo": f["has_range"]} for d in decisions for f in d.flips],
        columns=["scenario file", "assumption", "in words", "value", "unit", "flips when it goes", "flip value", "flip / value",
                 "new recommended plan", "has a range in the Monte Carlo"])
    _write_frame(ws, flips, startrow=start)
    _format_frame(ws, flips, start + 1)
    for i, f in enumerate((f for d in decisions for f in d.flips), start=start + 2):
        for c in (4, 7):  # each value in its own unit
            ws.cell(i, c).number_format = _number_format("", f["unit"], [f["value"]])
        ws.cell(i, 8).number_format = _RATIO
    ws.freeze_panes = "A5"


def workbook_bytes(scenarios: list[Scenario], decisions: list[Decision], summary=None) -> bytes:
    """``summary.xlsx``: a how-to sheet, the summary, per scenario its inputs, costs (formulas) and cash flow
    (formulas), the Monte Carlo summary and the provenance (see the module's docstring). Reruns on the same inputs
    give the same bytes; text from scenario files is written as text (`_put`).

    Parameters
    ----------
    scenarios : list of Scenario
    decisions : list of Decision
        Each scenario's decision (`econ.decide` or ``decision.json``), in the same order.
    summary : DataFrame, optional
        `econ._report.summary_table` of the decisions (computed when omitted).

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    import hashlib

    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.workbook.properties import CalcProperties

    from ._prices import price_catalog_version
    from ._report import summary_columns, summary_table
    from ._views import provenance

    if summary is None:
        summary = summary_table(decisions)
    st = _styles()
    book = _Book()
    sha = {sc.name: hashlib.sha256(sc.file.read_bytes()).hexdigest() for sc in scenarios}
    bases = sheet_names([sc.name for sc in scenarios], taken=(*FIXED_SHEETS, "History"),
                        width=31 - 1 - max(map(len, SUFFIXES)))
    sheets = [[f"{b} {s}" for s in SUFFIXES] for b in bases]
    wb = Workbook()
    how = wb.active
    how.title = FIXED_SHEETS[0]
    _how_to_sheet(how, scenarios, sheets, st)

    ws = wb.create_sheet("summary")
    shown = summary.rename(columns=summary_columns())
    _write_frame(ws, shown)
    _format_frame(ws, shown, 1)
    extra = len(shown.columns)
    _header(ws, 1, ["recommended plan, recalculated in this workbook", "its monthly cost, recalculated [USD/month]"], st,
            start=extra + 1)
    for i, sc in enumerate(scenarios):
        book.scope = f"s{i}"
        book.formula(ws, 2 + i, extra + 1, "={rec}")
        book.formula(ws, 2 + i, extra + 2, "={rec_usd}", _USD0)
    for c in (extra + 1, extra + 2):
        ws.column_dimensions[ws.cell(1, c).column_letter].width = 30
    ws.freeze_panes = "C2"

    for i, (sc, d, (inputs, costs, cash)) in enumerate(zip(scenarios, decisions, sheets)):
        book.scope = f"s{i}"
        _inputs_sheet(book, wb.create_sheet(inputs), sc, d, sha[sc.name], st)
        _costs_sheet(book, wb.create_sheet(costs), sc, d, inputs, st)
        _cash_sheet(book, wb.create_sheet(cash), sc, d, costs, st)
    _monte_carlo_sheet(wb.create_sheet("Monte Carlo"), decisions, st)
    ws = wb.create_sheet("provenance")
    prov = pd.DataFrame({"item": ["computed with", "API price catalog", *[f"params/{sc.file.name}" for sc in scenarios]],
                         "value": [provenance(), f"genai-prices {price_catalog_version()}",
                                   *[f"sha256 {sha[sc.name]}" for sc in scenarios]]})
    _write_frame(ws, prov)
    _format_frame(ws, prov, 1)
    book.flush()
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_xlsx(buf.getvalue())


# --- recalculation ----------------------------------------------------------------------------------------------

_RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
"""A LibreOffice user profile's settings: recalculate every formula of an .xlsx or .ods file on load (0: always)."""


def soffice() -> str | None:
    """The LibreOffice executable on the PATH (``soffice`` or ``libreoffice``), or None."""
    return next((p for p in map(shutil.which, ("soffice", "libreoffice")) if p), None)


def recalculate(data: bytes, timeout_s: float = 300) -> bytes:
    """The workbook recalculated by LibreOffice headless: an ``.xlsx`` whose formulas carry their values.

    LibreOffice runs with a user profile of its own, in a temporary folder (no clash with a LibreOffice the user has
    open), set to recalculate every formula on load; ``--convert-to xlsx`` then writes the copy with the values.

    Raises
    ------
    FileNotFoundError
        LibreOffice is not installed (Debian: ``apt-get install libreoffice-calc-nogui``).
    RuntimeError
        LibreOffice wrote no file (its output is in the message).
    """
    exe = soffice()
    if exe is None:
        raise FileNotFoundError("recalculating a workbook needs LibreOffice: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory(prefix="econ-recalc-") as tmp:
        profile, src, out = Path(tmp) / "profile", Path(tmp) / "in" / "workbook.xlsx", Path(tmp) / "out"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD, encoding="utf-8")
        src.parent.mkdir()
        src.write_bytes(data)
        run = subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                              "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                             capture_output=True, text=True, timeout=timeout_s)
        result = out / "workbook.xlsx"
        if not result.is_file():
            raise RuntimeError(f"LibreOffice did not recalculate the workbook (exit code {run.returncode}): "
                               f"{(run.stderr or run.stdout).strip()}")
        return result.read_bytes()
