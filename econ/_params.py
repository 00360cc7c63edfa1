"""Scenario files: loading, merging over the shared defaults, and validation.

A scenario is one YAML file in ``params/``. ``params/_defaults.yaml`` holds every assumption the kit knows,
each a leaf ``{label, value, unit, source[, checked][, allowed][, note]}``; it is also the schema: a scenario may
only name keys that exist there, and overrides a leaf with at least ``value`` and ``source`` (plus ``checked`` for
prices, i.e. any unit in USD). A leaf's ``unit``, when a scenario states it, must match the default's.

``label`` (defaults only) is what the pages call an assumption where a finance reader reads it (the decision page,
the sensitivity charts): a noun phrase in sentence case of at most `MAX_LABEL_CHARS`, without the unit (shown with
the value), unique across the defaults. A scenario cannot set it: the same key reads the same in every scenario
(the comparison page sets them side by side). The key stays where an analyst looks (tooltips, the assumption
tables, ``decision.json``).

``allowed`` (defaults only) says what a value may be:

- an interval such as ``"[0, inf)"``, ``"(0, 1]"``, optionally prefixed by ``integer`` and suffixed by
  ``or null`` (null: "derive it", e.g. an API price read from genai-prices); an open end means the kit's bound on
  magnitudes: ``inf`` admits up to `MAX_MAGNITUDE` (1e15) and an open ``(0`` down to `MIN_MAGNITUDE` (1e-15), where
  the model's products and ratios stay finite; a finite bound states its reason in a comment in the defaults;
- a list of choices; ``bool``; ``text`` (a name of at most `MAX_NAME_CHARS`); ``date``; ``gpu`` (a name in the GPU
  catalog); ``model`` (a name in the open-model catalog).

Some rules span several assumptions (`RULES`, `DERIVED_RULES`): at least one option permitted; a request within the
context window of every model that may serve it; the fine-tuned prompt no longer than the long one; the premium
model at least as good as the open one; ``prices.price_date`` within the price catalog's dates; the volume, grown
over the horizon, within its bound; a self-hosted fleet of at most 2^53 GPUs; a peak the synthetic traffic profile
can reach. Scenario files are UTF-8 YAML without anchors, aliases, merge keys or duplicate keys; ``scenario.title``
is one line of at most 120 characters, ``scenario.description`` a paragraph of at most 2,000; a ``checked`` date is
``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and not in the future.

A continuous number may also carry its uncertainty, ``dist: {kind, low, [mode,] high, source}`` (read by the
sensitivity analysis, econ/_sensitivity.py): ``uniform`` and ``triangular`` (``mode`` defaults to the value) between
``low`` and ``high``; ``normal`` and ``lognormal`` whose 5th and 95th percentiles are ``low`` and ``high``, truncated
to the leaf's ``allowed`` interval. ``low``, ``mode`` and ``high`` must lie in that interval, in that order, with
the value between ``low`` and ``high``. A scenario that overrides a value drops the default's ``dist`` unless it
states one of its own (a range set around one value says nothing about another).
"""

from __future__ import annotations

import copy
import difflib
import functools
import math
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Assumption", "Scenario", "ScenarioError", "load_scenario", "scenario_files", "PARAMS_DIR"]

COST_SECTIONS = ("prices", "workload", "engineering", "api", "managed", "selfhost")
"""Sections of a scenario the three-option cost model reads; the others belong to one analysis each."""
PROJECT_DIR = Path(__file__).resolve().parents[1]
PARAMS_DIR = PROJECT_DIR / "params"
DEFAULTS_FILE = PARAMS_DIR / "_defaults.yaml"
LEAF_FIELDS = {"label", "value", "unit", "source", "checked", "note", "allowed", "dist"}
DEFAULTS_ONLY_FIELDS = {"allowed", "label"}
"""Fields a scenario may not set: what a value may be, and what the pages call the assumption."""
OVERRIDE_FIELDS = LEAF_FIELDS - DEFAULTS_ONLY_FIELDS
META_SECTION = "scenario"
META_KEYS = {"title", "description"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names file, key, value and what is allowed."""


def key_label(key: str) -> str:
    """A label made from a key, for an assumption the defaults do not name (a derived fact).

    Examples
    --------
    >>> key_label("api.long_context_above_tokens")
    'Long context above tokens (api)'
    """
    section, _, leaf = key.rpartition(".")
    words = leaf.replace("_", " ").strip() or key
    return words[:1].upper() + words[1:] + (f" ({section})" if section else "")


@dataclass(frozen=True)
class Assumption:
    """One traceable number or setting: its value, unit and source, the file it came from, and its label (what the
    pages call it; `key_label` of the key when none is given)."""

    key: str
    value: Any
    unit: str | None
    source: str
    checked: str | None = None
    note: str | None = None
    origin: str = ""
    dist: dict | None = None
    label: str = ""

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", key_label(self.key))


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: a flat mapping ``"section.key" -> Assumption`` plus its title.

    ``scenario["workload.requests_per_day"]`` gives the value; ``scenario.values`` all of them, ready to pass
    to the vectorized cost functions.
    """

    name: str
    title: str
    description: str
    path: str
    assumptions: dict[str, Assumption] = field(repr=False)
    file: Path | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, key: str) -> Any:
        return self.assumptions[key].value

    @property
    def values(self) -> dict[str, Any]:
        return {k: a.value for k, a in self.assumptions.items()}

    def replace(self, updates: Mapping[str, Any], source: str = "varied in this analysis") -> Scenario:
        """A copy with some values replaced (scalars or numpy arrays, e.g. for a sweep)."""
        unknown = [k for k in updates if k not in self.assumptions]
        if unknown:
            raise KeyError(f"unknown assumption(s) {unknown}; valid: {sorted(self.assumptions)}")
        new = dict(self.assumptions)
        for k, v in updates.items():
            new[k] = replace(new[k], value=v, source=source, origin="")
        return replace(self, assumptions=new)


# ---------------------------------------------------------------------------------------------- YAML

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file read [bytes]: the shipped ones are 2-4 kB and the defaults 40 kB; a larger file is not
a scenario (a log or a data file given by mistake), and is refused before it is read into memory."""
MAX_DEPTH = 8
"""Deepest nesting read: a scenario nests four mappings (file, section, assumption, dist); deeper text is refused
while it is parsed, before the parser's recursion can run out."""


