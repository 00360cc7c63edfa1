"""Your own usage in: provider exports, gateway logs and request traces, read, checked and billed call by call.

`read_usage` reads a log in one of the `FORMATS` (provider response bodies, the OpenAI Usage API export,
OpenRouter's activity, LiteLLM spend logs, Langfuse observations, public traces, or any table with a column
mapping) into a `UsageLog`: one row per call, or per time bucket with its request count, in normalized columns
(`COLUMNS`). Every value is checked on the way in; a refusal is a `UsageLogError` naming the file, the column,
the first offending row, the value and what is allowed. Logs are read with DuckDB, out of core: a `UsageLog`
is a checked query over the file, not the rows in memory.

`price_usage` bills every row as its provider bills it at that row's date (`econ._prices`: genai-prices with the
kit's corrections): long-context tiers per call, cache reads, 5-minute and 1-hour cache writes, reasoning as
output, batch and service-tier prices. `read_requests` turns a log into a traffic profile (memory bounded by the
number of steps), `cost_per_task` re-prices it per task under a scenario's options, and `scenario_from_log`
writes a scenario measured from it (``python -m econ scenario-from-log``).
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shutil
import tempfile
import textwrap
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS",
    "FORMATS",
    "UsageLogError",
    "UsageWarning",
    "UsageLog",
    "read_usage",
    "price_usage",
    "usage_profile",
    "read_requests",
    "read_rate_series",
    "read_profile_csv",
    "cost_per_task",
    "cost_per_task_view",
    "example_usage_log",
    "task_prices_from_scenario",
    "token_bins",
    "scenario_from_log",
]

COLUMNS = {
    "timestamp": "call time (UTC; for a bucket, its start); NaT where the log has none",
    "provider": "genai-prices provider id",
    "model": "model id as the log names it",
    "requests": "calls in the row (1 for a per-call log) [calls]",
    "input_tokens": "input tokens, cache reads and writes included [tokens]",
    "cache_read_tokens": "input tokens read from the provider's cache [tokens]",
    "cache_write_5m_tokens": "input tokens written to a 5-minute cache (or one of unstated lifetime) [tokens]",
    "cache_write_1h_tokens": "input tokens written to a 1-hour cache [tokens]",
    "output_tokens": "output tokens, reasoning included [tokens]",
    "reasoning_tokens": "reasoning (thinking) tokens, part of the output [tokens]",
    "batch": "sent through the provider's batch API",
    "service_tier": "service tier the provider reports (default, flex, priority, ...)",
    "task": "the feature or task that made the call",
    "reported_usd": "cost the log itself reports, where it does [USD]",
}
"""Normalized columns of a usage log (`UsageLog.to_frame`)."""

TOKENS = ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens",
          "reasoning_tokens")
MAX_TOKENS = 1e13
"""Largest token count a row may hold [tokens]; above it a value is refused as not a token count."""
EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
MAX_SPAN_YEARS = 10
UNITS = {"s": 1e6, "ms": 1e3, "us": 1.0, "ns": 1e-3}
"""Timestamp units: microseconds per unit."""
RELATIVE_ORIGIN = "2024-01-01"
"""Date given to time 0 of a relative trace (a Monday): a label, not a fact."""
MAX_STEPS = 5_000_000
"""Most steps a dense profile may have (about 250 MB); a longer span at a finer step is refused."""
PROFILE_COLUMNS = ["requests", "input_tokens", "cached_input_tokens", "output_tokens", "seconds"]


class UsageLogError(ValueError):
    """A usage log the kit cannot read or bill. The message names the file, the column, the first offending row,
    the value and what is allowed; the same are attributes (``file``, ``column``, ``row``, ``value``,
    ``allowed``; None where they do not apply). ``row`` counts data rows from 1 (for a CSV, the line below the
    header; for JSON lines, the line)."""

    def __init__(self, file: str, problem: str, column: str | None = None, row: int | None = None,
                 value: Any = None, allowed: str | None = None, count: int | None = None):
        self.file, self.column, self.row, self.value, self.allowed = file, column, row, value, allowed
        where = file
        if column is not None:
            where += f", column {column!r}"
        if row is not None:
            where += f", row {row:,}" + (f" (the first of {count:,} such rows)" if count and count > 1 else "")
        text = f"{where}: {problem}"
        if value is not None:
            text += f" {_show(value)}"
        if allowed:
            text += f"; expected {allowed}"
        super().__init__(text)


def _show(value) -> str:
    if value is None:
        return "(empty)"
    s = repr(value) if isinstance(value, (str, int, float, list, dict, tuple)) else str(value)
    return s if len(s) <= 80 else s[:77] + "..."


# --------------------------------------------------------------------------------------------- DuckDB plumbing
def _q(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _lit(text) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _connect(memory_limit: str | None = None, threads: int | None = None, ordered: bool = False):
    import duckdb

    con = duckdb.connect(config={"threads": 1 if ordered else int(threads or os.cpu_count() or 1),
                                 "preserve_insertion_order": ordered})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = {_lit(os.path.join(tempfile.gettempdir(), f'econ-duckdb-{os.getpid()}'))}")
    if memory_limit:
        try:
            con.execute(f"SET memory_limit = {_lit(memory_limit)}")
        except duckdb.Error:
            con.close()
            raise ValueError(f"memory_limit={memory_limit!r} is not allowed; expected a size such as '500MB' or '2GB'") from None
    try:
        con.execute("SET enable_progress_bar = false")  # nothing printed (scripts, benchmarks)
    except duckdb.Error:  # in Jupyter without ipywidgets DuckDB refuses the setting (and draws no bar)
        pass
    return con


def _duck_message(exc: Exception) -> str:
    """A DuckDB error as one plain sentence, without the SQL it quotes."""
    text = str(exc).split("\n\nLINE")[0].split("\nLINE ")[0]
    text = re.sub(r"^[A-Za-z ]*Error: ", "", text.strip())
    return " ".join(text.split("\n")[0].split())


class _duck_errors:
    """Turn a DuckDB failure while reading a checked log (out of memory, an unreadable file) into a UsageLogError."""

    def __init__(self, shown: str, memory_limit: str | None = None):
        self.shown, self.memory_limit = shown, memory_limit

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        import duckdb

        if exc is None or not isinstance(exc, duckdb.Error):
            return False
        raise _duck_error(self.shown, exc, self.memory_limit) from None


def _duck_error(shown: str, exc: Exception, memory_limit: str | None) -> UsageLogError:
    import duckdb

    text = _duck_message(exc)
    if isinstance(exc, duckdb.OutOfMemoryException) or "failed to allocate" in text or "Out of Memory" in text:
        return UsageLogError(shown, f"DuckDB ran out of memory (memory_limit={memory_limit!r}) even when spilling to disk",
                             allowed="a larger memory_limit (or none), a coarser freq, or fewer groups")
    return UsageLogError(shown, f"cannot be read: {text}")


@dataclass
class _Source:
    """Where rows come from: a file read by DuckDB, a DataFrame, or a Parquet file the kit wrote from JSON bodies."""

    shown: str
    kind: str  # csv | json | jsonl | parquet | frame
    path: str | None = None
    frame: pd.DataFrame | None = None
    varchar: bool = False
    row_column: str | None = None  # a column holding each row's number (the kit's own Parquet), else row_number()
    text_columns: tuple[str, ...] = ()  # CSV columns read as text (timestamps: the kit parses them, offsets and all)

    def table(self, con) -> str:
        if self.kind == "frame":
            con.register("frame_source", self.frame)
            return "frame_source"
        p = _lit(self.path)
        if self.kind == "csv":
            if self.varchar:
                return f"read_csv({p}, all_varchar = true)"
            if self.text_columns:
                types = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in self.text_columns)
                return f"read_csv({p}, types = {{{types}}})"
            return f"read_csv({p})"
        if self.kind == "jsonl":
            return f"read_json({p}, format = 'newline_delimited')"
        if self.kind == "json":
            return f"read_json({p}, format = 'array')"
        return f"read_parquet({p})"


def _shown(path) -> str:
    from ._params import _shown as shown

    return shown(Path(path))


def _file_kind(path: str, name: str) -> str:
    lower = re.sub(r"\.(gz|zst|zstd)$", "", name.lower())
    if lower.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    raise UsageLogError(name, "unknown file type", allowed=".csv, .jsonl/.ndjson, .json or .parquet "
                        "(optionally .gz or .zst compressed)")


def _check_text_file(path: Path, shown: str, kind: str) -> None:
    """Refuse what is not a regular file (a directory, FIFO, device or socket), an empty file, and a binary one
    named as text (DuckDB's sniffer error would name none of them)."""
    if path.is_dir():
        raise UsageLogError(shown, "is a directory", allowed=f"a {kind.upper()} file")
    if not path.is_file():  # a FIFO or a device would block or read forever
        raise UsageLogError(shown, "is not a regular file (a FIFO, device or socket)", allowed=f"a {kind.upper()} file")
    if path.stat().st_size == 0:
        raise UsageLogError(shown, "the file is empty", allowed="a header and at least one data row")
    if kind == "parquet" or path.suffix.lower() in (".gz", ".zst", ".zstd"):
        return
    with open(path, "rb") as fh:
        head = fh.read(65536)
    bad = head.find(b"\x00")
    if bad < 0:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = exc.start if exc.start < len(head) - 4 else -1  # a character cut at the end of the sample is fine
    if bad >= 0:
        raise UsageLogError(shown, f"not a UTF-8 text file (binary content at byte {bad:,}); a {kind.upper()} file "
                            "was expected from its name", allowed="a UTF-8 text file, or a .parquet file")
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if kind == "csv" and first in (b"{", b"["):  # JSON named .csv: DuckDB would split each record at its commas
        what = "JSON lines (one JSON object per line)" if first == b"{" else "JSON (an array of records)"
        ext = ".jsonl" if first == b"{" else ".json"
        raise UsageLogError(shown, f"looks like {what}, not CSV: its first line starts with {first.decode()!r}",
                            allowed=f"a CSV file with a header row of column names, or this file renamed to {ext}")


def _check_csv_header(con, src: "_Source") -> None:
    """Refuse a CSV header naming a column twice (DuckDB would rename the second and read the first silently)."""
    import duckdb

    try:
        row = con.execute(f"SELECT * FROM read_csv({_lit(src.path)}, header = false, all_varchar = true) LIMIT 1").fetchone()
    except duckdb.Error:
        return  # unreadable: _describe names the problem
    names = [(c or "").strip() for c in row or ()]
    seen: dict[str, tuple[int, str]] = {}  # names are matched ignoring case: 'Model' and 'model' are one column
    for i, name in enumerate(names, 1):
        if name and name.casefold() in seen:
            j, first = seen[name.casefold()]
            twice = f"column {name!r} twice" if first == name else f"one column twice, as {first!r} and {name!r}"
            raise UsageLogError(src.shown, f"the header names {twice}, in positions {j} and {i}, so which one holds "
                                "the values is ambiguous", allowed="each column name once in the header row "
                                "(names are matched ignoring case)")
        seen.setdefault(name.casefold(), (i, name))


def _open_source(path, shown: str | None = None) -> _Source:
    if isinstance(path, pd.DataFrame):
        if path.empty:
            raise UsageLogError("the DataFrame", "no rows", allowed="at least one row")
        dup = [str(c) for c in path.columns[path.columns.duplicated()]]
        if dup:
            at = [i + 1 for i, c in enumerate(path.columns) if str(c) == dup[0]]
            raise UsageLogError("the DataFrame", f"has column {dup[0]!r} twice, as columns {at[0]} and {at[1]}, so "
                                "which one holds the values is ambiguous", allowed="each column name once")
        return _Source("the DataFrame", "frame", frame=path)
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise UsageLogError(f"log={repr(path)[:80]}", "is not a usage log", allowed="a file path or glob (str or Path, e.g. "
                            "'logs/usage.csv' or 'logs/*.jsonl'), a pandas DataFrame, or a UsageLog from read_usage")
    p = Path(path)
    shown = shown or _shown(p)
    if not p.exists() and any(c in str(p) for c in "*?["):  # a glob: DuckDB reads every match as one log
        matches = sorted(p.parent.glob(p.name))
        if not matches:
            raise UsageLogError(shown, "no file matches the pattern")
        kind = _file_kind(str(p), p.name)
        _check_text_file(matches[0], _shown(matches[0]), kind)
        return _Source(shown, kind, path=str(p))
    if not p.exists():
        raise UsageLogError(shown, "no such file")
    kind = _file_kind(str(p), p.name)
    _check_text_file(p, shown, kind)
    return _Source(shown, kind, path=str(p))


def _describe(con, src: _Source) -> dict[str, str]:
    import duckdb

    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {src.table(con)}").fetchall()
    except duckdb.Error as exc:
        what = {"csv": "CSV", "jsonl": "JSON lines", "json": "JSON", "parquet": "Parquet"}.get(src.kind, src.kind)
        raise UsageLogError(src.shown, f"cannot be read as {what}: {_duck_message(exc)}",
                            allowed=f"a {what} file with a header row of column names" if what == "CSV" else None) from None
    return {r[0]: str(r[1]).upper() for r in rows}


# --------------------------------------------------------------------------------------------- formats
@dataclass(frozen=True)
class Field:
    """One value a format reads: ``kind`` token | count | timestamp | text | bool | usd; ``paths``: candidate
    columns or dotted paths into nested JSON (the first present is used)."""

    key: str
    kind: str
    paths: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class Format:
    """How one kind of log maps onto the normalized columns (`COLUMNS`)."""

    name: str
    description: str
    fields: tuple[Field, ...] = ()
    norm: Mapping[str, str] = field(default_factory=dict)  # normalized column -> SQL over {field} placeholders
    checks: tuple[tuple[str, str, str], ...] = ()  # (SQL condition of a bad row, its fields, what is wrong)
    provider: str | None = None
    timestamp_unit: str = "s"
    relative: bool = False
    bucketed: bool = False
    where: str | None = None  # SQL filter over {field} placeholders: rows that are not provider calls
    lines: Callable | None = None  # parser of JSON bodies: (records, format) -> normalized rows
    flavor: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)  # field -> name shown in messages


def _f(key, kind, *paths, required=False):
    return Field(key, kind, tuple(paths), required)


_COMMON = (_f("timestamp", "timestamp"), _f("model", "text", "model"), _f("provider", "text", "provider"),
           _f("task", "text", "task"), _f("batch", "bool", "batch"), _f("service_tier", "text", "service_tier"))

_OPENAI_NORM = {"input_tokens": "{input}", "cache_read_tokens": "{cached}", "cache_write_5m_tokens": "{cache_write}",
                "cache_write_1h_tokens": "0", "output_tokens": "{output}", "reasoning_tokens": "{reasoning}"}
_OPENAI_CHECKS = (("{cached} + {cache_write} > {input}", "cached cache_write input",
                   "more cached and cache-write tokens than input tokens (they are part of the input)"),
                  ("{reasoning} > {output}", "reasoning output",
                   "more reasoning tokens than output tokens (they are part of the output)"))


def _usage_paths(*names):
    return tuple(x for n in names for x in (n, f"usage.{n}"))


_ANTHROPIC_FIELDS = (
    _f("input", "token", *_usage_paths("input_tokens"), required=True),
    _f("read", "token", *_usage_paths("cache_read_input_tokens")),
    _f("creation", "token", *_usage_paths("cache_creation_input_tokens")),
    _f("e5", "token", *_usage_paths("cache_creation.ephemeral_5m_input_tokens", "ephemeral_5m_input_tokens")),
    _f("e1h", "token", *_usage_paths("cache_creation.ephemeral_1h_input_tokens", "ephemeral_1h_input_tokens")),
    _f("output", "token", *_usage_paths("output_tokens"), required=True),
    _f("thinking", "token", *_usage_paths("output_tokens_details.thinking_tokens", "thinking_tokens")),
    _f("timestamp", "timestamp", "timestamp", "created_at", "startTime", "date"),
    _f("model", "text", "model"), _f("provider", "text", "provider"), _f("task", "text", "task"),
    _f("batch", "bool", "batch"), _f("service_tier", "text", *_usage_paths("service_tier")),
)
_CREATION = "coalesce({creation}, {e5} + {e1h})"

FORMATS: dict[str, Format] = {}


def _register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


# The JSON-body parsers are defined below; the table formats first.
_register(Format(
    "generic", "any table (CSV, JSON lines, Parquet, DataFrame): one row per call, columns named by `columns=` "
    "(dotted paths into nested JSON allowed); input includes cached tokens, output includes reasoning",
    fields=(_f("timestamp", "timestamp", "timestamp"), _f("input_tokens", "token", "input_tokens", required=True),
            _f("output_tokens", "token", "output_tokens", required=True),
            _f("cache_read_tokens", "token", "cache_read_tokens", "cached_input_tokens"),
            _f("cache_write_5m_tokens", "token", "cache_write_5m_tokens", "cache_write_tokens"),
            _f("cache_write_1h_tokens", "token", "cache_write_1h_tokens"),
            _f("reasoning_tokens", "token", "reasoning_tokens"), _f("requests", "count", "requests"),
            _f("reported_usd", "usd", "reported_usd"), *_COMMON[1:]),
    norm={k: "{" + k + "}" for k in TOKENS},
    checks=(("{cache_read_tokens} + {cache_write_5m_tokens} + {cache_write_1h_tokens} > {input_tokens}",
             "cache_read_tokens cache_write_5m_tokens cache_write_1h_tokens input_tokens",
             "more cached and cache-write tokens than input tokens (they are part of the input)"),
            ("{reasoning_tokens} > {output_tokens}", "reasoning_tokens output_tokens",
             "more reasoning tokens than output tokens (they are part of the output)"))))

