"""The JSON outputs match the published JSON Schemas in docs/schema/ (the contract)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from optimizer.cli import main

from .conftest import ROOT, SCENARIOS

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")


def validator(name: str):
    schemas = {p.name: json.loads(p.read_text()) for p in (ROOT / "docs" / "schema").glob("*.json")}
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas.values())
    schema = schemas[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def run_json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("args", [
    ("plan", str(SCENARIOS / "b2b_saas_q1.yaml")),  # optimal, with variants (one infeasible)
    ("plan", str(SCENARIOS / "seed_tale_of_two_channels.yaml")),
    ("plan", str(SCENARIOS / "whatif_ppc_cpl_shock.yaml"), "--variant", "PPC CPL +50%"),
    ("plan", str(SCENARIOS / "seed_cpl_vs_cpa.yaml"), "--solver", "cbc"),
    ("plan", str(SCENARIOS / "quarter_by_month.yaml")),  # months, curves, MILP, objectives
    ("plan", str(SCENARIOS / "quarter_by_month.yaml"), "--solver", "cbc"),
], ids=["with-variants", "seed", "infeasible", "cbc", "months-milp", "months-milp-cbc"])
def test_plan_output_matches_schema(args):
    data = run_json(*args)
    errors = sorted(validator("plan.schema.json").iter_errors(data), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_comparison_output_matches_schema():
    data = run_json("compare", str(SCENARIOS / "b2b_saas_q1.yaml"),
                    str(SCENARIOS / "whatif_ppc_cpl_shock.yaml"),
                    str(SCENARIOS / "quarter_by_month.yaml"))
    errors = sorted(validator("comparison.schema.json").iter_errors(data), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_schema_rejects_a_renamed_field():
    data = run_json("plan", str(SCENARIOS / "seed_tale_of_two_channels.yaml"))
    data["channels"][0]["clv_cpa"] = data["channels"][0].pop("clv_to_cpa")
    assert not validator("plan.schema.json").is_valid(data)