class _Refused(yaml.MarkedYAMLError):
    """Something valid YAML that scenario files do not allow (aliases, duplicate keys...), with its position."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``1e6`` as a number (YAML 1.2), as users expect, and refuses what a scenario never
    needs and could abuse: anchors and aliases (an alias bomb expands to gigabytes), merge keys, duplicate keys
    (the last would silently win), keys that are not names, nesting deeper than `MAX_DEPTH`, integers too long
    for Python to convert."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            what = "an alias (*" if isinstance(event, yaml.AliasEvent) else "an anchor (&"
            raise _Refused(None, None, f"{what}{event.anchor}) is not allowed in a scenario file; expected the "
                           "value written out where it is used", event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(None, None, f"nesting deeper than {MAX_DEPTH} levels is not allowed; expected section, "
                           "assumption, field (and dist, field) as in params/_defaults.yaml", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                mark = key_node.start_mark
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise _Refused(None, None, "a merge key (<<) is not allowed in a scenario file; expected the keys "
                                   "written out", mark)
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise _Refused(None, None, f"the key {_show(key)} is not allowed; expected a name such as "
                                   "requests_per_day (quote a key that YAML reads as a number, date or yes/no)", mark)
                if key in first:
                    raise _Refused(None, None, f"duplicate key '{key}' (first on line {first[key] + 1}) is not "
                                   "allowed; expected each key once in a mapping (the later one would silently win)",
                                   mark)
                first[key] = mark.line
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            raise _Refused(None, None, f"an integer of {len(node.value):,} digits is not allowed; expected a "
                           "number in the assumption's range", node.start_mark) from None


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d[\d_]*)?(?:\.\d*)?[eE][-+]?\d+$"),
    list("-+0123456789."),
)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)

_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _read_text(path: Path, shown: str) -> str:
    """The file's text, or a ScenarioError saying why it cannot be read (never an OSError or UnicodeDecodeError)."""
    expected = "expected a YAML scenario file such as params/enterprise_steady.yaml"
    try:
        mode = path.stat()
    except FileNotFoundError:
        available = ", ".join(str(p.relative_to(PROJECT_DIR)) for p in scenario_files()) or "none"
        raise ScenarioError(f"{shown}: file not found; expected a scenario file, such as those in params/: "
                            f"{available}") from None
    except OSError as exc:  # a folder on the way that cannot be searched, a name too long, a symlink loop...
        raise ScenarioError(f"{shown}: cannot be opened ({exc.strerror}); {expected}") from None
    kind = next((what for test, what in _FILE_KINDS if test(mode.st_mode)), None)
    if kind:
        raise ScenarioError(f"{shown}: is {kind}, not a file; {expected}")
    if mode.st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{shown}: {mode.st_size:,} bytes is not allowed; expected a scenario file of at most "
                            f"{MAX_FILE_BYTES:,} bytes (a few kB of YAML)")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise ScenarioError(f"{shown}: cannot be read: permission denied (mode {stat.filemode(mode.st_mode)}); "
                            "expected a file your user may read (chmod u+r)") from None
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot be read ({exc.strerror}); {expected}") from None
    nul = data.find(b"\0")
    if nul >= 0:
        raise ScenarioError(f"{shown}: is a binary file (a NUL byte at byte {nul:,}), not YAML text; {expected}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(f"{shown}: line {line}, column {column}: byte 0x{data[exc.start]:02x} is not UTF-8; "
                            "expected UTF-8 text (a file saved as Latin-1 or Windows-1252: save it as UTF-8)") from None


def _read_yaml(path: Path, shown: str) -> dict:
    text = _read_text(path, shown)
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        if isinstance(exc, _Refused):
            raise ScenarioError(f"{shown}: {where}{exc.problem}") from None
        context = f" ({exc.context})" if exc.context else ""
        tabs = " indented with spaces (not tabs)" if "\\t" in str(exc.problem) else ""
        raise ScenarioError(f"{shown}: {where}not valid YAML: {exc.problem}{context}; expected YAML{tabs} as in "
                            "params/enterprise_steady.yaml") from None
    except yaml.YAMLError as exc:  # a reader error: a character YAML does not allow (a control character)
        raise ScenarioError(f"{shown}: not valid YAML: {exc}; expected text without control characters") from None
    if data is None:
        raise ScenarioError(f"{shown}: is empty (or only comments); expected a mapping of sections such as "
                            "'workload:' with the assumptions the scenario changes (see params/enterprise_steady.yaml)")
    if not isinstance(data, dict):
        raise ScenarioError(f"{shown}: {_show(data)} is not allowed at the top level; expected a mapping of sections "
                            "such as 'workload:' (see params/enterprise_steady.yaml)")
    return data


def _show(value: Any, limit: int = 60) -> str:
    """A value as messages quote it: its repr, shortened; a huge integer by its number of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of about {round(value.bit_length() * math.log10(2)):,} digits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 12]}... ({len(text):,} characters)"


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


def _flatten(tree: dict, prefix: str = "") -> dict[str, dict]:
    out: dict[str, dict] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if _is_leaf(v):
            out[key] = v
        elif isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v  # not a leaf mapping: reported by the caller
    return out


# ---------------------------------------------------------------------------------------- validation

_INTERVAL = re.compile(
    r"^(?P<int>integer\s+)?(?P<lo_b>[\[(])\s*(?P<lo>[-+\w.]+)\s*,\s*(?P<hi>[-+\w.]+)\s*(?P<hi_b>[\])])"
    r"(?P<null>\s+or\s+null)?$"
)
MAX_NAME_CHARS = 200
"""Longest ``text`` value (a provider or model id: the longest in genai-prices is under 100 characters)."""
MAX_SOURCE_CHARS = 2_000
"""Longest ``source`` or ``note`` [characters]: a citation with its reasoning, shown in a table cell (the longest
shipped one is about 450)."""
MAX_LABEL_CHARS = 50
"""Longest ``label`` [characters]: a noun phrase that fits a chart's axis and a bullet of the decision page."""
MAX_TITLE_CHARS = 120
"""Longest scenario title [characters]: one line, shown as the heading of every page, in the index and the tab."""
MAX_DESCRIPTION_CHARS = 2_000
"""Longest scenario description [characters]: a paragraph under the title (the shipped ones are under 300)."""
MAX_MAGNITUDE = 1e15
"""Largest number an open-ended ``allowed`` (``inf``) admits, in the assumption's unit. No real figure here comes
near (all of Google's AI traffic was about 1e15 tokens a month in 2025), and products and ratios of a dozen
numbers within ``[MIN_MAGNITUDE, MAX_MAGNITUDE]`` stay far inside float64's range (1e±308), where 1e308 requests
or 1e308 USD/hour overflow to ``$inf`` on the pages."""
MIN_MAGNITUDE = 1e-15
"""Smallest positive number a positive ``allowed`` (``(0, ...``) admits: positive values divide somewhere
(replicas = demand / throughput, a purchase over its amortization years), and 1e-300 overflows the quotient."""
MAX_FLEET_GPUS = 2**53
"""Largest self-hosted fleet [GPUs]: GPU counts are whole numbers, which float64 holds exactly only up to 2^53."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters refused in scenario text: C0 and C1 controls (tab and, in a paragraph, line feed aside), line
and paragraph separators, and the bidirectional overrides and isolates that make text display other than it reads."""
_CHECKED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _describe_allowed(allowed: Any) -> str:
    if isinstance(allowed, list):
        return "one of " + ", ".join(repr(a) for a in allowed)
    return {
        "bool": "true or false",
        "text": f"a name (text of 1-{MAX_NAME_CHARS} characters)",
        "date": "a date written YYYY-MM-DD",
        "gpu": "a GPU in the catalog or 'auto'",
        "model": "a model in the open-model catalog or the path of a Hugging Face config.json",
    }.get(allowed, f"a number in {allowed}")