_register(Format(
    "anthropic", "Anthropic Messages API response bodies, one JSON per line (also Message Batches results), or a "
    "table of their usage fields; input_tokens excludes cache reads and writes, which are added to it",
    fields=_ANTHROPIC_FIELDS,
    norm={"input_tokens": "{input} + {read} + " + _CREATION, "cache_read_tokens": "{read}",
          "cache_write_5m_tokens": _CREATION + " - {e1h}", "cache_write_1h_tokens": "{e1h}",
          "output_tokens": "{output}", "reasoning_tokens": "{thinking}"},
    checks=(("{e1h} > " + _CREATION, "e1h creation e5",
             "more 1-hour cache-write tokens than cache-write tokens (they are part of them)"),
            ("{thinking} > {output}", "thinking output",
             "more thinking tokens than output tokens (output_tokens includes thinking)")),
    provider="anthropic"))

_register(Format(
    "openai", "OpenAI Chat Completions response bodies, one JSON per line (also Batch API output lines), or a "
    "table of their usage fields; prompt_tokens includes cached tokens, completion_tokens includes reasoning",
    fields=(_f("input", "token", *_usage_paths("prompt_tokens"), required=True),
            _f("cached", "token", *_usage_paths("prompt_tokens_details.cached_tokens", "cached_tokens")),
            _f("cache_write", "token", *_usage_paths("prompt_tokens_details.cache_write_tokens", "cache_write_tokens")),
            _f("output", "token", *_usage_paths("completion_tokens"), required=True),
            _f("reasoning", "token", *_usage_paths("completion_tokens_details.reasoning_tokens", "reasoning_tokens")),
            _f("timestamp", "timestamp", "created", "timestamp"), *_COMMON[1:]),
    norm=_OPENAI_NORM, checks=_OPENAI_CHECKS, provider="openai", flavor="chat"))

_register(Format(
    "openai-responses", "OpenAI Responses API response bodies, one JSON per line, or a table of their usage fields",
    fields=(_f("input", "token", *_usage_paths("input_tokens"), required=True),
            _f("cached", "token", *_usage_paths("input_tokens_details.cached_tokens", "cached_tokens")),
            _f("cache_write", "token", *_usage_paths("input_tokens_details.cache_write_tokens", "cache_write_tokens")),
            _f("output", "token", *_usage_paths("output_tokens"), required=True),
            _f("reasoning", "token", *_usage_paths("output_tokens_details.reasoning_tokens", "reasoning_tokens")),
            _f("timestamp", "timestamp", "created_at", "timestamp"), *_COMMON[1:]),
    norm=_OPENAI_NORM, checks=_OPENAI_CHECKS, provider="openai", flavor="responses"))

_register(Format(
    "gemini", "Gemini generateContent response bodies (usageMetadata), one JSON per line (also batch results), or "
    "a table of their fields; thoughts and tool-use prompt tokens are added to output and input",
    fields=(_f("prompt", "token", "usageMetadata.promptTokenCount", "promptTokenCount", required=True),
            _f("cached", "token", "usageMetadata.cachedContentTokenCount", "cachedContentTokenCount"),
            _f("tool", "token", "usageMetadata.toolUsePromptTokenCount", "toolUsePromptTokenCount"),
            _f("candidates", "token", "usageMetadata.candidatesTokenCount", "candidatesTokenCount"),
            _f("thoughts", "token", "usageMetadata.thoughtsTokenCount", "thoughtsTokenCount"),
            _f("timestamp", "timestamp", "createTime", "timestamp"), _f("model", "text", "modelVersion", "model"),
            *_COMMON[2:]),
    norm={"input_tokens": "{prompt} + {tool}", "cache_read_tokens": "{cached}", "cache_write_5m_tokens": "0",
          "cache_write_1h_tokens": "0", "output_tokens": "{candidates} + {thoughts}", "reasoning_tokens": "{thoughts}"},
    checks=(("{cached} > {prompt}", "cached prompt",
             "more cached tokens than prompt tokens (promptTokenCount includes the cached content)"),),
    provider="google"))

_register(Format(
    "openai-usage-api", "OpenAI organization Usage API (completions): time buckets with num_model_requests, as "
    "the JSON pages the API returns or a table of their results (start_time in Unix seconds)",
    fields=(_f("timestamp", "timestamp", "start_time", required=True),
            _f("input", "token", "input_tokens", required=True), _f("cached", "token", "input_cached_tokens"),
            _f("cache_write", "token", "input_cache_write_tokens"), _f("output", "token", "output_tokens", required=True),
            _f("requests", "count", "num_model_requests", required=True), _f("model", "text", "model"),
            _f("batch", "bool", "batch"), _f("service_tier", "text", "service_tier"),
            _f("task", "text", "task", "project_id"), _f("provider", "text", "provider")),
    norm={**_OPENAI_NORM, "reasoning_tokens": "0"}, checks=_OPENAI_CHECKS[:1], provider="openai", bucketed=True))

_register(Format(
    "openrouter", "OpenRouter activity (GET /api/v1/activity): daily buckets per model with a request count, "
    "as the JSON the API returns or a table; usage (USD) is kept as reported_usd",
    fields=(_f("timestamp", "timestamp", "date", required=True), _f("model", "text", "model", required=True),
            _f("requests", "count", "requests", required=True), _f("input", "token", "prompt_tokens", required=True),
            _f("output", "token", "completion_tokens", required=True), _f("reasoning", "token", "reasoning_tokens"),
            _f("reported_usd", "usd", "usage"), _f("task", "text", "task"), _f("provider", "text", "provider")),
    norm={"input_tokens": "{input}", "cache_read_tokens": "0", "cache_write_5m_tokens": "0", "cache_write_1h_tokens": "0",
          "output_tokens": "{output}", "reasoning_tokens": "{reasoning}"},
    checks=(_OPENAI_CHECKS[1],), provider="openrouter", bucketed=True))

_register(Format(
    "litellm", "LiteLLM proxy spend logs (LiteLLM_SpendLogs rows, as CSV, JSON lines or Parquet): one row per "
    "request; cached and reasoning tokens from metadata.usage_object; rows served by LiteLLM's own cache are skipped",
    fields=(_f("timestamp", "timestamp", "startTime", required=True), _f("model", "text", "model", required=True),
            _f("provider", "text", "custom_llm_provider"), _f("input", "token", "prompt_tokens", required=True),
            _f("output", "token", "completion_tokens", required=True),
            _f("cached", "token", "metadata.usage_object.prompt_tokens_details.cached_tokens",
               "metadata.usage_object.cache_read_input_tokens"),
            _f("cache_write", "token", "metadata.usage_object.cache_creation_input_tokens",
               "metadata.usage_object.prompt_tokens_details.cache_write_tokens"),
            _f("reasoning", "token", "metadata.usage_object.completion_tokens_details.reasoning_tokens"),
            _f("reported_usd", "usd", "spend"), _f("task", "text", "task", "request_tags"),
            _f("cache_hit", "text", "cache_hit")),
    norm=_OPENAI_NORM, checks=_OPENAI_CHECKS, where="coalesce(lower({cache_hit}), '') NOT IN ('true', '1')"))

_register(Format(
    "azure", "Azure LLM inference traces (Azure/AzurePublicDataset 2023-2025): TIMESTAMP, ContextTokens, "
    "GeneratedTokens; timestamps carry no zone and are read as UTC",
    fields=(_f("timestamp", "timestamp", "TIMESTAMP", required=True), _f("input", "token", "ContextTokens", required=True),
            _f("output", "token", "GeneratedTokens", required=True), _f("task", "text", "task")),
    norm={"input_tokens": "{input}", "cache_read_tokens": "0", "cache_write_5m_tokens": "0", "cache_write_1h_tokens": "0",
          "output_tokens": "{output}", "reasoning_tokens": "0"}))

_register(Format(
    "burstgpt", "BurstGPT trace (HPMLL/BurstGPT): Timestamp in seconds from the start, Model (ChatGPT is "
    "gpt-3.5-turbo, GPT-4 is gpt-4), Request tokens, Response tokens",
    fields=(_f("timestamp", "timestamp", "Timestamp", required=True), _f("model", "text", "Model"),
            _f("input", "token", "Request tokens", required=True), _f("output", "token", "Response tokens", required=True),
            _f("task", "text", "Log Type")),
    norm={"input_tokens": "{input}", "cache_read_tokens": "0", "cache_write_5m_tokens": "0", "cache_write_1h_tokens": "0",
          "output_tokens": "{output}", "reasoning_tokens": "0",
          "model": "CASE lower({model}) WHEN 'chatgpt' THEN 'gpt-3.5-turbo' WHEN 'gpt-4' THEN 'gpt-4' ELSE {model} END"},
    provider="openai", relative=True))

_register(Format(
    "mooncake", "Mooncake trace JSON lines (kvcache-ai/Mooncake): timestamp in milliseconds from the first "
    "request, input_length, output_length",
    fields=(_f("timestamp", "timestamp", "timestamp", required=True), _f("input", "token", "input_length", required=True),
            _f("output", "token", "output_length", required=True), _f("task", "text", "task")),
    norm={"input_tokens": "{input}", "cache_read_tokens": "0", "cache_write_5m_tokens": "0", "cache_write_1h_tokens": "0",
          "output_tokens": "{output}", "reasoning_tokens": "0"},
    timestamp_unit="ms", relative=True))


# --------------------------------------------------------------------------------------------- JSON-body formats
def _records(src: _Source) -> Iterator[tuple[int, Any]]:
    """(line or item number, parsed JSON) of a JSON lines file, a JSON array, or an API page ``{"data": [...]}``."""
    path = Path(src.path)
    opener = open
    if path.suffix == ".gz":
        import gzip
        opener = gzip.open
    if src.kind == "json":
        with opener(path, "rt", encoding="utf-8") as fh:
            try:
                doc = json.load(fh)
            except json.JSONDecodeError as exc:
                raise UsageLogError(src.shown, f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
        items = doc if isinstance(doc, list) else doc.get("data") if isinstance(doc, dict) and "data" in doc else [doc]
        if not isinstance(items, list):
            raise UsageLogError(src.shown, "a JSON document without a list of records",
                                allowed="a JSON array, an API page {\"data\": [...]}, or JSON lines")
        yield from enumerate(items, 1)
        return
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageLogError(src.shown, f"line {n} is not valid JSON ({exc.msg}, column {exc.colno})",
                                    row=None) from None


def _unwrap(rec: Any) -> tuple[Any, bool, Any]:
    """A response body out of a batch-results line (OpenAI ``response.body``, Anthropic ``result.message``,
    Gemini ``response``): (body, batch, outer record)."""
    if isinstance(rec, dict):
        resp = rec.get("response")
        if isinstance(resp, dict) and isinstance(resp.get("body"), dict):  # OpenAI Batch API output
            return resp["body"], True, rec
        res = rec.get("result")
        if isinstance(res, dict) and isinstance(res.get("message"), dict):  # Anthropic Message Batches results
            return res["message"], True, rec
        if "custom_id" not in rec and "key" in rec and isinstance(resp, dict):  # Gemini batch output
            return resp, True, rec
    return rec, False, rec


_BODY_LABELS = {
    "openai": {"input_tokens": "usage.prompt_tokens", "cache_read_tokens": "usage.prompt_tokens_details.cached_tokens",
               "cache_write_5m_tokens": "usage.prompt_tokens_details.cache_write_tokens",
               "output_tokens": "usage.completion_tokens",
               "reasoning_tokens": "usage.completion_tokens_details.reasoning_tokens", "timestamp": "created"},
    "openai-responses": {"input_tokens": "usage.input_tokens", "cache_read_tokens": "usage.input_tokens_details.cached_tokens",
                         "output_tokens": "usage.output_tokens",
                         "reasoning_tokens": "usage.output_tokens_details.reasoning_tokens", "timestamp": "created_at"},
    "anthropic": {"input_tokens": "usage.input_tokens", "cache_read_tokens": "usage.cache_read_input_tokens",
                  "cache_write_5m_tokens": "usage.cache_creation_input_tokens",
                  "cache_write_1h_tokens": "usage.cache_creation.ephemeral_1h_input_tokens",
                  "output_tokens": "usage.output_tokens", "timestamp": "timestamp"},
    "gemini": {"input_tokens": "usageMetadata.promptTokenCount", "cache_read_tokens": "usageMetadata.cachedContentTokenCount",
               "output_tokens": "usageMetadata.candidatesTokenCount", "reasoning_tokens": "usageMetadata.thoughtsTokenCount",
               "timestamp": "createTime"},
}
_TIME_KEYS = {"openai": ("created", "timestamp"), "openai-responses": ("created_at", "timestamp"),
              "anthropic": ("timestamp", "created_at"), "gemini": ("createTime", "timestamp")}


def _dig(rec: Any, path: str | None) -> Any:
    if path is None:
        return None
    cur = rec
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _body_rows(src: _Source, fmt: Format, task: str | None, extra: Mapping[str, str]) -> Iterator[dict]:
    """Normalized rows of provider response bodies, parsed by genai-prices' `extract_usage`."""
    from genai_prices import extract_usage

    provider = fmt.provider
    for n, rec in _records(src):
        body, batch, outer = _unwrap(rec)
        if not isinstance(body, dict):
            raise UsageLogError(src.shown, f"line {n} is not a JSON object", row=n, allowed="one response body per line")
        if body.get("type") == "error" or ("error" in body and "usage" not in body and "usageMetadata" not in body):
            continue  # a failed call: no usage, nothing billed
        try:
            usage = extract_usage(body, provider_id=provider, **({"api_flavor": fmt.flavor} if fmt.flavor else {})).usage
        except LookupError:  # a model genai-prices does not know: the usage is still read, priced later
            usage = _extract_without_model(body, provider, fmt.flavor)
        except ValueError as exc:
            msg = str(exc)
            m = re.search(r"`([^`]+)`", msg)
            raise UsageLogError(src.shown, msg.rstrip("."), column=m.group(1) if m else None, row=n,
                                allowed=f"a {fmt.name} response body with its usage") from None
        u = usage.__dict__
        stamp = next((outer.get(k, body.get(k)) for k in (extra.get("timestamp"),) + _TIME_KEYS[fmt.name]
                      if k and (outer.get(k) is not None or body.get(k) is not None)), None)
        tier = body.get("service_tier") or _dig(body, "usage.service_tier")
        writes = int(u.get("cache_write_tokens", 0) or 0)
        w1h = int(u.get("cache_write_1h_tokens", 0) or 0)
        yield {
            "_row": n, "timestamp": None if stamp is None else str(stamp), "provider": provider,
            "model": body.get("modelVersion") if fmt.name == "gemini" else body.get("model"),
            "requests": 1, "input_tokens": int(u.get("input_tokens", 0) or 0),
            "cache_read_tokens": int(u.get("cache_read_tokens", 0) or 0),
            "cache_write_5m_tokens": writes - w1h, "cache_write_1h_tokens": w1h,
            "output_tokens": int(u.get("output_tokens", 0) or 0),
            "reasoning_tokens": int(u.get("output_reasoning_tokens", 0) or 0),
            "batch": batch or tier == "batch", "service_tier": None if tier in (None, "batch") else str(tier),
            "task": None if task is None else _text(_dig(outer, task) if _dig(outer, task) is not None else _dig(body, task)),
            "reported_usd": None,
        }


def _extract_without_model(body: dict, provider: str, flavor: str | None):
    from genai_prices import data_snapshot

    snap = data_snapshot.get_snapshot()
    prov = snap.find_provider(None, provider, None)
    return prov.extract_usage({k: v for k, v in body.items() if k not in ("model", "modelVersion")},
                              api_flavor=flavor or "default")[1]


def _text(x) -> str | None:
    if x is None:
        return None
    return x if isinstance(x, str) else json.dumps(x)


def _langfuse_rows(src: _Source, fmt: Format, task: str | None, extra: Mapping[str, str]) -> Iterator[dict]:
    """Langfuse observations: usageDetails keys on top of ``input``/``output`` (Langfuse subtracts cached and
    reasoning from them at ingestion), so input = every key with "input" in it, output likewise."""
    for n, rec in _records(src):
        if not isinstance(rec, dict):
            raise UsageLogError(src.shown, f"record {n} is not a JSON object", row=n, allowed="one observation per record")
        if rec.get("type", "GENERATION") != "GENERATION":
            continue
        details = rec.get("usageDetails")
        if details is None and isinstance(rec.get("usage"), dict):
            details = {k: rec["usage"].get(k) for k in ("input", "output")}
        if not isinstance(details, dict):
            raise UsageLogError(src.shown, "no usageDetails", column="usageDetails", row=n, value=details,
                                allowed="a mapping of usage types to token counts")
        for k, v in details.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v != int(v)):
                raise UsageLogError(src.shown, "not a token count:", column=f"usageDetails.{k}", row=n, value=v,
                                    allowed="a whole number >= 0")
        d = {k.lower(): int(v or 0) for k, v in details.items()}
        inp = sum(v for k, v in d.items() if "input" in k or k.startswith("cache_"))
        out = sum(v for k, v in d.items() if "output" in k)
        read = sum(v for k, v in d.items() if ("cache" in k and "read" in k) or k == "input_cached_tokens")
        w1h = sum(v for k, v in d.items() if ("cache_creation" in k or "cache_write" in k) and "1h" in k)
        write = sum(v for k, v in d.items() if ("cache_creation" in k or "cache_write" in k) and "5m" not in k
                    and "1h" not in k) or sum(v for k, v in d.items() if "5m" in k) + w1h
        cost = rec.get("costDetails", {}).get("total") if isinstance(rec.get("costDetails"), dict) else rec.get("calculatedTotalCost")
        yield {"_row": n, "timestamp": _text(rec.get(extra.get("timestamp") or "startTime")), "provider": None,
               "model": rec.get("model"), "requests": 1, "input_tokens": inp, "cache_read_tokens": read,
               "cache_write_5m_tokens": write - w1h, "cache_write_1h_tokens": w1h, "output_tokens": out,
               "reasoning_tokens": sum(v for k, v in d.items() if "reasoning" in k), "batch": False,
               "service_tier": None, "task": _text(_dig(rec, task or "name")), "reported_usd": cost}


