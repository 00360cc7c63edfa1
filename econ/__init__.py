"""econ: the economics of serving an LLM workload, by closed API, managed open endpoint or own GPUs.

A flat public API over one-topic modules; notebooks only ever write ``econ.<name>``. Names are imported on first
use (PEP 562 module ``__getattr__``), so ``import econ`` is quick and a script that needs the scenario loader does not
pay for altair, pandas and scipy; ``econ.<name>``, ``from econ import <name>`` and ``dir(econ)`` work as usual.
To add a public name, list it under its module in ``_API``.
"""

import sys as _sys
from importlib import import_module as _import_module

# jsonschema (imported by altair) compiles a parser for IRI formats at import when rfc3987-syntax is installed,
# which Jupyter's own dependencies pull in: a second per kernel, on every page of the report. Altair never
# validates IRIs, so the kit skips that module unless something imported it already.
_sys.modules.setdefault("rfc3987_syntax", None)

__version__ = "0.1.0"

_API = {
    "_brief": ("assumptions_appendix", "cash_flow_chart", "cash_flow_view", "decision_brief", "plans_view", "rests_on"),
    "_breakeven": ("Breakeven", "breakeven_tokens_per_day", "cheaper_intervals", "cost_vs_volume"),
    "_capacity": (
        "BYTES_PER_PARAM", "PRECISIONS", "Capacity", "calibration_chart", "calibration_table", "capacity_from_scenario",
        "capacity_summary", "decode_step_seconds", "decode_tokens_per_s", "default_max_batch",
        "expected_experts_touched", "feasible_tensor_parallel", "fit_efficiencies", "gpus_for_model",
        "kv_bytes_per_token", "kv_cache_tokens", "model_names", "model_spec", "prefill_seconds", "serving_capacity",
        "serving_measurements", "throughput_reference", "throughput_vs_batch_chart", "validation_chart",
        "validation_summary", "validation_table", "validation_view", "weight_bytes",
    ),
    "_catalog": ("gpu_names", "gpu_spec"),
    "_charts": ("cost_components_chart", "cost_vs_volume_chart", "usd_per_mtok_vs_utilization_chart"),
    "_claims": (
        "Verdict", "claim5_breakeven_by_api", "claim5_chart", "claim18_chart", "claim18_volumes", "claims_audit",
        "claims_summary", "claims_view",
    ),
    "_costs": (
        "HOURS_PER_MONTH", "OPTIONS", "api_usage_usd_per_request", "compare", "effective_usd_per_mtok", "option_costs",
        "replicas_needed",
    ),
    "_finetune": (
        "ARMS", "SAME_MODEL", "arm_eligibility", "breakeven_redo_share", "claim10_case", "claim10_figures", "cumulative_cost_usd",
        "decomposition_view", "finetune_arms", "finetune_conclusion", "finetune_cost_per_request_chart",
        "finetune_cumulative_chart", "finetune_decomposition", "finetune_decomposition_chart",
        "finetune_from_scenario", "finetune_round_usd", "finetune_table", "finetune_view",
        "finetune_volume_chart", "model_switch_quality", "npv_usd", "payback_months", "payback_sensitivity",
        "payback_sensitivity_chart", "payback_table", "payback_view", "poisson_cache_hit_rate",
        "prompt_usd_per_request", "pv_cost_usd", "redo_usd_per_month", "training_gpu_hours", "training_usd",
        "winner_by_volume",
    ),
    "_cashflow": ("cash_flow_table", "payback_month", "plan_cash_flows", "present_cost_usd"),
    "_fleet": ("FleetCandidates", "fleet_candidates", "size_fleet"),
    "_pipeline": (
        "Decision", "Fleet", "PlanResult", "decide", "decision", "flip_points", "load_decision", "plan_costs",
    ),
    "_params": ("PARAMS_DIR", "Assumption", "Scenario", "ScenarioError", "load_scenario", "scenario_files"),
    "_prices": (
        "ApiPrice", "api_price", "api_usd_per_request", "billing_model", "cache_rule", "price_catalog_version",
        "price_corrections", "workload_bins",
    ),
    "_routing": (
        "RoutingInputs", "RoutingPlan", "call_performance_threshold", "cost_by_split", "cost_quality_frontier",
        "daily_profile", "destinations_view", "dprime_from_auc", "hybrid_claims_chart", "hybrid_claims_grid",
        "optimal_split", "overflow_chart", "overflow_costs", "overflow_summary", "routed_plan", "routed_quality",
        "routed_split", "routing_cost_chart", "routing_destinations", "routing_findings", "routing_from_scenario",
        "routing_frontier_chart", "routing_plan_table", "routing_plan_view", "routing_summary",
        "split_matches_decision", "split_monthly_usd", "split_quality",
    ),
    "_sensitivity": (
        "Uncertainty", "breakeven_surface", "breakeven_surface_chart", "draw_assumptions", "monte_carlo",
        "probability_cheaper", "probability_cheaper_chart", "reference_option", "savings_distribution_chart",
        "savings_usd", "sensitivity_summary", "sobol_chart", "sobol_indices", "tornado", "tornado_chart",
        "uncertain_assumptions", "uncertainty_table", "uncertainty_view", "wilson_interval",
    ),
    "_timeline": (
        "HOURS_PER_WEEK", "SwitchPath", "TIMELINE_OPTIONS", "Timeline", "annuity_factor", "annuity_pv_usd",
        "best_commitment_gpus", "best_path", "book_value_usd", "cheapest_path", "commitment_term_usd",
        "discount_factors", "growth_factor", "monthly_discount_rate", "path_cash_flows", "price_index",
        "segment_cash_flows", "segment_pv_matrix", "switch_costs_pv", "switch_sensitivity", "switch_sensitivity_chart",
        "timeline_cumulative", "timeline_cumulative_chart", "timeline_from_scenario", "timeline_inputs",
        "timeline_monthly", "timeline_npv_table", "timeline_npv_view", "timeline_path_chart", "timeline_strategies",
        "timeline_summary",
    ),
    "_traffic": (
        "POLICIES", "TRACES", "keep_alive_shares", "peak_to_mean", "profile_chart", "provisioning_by_volume", "provisioning_chart",
        "provisioning_summary", "provisioning_table", "provisioning_timeline", "provisioning_timeline_from_scenario",
        "provisioning_view", "provisioning_volume_chart", "synthetic_profile", "trace_names", "trace_path",
        "trace_profile", "traffic_from_scenario",
    ),
    "_usage": (
        "FORMATS", "UsageLog", "UsageLogError", "UsageWarning", "cost_per_task", "cost_per_task_view", "example_usage_log",
        "price_usage", "read_profile_csv", "read_rate_series", "read_requests", "read_usage", "scenario_from_log",
        "task_prices_from_scenario", "token_bins", "usage_profile",
    ),
    "_views": (
        "HTML", "Markdown", "assumptions_table", "assumptions_view", "comparison_view", "decision_header",
        "decision_sentence", "fleet_sentence", "glossary", "scenario_header", "summary_markdown",
    ),
}
"""The public names, by the module (``econ/<module>.py``) that defines them."""

_MODULE_OF = {name: module for module, names in _API.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'econ' has no attribute {name!r}")
    value = getattr(_import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next lookup does not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