def _num(x: float) -> str:
    """A bound as messages write it: ``0.033``, ``1e12``, ``1e-15``."""
    return f"{x:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _bad(where: str, value: Any, what: str) -> ScenarioError:
    return ScenarioError(f"{where}: {_show(value)} is not allowed; expected {what}")


def _text(value: Any, where: str, what: str, limit: int, lines: bool = True) -> str:
    """``value`` if it is a non-empty text of at most ``limit`` characters without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise _bad(where, value, f"{what} (put it in quotes if YAML reads it as something else)")
    if len(value) > limit:
        raise _bad(where, value, f"{what} of at most {limit:,} characters")
    bad = _CONTROL.search(value if lines else value.replace("\n", "\x0b"))
    if bad:
        name = "a line break" if bad.group() in "\x0b\u2028\u2029" else f"the control character U+{ord(bad.group()):04X}"
        raise _bad(where, value, f"{what} without {name}")
    return value


def _check_date(value: Any, where: str, what: str = "a date written YYYY-MM-DD") -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:  # 2026-02-30
            pass
    raise _bad(where, value, what)


def _check_checked(value: Any, where: str) -> str:
    """When a figure was read: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real date, not in the future."""
    what = "a date written YYYY, YYYY-MM or YYYY-MM-DD, not in the future"
    text = value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not _CHECKED.match(text):
        raise _bad(where, value, what)
    parts = [int(p) for p in text.split("-")]
    try:
        first = date(*parts, *[1] * (3 - len(parts)))  # the earliest day the text can mean
    except ValueError:
        raise _bad(where, value, what) from None
    if first > date.today() or first.year < 1900:
        raise _bad(where, value, what + (" (nor before 1900)" if first.year < 1900 else ""))
    return text


def _check_value(value: Any, allowed: Any, where: str, unit: str | None) -> Any:
    """Return the (normalized) value or raise ScenarioError naming ``where``."""
    def bad(what: str) -> ScenarioError:
        return _bad(where, value, what)

    if isinstance(allowed, list):
        if not (value is None or isinstance(value, (str, int, float))) or value not in allowed:  # no lists, dicts
            raise bad(_describe_allowed(allowed))
        return value
    if allowed == "bool":
        if not isinstance(value, bool):
            quoted = isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no")
            raise bad("true or false" + (" without quotes (in quotes it is text)" if quoted else ""))
        return value
    if allowed == "text":
        return _text(value, where, "a name", MAX_NAME_CHARS, lines=False)
    if allowed == "date":
        return _check_date(value, where).isoformat()
    if allowed in ("traffic profile", "token bins"):  # checked by econ/_usage.py, which reads them
        from ._usage import check_token_distribution, check_traffic_profile

        try:
            return (check_traffic_profile if allowed == "traffic profile" else check_token_distribution)(value)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    if allowed == "gpu" and value == "auto":
        return value
    if allowed in ("gpu", "model"):
        from ._capacity import model_spec
        from ._catalog import gpu_spec

        if not isinstance(value, str):
            raise bad(_describe_allowed(allowed))
        try:
            return (gpu_spec if allowed == "gpu" else model_spec)(value)["key"]
        except ValueError as exc:
            raise bad(f"{_describe_allowed(allowed)} ({exc})") from None
    m = _INTERVAL.match(str(allowed))
    if not m:
        raise ScenarioError(f"{where}: the defaults file declares an unknown 'allowed' {allowed!r}")
    interval = allowed.replace(" or null", "").replace("integer", "").strip()
    unit_txt = f" [{unit}]" if unit else ""
    number = "a whole number" if m["int"] else "a number"
    if value is None:
        if m["null"]:
            return None
        raise bad(f"{number}{unit_txt} in {interval}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad(f"{number}{unit_txt} in {interval}" + (" or null" if m["null"] else ""))

    def within(lo_b: str, lo: float, hi: float, hi_b: str) -> bool:  # exact for integers of any size; False for NaN
        return (value >= lo if lo_b == "[" else value > lo) and (value <= hi if hi_b == "]" else value < hi)

    lo_b, lo, hi, hi_b = m["lo_b"], float(m["lo"]), float(m["hi"]), m["hi_b"]
    if isinstance(value, float) and not math.isfinite(value):
        raise bad(f"a finite number{unit_txt} in {interval}")
    if not within(lo_b, lo, hi, hi_b):
        raise bad(f"{number}{unit_txt} in {interval}")
    if hi == math.inf:  # open-ended: the kit's bound on magnitudes
        hi, hi_b = MAX_MAGNITUDE, "]"
    if lo == 0 and lo_b == "(":  # positive: a divisor somewhere, so not vanishingly small
        lo, lo_b = MIN_MAGNITUDE, "["
    if not within(lo_b, lo, hi, hi_b):
        raise bad(f"{number}{unit_txt} in {lo_b}{_num(lo)}, {_num(hi)}{hi_b} (numbers in scenario files "
                  f"lie between {_num(MIN_MAGNITUDE)} and {_num(MAX_MAGNITUDE)} of their unit, or are 0 where allowed)")
    if m["int"]:
        if float(value) != int(value):
            raise bad(f"a whole number{unit_txt} in {interval}")
        return int(value)
    return value


DIST_KINDS = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"), "lognormal": ("low", "high"),
              "normal": ("low", "high")}
"""Distribution kinds a leaf's ``dist`` may name, and their numeric fields."""
DIST_FIELDS = {"kind", "source", "low", "mode", "high"}


def _did_you_mean(name: Any, valid) -> str:
    close = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.6) if isinstance(name, str) else []
    return f" Did you mean '{close[0]}'?" if close else ""


def _misspelt(name: Any, valid) -> str:
    close = difflib.get_close_matches(str(name), list(valid), n=1, cutoff=0.6)
    return f" ('{name}' looks like a misspelt '{close[0]}')" if close else ""