def _vllm_rows(src: _Source, fmt: Format, task: str | None, extra: Mapping[str, str]) -> Iterator[dict]:
    """vLLM benchmark results (``vllm bench serve --save-detailed``): one row per request from ``input_lens``,
    ``output_lens`` and ``start_times`` (seconds, relative to the first request)."""
    for n, rec in _records(src):
        lens_in, lens_out = rec.get("input_lens"), rec.get("output_lens")
        if not isinstance(lens_in, list) or not isinstance(lens_out, list) or len(lens_in) != len(lens_out):
            raise UsageLogError(src.shown, "no per-request input_lens and output_lens of equal length (run the "
                                "benchmark with --save-detailed)", column="input_lens", row=n,
                                allowed="lists of token counts, one per request")
        starts = rec.get("start_times")
        if isinstance(starts, list) and len(starts) == len(lens_in) and starts:
            t0 = min(s for s in starts if s is not None)
            stamps = [None if s is None else repr(float(s) - t0) for s in starts]
        else:
            stamps = [None] * len(lens_in)
        errors = rec.get("errors") or [""] * len(lens_in)
        for j, (i, o, t) in enumerate(zip(lens_in, lens_out, stamps)):
            if j < len(errors) and errors[j]:
                continue  # a failed request
            yield {"_row": n, "timestamp": t, "provider": None, "model": rec.get("model_id"), "requests": 1,
                   "input_tokens": i, "cache_read_tokens": 0, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0,
                   "output_tokens": o, "reasoning_tokens": 0, "batch": False, "service_tier": None,
                   "task": rec.get("label"), "reported_usd": None}


def _usage_api_rows(src: _Source, fmt: Format, task: str | None, extra: Mapping[str, str]) -> Iterator[dict]:
    """OpenAI Usage API pages: ``data[]`` buckets with ``results[]``; each result becomes a row with its bucket's
    start_time (only used when the file is the API's JSON, not a table)."""
    for n, bucket in _records(src):
        results = bucket.get("results") if isinstance(bucket, dict) else None
        if results is None:
            raise UsageLogError(src.shown, "not a Usage API bucket (no results)", column="results", row=n,
                                allowed='{"start_time": ..., "results": [...]} buckets')
        for r in results:
            yield {"_row": n, "start_time": bucket.get("start_time"), **{k: r.get(k) for k in (
                "input_tokens", "input_cached_tokens", "input_cache_write_tokens", "output_tokens", "num_model_requests",
                "model", "batch", "service_tier", "project_id")}}


_register(Format("langfuse", "Langfuse observations export (GET /api/public/observations), JSON or JSON lines: "
                 "GENERATION observations, usageDetails and costDetails.total; the generation name is the task",
                 lines=_langfuse_rows))
_register(Format("vllm-bench", "vLLM benchmark result JSON (vllm bench serve --save-detailed): per-request "
                 "input_lens, output_lens and start_times", lines=_vllm_rows, relative=True))
for _name in ("openai", "openai-responses", "anthropic", "gemini"):
    FORMATS[_name] = Format(**{**FORMATS[_name].__dict__, "lines": _body_rows})

_NORMALIZED_FIELDS = (
    _f("timestamp", "timestamp", "timestamp"), _f("provider", "text", "provider"), _f("model", "text", "model"),
    _f("requests", "count", "requests"), *(_f(k, "token", k) for k in TOKENS), _f("batch", "bool", "batch"),
    _f("service_tier", "text", "service_tier"), _f("task", "text", "task"), _f("reported_usd", "usd", "reported_usd"))


def _format(name: str) -> Format:
    fmt = FORMATS.get(str(name))
    if fmt is None:
        close = difflib.get_close_matches(str(name), list(FORMATS), n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UsageLogError(f"format={name!r}", f"unknown format.{hint}", allowed="one of " + ", ".join(FORMATS))
    return fmt


# --------------------------------------------------------------------------------------------- resolving fields
_KIND_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
               "FLOAT", "DOUBLE", "REAL", "UHUGEINT"}


def _is_numeric(t: str) -> bool:
    return t in _KIND_TYPES or t.startswith("DECIMAL")


def _resolve_path(con, table: str, present: dict[str, str], path: str) -> tuple[str, str] | None:
    """SQL expression and type of a column or dotted path (case-insensitive), or None when absent."""
    import duckdb

    lower = {c.lower(): c for c in present}
    if path in present or path.lower() in lower:
        col = path if path in present else lower[path.lower()]
        return _q(col), present[col]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        col = head if head in present else lower.get(head.lower())
        if col is None:
            continue
        rest = parts[cut:]
        kind = present[col]
        if kind.startswith(("VARCHAR", "JSON")):
            expr = f"json_extract_string({_q(col)}, {_lit('$.' + '.'.join(rest))})"
        else:
            expr = _q(col) + "".join("." + _q(p) for p in rest)
        try:
            t = con.execute(f"DESCRIBE SELECT {expr} FROM {table}").fetchall()[0][1]
        except duckdb.Error:
            return None
        return expr, str(t).upper()
    return None


def _flatten_columns(present: dict[str, str]) -> list[str]:
    """Column names and the dotted paths inside struct columns, for messages."""
    out = []
    for name, kind in present.items():
        out.append(name)
        if kind.startswith("STRUCT("):
            out.extend(f"{name}.{m}" for m in re.findall(r"(?:STRUCT\(|, )\"?([A-Za-z_][\w]*)\"? ", kind))
    return out


# --------------------------------------------------------------------------------------------- reading
@dataclass
class _Plan:
    """The checked query of a log: SQL expressions of every normalized column over the source."""

    src: _Source
    fmt: Format
    exprs: dict[str, str]  # field key -> typed SQL expression (NULL when absent)
    raw: dict[str, tuple[str, str]]  # field key -> (raw SQL expression, DuckDB type) when present
    labels: dict[str, str]  # field key -> column name shown in messages
    norm: dict[str, str]  # normalized column -> SQL
    where: str | None


def _typed(kind: str, raw: str, t: str) -> str:
    if kind in ("token", "count", "usd"):
        return f"CAST({raw} AS DOUBLE)" if _is_numeric(t) else f"TRY_CAST(NULLIF(trim(CAST({raw} AS VARCHAR)), '') AS DOUBLE)"
    if kind == "bool":
        return raw if t == "BOOLEAN" else f"TRY_CAST(NULLIF(trim(CAST({raw} AS VARCHAR)), '') AS BOOLEAN)"
    if kind == "text":
        return raw if t.startswith("VARCHAR") else f"CAST({raw} AS VARCHAR)"
    return raw


def _present(raw: str, t: str) -> str:
    return f"({raw}) IS NOT NULL" if not t.startswith("VARCHAR") else f"NULLIF(trim({raw}), '') IS NOT NULL"


def _plan(con, src: _Source, fmt: Format, columns: Mapping[str, str], task: str | None) -> _Plan:
    table = src.table(con)
    present = _describe(con, src)
    if all(re.fullmatch(r"column\d+", c) for c in present) and src.kind == "csv":
        raise UsageLogError(src.shown, "no header row of column names (or only a header and no data)",
                            allowed="a header row of column names and at least one data row")
    if src.kind == "csv":
        _check_csv_header(con, src)
    fields = list(fmt.fields)
    if task is not None:
        fields = [f for f in fields if f.key != "task"] + [_f("task", "text", task, required=True)]
    unknown = set(columns) - {f.key for f in fields}
    if unknown:
        raise UsageLogError(src.shown, f"columns= names unknown field(s) {sorted(unknown)} for format {fmt.name!r}",
                            allowed="keys among " + ", ".join(f.key for f in fields))
    exprs, raw, labels = {}, {}, {}
    for f in fields:
        paths = (columns[f.key],) if f.key in columns else f.paths
        hits = [(p, r) for p in paths if (r := _resolve_path(con, table, present, p))]
        found = hits[0][1] if hits else None
        if len(hits) > 1:  # alternatives (e.g. two JSON paths in one metadata column): the first present per row
            numeric = all(_is_numeric(t) for _, (_, t) in hits)
            found = (f"coalesce({', '.join(r if numeric else f'CAST({r} AS VARCHAR)' for _, (r, _) in hits)})",
                     "DOUBLE" if numeric else "VARCHAR")
        if hits:
            labels[f.key] = fmt.labels.get(f.key, hits[0][0])
        if found is None:
            if f.required or f.key in columns:
                shown = _flatten_columns(present)
                close = difflib.get_close_matches(paths[0], shown, n=1, cutoff=0.5)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                given = f" (given as {f.key}=)" if f.key in columns or fmt.name == "generic" else ""
                raise UsageLogError(src.shown, f"no column {paths[0]!r}{given}; the columns are "
                                    f"{', '.join(repr(c) for c in shown[:40])}.{hint}")
            exprs[f.key] = "NULL"
            labels[f.key] = f.paths[0] if f.paths else f.key
            continue
        raw[f.key] = found
        exprs[f.key] = _typed(f.kind, *found)
    return _Plan(src, fmt, exprs, raw, labels, {}, None)


def _kind(plan: _Plan, key: str) -> str:
    return next((f.kind for f in plan.fmt.fields if f.key == key), "text")


def _ph(plan: _Plan, key: str) -> str:
    """A validated field as SQL: numbers 0 where the log leaves them empty, text as it is."""
    if key not in plan.exprs:
        return "0"
    return f"coalesce({plan.exprs[key]}, 0)" if _kind(plan, key) in ("token", "count", "usd") else plan.exprs[key]


def _fill(template: str, plan: _Plan, labels: bool = False) -> str:
    return template.format(**{k: (plan.labels.get(k, k) if labels else _ph(plan, k)) for k in plan.exprs})


@dataclass
class _Meta:
    rows: int = 0
    requests: int = 0
    t0_us: int | None = None
    t1_us: int | None = None
    timestamps: bool = False


def _check(con, plan: _Plan, timestamp_unit: str, relative: bool, origin_us: int) -> tuple[str, _Meta, pd.DataFrame]:
    """One pass over the log, grouped by provider, model, batch and service tier, counting every kind of bad
    value; returns the normalized SELECT, its summary and its groups (rows, calls, first and last time)."""
    import duckdb

    table = plan.src.table(con)
    fmt = plan.fmt
    kinds = {k: _kind(plan, k) for k in plan.exprs}
    tests: list[tuple[str, str, str, str]] = []  # (condition, field key, problem, allowed)
    for key, (raw, t) in plan.raw.items():
        kind = kinds.get(key, "text")
        d = plan.exprs[key]
        has = _present(raw, t)
        integer = t in _KIND_TYPES and t not in ("FLOAT", "DOUBLE", "REAL")  # a whole number by its type
        if any(f.key == key and f.required for f in fmt.fields):
            tests.append((f"NOT {has}", key, "empty cell", "a value in every row"))
        if kind in ("token", "count", "usd"):
            what = "a whole number of tokens >= 0" if kind == "token" else \
                "a whole number of calls >= 0" if kind == "count" else "an amount in USD >= 0"
            if not _is_numeric(t):
                tests.append((f"{has} AND {d} IS NULL", key, "not a number:", what))
            if not integer:
                tests.append((f"{d} IS NOT NULL AND (isnan({d}) OR isinf({d}))", key, "not a finite number:", what))
            tests.append((f"{d} < 0", key, "negative:", what))
            if kind != "usd":
                if not integer:
                    tests.append((f"{d} <> floor({d})", key, "not a whole number:", what))
                tests.append((f"{d} > {MAX_TOKENS:.0f}", key, "too large to be a count:",
                              f"{what}, at most {MAX_TOKENS:,.0f} in one row"))
        elif kind == "bool" and t != "BOOLEAN":
            tests.append((f"{has} AND {d} IS NULL", key, "not true or false:", "true or false"))
    for cond, keys, problem in fmt.checks:
        involved = [k for k in keys.split() if k in plan.raw]
        if involved:
            tests.append((f"({_fill(cond, plan)})", " ".join(involved), problem, ""))
    if "requests" in plan.raw:
        toks = " + ".join(_ph(plan, k) for k in plan.raw if kinds.get(k) == "token")
        tests.append((f"{_ph(plan, 'requests')} = 0 AND ({toks or '0'}) > 0", "requests",
                      "zero calls with tokens:", "at least one call in a row that has tokens"))
    where = f"WHERE {_fill(fmt.where, plan)}" if fmt.where else ""
    ts_sql, ts_aggs = _timestamp_sql(plan, timestamp_unit, relative, origin_us)
    keys = _key_exprs(plan)
    cols = [f"{e} AS {k}" for k, e in keys.items()] + ["count(*) AS rows", f"sum(TRY_CAST({keys['_req']} AS DOUBLE)) AS requests"]
    cols += [f"count(*) FILTER ({c}) AS t{j}" for j, (c, *_) in enumerate(tests)]
    cols += [f"{sql} AS s{j}" for j, (sql, _) in enumerate(ts_aggs)]
    key_names = [k for k in keys if k != "_req"]
    try:
        grouped = con.execute(f"SELECT {', '.join(c for c in cols if not c.endswith(' AS _req'))} FROM {table} {where} "
                              f"GROUP BY {', '.join(key_names)}").df()
    except duckdb.Error as exc:
        raise _Retry(exc) from None
    n_rows = int(grouped["rows"].sum()) if len(grouped) else 0
    if n_rows == 0:
        raise UsageLogError(plan.src.shown, "no data rows (only a header?)" if plan.src.kind == "csv" else "no rows",
                            allowed="at least one row")
    for j, (cond, key, problem, allowed) in enumerate(tests):
        n = int(grouped[f"t{j}"].sum())
        if n:
            if not allowed:  # a check across columns: name the first, show the row's values of all
                involved = key.split()
                row, value = _first(plan, cond, "NULL", where, involved)
                raise UsageLogError(plan.src.shown, f"{problem}: {value}", column=plan.labels.get(involved[0], involved[0]),
                                    row=row, count=n, allowed="sub-counts no larger than the counts that include them")
            row, value = _first(plan, cond, plan.raw[key][0], where)
            raise UsageLogError(plan.src.shown, problem, column=plan.labels.get(key, key), row=row, value=value,
                                allowed=allowed, count=n)
    combine = {"sum": "sum", "min": "min", "max": "max"}
    res = [getattr(grouped[f"s{j}"], combine[how])() for j, (_, how) in enumerate(ts_aggs)]
    ts_expr, meta, pick = _timestamp_checks(plan, ts_sql, res, n_rows, where, timestamp_unit, relative, origin_us)
    groups = grouped[key_names + ["rows", "requests"]].copy()
    if pick is None:
        groups["t0"] = groups["t1"] = np.nan
    else:
        (i0, i1), scale, shift = pick
        groups["t0"] = grouped[f"s{i0}"].astype(float) * scale + shift
        groups["t1"] = grouped[f"s{i1}"].astype(float) * scale + shift
    groups = groups.groupby(key_names, dropna=False, as_index=False).agg(
        rows=("rows", "sum"), requests=("requests", "sum"), t0=("t0", "min"), t1=("t1", "max"))
    meta.rows = n_rows
    meta.requests = int(groups["requests"].sum())
    return _norm_select(plan, ts_expr, where), meta, groups


class _Retry(Exception):
    """A scan failed inside DuckDB (e.g. a CSV column typed from its first rows meets a value of another type)."""

    def __init__(self, exc):
        self.exc = exc


def _rn(plan: _Plan) -> str:
    return _q(plan.src.row_column) if plan.src.row_column else "NULL"


def _first(plan: _Plan, cond: str, raw: str, where: str, keys: Sequence[str] = ()) -> tuple[int, Any]:
    """Row number and raw value of the first row meeting ``cond`` (a single-threaded, ordered pass)."""
    con = _connect(ordered=True)
    try:
        table = plan.src.table(con)
        rn = _q(plan.src.row_column) if plan.src.row_column else "row_number() OVER ()"
        extra = f" AND ({where[6:]})" if where else ""
        value = _row_values(plan, keys) if raw == "NULL" else raw
        row = con.execute(f"SELECT rn, v FROM (SELECT {rn} AS rn, {value} AS v, ({cond}{extra}) AS bad "
                          f"FROM {table}) WHERE bad ORDER BY rn LIMIT 1").fetchone()
    finally:
        con.close()
    if row is None:
        return None, None
    return int(row[0]), row[1]


def _row_values(plan: _Plan, keys: Sequence[str]) -> str:
    parts = [f"{_lit(plan.labels[k] + ' = ')} || coalesce(CAST({plan.raw[k][0]} AS VARCHAR), 'empty')"
             for k in keys if k in plan.raw]
    return " || ', ' || ".join(parts) if parts else "NULL"


_OFFSET = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([zZ]|[+-]\d{2}(:?\d{2})?|\s*UTC)$"


