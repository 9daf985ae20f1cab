"""`dbt docs generate` on the demo warehouse: it succeeds, the manifest holds every feed and the dashboard as
exposures whose lineage reaches the raw API sources, and every model, seed, column (as built, from the
catalog), source, source column and exposure has a description."""

from __future__ import annotations

import json

import pytest

from dbt_project.dbt_invoker import Dbt

pytestmark = pytest.mark.e2e

RAW_SOURCES = {"balldontlie", "odds_api", "nbacom", "bref", "bigdataball"}  # dlt-loaded, schema nba_raw
FEEDS = {"predictions_feed", "best_bets_feed", "tonight_feed", "streaks_feed", "live_scores_feed",
         "live_grading_feed"}


@pytest.fixture(scope="module")
def docs(demo_env):
    result = Dbt(demo_env.settings).invoke(["docs", "generate"])
    assert result.success, result.exception
    target = demo_env.settings.dbt_target_path
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


def _upstream(manifest: dict, unique_id: str) -> set[str]:
    parents, seen, todo = manifest["parent_map"], set(), [unique_id]
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_exposures_declare_every_feed_and_the_dashboard_with_lineage_to_the_sources(docs):
    manifest, _ = docs
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert FEEDS | {"pipeline_health_dashboard"} <= set(exposures)
    for name in FEEDS:
        exposure = exposures[name]
        assert exposure["owner"]["email"] and exposure["maturity"] and exposure["url"].endswith(".json")
        assert exposure["depends_on"]["nodes"], name
        upstream = _upstream(manifest, exposure["unique_id"])
        raw = {u for u in upstream if u.startswith("source.") and u.split(".")[2] in RAW_SOURCES}
        assert raw, f"{name} does not reach an API source in nba_raw"
    # the predictions feed's lineage runs from the odds and box-score APIs through every layer
    lineage = _upstream(manifest, exposures["predictions_feed"]["unique_id"])
    for node in ("source.nba_props.odds_api.player_props", "source.nba_props.balldontlie.box_scores",
                 "model.nba_props.stg_odds_api__player_props", "model.nba_props.player_game_summary",
                 "model.nba_props.ml_feature_store", "source.nba_props.nba_predictions.player_prop_predictions"):
        assert node in lineage, node
    assert exposures["pipeline_health_dashboard"]["type"] == "dashboard"


def test_every_model_column_source_and_exposure_is_described(docs):
    manifest, catalog = docs
    missing = []
    nodes = [n for n in manifest["nodes"].values()
             if n["package_name"] == "nba_props" and n["resource_type"] in ("model", "seed")]
    assert len(nodes) > 30
    for node in nodes:
        if not node.get("description", "").strip():
            missing.append(node["unique_id"])
        documented = {k.lower(): v for k, v in node["columns"].items()}
        missing += [f"{node['unique_id']}.{k}" for k, v in documented.items() if not v.get("description")]
        built = catalog["nodes"].get(node["unique_id"])
        assert built is not None, f"{node['unique_id']} missing from the catalog (not built?)"
        missing += [f"{node['unique_id']}.{c} (not in yml)" for c in built["columns"] if c.lower() not in documented]
    for source in manifest["sources"].values():
        if source["package_name"] != "nba_props":
            continue
        if not source.get("description", "").strip():
            missing.append(source["unique_id"])
        missing += [f"{source['unique_id']}.{k}" for k, v in source["columns"].items() if not v.get("description")]
    missing += [e["unique_id"] for e in manifest["exposures"].values() if not e.get("description", "").strip()]
    assert not missing, f"{len(missing)} without a description, e.g. {missing[:10]}"