def _check_dist(dist: Any, value: Any, allowed: Any, where: str, unit: str | None) -> dict | None:
    """Return the validated ``dist`` of a leaf (numbers as floats) or raise ScenarioError naming ``where``."""
    if dist is None:
        return None
    w = where  # "<file>: '<key>.dist'"

    def at(f: str) -> str:
        return f"{where[:-1]}.{f}'"

    example = "{kind: triangular, low: ..., high: ..., source: ...}"
    if not isinstance(dist, dict):
        raise _bad(w, dist, f"a mapping such as {example}")
    extra = sorted(map(str, set(dist) - DIST_FIELDS))
    if extra:
        raise ScenarioError(f"{w}: unknown field(s) {extra} is not allowed; expected kind, low, [mode,] high and source, "
                            f"e.g. {example}.{_did_you_mean(extra[0], DIST_FIELDS)}")
    kind = dist.get("kind")
    if not isinstance(kind, str) or kind not in DIST_KINDS:
        shown = "no kind" if kind is None else f"kind {_show(kind)}"
        raise ScenarioError(f"{w}: {shown} is not allowed; expected one of {', '.join(DIST_KINDS)}."
                            f"{_did_you_mean(kind, DIST_KINDS)}")
    m = _INTERVAL.match(allowed) if isinstance(allowed, str) else None
    if m is None or m["int"]:
        what = f"a whole number in {allowed.replace('integer', '').strip()}" if m else _describe_allowed(allowed)
        raise ScenarioError(f"{w}: a distribution is not allowed here; expected none: this assumption is {what}, "
                            "and only a continuous number can carry one")
    if value is None:
        raise ScenarioError(f"{w}: a distribution is not allowed on a null value (derived elsewhere); expected a "
                            "stated value next to it")
    fields = DIST_KINDS[kind]
    extra = set(dist) - {"kind", "source", *fields}
    missing = {"source", *fields} - {"mode"} - set(dist)
    if extra or missing:
        what = f"unknown field(s) {sorted(extra)}" if extra else f"missing {sorted(missing)}"
        raise ScenarioError(f"{w}: {kind} with {what} is not allowed; expected kind, {', '.join(fields)}, source"
                            + (" (mode defaults to the value)" if "mode" in fields else ""))
    source = _text(dist["source"], at("source"), "a source (a citation or 'assumption: why')", MAX_SOURCE_CHARS)
    interval = allowed.replace(" or null", "")
    nums = {f: float(_check_value(dist.get(f, value), interval, at(f), unit)) for f in fields}
    order = [f for f in ("low", "mode", "high") if f in nums]
    for a, b in zip(order, order[1:]):
        if nums[a] > nums[b]:
            raise ScenarioError(f"{w}: {a} {_show(dist.get(a, value))} is above {b} {_show(dist.get(b, value))}; "
                                f"expected {' <= '.join(order)}")
    if kind in ("normal", "lognormal") and not nums["low"] < nums["high"]:
        raise ScenarioError(f"{w}: low {nums['low']!r} equal to high is not allowed; expected low < high: a {kind} "
                            f"needs low < high (its 5th and 95th percentiles)")
    if kind == "lognormal" and nums["low"] <= 0:
        raise ScenarioError(f"{at('low')}: {nums['low']!r} is not allowed; expected a number above 0: a lognormal "
                            "needs low > 0")
    if not nums["low"] <= value <= nums["high"]:
        raise ScenarioError(f"{w}: the value {_show(value)} lies outside [{nums['low']:g}, {nums['high']:g}]; "
                            "expected low <= value <= high")
    return {"kind": kind, **nums, "source": source, "allowed": interval}


def _set_in(shown: str, origin: str, leaf_origin: str) -> str:
    """The file that set a leaf, as messages name it: the scenario file (``shown``) or the shared defaults."""
    return shown if leaf_origin == origin else "params/_defaults.yaml"


def _unknown_key(shown: str, key: str, valid: list[str]) -> ScenarioError:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    if not close:  # compare the last part too, for typos in a key under the right section
        section, _, leaf = key.rpartition(".")
        cands = {k.rpartition(".")[2]: k for k in valid if k.startswith(section + ".")}
        close = [cands[c] for c in difflib.get_close_matches(leaf, list(cands), n=1, cutoff=0.6)]
    hint = f" Did you mean '{close[0]}'?" if close else ""
    section = key.split(".")[0]
    same = [k for k in valid if k.split(".")[0] == section] or sorted({k.split(".")[0] for k in valid})
    return ScenarioError(f"{shown}: unknown key '{key}'.{hint} Valid keys here: {', '.join(same)}")