def _timestamp_sql(plan: _Plan, unit: str, relative: bool, origin_us: int) -> tuple[dict, list[str]]:
    """SQL of the timestamp for each way it can be written (a number in ``unit``, a time type, ISO text), and the
    aggregates of the check pass. ``cmp``: microseconds as DOUBLE (safe to compare before the range is known);
    ``us``: the BIGINT microseconds the normalized log uses."""
    if "timestamp" not in plan.raw:
        return {}, []
    raw, t = plan.raw["timestamp"]
    k = UNITS[unit]
    shift = f" + {origin_us}" if relative else ""
    if _is_numeric(t):
        d = f"CAST({raw} AS DOUBLE)"
        sql = {"kind": "number", "raw": raw, "has": f"{raw} IS NOT NULL", "d": d,
               "cmp": f"({d} * {k!r}{shift})", "us": f"CAST(round({d} * {k!r}) AS BIGINT){shift}"}
        return sql, [(f"count(*) FILTER ({raw} IS NULL)", "sum"), (f"min({d})", "min"), (f"max({d})", "max"),
                     (f"count(*) FILTER (isnan({d}) OR isinf({d}))", "sum")]
    if t.startswith(("TIMESTAMP", "DATE")):
        us = f"epoch_us(CAST({raw} AS TIMESTAMP))" if t == "DATE" else f"epoch_us({raw})"
        sql = {"kind": "time", "raw": raw, "has": f"{raw} IS NOT NULL", "cmp": f"CAST({us} AS DOUBLE)", "us": us}
        return sql, [(f"count(*) FILTER ({raw} IS NULL)", "sum"), (f"min({us})", "min"), (f"max({us})", "max")]
    s = f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
    d = f"TRY_CAST({s} AS DOUBLE)"
    tz = f"TRY_CAST(regexp_replace({s}, '\\s*UTC$', 'Z') AS TIMESTAMPTZ)"
    off = f"regexp_matches({s}, {_lit(_OFFSET)})"
    sql = {"kind": "text", "raw": raw, "has": f"{s} IS NOT NULL", "s": s, "d": d, "tz": tz, "off": off,
           "num_cmp": f"({d} * {k!r}{shift})", "num_us": f"CAST(round({d} * {k!r}) AS BIGINT){shift}",
           "str_cmp": f"CAST(epoch_us({tz}) AS DOUBLE)", "str_us": f"epoch_us({tz})"}
    aggs = [(f"count(*) FILTER ({s} IS NULL)", "sum"), (f"count(*) FILTER ({s} IS NOT NULL AND {d} IS NULL)", "sum"),
            (f"min({d})", "min"), (f"max({d})", "max"), (f"count(*) FILTER ({s} IS NOT NULL AND {tz} IS NULL)", "sum"),
            (f"count(*) FILTER ({s} IS NOT NULL AND {off})", "sum"),
            (f"count(*) FILTER ({s} IS NOT NULL AND NOT {off})", "sum"),
            (f"min(epoch_us({tz}))", "min"), (f"max(epoch_us({tz}))", "max")]
    return sql, aggs


def _now_us() -> int:
    return int(datetime.now(UTC).timestamp() * 1e6) + 86_400 * 10**6


def _iso(us) -> str:
    try:
        return pd.Timestamp(int(us), unit="us").isoformat(sep=" ")
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        years = us / 86_400e6 / 365.2425 + 1970
        return f"the year {years:,.0f}"


def _timestamp_checks(plan, sql, res, n_rows, where, unit, relative, origin_us) -> tuple[str, _Meta, tuple | None]:
    """Check the timestamp aggregates of the pass; return the BIGINT SQL of the time, the log's span, and how to
    turn a group's aggregates into its first and last time ((index of min, index of max), scale, shift)."""
    meta = _Meta()
    if not sql:
        return "NULL::BIGINT", meta, None
    shown, col, raw = plan.src.shown, plan.labels["timestamp"], sql["raw"]
    required = any(f.key == "timestamp" and f.required for f in plan.fmt.fields)

    def fail(cond, problem, allowed, n=None):
        row, value = _first(plan, cond, raw, where)
        raise UsageLogError(shown, problem, column=col, row=row, value=value, allowed=allowed, count=n)

    k = UNITS[unit]
    if sql["kind"] == "text":
        n_null, n_nonnum, dmin, dmax, n_bad, n_off, n_naive, smin, smax = res
        numeric = n_nonnum == 0 and n_null < n_rows
        idx = (2, 3) if numeric else (7, 8)
        if numeric:
            cmp, us, lo_hi = sql["num_cmp"], sql["num_us"], (dmin, dmax)
        else:
            if n_bad:
                fail(f"{sql['s']} IS NOT NULL AND {sql['tz']} IS NULL", "not a date and time:",
                     "an ISO 8601 date and time such as 2026-11-02T14:05:00Z, or a number with timestamp_unit", n_bad)
            if n_off and n_naive:
                minority = sql["off"] if n_off <= n_naive else f"NOT {sql['off']}"
                fail(f"{sql['s']} IS NOT NULL AND {minority}",
                     f"timestamps mixed with and without a UTC offset ({n_off:,} with, {n_naive:,} without):",
                     "every timestamp with its offset (or Z), or none (then all are read as UTC)", min(n_off, n_naive))
            cmp, us, lo_hi = sql["str_cmp"], sql["str_us"], (smin, smax)
    elif sql["kind"] == "number":
        n_null, dmin, dmax, n_inf = res
        if n_inf:
            fail(f"isnan({sql['d']}) OR isinf({sql['d']})", "not a finite number:", "a finite time", n_inf)
        numeric, cmp, us, lo_hi, idx = True, sql["cmp"], sql["us"], (dmin, dmax), (1, 2)
    else:
        n_null, smin, smax = res
        numeric, cmp, us, lo_hi, idx = False, sql["cmp"], sql["us"], (smin, smax), (1, 2)
    if relative and not numeric and n_null < n_rows:
        raise UsageLogError(shown, "relative=True needs numeric timestamps (offsets from the start of the trace)",
                            column=col, allowed="numbers in timestamp_unit, or relative=False")
    if n_null == n_rows:
        if required:
            fail(f"NOT ({sql['has']})", "empty cell", "a time in every row", n_null)
        return "NULL::BIGINT", meta, None
    if n_null:
        fail(f"NOT ({sql['has']})", "empty cell", "a time in every row (or in none)", n_null)
    if numeric:
        lo = float(lo_hi[0]) * k + (origin_us if relative else 0)
        hi = float(lo_hi[1]) * k + (origin_us if relative else 0)
    else:
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
    if not relative:
        early, late = EARLIEST.timestamp() * 1e6, float(_now_us())
        if lo < early or hi > late:
            before = lo < early
            hint = _unit_hint(float(lo_hi[0]), float(lo_hi[1]), unit) if numeric else ""
            what = f"a Unix time in {unit}" if numeric else "a date"
            fail(f"{cmp} < {early!r}" if before else f"{cmp} > {late!r}",
                 f"{'before 2015' if before else 'after today'} as {what} ({_iso(lo if before else hi)}){hint}:",
                 "a time between 2015-01-01 and today; a trace whose times count from its start takes relative=True")
    if hi - lo > MAX_SPAN_YEARS * 365.25 * 86_400e6:
        fail(f"{cmp} >= {hi!r}", f"the log spans {(hi - lo) / 86_400e6 / 365.25:,.1f} years, from {_iso(lo)} to "
             f"{_iso(hi)}; the latest row:", f"a span of at most {MAX_SPAN_YEARS} years")
    meta.t0_us, meta.t1_us, meta.timestamps = int(round(lo)), int(round(hi)), True
    k_now = k if numeric else 1.0
    return us, meta, (idx, k_now, origin_us if relative and numeric else 0)


def _unit_hint(lo, hi, unit) -> str:
    for u, k in UNITS.items():
        if u == unit:
            continue
        a, b = lo * k, hi * k
        if EARLIEST.timestamp() * 1e6 <= a and b <= _now_us():
            return f"; the values fit timestamp_unit={u!r}"
    return ""


def _key_exprs(plan: _Plan) -> dict[str, str]:
    """SQL of the columns a log is billed by (provider, model, batch, service tier) and of its call count."""
    fmt = plan.fmt
    model = _fill(fmt.norm["model"], plan) if "model" in fmt.norm else plan.exprs.get("model", "NULL")
    default = _lit(fmt.provider) if fmt.provider else "NULL"
    prov = f"coalesce({plan.exprs['provider']}, {default})" if "provider" in plan.raw else default
    return {"provider": f"CAST({prov} AS VARCHAR)", "model": f"CAST({model} AS VARCHAR)",
            "batch": f"coalesce({plan.exprs.get('batch', 'NULL')}, false)",
            "service_tier": f"CAST({plan.exprs.get('service_tier', 'NULL')} AS VARCHAR)",
            "_req": f"coalesce({plan.exprs['requests']}, 1)" if "requests" in plan.raw else "1"}


def _norm_select(plan: _Plan, ts_expr: str, where: str) -> str:
    tokens = {k: _fill(plan.fmt.norm.get(k, "{" + k + "}"), plan) for k in TOKENS}
    keys = _key_exprs(plan)
    cols = [f"{ts_expr} AS ts_us", f"{keys['provider']} AS provider", f"{keys['model']} AS model",
            f"CAST({keys['_req']} AS BIGINT) AS requests"]
    cols += [f"CAST({tokens[k]} AS BIGINT) AS {k}" for k in TOKENS]
    cols += [f"{keys['batch']} AS batch", f"{keys['service_tier']} AS service_tier",
             f"CAST({plan.exprs.get('task', 'NULL')} AS VARCHAR) AS task",
             f"CAST({plan.exprs.get('reported_usd', 'NULL')} AS DOUBLE) AS reported_usd",
             f"{_rn(plan)} AS _rn"]
    return f"SELECT {', '.join(cols)} FROM {plan.src.table_sql} {where}"


class UsageLog:
    """A checked usage log: the normalized query over a file (read again by each operation, out of core).

    Attributes: ``source`` (the file as messages name it), ``format``, ``rows``, ``requests``, ``start`` and
    ``end`` (first and last timestamp, None without timestamps), ``relative`` (timestamps are offsets from
    `RELATIVE_ORIGIN`), ``groups`` (rows, requests and time range per provider, model, batch and service tier).
    """

    def __init__(self, src: _Source, fmt: Format, select: str, meta: _Meta, groups: pd.DataFrame, relative: bool,
                 tmpdir: str | None = None, memory_limit: str | None = None):
        self._src, self.format, self._select, self.relative = src, fmt.name, select, relative
        self.source, self.rows, self.requests = src.shown, meta.rows, meta.requests
        self.start = None if meta.t0_us is None else pd.Timestamp(meta.t0_us, unit="us")
        self.end = None if meta.t1_us is None else pd.Timestamp(meta.t1_us, unit="us")
        self.groups = groups
        self.bucketed = fmt.bucketed
        self.memory_limit = memory_limit
        self._tmpdir = tmpdir
        if tmpdir:
            weakref.finalize(self, shutil.rmtree, tmpdir, True)

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        span = f", {self.start} to {self.end}" if self.start is not None else ", no timestamps"
        return f"UsageLog({self.source!r}, format={self.format!r}, rows={self.rows:,}, requests={self.requests:,}{span})"

    def connect(self, memory_limit: str | None = None, ordered: bool = False):
        """A DuckDB connection on which ``usage`` is the normalized log (a view; ``_rn`` the row number when
        ``ordered``, a single-threaded pass in file order); close it when done."""
        con = _connect(memory_limit or self.memory_limit, ordered=ordered)
        self._src.table(con)  # registers a DataFrame source
        select = self._select
        if ordered and not self._src.row_column:
            select = select.replace("NULL AS _rn", "row_number() OVER () AS _rn")
        con.execute(f"CREATE TEMP VIEW usage AS {select}")
        return con

    def to_frame(self, limit: int | None = None) -> pd.DataFrame:
        """The normalized rows as a DataFrame (`COLUMNS`); ``limit`` rows at most (for large logs)."""
        con = self.connect()
        try:
            with _duck_errors(self.source, self.memory_limit):
                df = con.execute("SELECT make_timestamp(ts_us) AS timestamp, * EXCLUDE (ts_us, _rn) FROM usage"
                                 + (f" LIMIT {int(limit)}" if limit else "")).df()
        finally:
            con.close()
        return df[list(COLUMNS)]

    def describe(self) -> str:
        """One line for a source field: file, rows, calls and date range."""
        span = (f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M}" + (" (relative)" if self.relative else " UTC")
                if self.start is not None else "no timestamps")
        return f"{self.source} ({self.format}): {self.rows:,} rows, {self.requests:,} calls, {span}"


