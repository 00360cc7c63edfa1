"""econ: the economics of serving an LLM workload, by closed API, managed open endpoint or own GPUs.

A flat public API over one-topic modules; notebooks only ever write ``econ.<name>``.
"""

import sys as _sys

# jsonschema (imported by altair) compiles a parser for IRI formats at import when rfc3987-syntax is installed,
# which Jupyter's own dependencies pull in: a second per kernel, on every page of the report. Altair never
# validates IRIs, so the kit skips that module unless something imported it already.
_sys.modules.setdefault("rfc3987_syntax", None)

from ._breakeven import Breakeven, breakeven_tokens_per_day, cost_vs_volume
from ._catalog import gpu_names, gpu_spec
from ._charts import cost_components_chart, cost_vs_volume_chart, usd_per_mtok_vs_utilization_chart
from ._claims import (
    Verdict,
    claim5_breakeven_by_api,
    claim5_chart,
    claim18_chart,
    claim18_volumes,
    claims_audit,
    claims_summary,
    claims_view,
)
from ._costs import (
    HOURS_PER_MONTH,
    OPTIONS,
    api_usage_usd_per_request,
    compare,
    effective_usd_per_mtok,
    gpus_per_replica,
    option_costs,
    replicas_needed,
)
from ._params import PARAMS_DIR, Assumption, Scenario, ScenarioError, load_scenario, scenario_files
from ._prices import ApiPrice, api_price, price_catalog_version
from ._sensitivity import (
    Uncertainty,
    breakeven_surface,
    breakeven_surface_chart,
    draw_assumptions,
    monte_carlo,
    probability_cheaper,
    probability_cheaper_chart,
    reference_option,
    savings_distribution_chart,
    savings_usd,
    sensitivity_summary,
    sobol_chart,
    sobol_indices,
    tornado,
    tornado_chart,
    uncertain_assumptions,
    uncertainty_table,
    uncertainty_view,
    wilson_interval,
)
from ._views import (
    HTML,
    Markdown,
    assumptions_table,
    assumptions_view,
    comparison_view,
    recommendation,
    scenario_header,
    summary_markdown,
)

__version__ = "0.1.0"