def _load_defaults() -> tuple[dict[str, dict], dict]:
    """The defaults, flat (``"section.key" -> leaf``) and as read; parsed once per version of the file."""
    st = DEFAULTS_FILE.stat()
    return copy.deepcopy(_parse_defaults(st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=1)
def _parse_defaults(mtime_ns: int, size: int) -> tuple[dict[str, dict], dict]:
    shown = str(DEFAULTS_FILE.relative_to(PROJECT_DIR))
    tree = _read_yaml(DEFAULTS_FILE, shown)
    tree.pop(META_SECTION, None)
    flat = _flatten(tree)
    labels: dict[str, str] = {}
    for key, leaf in flat.items():
        missing = {"label", "value", "source", "allowed"} - (set(leaf) if isinstance(leaf, dict) else set())
        if missing or key.count(".") != 1:
            raise ScenarioError(f"{shown}: '{key}' lacks {sorted(missing)}" if missing else
                                f"{shown}: '{key}' is not allowed; assumptions sit one level under a section")
        label = _text(leaf["label"], f"{shown}: '{key}.label'", "a label: a short noun phrase", MAX_LABEL_CHARS,
                      lines=False)
        if label.casefold() in labels:
            raise _bad(f"{shown}: '{key}.label'", label, f"a label no other assumption has ('{labels[label.casefold()]}' "
                       "has it)")
        labels[label.casefold()] = key
    return flat, tree


def _scenario_leaves(shown: str, tree: dict, defaults: dict[str, dict]) -> dict[str, Any]:
    """The scenario's overrides ``"section.key" -> leaf``, read along the schema: every section a mapping, every
    key one the defaults know."""
    valid = sorted(defaults)
    sections = {k.split(".")[0] for k in valid}
    out = {}
    for section, body in tree.items():
        if section not in sections:
            close = difflib.get_close_matches(section, sorted(sections), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(f"{shown}: unknown section '{section}'.{hint} "
                                f"Valid sections: {', '.join(sorted(sections | {META_SECTION}))}")
        if body is None:  # "workload:" with nothing under it
            continue
        if not isinstance(body, dict):
            first = next(k for k in defaults if k.startswith(section + "."))
            raise _bad(f"{shown}: '{section}'", body, f"a mapping of assumptions (a section must be a mapping), "
                       f"e.g. {section}: {{{first.split('.')[1]}: {{value: ..., source: ...}}}}")
        for key, leaf in body.items():
            full = f"{section}.{key}"
            if full not in defaults:
                raise _unknown_key(shown, full, valid)
            out[full] = leaf
    return out


def _validate_override(shown: str, key: str, leaf: Any, default: dict) -> dict:
    where = f"{shown}: '{key}'"
    example = f"{{value: ..., unit: {default.get('unit')!r}, source: ...}}"
    if not isinstance(leaf, dict):
        raise _bad(where, leaf, f"a mapping with at least value and source, e.g. {example}")
    extra = sorted(set(leaf) - OVERRIDE_FIELDS)
    for f in sorted(DEFAULTS_ONLY_FIELDS & set(leaf)):
        what = ("what the pages call it, set once in params/_defaults.yaml" if f == "label"
                else "what a value may be, set once in params/_defaults.yaml")
        raise ScenarioError(f"{where}: field '{f}' = {_show(leaf[f])} is not allowed in a scenario file; expected "
                            f"the fields {', '.join(sorted(OVERRIDE_FIELDS))} ('{f}' is {what}: {default[f]!r})")
    if "value" not in leaf:
        hint = next((_misspelt(f, ["value"]) for f in extra if _misspelt(f, ["value"])), "")
        if not hint and {"low", "high", "mode", "kind"} & set(leaf):
            hint = " (a range goes under dist, next to the value: {value: ..., dist: {kind: ..., low: ..., high: ..., source: ...}, source: ...})"
        raise ScenarioError(f"{where} has no value{hint}; expected a mapping with at least value and source, e.g. {example}")
    if extra:
        raise ScenarioError(f"{where}: unknown field '{extra[0]}'{_misspelt(extra[0], OVERRIDE_FIELDS)} is not allowed; "
                            f"expected the fields {', '.join(sorted(OVERRIDE_FIELDS))}")
    if "unit" in leaf and leaf["unit"] != default.get("unit"):
        raise ScenarioError(f"{where}: unit {_show(leaf['unit'])} is not allowed; expected {default.get('unit')!r} (or no "
                            "unit)")
    if leaf.get("source") is None or leaf.get("source") == "":
        raise ScenarioError(f"{where} = {_show(leaf['value'])} has no source; expected source: a citation or "
                            "'assumption: why'")
    if "USD" in str(default.get("unit") or "") and leaf["value"] is not None and not leaf.get("checked"):
        raise ScenarioError(f"{where} = {_show(leaf['value'])} is a price without a date; expected checked: "
                            "YYYY-MM-DD (when it was read)")
    return leaf


def _check_meta(shown: str, meta: Any) -> dict[str, str]:
    """The scenario's title and description: one line of text and a paragraph, of bounded length."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise _bad(f"{shown}: '{META_SECTION}'", meta, "a mapping with title and description")
    extra = sorted(set(meta) - META_KEYS)
    if extra:
        raise ScenarioError(f"{shown}: '{META_SECTION}.{extra[0]}'{_misspelt(extra[0], META_KEYS)} is not allowed; "
                            f"expected only {' and '.join(sorted(META_KEYS))} under '{META_SECTION}'")
    out = {}
    if "title" in meta:
        out["title"] = _text(meta["title"], f"{shown}: '{META_SECTION}.title'", "a title: one line of text",
                             MAX_TITLE_CHARS, lines=False).strip()
    if "description" in meta:
        out["description"] = _text(meta["description"], f"{shown}: '{META_SECTION}.description'",
                                   "a description: a paragraph of text", MAX_DESCRIPTION_CHARS).strip()
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge over ``params/_defaults.yaml`` and validate one scenario file.

    Parameters
    ----------
    path : str or Path
        A YAML file, e.g. ``"params/enterprise_steady.yaml"``.

    Returns
    -------
    Scenario
        Every assumption with its value, unit, source and origin; API prices read from genai-prices and
        GPU figures from the catalog are added as assumptions of their own, with those sources.

    Raises
    ------
    ScenarioError
        A file that cannot be read as UTF-8 YAML (missing, a folder or device, unreadable, binary, anchors and
        aliases, duplicate keys), an unknown key (the closest valid key suggested), a value of the wrong type or
        out of range, a rule across assumptions broken (`RULES`), an unknown provider, model or GPU. The message
        names the file, the key path, the value and what is allowed.

    Examples
    --------
    >>> sc = load_scenario(PARAMS_DIR / "one_h100_vs_mid_tier.yaml")
    >>> sc["selfhost.gpu"]
    'H100-SXM'
    """
    path = Path(path)
    shown = _shown(path)
    if path.resolve() == DEFAULTS_FILE.resolve():
        raise ScenarioError(f"{shown}: the shared defaults (and the schema every scenario is checked against), not a "
                            "scenario; expected a scenario file that names what differs from them, e.g. "
                            "params/enterprise_steady.yaml")
    defaults, _ = _load_defaults()
    tree = _read_yaml(path, shown)
    meta = _check_meta(shown, tree.pop(META_SECTION, None))

    merged = {k: dict(v, origin="_defaults.yaml") for k, v in defaults.items()}
    for key, leaf in _scenario_leaves(shown, tree, defaults).items():
        leaf = _validate_override(shown, key, leaf, defaults[key])
        merged[key] = {**defaults[key], "checked": None, "note": None, "dist": None, **leaf, "origin": path.name}

    assumptions: dict[str, Assumption] = {}
    for key, leaf in merged.items():
        file = _set_in(shown, path.name, leaf["origin"])
        where = f"{file}: '{key}'"
        raw = leaf["value"]
        if (key == "selfhost.model" and isinstance(raw, str) and raw.lower().endswith(".json")
                and leaf["origin"] == path.name):
            raw = beside_scenario(raw, path).as_posix()  # a config.json: relative to the scenario file, as a profile CSV
        value = _check_value(raw, leaf["allowed"], where, leaf.get("unit"))
        assumptions[key] = Assumption(
            key=key,
            value=value,
            unit=leaf.get("unit"),
            source=_text(leaf["source"], f"{file}: '{key}.source'", "a source (a citation or 'assumption: why')",
                         MAX_SOURCE_CHARS),
            checked=None if leaf.get("checked") is None else _check_checked(leaf["checked"], f"{file}: '{key}.checked'"),
            note=None if leaf.get("note") is None else _text(leaf["note"], f"{file}: '{key}.note'", "a note",
                                                             MAX_SOURCE_CHARS),
            origin=leaf["origin"],
            dist=_check_dist(leaf.get("dist"), value, leaf["allowed"], f"{file}: '{key}.dist'", leaf.get("unit")),
            label=leaf["label"],
        )
    def file(key: str) -> str:
        return _set_in(shown, path.name, assumptions[key].origin)

    for rule in RULES:
        rule(file, assumptions)
    assumptions.update(_resolved_facts(shown, path.name, assumptions, path))
    for rule in DERIVED_RULES:
        rule(file, assumptions)
    return Scenario(
        name=path.stem,
        title=meta.get("title") or path.stem.replace("_", " "),
        description=meta.get("description", ""),
        path=shown,
        assumptions=assumptions,
        file=path.resolve(),
    )


# ----------------------------------------------------------------------------- rules across assumptions
# Each rule reads validated values, ``a[key].value``, and raises a ScenarioError naming the file that set the key
# (``file(key)``), the key, its value and what is allowed. RULES run before prices and capacity are derived from
# the values, DERIVED_RULES after.

FileOf = Callable[[str], str]


def _refuse(file: FileOf, keys: list[str], a: dict[str, Assumption], what: str) -> ScenarioError:
    """A message naming the file(s) that set ``keys``, the keys with their values, and what is allowed."""
    files = " and ".join(sorted(dict.fromkeys(file(k) for k in keys), key=lambda f: f == "params/_defaults.yaml"))
    stated = ", ".join(f"'{k}': {_show(a[k].value)}" for k in keys)
    return ScenarioError(f"{files}: {stated} {'is' if len(keys) == 1 else 'are'} not allowed; expected {what}")


def _rule_an_option_permitted(file: FileOf, a: dict[str, Assumption]) -> None:
    """At least one option is permitted, and the closed API or self-hosting is: every analysis compares the
    permitted options, and the fine-tuning analysis (notebook 04) measures fine-tuning against a long prompt on
    the closed API or the self-hosted model (a managed endpoint alone gives it no baseline)."""
    keys = [f"{k}.permitted" for k in ("api", "managed", "selfhost")]
    if not any(a[k].value for k in keys):
        raise _refuse(file, keys, a, "at least one option permitted (every analysis compares the permitted options)")
    if not (a["api.permitted"].value or a["selfhost.permitted"].value):
        raise _refuse(file, ["api.permitted", "selfhost.permitted"], a,
                      "at least one of them true: the fine-tuning analysis (notebook 04) compares fine-tuning with a "
                      "long prompt on the closed API or on the self-hosted model")


def _rule_prompts(file: FileOf, a: dict[str, Assumption]) -> None:
    """Fine-tuning shortens the prompt: ``finetune.short_prompt_tokens`` at most ``finetune.long_prompt_tokens``."""
    if a["finetune.short_prompt_tokens"].value > a["finetune.long_prompt_tokens"].value:
        raise _refuse(file, ["finetune.short_prompt_tokens", "finetune.long_prompt_tokens"], a,
                      "the short (fine-tuned) prompt to be at most the long one")


def _rule_qualities(file: FileOf, a: dict[str, Assumption]) -> None:
    """The premium model is at least as good as the open one on easy requests and gains at least as much on hard
    ones (the router model of econ/_routing.py, notebook 05)."""
    from ._routing import _check_class_qualities

    keys = [f"routing.{k}" for k in ("open_quality_easy", "open_quality_hard", "premium_quality_easy",
                                     "premium_quality_hard")]
    try:
        _check_class_qualities(*(a[k].value for k in keys))
    except ValueError:
        raise _refuse(file, keys, a, "premium_quality_easy >= open_quality_easy and premium_quality_hard - "
                      "open_quality_hard >= premium_quality_easy - open_quality_easy (the premium model is at least "
                      "as good on easy requests and gains at least as much on hard ones)") from None


def _rule_price_catalog(file: FileOf, a: dict[str, Assumption]) -> None:
    """``prices.price_date`` lies within the dates the catalog covers: from the first price change it records
    (before it, it cannot tell the list prices) to today (a later date is a forecast the catalog does not make);
    the per-token models are the catalog's exact ids at its providers, with per-token prices."""
    from ._prices import api_price, catalog_model, price_catalog_version, price_history_start

    first, today = price_history_start(), date.today()
    if not first <= date.fromisoformat(a["prices.price_date"].value) <= today:
        raise _refuse(file, ["prices.price_date"], a,
                      f"a date from {first} (the first price change genai-prices {price_catalog_version()} records) "
                      f"to today, {today}")
    for section in ("api", "managed"):
        pk, mk = f"{section}.provider", f"{section}.model"
        try:
            catalog_model(a[pk].value, a[mk].value)
        except LookupError as exc:
            what, unknown = exc.args  # an unknown model is unknown at this provider: name both
            raise _refuse(file, [pk] if unknown == "provider" else [pk, mk], a, what) from None
        try:
            api_price(a[pk].value, a[mk].value, a["prices.price_date"].value)
        except LookupError as exc:
            raise _refuse(file, [mk], a, f"a model priced per input and output token ({exc})") from None


def _context_windows(a: dict[str, Assumption]) -> list[tuple[str, str, int]]:
    """(key, model name, context window [tokens]) of every model the scenario prices, the ones not permitted too
    (priced for reference): the self-hosted model's, and the per-token models' where the catalog states one."""
    from ._capacity import model_spec
    from ._prices import catalog_model

    spec = model_spec(a["selfhost.model"].value)
    windows = [("selfhost.model", f"{spec['name']}", int(spec["context_tokens"]))]
    for section in ("api", "managed"):
        info = catalog_model(a[f"{section}.provider"].value, a[f"{section}.model"].value)
        tier = a.get(f"{section}.long_context_above_tokens")  # known once prices are read (billing facts)
        if tier is not None and tier.value is not None and info.context_window and tier.value >= info.context_window:
            continue  # a price tier above the catalog's window: the model takes longer prompts (1M-token betas)
        if info.context_window:
            windows.append((f"{section}.model", info.id, int(info.context_window)))
    return windows


def _rule_context(file: FileOf, a: dict[str, Assumption]) -> None:
    """A request fits the context window of every model that may serve it: the self-hosted model's
    (econ/data/models.yaml) and the per-token models' where the price catalog states one; the fine-tuning
    analysis sends the long prompt to the same models."""
    windows = _context_windows(a)
    out = a["workload.output_tokens_per_request"].value
    for prompt in ("workload.input_tokens_per_request", "finetune.long_prompt_tokens"):
        for model_key, name, window in windows:
            if a[prompt].value + out > window:
                raise _refuse(file, [prompt, "workload.output_tokens_per_request"], a,
                              f"a request within the context window of {model_key} {name}: {window:,} tokens "
                              "for prompt and answer together")


def _rule_context_bins(file: FileOf, a: dict[str, Assumption]) -> None:
    """Every bin of ``workload.token_distribution``, not only the mean shape, fits every model's context window
    (after the bins are checked against the workload's means)."""
    bins = a["workload.token_distribution"].value
    if bins:  # the longest bin, not only the mean, fits every window
        windows = _context_windows(a)
        longest = max(zip(bins["input_tokens"], bins["output_tokens"]), key=sum)
        for model_key, name, window in windows:
            if sum(longest) > window:
                raise ScenarioError(
                    f"{file('workload.token_distribution')}: 'workload.token_distribution' has a bin of "
                    f"{longest[0]:,.0f} input and {longest[1]:,.0f} output tokens a request, which is not allowed; "
                    f"expected every bin within the context window of {model_key} {name}: {window:,} tokens for prompt "
                    "and answer together (split the long requests off, or choose a model with a longer window)")


def _rule_trace_peak(file: FileOf, a: dict[str, Assumption]) -> None:
    """A shipped trace gives ``workload.peak_to_mean`` (its busiest hour over its mean hour) unless the scenario
    states it; a trace that holds no complete hour (the Azure traces hold one hour at 1-minute steps) has none to
    give, so the scenario states it."""
    name, key = a["traffic.profile"].value, "workload.peak_to_mean"
    if name == "synthetic" or name.lower().endswith(".csv") or file(key) != "params/_defaults.yaml":
        return  # a profile CSV is read and measured with the other facts
    from ._traffic import trace_peak_to_mean

    try:
        trace_peak_to_mean(name, "1h")
    except ValueError:
        raise _refuse(file, ["traffic.profile", key], a, f"workload.peak_to_mean stated in the scenario with this trace: "
                      f"{name} is too short for an hourly peak to be measured on it (at its own step, its busiest "
                      f"step is {trace_peak_to_mean(name):.3g} times the mean)") from None


def _peak_growth(v: Mapping[str, Any]) -> float:
    """The largest volume multiple over the horizon [× month-0 volume] (notebook 07 grows the volume monthly)."""
    import numpy as np

    from ._timeline import growth_factor

    return float(np.max(growth_factor(np.arange(v["horizon.months"]), v["horizon.growth_per_month"],
                                      v["horizon.growth_kind"], v["horizon.growth_ceiling_multiple"])))


def _rule_growth(file: FileOf, a: dict[str, Assumption]) -> None:
    """Over the horizon the volume stays within what ``workload.requests_per_day`` allows (notebook 07 grows it)."""
    keys = ["workload.requests_per_day", "horizon.growth_per_month", "horizon.growth_kind", "horizon.months"]
    if a["horizon.growth_kind"].value == "s_curve":
        keys.append("horizon.growth_ceiling_multiple")
    peak = a["workload.requests_per_day"].value * _peak_growth({k: x.value for k, x in a.items()})
    cap = float(_INTERVAL.match(_load_defaults()[0]["workload.requests_per_day"]["allowed"])["hi"])
    if not peak <= cap:
        raise _refuse(file, keys, a, f"growth that keeps the volume within workload.requests_per_day's bound, "
                      f"{cap:g} requests a day, over the horizon; it reaches {peak:.3g}")


def _rule_fleet(file: FileOf, a: dict[str, Assumption]) -> None:
    """The self-hosted fleet at the busiest month of the horizon stays countable: at most `MAX_FLEET_GPUS`."""
    import numpy as np

    from ._costs import option_costs

    v = {k: x.value for k, x in a.items()}
    v["workload.requests_per_day"] = v["workload.requests_per_day"] * np.array([1.0, _peak_growth(v)])
    with np.errstate(all="ignore"):
        gpus = option_costs(v)["selfhost"]["gpus"]
    if not np.all(gpus <= MAX_FLEET_GPUS):
        keys = ["workload.requests_per_day", "workload.peak_to_mean", "workload.output_tokens_per_request",
                "selfhost.replica_output_tokens_per_s", "selfhost.max_utilization", "selfhost.min_replicas",
                "selfhost.redundancy_replicas"]
        raise _refuse(file, keys, a, f"a self-hosted fleet of at most 2^53 = {MAX_FLEET_GPUS:.3g} GPUs (GPU counts are "
                      f"whole numbers, exact in float64 up to 2^53); these need {np.max(gpus):.3g} GPUs at the busiest "
                      "month of the horizon")


def _rule_finetune_prompts(file: FileOf, a: dict[str, Assumption]) -> None:
    """The self-hosted fleet serves the fine-tuning analysis's prompts too (notebook 04 re-sizes it for the long and
    the short prompt), at the same answer length and latency targets, whether it is permitted or shown for reference."""
    from ._fleet import fleet_candidates

    v = {k: x.value for k, x in a.items()}
    for key in ("finetune.long_prompt_tokens", "finetune.short_prompt_tokens"):
        try:
            fleet_candidates({**v, "workload.input_tokens_per_request": v[key]})
        except ValueError as exc:
            raise _refuse(file, [key, "workload.output_tokens_per_request", "selfhost.ttft_slo_s", "selfhost.tpot_slo_s"],
                          a, f"a prompt the self-hosted fleet can serve within the latency targets (notebook 04 sizes "
                          f"it for this prompt): {str(exc)[:400]}") from None


def _rule_synthetic_profile(file: FileOf, a: dict[str, Assumption]) -> None:
    """A synthetic traffic profile can reach ``workload.peak_to_mean`` at its step: the busiest step can hold at
    most the whole traffic of the profile's steps that share the maximum (notebook 02)."""
    if a["traffic.profile"].value != "synthetic":
        return
    from ._traffic import traffic_from_scenario

    keys = ["workload.peak_to_mean", "traffic.step_minutes", "traffic.days", "traffic.bursts_per_day"]
    try:
        traffic_from_scenario(Scenario("", "", "", "", a))
    except ValueError as exc:
        raise _refuse(file, keys, a, f"a peak-to-mean the synthetic profile can reach ({exc})") from None


RULES = (_rule_an_option_permitted, _rule_prompts, _rule_qualities, _rule_price_catalog, _rule_context, _rule_trace_peak,
         _rule_growth)
"""Rules across assumptions, checked after each value is, before anything is derived from them."""
DERIVED_RULES = (_rule_context_bins, _rule_fleet, _rule_finetune_prompts, _rule_synthetic_profile)
"""Rules that need the derived facts (the measured peak-to-mean, the capacity model's throughput)."""


def _shown(path: Path) -> str:
    """A path as messages show it: relative to the project when inside it (no local paths leak)."""
    try:
        return path.resolve().relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return path.as_posix()


TOKEN_PRICE_KEYS = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok", "cache_write_usd_per_mtok")
"""Per-token prices of a per-token option; ``<section>.price_factor`` multiplies all four."""

_PRICE_FIELDS = {
    "input_usd_per_mtok": "input",
    "output_usd_per_mtok": "output",
    "cache_read_usd_per_mtok": "cache_read",
    "cache_write_usd_per_mtok": "cache_write",
    "batch_price_factor": "batch_factor",
}


def _resolved_facts(shown: str, origin: str, a: dict[str, Assumption], path: Path | None = None) -> dict[str, Assumption]:
    """Fill null prices from genai-prices (with the kit's corrections and billing rules) and check the fleet's and the
    traffic profile's inputs, each fact with its source."""
    from ._prices import api_price, billing_facts
    from ._usage import check_token_means

    out: dict[str, Assumption] = {}
    bins = a["workload.token_distribution"]
    try:
        check_token_means(bins.value, a["workload.input_tokens_per_request"].value, a["workload.output_tokens_per_request"].value)
    except ValueError as exc:
        raise ScenarioError(f"{_set_in(shown, origin, bins.origin)}: 'workload.token_distribution': {exc}") from None
    for section in ("api", "managed"):
        provider, model = a[f"{section}.provider"].value, a[f"{section}.model"].value
        try:  # base prices; a long-context tier is a billing rule applied per call (econ/_prices.py)
            price = api_price(provider, model, a["prices.price_date"].value)
        except LookupError as exc:
            file = _set_in(shown, origin, a[f"{section}.model"].origin)
            raise ScenarioError(f"{file}: '{section}.provider' / '{section}.model' = {provider!r} / {model!r}: {exc}") from None
        for key, attr in _PRICE_FIELDS.items():
            full = f"{section}.{key}"
            if a[full].value is None:
                val = getattr(price, attr)
                if val is None:  # no cache price published: cached tokens pay the input price
                    val = price.input
                    src = price.source + f"; no {attr.replace('_', ' ')} price published, input price used"
                else:
                    src = price.source_of(attr)
                out[full] = replace(a[full], value=val, source=src, checked=a["prices.price_date"].value, origin="genai-prices")
        out.update(billing_facts(section, price, a[f"{section}.model"]))
        factor = a[f"{section}.price_factor"].value  # e.g. a negotiated discount; its dist: price uncertainty
        if factor != 1:
            for key in TOKEN_PRICE_KEYS:
                p = out.get(f"{section}.{key}", a[f"{section}.{key}"])
                out[p.key] = replace(p, value=p.value * factor, source=f"{p.source}; × {section}.price_factor {factor:g}")
    out.update(_fleet_facts(shown, origin, {**a, **out}))
    out.update(_traffic_facts(origin, a, path, shown))
    return out


def _traffic_facts(origin: str, a: dict[str, Assumption], path: Path | None = None, shown: str = "") -> dict[str, Assumption]:
    """The peak-to-mean ratio measured on the scenario's traffic trace (busiest hour over the mean hour), unless
    the scenario states its own or uses a synthetic profile (built from that ratio). A profile CSV (relative to
    the scenario file) must exist and be readable."""
    name, ptm = a["traffic.profile"].value, a["workload.peak_to_mean"]
    csv = None
    if name.lower().endswith(".csv"):
        from ._traffic import peak_to_mean
        from ._usage import read_profile_csv

        csv = beside_scenario(name, path)
        try:
            profile = read_profile_csv(csv)
            if not profile["requests"].gt(0).any():
                raise ValueError("every step has 0 requests; expected a profile with traffic in it")
            measured = peak_to_mean(profile, "1h") if ptm.origin != origin else None
        except ValueError as exc:
            raise ScenarioError(f"{_set_in(shown, origin, a['traffic.profile'].origin)}: 'traffic.profile' = {name!r}: {exc}") from None
    if name == "synthetic" or ptm.origin == origin:
        return {}
    from ._traffic import trace_peak_to_mean

    value = round(measured if csv is not None else trace_peak_to_mean(name, "1h"), 4)
    dist = ptm.dist
    if dist is not None:  # the stated range, around the measured value when it holds it
        dist = {**dist, "mode": value} if dist["low"] <= value <= dist["high"] else None
    return {"workload.peak_to_mean": replace(
        ptm, value=value, dist=dist, origin="traffic trace",
        source=(f"measured on the profile {name} (traffic.profile): busiest hour over the mean hour" if csv is not None else
                f"measured on the {name} trace (traffic.profile; econ/data/traces/ATTRIBUTION.md): busiest hour over the mean hour"))}


def _fleet_facts(shown: str, origin: str, a: dict[str, Assumption]) -> dict[str, Assumption]:
    """The self-hosted fleet's inputs checked together: a stated throughput with the shape it was measured at, a
    price for the GPU, and at least one GPU and tensor-parallel degree that serve the model at the targets; a
    stated GPU price (or its catalog price) as an assumption with its source."""
    from ._catalog import gpu_spec
    from ._fleet import fleet_candidates

    where = lambda key: f"{_set_in(shown, origin, a[key].origin)}: '{key}'"  # noqa: E731
    gpu, mode = a["selfhost.gpu"].value, a["selfhost.gpu_cost_mode"].value
    stated = a["selfhost.replica_output_tokens_per_s"].value
    if stated is not None and a["selfhost.throughput_input_tokens"].value is None:
        raise ScenarioError(f"{where('selfhost.replica_output_tokens_per_s')} = {stated!r} is not allowed without the request "
                            "shape it was measured at: state selfhost.throughput_input_tokens and selfhost.throughput_output_tokens "
                            "(tokens per request), so that the capacity model can rescale it to this scenario's shape")
    if (a["selfhost.throughput_input_tokens"].value is None) != (a["selfhost.throughput_output_tokens"].value is None):
        given = next(k for k in ("selfhost.throughput_input_tokens", "selfhost.throughput_output_tokens") if a[k].value is not None)
        raise ScenarioError(f"{where(given)} = {a[given].value!r} is not allowed alone: state both "
                            "selfhost.throughput_input_tokens and selfhost.throughput_output_tokens, or neither")
    key = "selfhost.rent_usd_per_gpu_hour" if mode == "rent" else "selfhost.purchase_usd_per_gpu"
    out: dict[str, Assumption] = {}
    if gpu == "auto":
        if a[key].value is not None:
            raise ScenarioError(f"{where(key)} = {a[key].value!r} is not allowed with selfhost.gpu: auto; a stated price "
                                "belongs to one GPU: name it in selfhost.gpu, or leave the price null (catalog prices)")
        if stated is not None:
            raise ScenarioError(f"{where('selfhost.replica_output_tokens_per_s')} = {stated!r} is not allowed with "
                                "selfhost.gpu: auto; a stated throughput belongs to one GPU: name it in selfhost.gpu, "
                                "or leave the throughput null (the capacity model)")
    elif a[key].value is None:
        spec = gpu_spec(gpu)
        field = key.split(".")[1]
        if spec.get(field) is None:
            file = _set_in(shown, origin, next((a[k].origin for k in ("selfhost.gpu", "selfhost.gpu_cost_mode", key)
                                               if a[k].origin == origin), ""))
            raise ScenarioError(f"{file}: '{key}' is null (catalog price) with 'selfhost.gpu' = {gpu!r} and "
                                f"'selfhost.gpu_cost_mode' = {mode!r}, but the GPU catalog (econ/data/gpus.yaml) has no sourced "
                                f"{'rental' if mode == 'rent' else 'purchase'} price for {spec['key']}; state one "
                                f"(value, unit, checked, source), or choose a GPU that has one")
    try:
        fleet_candidates({k: x.value for k, x in a.items()})
    except ValueError as exc:
        ttft, tpot = a["selfhost.ttft_slo_s"].value, a["selfhost.tpot_slo_s"].value
        involved = ("selfhost.tpot_slo_s", "selfhost.ttft_slo_s", "selfhost.gpu", "selfhost.precision", "selfhost.model",
                    "selfhost.tensor_parallel", "selfhost.kv_precision", "selfhost.gpu_memory_utilization",
                    "workload.input_tokens_per_request", "workload.output_tokens_per_request")  # all the fleet reads
        file = _set_in(shown, origin, next((a[k].origin for k in involved if a[k].origin == origin), ""))
        raise ScenarioError(
            f"{file}: 'selfhost.model' = {a['selfhost.model'].value!r} on 'selfhost.gpu' = {gpu!r} at "
            f"'selfhost.precision' = {a['selfhost.precision'].value!r} with the latency targets 'selfhost.ttft_slo_s' = "
            f"{ttft!r} s and 'selfhost.tpot_slo_s' = {tpot!r} s cannot be served: {exc}. Loosen a target, choose a "
            "larger GPU ('auto' tries every priced one) or a lower precision, or state "
            "selfhost.replica_output_tokens_per_s") from None
    return out


def beside_scenario(name: str, scenario_file) -> Path:
    """Where a file a scenario names (a ``traffic.profile`` CSV, a ``selfhost.model`` config.json) is: relative to
    the scenario file (or as given, if absolute)."""
    p = Path(name)
    return p if p.is_absolute() or scenario_file is None else Path(scenario_file).parent / p


def scenario_files() -> list[Path]:
    """The scenario files in ``params/`` (every ``*.yaml`` but the shared ``_defaults.yaml``), sorted."""
    return sorted(p for p in PARAMS_DIR.glob("*.yaml") if not p.name.startswith("_"))