def read_usage(
    path,
    format: str = "generic",
    columns: Mapping[str, str] | None = None,
    timestamp_unit: str | None = None,
    relative: bool | None = None,
    origin: str = RELATIVE_ORIGIN,
    task: str | None = None,
    memory_limit: str | None = None,
) -> UsageLog:
    """Read and check a usage log: provider export, gateway log or request trace.

    Parameters
    ----------
    path : str, Path or DataFrame
        The log: CSV, JSON lines, JSON (an array, or an API page ``{"data": [...]}``) or Parquet, optionally
        ``.gz``/``.zst`` compressed, or a glob of such files (``logs/*.parquet``); or a DataFrame.
    format : str
        One of `FORMATS` (``econ.FORMATS[name].description`` says what each reads): ``openai``,
        ``openai-responses``, ``anthropic``, ``gemini`` (response bodies, one JSON per line, parsed by genai-prices'
        ``extract_usage``; or a table of their usage fields), ``openai-usage-api``, ``openrouter``, ``litellm``,
        ``langfuse``, ``azure``, ``burstgpt``, ``mooncake``, ``vllm-bench``, ``generic``.
    columns : mapping, optional
        Field -> column or dotted path into nested JSON (``"usage.prompt_tokens"``), overriding the format's
        defaults; for ``generic`` the fields are the normalized columns (`COLUMNS`), e.g.
        ``{"timestamp": "ts", "input_tokens": "prompt", "cache_read_tokens": "cached"}``.
    timestamp_unit : {"s", "ms", "us", "ns"}, optional
        Unit of numeric timestamps (default: the format's, seconds for most). Text timestamps are ISO 8601;
        with an offset they are converted to UTC, without one read as UTC (a log may not mix the two).
    relative : bool, optional
        Timestamps are offsets from the start of a trace, not Unix times (default: the format's; True for
        burstgpt, mooncake and vllm-bench). They are placed from ``origin`` on.
    origin : str
        Date of time 0 of a relative trace [ISO date]; a label (2024-01-01 is a Monday).
    task : str, optional
        Column or dotted path naming the feature or task of each call (e.g. ``"metadata.feature"``).
    memory_limit : str, optional
        DuckDB memory limit for this log's queries, e.g. ``"1GB"``; DuckDB spills to disk beyond it.

    Returns
    -------
    UsageLog
        Checked and summarized; `price_usage`, `usage_profile` and `scenario_from_log` read it.

    Raises
    ------
    UsageLogError
        Unknown format; a missing, empty, binary or header-only file; a missing column (the columns present
        listed); an empty cell in a required column; a token count that is not a whole number >= 0 (``abc``,
        ``100.7``, ``1e30``); cached or reasoning tokens above the tokens that include them; a timestamp that is
        not a date, mixes offsets, lies before 2015 or after today (a hint names the unit it would fit), or a
        span over ten years. The message names the file, the column, the first offending row and its value.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"ts": ["2026-11-02T10:00:00Z", "2026-11-02T10:00:30Z"], "in": [1200, 300],
    ...                     "out": [100, 20], "cached": [1024, 0]})
    >>> u = read_usage(log, columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out",
    ...                              "cache_read_tokens": "cached"})
    >>> u.rows, u.requests, str(u.start)
    (2, 2, '2026-11-02 10:00:00')
    >>> read_usage(log.assign(out=[100, 20.5]), columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out"})
    Traceback (most recent call last):
    ...
    econ._usage.UsageLogError: the DataFrame, column 'out', row 2: not a whole number: 20.5; expected a whole number of tokens >= 0
    """
    fmt = _format(format)
    unit = fmt.timestamp_unit if timestamp_unit is None else timestamp_unit
    if unit not in UNITS:
        raise UsageLogError(f"timestamp_unit={timestamp_unit!r}", "unknown unit", allowed="one of " + ", ".join(UNITS))
    relative = fmt.relative if relative is None else bool(relative)
    try:
        origin_us = int(pd.Timestamp(origin).value // 1000)
    except (ValueError, TypeError):
        raise UsageLogError(f"origin={origin!r}", "not a date", allowed="an ISO date such as 2024-01-01") from None
    columns = _check_columns(columns, task)
    src = _open_source(path)
    tmpdir = None
    if fmt.lines is not None and src.kind in ("jsonl", "json") or fmt.name == "openai-usage-api" and src.kind == "json":
        tmpdir = tempfile.mkdtemp(prefix="econ-usage-")
        parser = _usage_api_rows if fmt.name == "openai-usage-api" else fmt.lines
        src, fmt = _materialize(src, fmt, parser, task, columns, tmpdir)
        if parser is not _usage_api_rows:
            columns, task = {}, None
    elif fmt.lines is not None and fmt.name in ("langfuse", "vllm-bench"):
        raise UsageLogError(src.shown, f"format {fmt.name!r} reads JSON", allowed="a .json or .jsonl file")
    elif src.kind == "json":  # an array or an API page {"data": [...]}: as JSON lines, one record per line
        tmpdir = tempfile.mkdtemp(prefix="econ-usage-")
        lines = Path(tmpdir) / "records.jsonl"
        with open(lines, "w", encoding="utf-8") as fh:
            for _, rec in _records(src):
                fh.write(json.dumps(rec) + "\n")
        src = _Source(src.shown, "jsonl", path=str(lines))
    for attempt in (0, 1, 2):
        con = _connect(memory_limit)
        try:
            src.table_sql = src.table(con)
            plan = _plan(con, src, fmt, columns, task)
            ts = plan.raw.get("timestamp")
            if src.kind == "csv" and not src.varchar and ts and ts[1].startswith(("TIMESTAMP", "DATE", "TIME")) and ts[0].startswith('"'):
                # DuckDB typed the CSV's times itself (mixing zones silently): read them as text and check each
                src = _Source(src.shown, "csv", path=src.path, text_columns=(ts[0][1:-1].replace('""', '"'),))
                continue
            select, meta, groups = _check(con, plan, unit, relative, origin_us)
            break
        except _Retry as r:
            if attempt < 2 and src.kind == "csv" and not src.varchar:
                src = _Source(src.shown, "csv", path=src.path, varchar=True)  # type every column as text, check each value
                continue
            raise _duck_error(src.shown, r.exc, memory_limit) from None
        finally:
            con.close()
    return UsageLog(src, fmt, select, meta, groups, relative, tmpdir, memory_limit)


def _check_columns(columns, task) -> dict[str, str]:
    """``columns=`` and ``task=`` of `read_usage`: field names mapped to column names or dotted paths, as text."""
    allowed = "column names or dotted paths as text, e.g. columns={'input_tokens': 'usage.prompt_tokens'}"
    if task is not None and (not isinstance(task, str) or not task.strip()):
        raise UsageLogError(f"task={_show(task)}", "is not a column name", allowed="a column name or dotted path as "
                            "text, e.g. task='metadata.feature'")
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise UsageLogError(f"columns={_show(columns)}", "is not a mapping", allowed=allowed)
    for key, path in columns.items():
        if not isinstance(key, str) or not isinstance(path, str) or not path.strip():
            raise UsageLogError(f"columns={{{key!r}: {path!r}}}", "is not a field mapped to a column name",
                                allowed=allowed)
    return dict(columns)


def _materialize(src: _Source, fmt: Format, parser, task, columns, tmpdir) -> tuple[_Source, Format]:
    """Parse JSON records in Python into a Parquet file of normalized rows (with each row's line number)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(tmpdir) / "usage.parquet"
    writer = None
    batch: list[dict] = []

    def flush():
        nonlocal writer, batch
        if not batch:
            return
        table = pa.Table.from_pylist(batch, schema=schema)
        if writer is None:
            writer = pq.ParquetWriter(out, schema)
        writer.write_table(table)
        batch = []

    if parser is _usage_api_rows:
        schema = pa.schema([("_row", pa.int64()), ("start_time", pa.float64())] + [
            (k, pa.float64()) for k in ("input_tokens", "input_cached_tokens", "input_cache_write_tokens", "output_tokens",
                                        "num_model_requests")] + [("model", pa.string()), ("batch", pa.bool_()),
                                                                 ("service_tier", pa.string()), ("project_id", pa.string())])
        new_fmt = fmt
    else:
        schema = pa.schema([("_row", pa.int64()), ("timestamp", pa.string()), ("provider", pa.string()),
                            ("model", pa.string()), ("requests", pa.int64())] + [(k, pa.float64()) for k in TOKENS] + [
            ("batch", pa.bool_()), ("service_tier", pa.string()), ("task", pa.string()), ("reported_usd", pa.float64())])
        new_fmt = Format(fmt.name, fmt.description, fields=tuple(
            Field(f.key, f.kind, (f.key,), f.key in ("input_tokens", "output_tokens")) for f in _NORMALIZED_FIELDS),
            checks=FORMATS["generic"].checks, provider=fmt.provider, timestamp_unit=fmt.timestamp_unit,
            relative=fmt.relative, bucketed=fmt.bucketed, labels=_BODY_LABELS.get(fmt.name, {}))
    try:
        for row in parser(src, fmt, task, columns):
            batch.append(row)
            if len(batch) >= 100_000:
                flush()
        flush()
    except (TypeError, ValueError, OverflowError, pa.ArrowException) as exc:
        if isinstance(exc, UsageLogError):
            raise
        row = batch[-1]["_row"] if batch else None
        raise UsageLogError(src.shown, f"a value of the wrong type near record {row}: {exc}", row=row,
                            allowed="token counts as whole numbers") from None
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise UsageLogError(src.shown, "no records with usage", allowed="at least one response body with its usage")
    return _Source(src.shown, "parquet", path=str(out), row_column="_row"), new_fmt


def _as_usage(usage, **read_kw) -> UsageLog:
    return usage if isinstance(usage, UsageLog) else read_usage(usage, **read_kw)


# --------------------------------------------------------------------------------------------- billing
_GROUPS = {"date": "CAST(make_timestamp(ts_us) AS DATE)", "hour": "date_trunc('hour', make_timestamp(ts_us))",
           "month": "strftime(make_timestamp(ts_us), '%Y-%m')"}
_PRICE_COLS = ["p_in", "p_read", "p_w5", "p_w1h", "p_out", "p_reason", "p_req"]
_FAR = 2**62


def _str(x) -> str | None:
    """A text cell of a fetched DataFrame: None for SQL NULL (None or NaN)."""
    return None if x is None or isinstance(x, float) and math.isnan(x) else str(x)


def _context(batch: bool, tier) -> dict[str, str]:
    ctx = {"processing": "batch"} if batch else {}
    if tier not in (None, "", "default", "auto", "standard", "batch"):
        ctx["service_tier"] = str(tier)
    return ctx


def _first_row_where(usage: UsageLog, cond: str) -> tuple[int | None, Any]:
    con = usage.connect(ordered=True)
    try:
        with _duck_errors(usage.source, usage.memory_limit):
            row = con.execute(f"SELECT _rn, model FROM usage WHERE {cond} ORDER BY _rn LIMIT 1").fetchone()
    finally:
        con.close()
    return (None, None) if row is None else (int(row[0]), row[1])


def _catalog_table(usage: UsageLog, provider: str | None, model: str | None, on) -> tuple[pd.DataFrame, list, str, bool]:
    """Prices of every (provider, model, batch, service tier) in the log over its dates: one row per price period,
    time-of-day segment and input-length band. Returns the table, the corrections used, the pricing basis and
    whether any price changes within the log's span (then the join compares each call's time)."""
    from ._prices import _snapshot, billing_model, cache_rule, price_history_start, price_levels

    if on is not None:
        try:
            on_day = on if isinstance(on, date) and not isinstance(on, datetime) else date.fromisoformat(str(on))
        except ValueError:
            raise UsageLogError(f"on={on!r}", "not a date", allowed="an ISO date such as 2026-11-22") from None
        first, today = price_history_start(), date.today()  # the rule of a scenario's prices.price_date (_params.py)
        if not first <= on_day <= today:
            raise UsageLogError(f"on={on!r}", "is outside the dates the price catalog covers", allowed=f"a date from "
                                f"{first} (the first price change genai-prices {_version()} records) to today, {today}")
    elif not usage.start or usage.relative:
        raise UsageLogError(usage.source, "the log has no " + ("absolute " if usage.relative else "") + "call times, "
                            "so no date to read prices at", column="timestamp",
                            allowed="price_usage(..., on='YYYY-MM-DD'), the date whose prices to use")
    rows, used, timed = [], {}, False
    for g in usage.groups.itertuples(index=False):
        g_prov, g_mod, g_tier = _str(g.provider), _str(g.model), _str(g.service_tier)
        prov, mod = (provider or g_prov), (model or g_mod)
        if mod is None:
            r, _ = _first_row_where(usage, "model IS NULL")
            raise UsageLogError(usage.source, "no model to price the call at:", column="model", row=r, value=None,
                                allowed="a model named in the log, or price_usage(..., provider=..., model=...)")
        if prov is None:
            try:
                prov = _snapshot().find_provider(str(mod).lower(), None, None).id
            except LookupError:
                r, _ = _first_row_where(usage, f"model = {_lit(mod)} AND provider IS NULL")
                raise UsageLogError(usage.source, "no provider named and none known for the model", column="model", row=r,
                                    value=mod, allowed="a provider column, or price_usage(..., provider=...)") from None
        try:
            bm = billing_model(str(prov), str(mod))
        except LookupError as exc:
            if model is not None and provider is None and g_prov is not None:  # the caller's model at the log's provider
                try:
                    owner = _snapshot().find_provider(str(model).lower(), None, None).id
                    why, hint = "", f"provider={owner!r} (the catalog's provider of {model!r}) with model={model!r}"
                except LookupError:
                    why, hint = f" ({exc})", "provider= and model= naming a model of that provider's catalog"
                raise UsageLogError(f"price_usage(model={model!r})", f"was given without provider=, so the calls are "
                                    f"re-priced at the provider the log names, {g_prov!r}, which has no such "
                                    f"model{why}", allowed=hint) from None
            r, _ = _first_row_where(usage, f"model IS NOT DISTINCT FROM {_lit(g_mod) if g_mod is not None else 'NULL'}")
            raise UsageLogError(usage.source, f"a model genai-prices {_version()} cannot price ({exc}):",
                                column="model", row=r, value=mod, allowed="a model of the provider's catalog") from None
        minimum = 0
        if model is not None and g_mod != str(model):
            minimum = cache_rule(bm.provider.id, bm.info.id)[0]  # re-priced at another model: its caching minimum applies
        if on is not None:
            periods = [(-_FAR, _FAR, datetime.combine(on_day, datetime.min.time(), tzinfo=UTC))]
        else:
            lo, hi = int(g.t0), int(g.t1)
            cuts = [int(datetime.combine(d, datetime.min.time(), tzinfo=UTC).timestamp() * 1e6) for d in bm.change_dates()]
            cuts = [c for c in cuts if lo < c <= hi]
            bounds = [-_FAR] + cuts + [_FAR]
            firsts = [lo] + cuts
            periods = [(a, b, pd.Timestamp(f, unit="us", tz="UTC").floor("D").to_pydatetime())
                       for a, b, f in zip(bounds[:-1], bounds[1:], firsts)]
        tods = [0.0] + bm.times_of_day() + [86_400.0]
        timed = timed or len(periods) > 1 or len(tods) > 2
        ctx = _context(bool(g.batch), g_tier)
        for t_from, t_to, day in periods:
            for tod_from, tod_to in zip(tods[:-1], tods[1:]):
                when = day + pd.Timedelta(seconds=tod_from)
                bands = price_levels(bm.prices(when, ctx))
                if bm.corrections and bands != price_levels(bm.catalog.get_prices(when, None if bm.via_fallback else ctx or None)):
                    for e in bm.corrections:  # the corrections that changed a price these calls pay
                        if e["kind"] == "tiers" or ctx.get("processing") == "batch":
                            used[e["id"]] = e
                for band in bands:
                    rows.append({"pk": g_prov or "", "mk": g_mod or "", "batch": bool(g.batch), "tk": g_tier or "", "t_from": t_from, "t_to": t_to, "tod_from": tod_from,
                                 "tod_to": tod_to, **band, "min_cache": float(minimum),
                                 "priced_provider": bm.provider.id, "priced_model": bm.info.id})
    basis = f"prices on {on}" if on is not None else "prices on each call's date"
    return pd.DataFrame(rows), list(used.values()), basis, timed


def _version() -> str:
    from ._prices import price_catalog_version

    return price_catalog_version()


_PRICE_KEYS = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok", "cache_write_usd_per_mtok",
               "cache_write_1h_usd_per_mtok", "long_context_above_tokens", "long_context_input_factor",
               "long_context_output_factor", "batch_price_factor", "batch_cache_read_factor",
               "min_cacheable_prefix_tokens", "cache_step_tokens", "other_usd_per_mtok")


def _option_table(prices: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Per-token prices of named options (`task_prices_from_scenario`) as the bands and batch rows of a price table."""
    if not isinstance(prices, Mapping) or not prices:
        raise ValueError(f"prices={prices!r} is not allowed; expected {{option: {{'input_usd_per_mtok': ..., "
                         "'output_usd_per_mtok': ..., 'cache_read_usd_per_mtok': ... (optional)}}}")
    rows = []
    for option, p in prices.items():
        if not isinstance(p, Mapping):
            raise ValueError(f"prices[{option!r}] = {p!r} is not allowed; expected a mapping of prices")
        missing = [k for k in _PRICE_KEYS[:2] if k not in p]
        if missing:
            raise ValueError(f"prices[{option!r}] has no {', '.join(missing)} (its keys: {', '.join(map(str, p)) or 'none'}); "
                             "give input_usd_per_mtok and output_usd_per_mtok [USD per million tokens] (the others "
                             "optional)")
        unknown = set(p) - set(_PRICE_KEYS)
        if unknown:
            raise ValueError(f"prices[{option!r}] has unknown key(s) {sorted(unknown)}; allowed: {list(_PRICE_KEYS)}")
        def get(k, default, option=option, p=p):
            v = p.get(k)
            if v is None:
                return default
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise ValueError(f"prices[{option!r}][{k!r}] = {_show(v)} is not allowed; expected a number >= 0 "
                                 f"[{'tokens' if k.endswith('tokens') else 'a factor' if 'factor' in k else 'USD per million tokens'}]")
            return float(v)
        pin, pout = get("input_usd_per_mtok", 0), get("output_usd_per_mtok", 0)
        pread, pw = get("cache_read_usd_per_mtok", pin), get("cache_write_usd_per_mtok", pin)
        pw1h = get("cache_write_1h_usd_per_mtok", pw)
        above = get("long_context_above_tokens", None)
        fi, fo = get("long_context_input_factor", 1.0), get("long_context_output_factor", 1.0)
        bf = get("batch_price_factor", 1.0)
        bfr = get("batch_cache_read_factor", bf)
        minimum = get("min_cacheable_prefix_tokens", 0.0)
        other = get("other_usd_per_mtok", 0.0)  # not part of the bill: `cost_per_task` adds it for the all-in cost
        for name, x in (("prices", [pin, pout, pread, pw, pw1h, fi, fo, bf, bfr, minimum, other]),):
            if not all(np.isfinite(v) and v >= 0 for v in x):
                raise ValueError(f"prices[{option!r}] = {dict(p)!r}: prices and factors must be numbers >= 0")
        bands = [(-1.0, math.inf, 1.0, 1.0)] if above is None else [(-1.0, float(above), 1.0, 1.0),
                                                                    (float(above), math.inf, fi, fo)]
        for batch in (False, True):
            f, fr = (bf, bfr) if batch else (1.0, 1.0)
            for lo, hi, a, b in bands:
                rows.append({"option": str(option), "batch": batch, "lo": lo, "hi": hi, "p_in": pin * a * f,
                             "p_read": pread * a * fr, "p_w5": pw * a * f, "p_w1h": pw1h * a * f,
                             "p_out": pout * b * f, "p_reason": pout * b * f, "p_req": 0.0, "min_cache": minimum})
    return pd.DataFrame(rows)


def price_usage(
    usage,
    provider: str | None = None,
    model: str | None = None,
    on: str | date | None = None,
    by: str | Sequence[str] | None = None,
    prices: Mapping[str, Mapping[str, float]] | None = None,
    memory_limit: str | None = None,
    **read_kw,
) -> pd.DataFrame:
    """The bill of every call in a usage log, as the provider bills it at the call's date.

    Parameters
    ----------
    usage : UsageLog, or a path or DataFrame for `read_usage` (with ``read_kw``)
        The log.
    provider, model : str, optional
        Price every row at this model (and provider) instead of the one it names: what the same calls would
        cost elsewhere. A re-priced call's cache reads count only when at least the model's minimum cacheable
        prefix (``econ/data/billing_rules.yaml``); shorter ones are billed as uncached input.
    on : str or date, optional
        Price every row at this date's prices (ISO date). Needed for logs without absolute call times.
    by : str or sequence of str, optional
        Sum the bill over these columns (`COLUMNS`, or ``"date"``, ``"hour"``, ``"month"``): out of core, for
        large logs. None: one row per log row (the log is loaded into memory).
    prices : mapping, optional
        ``{option: {"input_usd_per_mtok", "output_usd_per_mtok", ...}}`` (keys as `task_prices_from_scenario`
        gives them): bill the log at each option's prices instead of the catalog's; the result has an
        ``option`` column.
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"1GB"``.

    Returns
    -------
    DataFrame
        With ``by``: the group columns, ``rows``, ``requests``, token sums (``cache_write_tokens`` is 5-minute
        plus 1-hour writes), ``usd``, ``usd_per_request`` and ``reported_usd`` (the cost the log itself
        reports, NaN where none). Without: the normalized rows with ``usd``. ``attrs``: ``corrections`` (the
        entries of ``econ/data/price_corrections.yaml`` used), ``basis`` (the prices' date).

    Notes
    -----
    Each call (each row; a bucket of n calls is billed as n calls of its mean shape) with input I (cache reads R
    and writes W5, W1h included), output O (reasoning Z included) costs, in the price band its input per call
    falls in (a long-context tier prices the whole call),
    ``[(I - R - W5 - W1h) p_in + R p_read + W5 p_w5 + W1h p_w1h + (O - Z) p_out + Z p_reason] / 1e6 + n p_req / 1000``,
    each p the model's price for that kind of token at the call's date, batch flag and service tier, or the
    nearest price it has (genai-prices' rules: ``econ._prices``). This equals genai-prices' ``calc_price`` call by
    call (tests/test_usage.py checks it to the cent on random calls for every model the scenarios name).

    Examples
    --------
    Gemini 2.5 Pro above 200,000 prompt tokens bills the whole call at 2.50 / 15 USD per million tokens:

    >>> import pandas as pd
    >>> log = pd.DataFrame({"ts": ["2026-11-02 09:00", "2026-11-02 09:01"], "in": [250_000, 10_000],
    ...                     "out": [1_000, 1_000], "model": "gemini-2.5-pro", "provider": "google"})
    >>> u = read_usage(log, columns={"timestamp": "ts", "input_tokens": "in", "output_tokens": "out"})
    >>> price_usage(u)["usd"].round(6).tolist()
    [0.64, 0.0225]
    """
    usage = _as_usage(usage, **read_kw)
    if isinstance(by, str):
        by = [by]
    by = list(by or [])
    bad = [b for b in by if b not in COLUMNS and b not in _GROUPS]
    if bad:
        raise ValueError(f"by={bad!r} is not allowed; expected columns among {', '.join(list(COLUMNS) + list(_GROUPS))}")
    if prices is not None:
        table, used, basis, timed = _option_table(prices), [], "the options' prices", False
        join = "u.batch = p.batch"
        keys = ["option"]
    else:
        table, used, basis, timed = _catalog_table(usage, provider, model, on)
        join = "u.pk = p.pk AND u.mk = p.mk AND u.batch = p.batch AND u.tk = p.tk"
        if timed:
            join += " AND u.t >= p.t_from AND u.t < p.t_to AND u.tod >= p.tod_from AND u.tod < p.tod_to"
        keys = []
    t = "ts_us" if on is None and prices is None and timed else "0"
    con = usage.connect(memory_limit, ordered=not by)
    try:
        with _duck_errors(usage.source, memory_limit or usage.memory_limit):
            mins = sorted({float(m) for m in table["min_cache"] if m > 0})
            table = table.assign(min_idx=[0 if m <= 0 else mins.index(float(m)) + 1 for m in table["min_cache"]])
            con.register("price_table", table)
            calls = "greatest(u.requests, 1)"
            ok = f"(u.cache_read_tokens + u.cache_write_5m_tokens + u.cache_write_1h_tokens) >= p.min_cache * {calls}"
            r, w5, w1h = (f"CASE WHEN {ok} THEN u.{c} ELSE 0 END" for c in TOKENS[1:4])
            usd = (f"(((u.input_tokens - ({r}) - ({w5}) - ({w1h})) * p.p_in + ({r}) * p.p_read + ({w5}) * p.p_w5 "
                   f"+ ({w1h}) * p.p_w1h + (u.output_tokens - u.reasoning_tokens) * p.p_out + u.reasoning_tokens * p.p_reason)"
                   f" / 1e6 + u.requests * p.p_req / 1000)")
            tod = f"((coalesce({t}, 0) % 86400000000) + 86400000000) % 86400000000 / 1e6" if timed else "0"
            src = (f"(SELECT *, coalesce(provider, '') AS pk, coalesce(model, '') AS mk, coalesce(service_tier, '') AS tk, "
                   f"coalesce({t}, 0) AS t, {tod} AS tod FROM usage) u")
            joined = (f"FROM {src} JOIN price_table p ON {join} AND u.input_tokens > p.lo * {calls} "
                      f"AND u.input_tokens <= p.hi * {calls}")
            if by:
                frame = con.execute(_aggregate_then_price(table, by, keys, prices is None, timed, t)).df()
            else:
                opt = ", p.option" if keys else ""
                frame = con.execute(f"SELECT make_timestamp(u.ts_us) AS timestamp, u.* EXCLUDE (ts_us, _rn, pk, mk, tk, t, tod)"
                                    f"{opt}, {usd} AS usd {joined} ORDER BY u._rn{opt}").df()
    finally:
        con.close()
    n_rows = int(frame["rows"].sum()) if "rows" in frame else len(frame)
    expected = usage.rows * (len(prices) if prices is not None else 1)
    if n_rows != expected:  # every row must find exactly one price band
        raise RuntimeError(f"{usage.source}: {n_rows:,} priced rows for {expected:,} log rows; a price band is missing")
    if "rows" in frame:
        frame["requests"] = frame["requests"].astype("int64")
        frame["usd_per_request"] = frame["usd"] / frame["requests"].where(frame["requests"] > 0)
        if prices is not None and by:
            order = {o: j for j, o in enumerate(prices)}
            frame = frame.sort_values(by + ["option"], key=lambda s: s.map(order) if s.name == "option" else s,
                                      kind="stable").reset_index(drop=True)
    frame.attrs.update(corrections=[e["id"] for e in used], basis=basis, source=usage.describe())
    return frame


