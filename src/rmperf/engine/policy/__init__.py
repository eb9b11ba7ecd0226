"""Policies: YAML → pydantic model → named validation rules → an immutable, digested value.

Everything a bank tunes (tier thresholds, reminder windows, scorecards, …) is a policy.
A policy file is parsed with line numbers kept, validated by a pydantic model that
forbids unknown keys, then checked by named rules; every issue names the file, the line
and the rule. The digest identifies the policy version a result row was computed with.
"""

from rmperf.engine.policy.loader import (
    LoadedPolicy,
    PolicyError,
    PolicyIssue,
    PolicyModel,
    Rule,
    Severity,
    load_policy,
    load_policy_text,
    policy_json_schema,
    rule,
)

__all__ = [
    "LoadedPolicy",
    "PolicyError",
    "PolicyIssue",
    "PolicyModel",
    "Rule",
    "Severity",
    "load_policy",
    "load_policy_text",
    "policy_json_schema",
    "rule",
]