def _aggregate_then_price(table: pd.DataFrame, by: list[str], keys: list[str], catalog: bool, timed: bool, t: str) -> str:
    """SQL of a grouped bill in one pass: the log summed to the few call shapes its prices tell apart (price key,
    input-length band, price period, caching minimum met), then that small table joined with the prices. The bill
    is linear in the token counts within a shape, so this equals pricing each call. ``table`` carries ``min_idx``
    (0: no caching minimum, else 1 + the index of its minimum among the table's positive ones)."""
    calls = "greatest(requests, 1)"
    cuts = sorted({float(x) for x in table["lo"] if x >= 0})
    band = " + ".join(f"(input_tokens > {c!r} * {calls})::INTEGER" for c in cuts) or "0"
    reps = "[" + ", ".join(repr(x) for x in [0.0] + [c + 0.5 for c in cuts]) + "]"  # an input per call in each band
    mins = sorted({float(m) for m in table["min_cache"] if m > 0})
    cached = "(cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens)"
    group = [f"{_GROUPS.get(b, b)} AS {_q(b)}" for b in by]
    group += ["coalesce(provider, '') AS _pk", "coalesce(model, '') AS _mk", "batch AS _b",
              "coalesce(service_tier, '') AS _tk", f"{band} AS _band"]
    group += [f"({cached} >= {m!r} * {calls}) AS _f{j}" for j, m in enumerate(mins)]
    join = "a._pk = p.pk AND a._mk = p.mk AND a._b = p.batch AND a._tk = p.tk" if catalog else "a._b = p.batch"
    if timed:
        bounds = sorted({float(x) for x in table["tod_from"] if x > 0})
        day_us = 86_400_000_000
        tod = f"((coalesce({t}, 0) % {day_us}) + {day_us}) % {day_us}"
        group += [f"floor(coalesce({t}, 0) / {day_us}) AS _day",
                  (" + ".join(f"({tod} >= {b * 1e6!r})::INTEGER" for b in bounds) or "0") + " AS _seg"]
        start = f"list_extract([{', '.join(repr(x) for x in [0.0] + bounds)}], a._seg + 1)"  # the segment's start [s]
        when = f"(a._day * {day_us} + {start} * 1e6)"
        join += (f" AND {when} >= p.t_from AND {when} < p.t_to AND {start} >= p.tod_from AND {start} < p.tod_to")
    ok = "CASE p.min_idx WHEN 0 THEN true " + " ".join(f"WHEN {j + 1} THEN a._f{j}" for j in range(len(mins))) + " END"
    r, w5, w1h = (f"CASE WHEN {ok} THEN a.{c} ELSE 0 END" for c in ("r", "w5", "w1h"))
    usd = (f"((a.i - ({r}) - ({w5}) - ({w1h})) * p.p_in + ({r}) * p.p_read + ({w5}) * p.p_w5 + ({w1h}) * p.p_w1h "
           f"+ (a.o - a.z) * p.p_out + a.z * p.p_reason) / 1e6 + a.requests * p.p_req / 1000")
    rep_in = f"list_extract({reps}, a._band + 1)"
    names = ", ".join([f"a.{_q(b)}" for b in by] + [f"p.{k}" for k in keys])
    return (f"WITH a AS (SELECT {', '.join(group)}, count(*) AS n, sum(requests)::DOUBLE AS requests, "
            "sum(input_tokens)::DOUBLE AS i, sum(cache_read_tokens)::DOUBLE AS r, sum(cache_write_5m_tokens)::DOUBLE AS w5, "
            "sum(cache_write_1h_tokens)::DOUBLE AS w1h, sum(output_tokens)::DOUBLE AS o, sum(reasoning_tokens)::DOUBLE AS z, "
            "sum(reported_usd) AS rep FROM usage GROUP BY ALL) "
            f"SELECT {names}, sum(a.n) AS rows, sum(a.requests) AS requests, sum(a.i) AS input_tokens, "
            "sum(a.r) AS cache_read_tokens, sum(a.w5 + a.w1h) AS cache_write_tokens, sum(a.o) AS output_tokens, "
            f"sum(a.z) AS reasoning_tokens, sum({usd}) AS usd, sum(a.rep) AS reported_usd "
            f"FROM a JOIN price_table p ON {join} AND {rep_in} > p.lo AND {rep_in} <= p.hi GROUP BY ALL ORDER BY ALL")


# --------------------------------------------------------------------------------------------- profiles
def _step_seconds(freq, name: str = "freq") -> float:
    try:
        seconds = pd.Timedelta(freq).total_seconds() if not isinstance(freq, (int, float)) else float(freq)
    except (ValueError, TypeError):
        seconds = float("nan")
    if not np.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{name}={freq!r} is not a time step; give a positive duration such as '1min', '10min' or '1h'")
    return seconds


def _floats(column) -> np.ndarray:
    """A fetched DuckDB column as floats, SQL NULL as NaN (DuckDB returns NULLs as a masked array)."""
    return np.ma.filled(np.ma.asarray(column, dtype=float), np.nan)


def _profile(starts_us, values, seconds, step_s: float, source: str, **attrs) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=PROFILE_COLUMNS[:4],
                         index=pd.DatetimeIndex(pd.to_datetime(np.asarray(starts_us), unit="us"), name="start"))
    frame["seconds"] = np.asarray(seconds, float)
    frame.attrs.update(step_s=float(step_s), source=str(source), **attrs)
    return frame


def usage_profile(usage: UsageLog, freq: str = "1min", origin: str = "start", max_steps: int = MAX_STEPS) -> pd.DataFrame:
    """Per-interval traffic profile of a usage log: requests and tokens per step, every step from the first call
    to the last (empty steps as 0). Aggregated by DuckDB; memory grows with the number of steps, not of rows.

    Parameters
    ----------
    usage : UsageLog
    freq : str
        Step, e.g. ``"1min"``, ``"1h"``.
    origin : {"start", "epoch"}
        Steps start at the first call, or on the clock (whole minutes, hours, ...).
    max_steps : int
        Most steps allowed; a longer span at this step is refused (use a coarser ``freq``).

    Returns
    -------
    DataFrame
        Index ``start``; ``requests``, ``input_tokens``, ``cached_input_tokens`` (cache reads), ``output_tokens``
        per step, and ``seconds`` (the part of the step inside the observed span). ``attrs``: ``step_s``,
        ``source``, ``rows``.
    """
    step_s = _step_seconds(freq)
    if origin not in ("start", "epoch"):
        raise ValueError(f"origin={origin!r} is not allowed; expected 'start' or 'epoch'")
    if usage.start is None:
        raise UsageLogError(usage.source, "no call times, so no traffic profile", column="timestamp",
                            allowed="a log with a timestamp in every row")
    t0, t1 = int(usage.start.value // 1000), int(usage.end.value // 1000)
    step_us = int(round(step_s * 1e6))
    base = t0 if origin == "start" else (t0 // step_us) * step_us
    n_steps = int((t1 - base) // step_us) + 1
    if n_steps > max_steps:
        raise UsageLogError(usage.source, f"{n_steps:,} steps of {freq} from {usage.start} to {usage.end} are more "
                            f"than max_steps={max_steps:,}", allowed="a coarser freq (e.g. '1min' or '1h'), or a shorter log")
    con = usage.connect()
    try:
        with _duck_errors(usage.source, usage.memory_limit):
            agg = con.execute(
                f"SELECT (ts_us - {base}) // {step_us} AS b, sum(requests)::DOUBLE AS n, sum(input_tokens)::DOUBLE AS i, "
                f"sum(cache_read_tokens)::DOUBLE AS c, sum(output_tokens)::DOUBLE AS o FROM usage GROUP BY b").fetchnumpy()
    finally:
        con.close()
    values = np.zeros((n_steps, 4))
    idx = np.asarray(agg["b"], dtype=np.int64)
    for j, key in enumerate(("n", "i", "c", "o")):
        values[idx, j] = np.nan_to_num(_floats(agg[key]))
    starts_us = base + np.arange(n_steps, dtype=np.int64) * step_us
    seconds = np.clip((np.minimum(starts_us + step_us, t1) - np.maximum(starts_us, t0)) / 1e6, 0, step_s)
    return _profile(starts_us, values, seconds, step_s, usage.source, rows=int(usage.rows))


def read_requests(
    path,
    timestamp: str | None = None,
    input_tokens: str | None = None,
    output_tokens: str | None = None,
    model: str | None = None,
    cached_input_tokens: str | None = None,
    task: str | None = None,
    freq: str = "1min",
    origin: str = "start",
    memory_limit: str | None = None,
    format: str = "generic",
    timestamp_unit: str | None = None,
    relative: bool | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per-interval traffic profile of a request log (one row per call, or per bucket with its request count).

    Parameters
    ----------
    path : str, Path, DataFrame or UsageLog
        The log (see `read_usage`).
    timestamp, input_tokens, output_tokens, model, cached_input_tokens : str, optional
        Column names for the ``generic`` format (defaults ``timestamp``, ``input_tokens``, ``output_tokens``;
        case-insensitive, dotted paths into nested JSON allowed). A numeric timestamp is in ``timestamp_unit``
        (seconds unless stated).
    task : str, optional
        Column naming the task (checked, not used here: one mapping serves `cost_per_task` too).
    freq, origin : str
        Step and alignment of the profile (`usage_profile`).
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"1GB"``; DuckDB spills to disk beyond it.
    format, timestamp_unit, relative, columns
        As in `read_usage`.

    Returns
    -------
    DataFrame
        The profile (`usage_profile`): ``requests``, ``input_tokens``, ``cached_input_tokens``, ``output_tokens``
        per step and ``seconds``. ``attrs``: ``step_s`` [s], ``source``, ``rows``.

    Raises
    ------
    UsageLogError
        As `read_usage`; also a span too long for ``freq``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"ts": pd.to_datetime(["2025-01-01 00:00:10", "2025-01-01 00:00:50",
    ...                                            "2025-01-01 00:02:20"]),
    ...                     "in": [100, 200, 300], "out": [10, 20, 30]})
    >>> p = read_requests(log, timestamp="ts", input_tokens="in", output_tokens="out")
    >>> p[["requests", "input_tokens", "output_tokens", "seconds"]].to_numpy().tolist()
    [[2.0, 300.0, 30.0, 60.0], [0.0, 0.0, 0.0, 60.0], [1.0, 300.0, 30.0, 10.0]]

    A Mooncake trace counts milliseconds from its first request: three requests in two one-minute steps.

    >>> trace = pd.DataFrame({"timestamp": [0, 3052, 61000], "input_length": [1200, 800, 500],
    ...                       "output_length": [80, 40, 10]})
    >>> read_requests(trace, format="mooncake")["requests"].tolist()
    [2.0, 1.0]
    """
    if isinstance(path, UsageLog):
        usage = path
    else:
        cols = dict(columns or {})
        if format == "generic":
            for key, col in (("timestamp", timestamp), ("input_tokens", input_tokens), ("output_tokens", output_tokens),
                             ("model", model), ("cache_read_tokens", cached_input_tokens)):
                if col is not None:
                    cols[key] = col
        usage = read_usage(path, format=format, columns=cols, timestamp_unit=timestamp_unit, relative=relative,
                           task=task, memory_limit=memory_limit)
    return usage_profile(usage, freq=freq, origin=origin)


def read_rate_series(
    path,
    time: str = "window_start_s",
    requests_per_s: str = "req_per_s",
    input_tokens_per_s: str | None = None,
    output_tokens_per_s: str | None = None,
    origin: str = RELATIVE_ORIGIN,
) -> pd.DataFrame:
    """Profile of an aggregate rate series (one row per window, rates per second), such as ServeGen's.

    Parameters
    ----------
    path : str, Path or DataFrame
        CSV, JSON lines or Parquet file, or a DataFrame.
    time : str
        Column of the window start: a timestamp, or seconds since ``origin``.
    requests_per_s, input_tokens_per_s, output_tokens_per_s : str
        Columns of the mean rates in each window [requests/s], [tokens/s]; NaN marks a gap.
    origin : str
        Date of time 0 when ``time`` is in seconds [ISO date].

    Returns
    -------
    DataFrame
        The profile: rates × window length [per step]; gaps stay NaN. The step is the most common spacing.

    Examples
    --------
    >>> import pandas as pd
    >>> series = pd.DataFrame({"t": [0, 600, 1200], "rps": [1.0, float("nan"), 2.5]})
    >>> p = read_rate_series(series, time="t", requests_per_s="rps")
    >>> p["requests"].tolist(), p.attrs["step_s"]
    ([600.0, nan, 1500.0], 600.0)
    """
    src = _open_source(path)
    con = _connect()
    try:
        table = src.table(con)
        present = _describe(con, src)
        cols = {}
        for role, col in (("time", time), ("requests_per_s", requests_per_s), ("input_tokens_per_s", input_tokens_per_s),
                          ("output_tokens_per_s", output_tokens_per_s)):
            if col is None:
                continue
            found = _resolve_path(con, table, present, col)
            if found is None:
                close = difflib.get_close_matches(str(col), list(present), n=1, cutoff=0.5)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise UsageLogError(src.shown, f"no column {col!r} (given as {role}=); the columns are "
                                    f"{', '.join(repr(c) for c in present)}.{hint}")
            cols[role] = found
        t_col, t_kind = cols["time"]
        if t_kind.startswith(("TIMESTAMP", "DATE")):
            t = f"epoch_us(CAST({t_col} AS TIMESTAMP))"
        elif t_kind.startswith("VARCHAR"):
            t = f"epoch_us(CAST({t_col} AS TIMESTAMP))"
        else:
            t = f"CAST(round(CAST({t_col} AS DOUBLE) * 1e6) AS BIGINT) + {int(pd.Timestamp(origin).value // 1000)}"
        rates = [cols[k][0] if k in cols else "NULL" for k in ("requests_per_s", "input_tokens_per_s", "output_tokens_per_s")]
        data = con.execute(f"SELECT {t} AS t, {', '.join(f'TRY_CAST({r} AS DOUBLE)' for r in rates)} FROM {table} "
                           f"WHERE {t_col} IS NOT NULL ORDER BY t").fetchnumpy()
    except Exception as exc:
        import duckdb

        if isinstance(exc, duckdb.Error):
            raise UsageLogError(src.shown, f"cannot be read as a rate series: {_duck_message(exc)}",
                                column=time) from None
        raise
    finally:
        con.close()
    t_us = np.asarray(data["t"], dtype=np.int64)
    if len(t_us) < 2:
        raise UsageLogError(src.shown, f"a rate series needs at least two windows; found {len(t_us)}", column=time)
    diffs = np.diff(t_us)
    step_us = int(pd.Series(diffs).mode().iloc[0])
    if step_us <= 0 or np.any(diffs % step_us):
        raise UsageLogError(src.shown, "windows are not evenly spaced (or repeat); a rate series needs one row per window",
                            column=time)
    full = t_us[0] + np.arange((t_us[-1] - t_us[0]) // step_us + 1, dtype=np.int64) * step_us
    pos = (t_us - t_us[0]) // step_us
    values = np.full((len(full), 4), np.nan)
    keys = [k for k in data if k != "t"]
    step_s = step_us / 1e6
    for j, key in zip((0, 1, 3), keys):
        values[pos, j] = _floats(data[key]) * step_s
    values[pos, 2] = np.where(np.isnan(values[pos, 0]), np.nan, 0.0)  # no cached-token figure in a rate series
    for j in (1, 3):  # token columns not mapped: 0 where the window has data
        if np.all(np.isnan(values[pos, j])):
            values[pos, j] = np.where(np.isnan(values[pos, 0]), np.nan, 0.0)
    return _profile(full, values, np.full(len(full), step_s), step_s, src.shown, rows=len(t_us))


def read_profile_csv(path) -> pd.DataFrame:
    """A traffic profile saved as CSV (as `scenario_from_log` writes it beside a scenario): columns ``start`` (ISO
    time of each step), ``requests``, ``input_tokens``, ``cached_input_tokens``, ``output_tokens`` and ``seconds``.

    Raises
    ------
    UsageLogError
        A missing column, an unparseable or unevenly spaced ``start``, a count that is not a number >= 0.
    """
    shown = _shown(path)
    p = Path(path)
    if not p.exists():
        raise UsageLogError(shown, "no such file", allowed="a profile CSV written by scenario-from-log")
    _check_text_file(p, shown, "csv")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UsageLogError(shown, f"cannot be read as CSV: {' '.join(str(exc).split())}") from None
    needed = ["start", *PROFILE_COLUMNS]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise UsageLogError(shown, f"no column {missing[0]!r}; a profile has the columns {', '.join(needed)}")
    if raw.empty:
        raise UsageLogError(shown, "no data rows", allowed="one row per time step")
    start = pd.to_datetime(raw["start"], errors="coerce", format="ISO8601")
    if start.isna().any():
        i = int(np.flatnonzero(start.isna())[0])
        raise UsageLogError(shown, "not a date and time:", column="start", row=i + 1, value=raw["start"].iloc[i],
                            allowed="an ISO 8601 time")
    values = {}
    for c in PROFILE_COLUMNS:
        x = pd.to_numeric(raw[c], errors="coerce")
        bad = x.isna() | (x < 0) | ~np.isfinite(x)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UsageLogError(shown, "not a number >= 0:", column=c, row=i + 1, value=raw[c].iloc[i],
                                allowed="a number >= 0")
        values[c] = x.to_numpy(float)
    us = start.to_numpy("datetime64[us]").astype(np.int64)
    diffs = np.diff(us)
    step_us = int(diffs[0]) if len(diffs) else int(values["seconds"][0] * 1e6)
    if step_us <= 0 or (len(diffs) and np.any(diffs != step_us)):
        i = int(np.flatnonzero(diffs != step_us)[0]) + 2 if len(diffs) and step_us > 0 else 2
        raise UsageLogError(shown, "steps not evenly spaced at", column="start", row=i, value=raw["start"].iloc[i - 1],
                            allowed="one row per step, evenly spaced")
    frame = _profile(us, np.column_stack([values[c] for c in PROFILE_COLUMNS[:4]]), values["seconds"], step_us / 1e6,
                     shown, rows=len(raw))
    return frame


# --------------------------------------------------------------------------------------------- cost per task
def cost_per_task(
    path,
    prices: Mapping[str, Mapping[str, float]],
    input_tokens: str | None = None,
    output_tokens: str | None = None,
    cached_input_tokens: str | None = None,
    task: str | None = None,
    model: str | None = None,
    timestamp: str | None = None,
    memory_limit: str | None = None,
    format: str = "generic",
    columns: Mapping[str, str] | None = None,
    **read_kw,
) -> pd.DataFrame:
    """Cost of each task (feature) in a metered usage log, re-priced for each option call by call.

    Parameters
    ----------
    path : str, Path, DataFrame or UsageLog
        Usage log, one row per model call (any `read_usage` format).
    prices : mapping
        ``{option: {"input_usd_per_mtok", "output_usd_per_mtok"[, "cache_read_usd_per_mtok",
        "cache_write_usd_per_mtok", "cache_write_1h_usd_per_mtok", "long_context_above_tokens", ...,
        "other_usd_per_mtok"]}}`` [USD per million tokens]; a missing cache price charges those tokens at the input
        price. ``other_usd_per_mtok``: the option's costs other than its token bill, spread over every token in and
        out (engineering, evaluation, compliance, a fleet); 0 when missing. `task_prices_from_scenario` builds it
        from a scenario, billing rules included.
    input_tokens, output_tokens, cached_input_tokens, model, timestamp : str, optional
        Columns of a ``generic`` log [tokens per call]; cached input tokens are part of the input tokens.
    task : str, optional
        Column naming the feature that made the call; results are grouped by it (and by model when given).
    memory_limit : str, optional
        DuckDB memory limit, e.g. ``"1GB"``.
    format, columns, read_kw
        As in `read_usage`.

    Returns
    -------
    DataFrame
        One row per task (and model) and option: ``requests``, token sums, ``usd`` (the token bill),
        ``usd_per_request``, ``usd_per_1k_requests``, ``share`` (of that option's token bill), ``all_in_usd`` (the
        token bill plus ``other_usd_per_mtok`` × tokens in and out), ``all_in_usd_per_1k_requests``; ``attrs``:
        ``other_usd_per_mtok`` per option.

    Notes
    -----
    Billed as `price_usage` bills a call: uncached input, cache reads, cache writes, output and reasoning at the
    option's prices, the long-context tier per call, batch calls at the batch prices; a cache read shorter than
    the option's minimum cacheable prefix is billed as input.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"feature": ["chat", "chat", "summary"], "in": [1000, 3000, 10000],
    ...                     "cached": [0, 2000, 0], "out": [100, 300, 50]})
    >>> prices = {"api": {"input_usd_per_mtok": 3.0, "output_usd_per_mtok": 15.0, "cache_read_usd_per_mtok": 0.3}}
    >>> t = cost_per_task(log, prices, input_tokens="in", output_tokens="out", cached_input_tokens="cached",
    ...                   task="feature")
    >>> t[["task", "option", "requests", "usd"]].round(4).to_numpy().tolist()
    [['chat', 'api', 2, 0.0126], ['summary', 'api', 1, 0.0308]]
    """
    if isinstance(path, UsageLog):
        usage = path
    else:
        cols = dict(columns or {})
        if format == "generic":
            for key, col in (("timestamp", timestamp), ("input_tokens", input_tokens), ("output_tokens", output_tokens),
                             ("model", model), ("cache_read_tokens", cached_input_tokens)):
                if col is not None:
                    cols[key] = col
        usage = read_usage(path, format=format, columns=cols, task=task, memory_limit=memory_limit, **read_kw)
    by = ["task"] + (["model"] if model is not None else [])
    t = price_usage(usage, prices=prices, by=by, memory_limit=memory_limit)
    if task is None:
        t["task"] = "(all)"
        t = t.groupby(["option"] + by[1:], sort=False, as_index=False).sum(numeric_only=True).assign(task="(all)")
    t["task"] = t["task"].fillna("(none)")
    if "model" in t:
        t["model"] = t["model"].fillna("(none)")
    t = t.rename(columns={"cache_read_tokens": "cached_input_tokens"})
    t["usd_per_request"] = t["usd"] / t["requests"].where(t["requests"] > 0)
    t["usd_per_1k_requests"] = 1000 * t["usd_per_request"]
    totals = t.groupby("option")["usd"].transform("sum")
    t["share"] = t["usd"] / totals.where(totals > 0)
    other = {o: float(p.get("other_usd_per_mtok") or 0.0) for o, p in prices.items()}
    t["all_in_usd"] = t["usd"] + t["option"].map(other) * (t["input_tokens"] + t["output_tokens"]) / 1e6
    t["all_in_usd_per_1k_requests"] = 1000 * t["all_in_usd"] / t["requests"].where(t["requests"] > 0)
    order = {o: j for j, o in enumerate(prices)}
    t = t.sort_values(by + ["option"], key=lambda s: s.map(order) if s.name == "option" else s, kind="stable")
    keep = by + ["option", "requests", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
                 "reasoning_tokens", "usd", "usd_per_request", "usd_per_1k_requests", "share", "all_in_usd",
                 "all_in_usd_per_1k_requests"]
    out = t[keep].reset_index(drop=True)
    out["requests"] = out["requests"].astype(int)
    out.attrs.update(source=usage.describe(), other_usd_per_mtok=other)
    return out


def cost_per_task_view(table: pd.DataFrame):
    """`cost_per_task` as one row per task (HTML): calls, mean tokens in and out, and each option's token bill and
    all-in cost per 1,000 calls in dollars, one precision per column, with a computed sentence saying what each
    column holds. An option with no token bill (self-hosting) shows ``–`` there."""
    from ._costs import OPTIONS
    from ._views import HTML, _esc, html_table, usd, usd_column

    first = table.drop_duplicates("task").set_index("task")
    cols = {"calls": first["requests"].map("{:,.0f}".format),
            "mean tokens in": (first["input_tokens"] / first["requests"]).map("{:,.0f}".format),
            "mean tokens out": (first["output_tokens"] / first["requests"]).map("{:,.0f}".format)}
    other = table.attrs.get("other_usd_per_mtok", {})
    spread, unbilled = [], []
    for option, t in table.groupby("option", sort=False):
        name = OPTIONS.get(option, option)
        t = t.set_index("task").reindex(first.index)
        billed = bool((t["usd"] > 0).any())
        bill = usd_column(t["usd_per_1k_requests"]) if billed else ["–"] * len(t)
        cols[f"{name}: token bill (USD per 1,000 calls)"] = pd.Series(bill, index=first.index)
        cols[f"{name}: all in (USD per 1,000 calls)"] = pd.Series(usd_column(t["all_in_usd_per_1k_requests"]),
                                                                  index=first.index)
        if not billed:
            unbilled.append(name)
        if other.get(option):
            spread.append(f"{name} {usd(other[option], price=True)} per million tokens")
    rows = [{"task": task, **{k: v[task] for k, v in cols.items()}} for task in first.index]
    out = html_table(rows, "econ-table tasks", tuple(cols))
    note = ("Token bill: what the calls are billed per token at the option's prices"
            + (f" ({' and '.join(unbilled)}: no token bill)" if unbilled else "") + ". All in: the token bill plus "
            "the option's other monthly costs in the decision (engineering, evaluation, compliance, the fleet) spread "
            "over the scenario's tokens" + (f": {'; '.join(spread)}" if spread else "") + ". Compare options on the "
            "all-in columns: they are the costs the decision compares.")
    return HTML(f"{out}<p>{_esc(note)}</p>")


def example_usage_log() -> pd.DataFrame:
    """A real metered usage log to try `cost_per_task` on: the two Azure LLM inference traces (2023) as two
    tasks of one team, ``"code completion"`` and ``"conversation"``, one row per call with its own token counts
    (econ/data/traces/ATTRIBUTION.md).

    Examples
    --------
    >>> log = example_usage_log()
    >>> sorted(log["task"].unique()), list(log.columns)
    (['code completion', 'conversation'], ['timestamp', 'task', 'input_tokens', 'output_tokens'])
    """
    from ._traffic import trace_path

    frames = []
    for name, task in (("azure-code", "code completion"), ("azure-conv", "conversation")):
        raw = pd.read_csv(trace_path(name))
        frames.append(pd.DataFrame({"timestamp": raw["TIMESTAMP"], "task": task, "input_tokens": raw["ContextTokens"],
                                    "output_tokens": raw["GeneratedTokens"]}))
    return pd.concat(frames, ignore_index=True)


_SCENARIO_PRICE_KEYS = {  # cost_per_task price key -> scenario key under the option's section
    "input_usd_per_mtok": "input_usd_per_mtok", "output_usd_per_mtok": "output_usd_per_mtok",
    "cache_read_usd_per_mtok": "cache_read_usd_per_mtok", "cache_write_usd_per_mtok": "cache_write_usd_per_mtok",
    "long_context_above_tokens": "long_context_above_tokens", "long_context_input_factor": "long_context_input_factor",
    "long_context_output_factor": "long_context_output_factor", "batch_price_factor": "batch_price_factor",
    "batch_cache_read_factor": "batch_cache_read_factor", "min_cacheable_prefix_tokens": "min_cacheable_prefix_tokens",
}


def task_prices_from_scenario(scenario, decision=None) -> dict[str, dict[str, float]]:
    """Per-token prices and billing rules of each permitted option of a scenario, for `cost_per_task`, and each
    option's other costs per token, so that `cost_per_task` gives both the token bill and the all-in cost.

    ``api`` and ``managed``: the scenario's list prices (after ``price_factor``) and billing rules (long-context
    tier, batch prices, minimum cacheable prefix): the token bill of each call. ``selfhost``: no token bill.
    ``other_usd_per_mtok`` of each: the option's all-in monthly cost in the decision less its token bill, over the
    tokens it serves a month (``(monthly_usd − tokens_usd) / tokens``; for self-hosting its all-in cost per
    million tokens, ``usd_per_mtok``).

    Parameters
    ----------
    scenario : Scenario
    decision : Decision, optional
        The scenario's decision (`econ.decision`); computed when omitted.

    Examples
    --------
    >>> from econ import load_scenario, PARAMS_DIR
    >>> p = task_prices_from_scenario(load_scenario(PARAMS_DIR / "small_team_spiky.yaml"))
    >>> sorted(p), {k: p["api"][k] for k in ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok")}
    (['api', 'managed', 'selfhost'], {'input_usd_per_mtok': 0.4, 'output_usd_per_mtok': 1.6, 'cache_read_usd_per_mtok': 0.1})
    """
    if decision is None:
        from ._pipeline import decision as _decision

        decision = _decision(scenario)
    v = scenario.values
    out = {}
    for s in ("api", "managed", "selfhost"):
        if not v[f"{s}.permitted"]:
            continue
        plan = decision.options[s]
        mtok = plan.monthly_usd / plan.usd_per_mtok  # million tokens a month
        other = (plan.monthly_usd - plan.components.get("tokens_usd", 0.0)) / mtok
        if s == "selfhost":
            out[s] = {"input_usd_per_mtok": 0.0, "output_usd_per_mtok": 0.0, "other_usd_per_mtok": other}
        else:
            out[s] = {k: float(v[f"{s}.{key}"]) for k, key in _SCENARIO_PRICE_KEYS.items()
                      if v.get(f"{s}.{key}") is not None} | {"other_usd_per_mtok": other}
    return out


# --------------------------------------------------------------------------------------------- token distribution
def token_bins(usage: UsageLog, n: int = 20, edges: Iterable[float] = ()) -> dict[str, list[float]]:
    """The distribution of tokens per call in a log as quantile bins of input tokens per call.

    Parameters
    ----------
    usage : UsageLog
    n : int
        Number of quantile bins (fewer when calls repeat the same lengths).
    edges : iterable of float
        Extra bin edges [input tokens per call], e.g. price-tier thresholds and caching minimums, so that no
        bin straddles one.

    Returns
    -------
    dict
        ``{"input_tokens": [...], "output_tokens": [...], "share": [...]}``: each bin's mean input and output
        tokens per call and its share of calls (a bucket of calls counts as calls of its mean shape).
    """
    con = usage.connect()
    try:
        with _duck_errors(usage.source, usage.memory_limit):
            d = con.execute("SELECT round(input_tokens / requests) AS x, sum(requests)::DOUBLE AS n, "
                            "sum(input_tokens)::DOUBLE AS i, sum(output_tokens)::DOUBLE AS o FROM usage "
                            "WHERE requests > 0 GROUP BY x ORDER BY x").fetchnumpy()
    finally:
        con.close()
    x, w, i, o = (np.asarray(d[k], float) for k in ("x", "n", "i", "o"))
    if not len(x) or w.sum() <= 0:
        raise UsageLogError(usage.source, "no calls to measure a token distribution from", column="requests")
    cum = np.cumsum(w) / w.sum()
    cuts = set(np.searchsorted(cum, np.arange(1, n) / n, side="left").tolist())  # index of the last x in each bin
    for e in edges:
        j = int(np.searchsorted(x, e, side="right")) - 1  # bins are (.., e]
        if 0 <= j < len(x) - 1:
            cuts.add(j)
    stops = sorted(c for c in cuts if c < len(x) - 1) + [len(x) - 1]
    out = {"input_tokens": [], "output_tokens": [], "share": []}
    start = 0
    for stop in stops:
        if stop < start:
            continue
        sl = slice(start, stop + 1)
        calls = w[sl].sum()
        out["input_tokens"].append(round(float(i[sl].sum() / calls), 1))
        out["output_tokens"].append(round(float(o[sl].sum() / calls), 1))
        out["share"].append(float(calls / w.sum()))
        start = stop + 1
    total = sum(out["share"])
    out["share"] = [round(s / total, 6) for s in out["share"]]
    out["share"][-1] = round(1 - sum(out["share"][:-1]), 6)
    return out


def check_token_distribution(value) -> dict | None:
    """A scenario's ``workload.token_distribution``, checked: null, or ``{input_tokens: [...], output_tokens:
    [...], share: [...]}`` with equal lengths, counts >= 0 and shares >= 0 summing to 1. Raises ValueError."""
    if value is None:
        return None
    keys = ("input_tokens", "output_tokens", "share")
    if not isinstance(value, dict) or set(value) != set(keys):
        raise ValueError(f"{_show(value)} is not allowed; expected null or a mapping with exactly "
                         "input_tokens, output_tokens and share, each a list (one entry per bin)")
    lists = {}
    for k in keys:
        x = value[k]
        if not isinstance(x, list) or not x or len(x) > 1000:
            raise ValueError(f"{k}: {_show(x)} is not allowed; expected a list of 1 to 1,000 numbers")
        for j, e in enumerate(x):
            if isinstance(e, bool) or not isinstance(e, (int, float)) or not math.isfinite(e) or e < 0 \
                    or k != "share" and e > MAX_TOKENS:
                raise ValueError(f"{k}[{j}]: {_show(e)} is not allowed; expected a number >= 0"
                                 + (f" and at most {MAX_TOKENS:,.0f}" if k != "share" else ""))
        lists[k] = tuple(float(e) for e in x)
    if len({len(v) for v in lists.values()}) != 1:
        raise ValueError("input_tokens, output_tokens and share have different lengths "
                         f"({', '.join(str(len(lists[k])) for k in keys)}); expected one entry per bin in each")
    if abs(sum(lists["share"]) - 1) > 1e-3:
        raise ValueError(f"share sums to {sum(lists['share']):.6g}; expected shares of calls summing to 1")
    return lists


def check_token_means(bins: Mapping | None, input_tokens: float, output_tokens: float) -> None:
    """Refuse a token distribution whose means disagree with the workload's mean request (one home per number)."""
    if not bins:
        return
    w = np.asarray(bins["share"]) / np.sum(bins["share"])
    for name, mean, stated in (("input", float(w @ np.asarray(bins["input_tokens"])), input_tokens),
                               ("output", float(w @ np.asarray(bins["output_tokens"])), output_tokens)):
        if not math.isclose(mean, float(stated), rel_tol=5e-3, abs_tol=0.5):
            raise ValueError(f"its mean of {mean:,.1f} {name} tokens per request differs from "
                             f"workload.{name}_tokens_per_request = {stated:,.6g}; state the bins' mean there "
                             "(or rescale the bins)")


def check_traffic_profile(value) -> str:
    """A scenario's ``traffic.profile``: ``synthetic``, a shipped trace, or a ``.csv`` profile file (path relative
    to the scenario file). Raises ValueError."""
    from ._traffic import TRACES

    allowed = ["synthetic", *TRACES]
    if isinstance(value, str) and value in allowed:
        return value
    if isinstance(value, str) and value.strip().lower().endswith(".csv") and "\n" not in value:
        return value.strip()
    raise ValueError(f"{_show(value)} is not allowed; expected one of {', '.join(repr(a) for a in allowed)}, "
                     "or a profile .csv file beside the scenario (as scenario-from-log writes it)")


# --------------------------------------------------------------------------------------------- scenario from a log
def _tier_edges() -> list[float]:
    """Input lengths at which billing changes: long-context tiers and caching minimums of the catalog's models."""
    from ._prices import _rules

    edges = {128_000.0, 200_000.0, 272_000.0}
    for r in _rules().values():
        edges.add(float(r["default"]["min_prefix_tokens"]))
        edges |= {float(v) for v in r.get("models", {}).values()}
    return sorted(edges)


def _yaml_dump(doc) -> str:
    """YAML with lists of numbers on one line (the token bins stay readable)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def flow(dumper, data):
        inline = all(isinstance(x, (int, float)) for x in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=inline)

    Dumper.add_representer(list, flow)
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)


def scenario_from_log(
    log,
    out=None,
    format: str = "generic",
    columns: Mapping[str, str] | None = None,
    title: str | None = None,
    bins: int = 20,
    overwrite: bool = False,
    api_model: str | None = None,
    api_provider: str | None = None,
    **read_kw,
) -> Path:
    """Write a scenario whose workload is measured from a usage log, and its traffic profile beside it.

    Parameters
    ----------
    log : str, Path, DataFrame or UsageLog
        The log (`read_usage`; ``format``, ``columns`` and ``read_kw`` as there).
    out : str or Path, optional
        Scenario file to write (default ``params/<log name>.yaml``); the profile goes beside it as
        ``<name>_profile.csv``.
    title : str, optional
        The scenario's title (default: "Measured from <log>").
    bins : int
        Quantile bins of the token distribution (`token_bins`).
    overwrite : bool
        Replace existing files (otherwise an existing scenario or profile is refused, so nothing is lost). Never
        the kit's own files: a name starting with ``_`` or ``.`` (``params/_defaults.yaml``) is refused.
    api_model, api_provider : str, optional
        The per-token model the scenario's API option is priced at (the catalog's exact id; the provider defaults
        to the catalog's provider of that model). Default: the log's most used model, when the catalog prices it.

    Returns
    -------
    Path
        The scenario file, checked with `econ.load_scenario`.

    Raises
    ------
    UsageLogError
        An ``out`` that is not a plain ``.yaml`` scenario name (letters, digits, ``-`` and ``_``, not starting with
        ``_``), is the defaults file, or is a directory; an ``api_model`` the catalog does not know; a log too
        short to measure; and `read_usage`'s refusals.
    FileExistsError
        ``out`` or its profile exists and ``overwrite`` is False.

    Warns
    -----
    UsageWarning
        Calls to models the price catalog does not know (a model of your own, a self-hosted ``local`` one): the
        scenario prices the API option at another model, which the warning, the file's header comment and the
        ``api.model`` source name.

    Notes
    -----
    Measured, each with a source naming the log, its rows and date range: ``workload.requests_per_day`` (calls
    over the span), the mean input and output tokens per request and their distribution
    (``workload.token_distribution``), ``workload.cacheable_prefix_share`` ((cache reads + writes) / input),
    ``api.cache_hit_rate`` (reads / (reads + writes)), ``workload.batchable_share`` (batch calls / calls),
    ``workload.peak_to_mean`` (busiest clock hour over the mean hour) and the hourly profile
    (``traffic.profile``), and the model mix (``api.provider`` and ``api.model``: the most used model, when
    the catalog prices it). A log bucketed by the day gives no hourly profile; the defaults stay.
    """
    from ._params import PARAMS_DIR, _load_defaults, load_scenario
    from ._traffic import peak_to_mean

    if out is not None:
        _check_out(out)
    api_pick = _api_choice(api_provider, api_model) if api_model is not None or api_provider is not None else None
    usage = _as_usage(log, format=format, columns=columns, **read_kw)
    if usage.start is None:
        raise UsageLogError(usage.source, "no call times: a scenario needs requests per day", column="timestamp",
                            allowed="a log with a timestamp in every row")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(usage.source).stem if usage.source != "the DataFrame" else "usage_log")
    out = Path(out) if out is not None else PARAMS_DIR / f"{stem.lstrip('_-') or 'usage_log'}.yaml"
    profile_path = _check_out(out)
    for p in (out, profile_path):
        if p.exists() and not overwrite:
            raise FileExistsError(f"{p} exists; choose another --out, or pass overwrite=True (--force) to replace it")
    con = usage.connect()
    try:
        with _duck_errors(usage.source, usage.memory_limit):
            tot = con.execute("SELECT sum(requests)::DOUBLE, sum(input_tokens)::DOUBLE, sum(output_tokens)::DOUBLE, "
                              "sum(cache_read_tokens)::DOUBLE, sum(cache_write_5m_tokens + cache_write_1h_tokens)::DOUBLE, "
                              "sum(requests) FILTER (batch)::DOUBLE FROM usage").fetchone()
            gap = con.execute("SELECT min(d) FROM (SELECT t - lag(t) OVER (ORDER BY t) AS d FROM "
                              "(SELECT DISTINCT ts_us AS t FROM usage)) WHERE d > 0").fetchone()[0]
    finally:
        con.close()
    calls, inp, outp, read, write, batch = (float(x or 0) for x in tot)
    bucket_s = float(gap) / 1e6 if usage.bucketed and gap else 0.0
    span_s = (usage.end - usage.start).total_seconds() + bucket_s
    if span_s < 3600:
        raise UsageLogError(usage.source, f"the log spans {span_s / 60:,.1f} minutes, too short to measure requests per "
                            "day and the busiest hour", column="timestamp", allowed="a log of at least an hour (a week "
                            "or more shows the daily and weekly cycles)")
    where = usage.describe()
    src = f"measured by scenario-from-log from {where}"
    defaults, _ = _load_defaults()

    def leaf(key, value, how):
        return {"value": value, "unit": defaults[key]["unit"], "source": f"{how}; {src}"}

    dist = token_bins(usage, bins, _tier_edges())
    w = np.asarray(dist["share"])
    mean_in = round(float(w @ np.asarray(dist["input_tokens"])), 1)
    mean_out = round(float(w @ np.asarray(dist["output_tokens"])), 1)
    workload = {
        "requests_per_day": leaf("workload.requests_per_day", round(calls / (span_s / 86_400), 1),
                                 f"{calls:,.0f} calls over {span_s / 86_400:,.2f} days"),
        "input_tokens_per_request": leaf("workload.input_tokens_per_request", mean_in,
                                         "mean input tokens per call, cache reads and writes included (the mean of "
                                         "workload.token_distribution)"),
        "output_tokens_per_request": leaf("workload.output_tokens_per_request", max(mean_out, 0.1),
                                          "mean output tokens per call, reasoning included (the mean of "
                                          "workload.token_distribution)"),
        "token_distribution": leaf("workload.token_distribution", dist,
                                   f"{len(dist['share'])} quantile bins of input tokens per call, split at the "
                                   "catalog's long-context thresholds and caching minimums; each bin's mean tokens "
                                   "and share of calls"),
        "cacheable_prefix_share": leaf("workload.cacheable_prefix_share", round((read + write) / inp, 6) if inp else 0.0,
                                       f"(cache reads {read:,.0f} + cache writes {write:,.0f}) / input tokens {inp:,.0f}"),
        "batchable_share": leaf("workload.batchable_share", round(batch / calls, 6) if calls else 0.0,
                                f"{batch:,.0f} of {calls:,.0f} calls through a batch API"),
    }
    api: dict[str, Any] = {}
    if read + write > 0:
        api["cache_hit_rate"] = leaf("api.cache_hit_rate", round(read / (read + write), 6),
                                     f"cache reads {read:,.0f} / (reads + writes {write:,.0f})")
    mix = usage.groups.groupby(["provider", "model"], dropna=False)["requests"].sum().sort_values(ascending=False)
    mix_text = ", ".join(f"{m if isinstance(m, str) else '(none)'} {n / mix.sum():.0%}" for (_, m), n in mix.head(5).items())
    priced = {key: _catalog_entry(*key) for key in mix.index}  # (provider, model) -> (provider id, model id) or None
    unpriced = [(k, n / mix.sum()) for k, n in mix.items() if priced[k] is None]
    unpriced_text = ", ".join(f"{_who(*k)} ({share:.0%} of calls)" for k, share in unpriced[:5]) + (
        f" and {len(unpriced) - 5} more" if len(unpriced) > 5 else "")
    top = mix.index[0] if len(mix) else (None, None)
    pick, how = None, None
    if api_pick is not None:
        pick, how = api_pick, f"chosen with --api-model (the log's model mix: {mix_text or 'not in the log'})"
    elif priced.get(top) is not None:
        pick, how = priced[top], f"the most used model in the log ({mix_text})"
        if top[1] != pick[1]:
            how += f"; the log names it {top[1]!r}"
    if unpriced:  # the scenario prices those calls at another model: say so where a reviewer looks
        at = pick or (defaults["api.provider"]["value"], defaults["api.model"]["value"])
        what = "the model chosen with --api-model" if api_pick else "the log's most used priced model" if pick else \
            "the default model (params/_defaults.yaml)"
        note = (f"the price catalog (genai-prices {_version()}) does not know {unpriced_text}; the scenario prices "
                f"the API option at {what}, {at[0]} {at[1]}" + ("" if api_pick else
                                                                 "; name the model to compare with --api-model"))
        if not api_pick:  # chosen by the user: said in the file, not warned about
            warnings.warn(UsageWarning(f"{out}: {note}"), stacklevel=2)
        how = f"{how}; {note}" if how else f"not measured: {note}"
        pick = at
    if pick is not None:
        api["provider"] = leaf("api.provider", pick[0], how)
        api["model"] = leaf("api.model", pick[1], how)
    traffic: dict[str, Any] = {}
    hourly = bucket_s <= 3600
    if hourly:
        profile = usage_profile(usage, freq="1h", origin="epoch")
        try:
            ptm = round(float(peak_to_mean(profile, "1h")), 4)
        except ValueError:
            ptm = None
        if ptm is not None:
            workload["peak_to_mean"] = leaf("workload.peak_to_mean", ptm, "busiest clock hour over the mean hour")
            traffic["profile"] = leaf("traffic.profile", profile_path.name,
                                      f"hourly calls and tokens of the log ({len(profile):,} hours), written beside "
                                      "this file; rescaled to workload.requests_per_day")
    doc = {
        "scenario": {"title": title or f"Measured from {Path(usage.source).name}",
                     "description": f"Workload measured from {where}. Model mix by calls: {mix_text or 'not in the log'}."
                                    + (f" Priced at {pick[0]} {pick[1]}: {note}." if unpriced else "")},
        "workload": workload,
    }
    if api:
        doc["api"] = api
    if traffic:
        doc["traffic"] = traffic
    header = (f"# Written by `python -m econ scenario-from-log` from {where}.\n"
              "# Every value below is measured from the log (its source says how); the rest comes from\n"
              "# params/_defaults.yaml. Edit freely: the log is not read again.\n")
    if unpriced:
        header += "# WARNING: " + "\n#   ".join(textwrap.wrap(note + ".", 100)) + "\n"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".scenario-", dir=out.parent))  # checked there, then moved in place
    except OSError as exc:
        raise UsageLogError(str(out), f"cannot be written ({exc.strerror or exc})",
                            allowed="a path in a folder you can write to") from None
    try:
        (staging / out.name).write_text(header + _yaml_dump(doc), encoding="utf-8")
        if traffic:
            profile.reset_index().assign(start=lambda f: f["start"].dt.strftime("%Y-%m-%dT%H:%M:%S")).to_csv(
                staging / profile_path.name, index=False)
        load_scenario(staging / out.name)
        backup = staging / "previous_profile.csv"  # the profile it replaces, put back if the scenario cannot be
        if traffic and profile_path.exists():
            shutil.copy2(profile_path, backup)
        if traffic:
            os.replace(staging / profile_path.name, profile_path)
        try:
            os.replace(staging / out.name, out)
        except OSError as exc:
            if traffic:
                os.replace(backup, profile_path) if backup.exists() else profile_path.unlink()
            raise UsageLogError(str(out), f"cannot be written ({exc.strerror or exc}); nothing was changed",
                                allowed="a path in a folder you can write to") from None
    except OSError as exc:
        raise UsageLogError(str(out), f"cannot be written ({exc.strerror or exc}); nothing was changed",
                            allowed="a path in a folder you can write to") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


_OUT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def _check_out(out) -> Path:
    """Refuse an ``out`` that is not a scenario file `make report` renders, or whose writing would lose something;
    return the profile path beside it."""
    from ._params import DEFAULTS_FILE

    if not isinstance(out, (str, os.PathLike)) or not str(out).strip():
        raise UsageLogError(f"--out {out!r}", "is not a file name", allowed="a scenario file such as params/week.yaml")
    out = Path(out)
    allowed = ("a scenario file named with letters, digits, '-' and '_', starting with a letter or digit and ending "
               "in .yaml, e.g. params/week.yaml")
    try:
        defaults = out.resolve() == DEFAULTS_FILE.resolve()
    except OSError:
        defaults = False
    if defaults:
        raise UsageLogError(f"--out {out}", "is the kit's defaults file, which every scenario is merged over and "
                            "checked against (the schema); it is never written, even with --force", allowed=allowed)
    if out.name[:1] in ("_", "."):
        raise UsageLogError(f"--out {out}", "starts with '_' or '.': such names are the kit's own files "
                            "(params/_defaults.yaml), not scenarios, and `make report` skips them; refused even with "
                            "--force", allowed=allowed)
    if out.suffix != ".yaml" or not _OUT_NAME.fullmatch(out.stem):
        raise UsageLogError(f"--out {out}", "is not a scenario file name `make report` renders (the name becomes the "
                            "folder of its pages in outputs/ and a sheet of summary.xlsx)", allowed=allowed)
    profile = out.with_name(f"{out.stem}_profile.csv")
    for p in (out, profile):
        if p.is_dir():
            raise UsageLogError(f"--out {out}", f"{p} is a directory; it is not replaced, even with --force",
                                allowed=allowed + ", where no directory of that name is")
        if p.exists() and not p.is_file():
            raise UsageLogError(f"--out {out}", f"{p} is not a regular file (a FIFO, device or socket)", allowed=allowed)
    return profile


def _who(provider, model) -> str:
    model = model if isinstance(model, str) else "(no model)"
    return f"{model!r} at provider {provider!r}" if isinstance(provider, str) else repr(model)


def _catalog_entry(provider, model) -> tuple[str, str] | None:
    """The catalog's (provider id, exact model id) a log's (provider, model) is billed as, or None when unknown."""
    from ._prices import _snapshot, billing_model

    if not isinstance(model, str):
        return None
    try:
        prov = provider if isinstance(provider, str) else _snapshot().find_provider(model.lower(), None, None).id
        bm = billing_model(prov, model)
    except LookupError:
        return None
    # scenario files name the catalog's exact id (econ/_params.py): the entry the log's name matched, at its owner
    owner = next((p for p in _snapshot().providers if any(m is bm.catalog for m in p.models)), bm.provider)
    return owner.id, bm.catalog.id


def _api_choice(provider, model) -> tuple[str, str]:
    """``--api-provider`` / ``--api-model``: the catalog's exact ids (the provider found from the model if not given)."""
    from ._prices import _snapshot, catalog_model

    if not isinstance(model, str) or not model.strip():
        raise UsageLogError(f"--api-model {model!r}", "is needed with --api-provider",
                            allowed="a per-token model id of genai-prices' catalog, e.g. claude-sonnet-4-5")
    given = provider
    if provider is None:
        try:
            provider = _snapshot().find_provider(model.lower(), None, None).id
        except LookupError:
            provider = None
    try:
        if provider is None:
            raise LookupError(f"a model id of genai-prices {_version()}", "model")
        catalog_model(provider, model)
    except LookupError as exc:
        shown = f"--api-model {model!r}" + (f" at --api-provider {given!r}" if given else "")
        raise UsageLogError(shown, "is not in the price catalog", allowed=exc.args[0]) from None
    return provider, model


class UsageWarning(UserWarning):
    """Something a usage log's reader or `scenario_from_log` did that the user should know: e.g. calls to a model
    the price catalog does not know, priced at another model."""
