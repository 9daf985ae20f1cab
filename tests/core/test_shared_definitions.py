"""One source of truth for the definitions SQL and Python share (issue #14):

* the prop markets: the seed seeds/prop_markets.csv is the one list. Python's market lists (core.markets,
  ml.markets), the feeds' JSON Schemas and the terminal's labels are built from it; dbt's market tests are
  relationships tests to ref('prop_markets') (on models, never on a source: test_no_source_test_reads_a_seed);
  macros/market_stat.sql compiles one branch per seed row, and a seed that is not built or is empty is a compile
  error that says so;
* the feature store's model inputs and feature_version: declared in models/precompute/_precompute__models.yml
  and read by ml.features from dbt's manifest.

Real files throughout: the seed and yml as they are, dbt's own parse and compile on a temporary DuckDB
warehouse (DBT_TARGET_PATH: the session's temporary folder, tests/conftest.py).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from core import markets as ingestion_markets
from core.settings import PROJECT_DIR, Settings
from dbt_project.control.dbt_invoker import Dbt
from dbt_project.control.picks import market_label
from dbt_project.publish.feed_schemas import MARKET, SCHEMAS
from ingestion.demo.generator import check_simulated_markets
from ml import features, xgb
from ml import markets as ml_markets

SEED = PROJECT_DIR / "seeds" / "prop_markets.csv"
FEATURE_YML = PROJECT_DIR / "models" / "precompute" / "_precompute__models.yml"
SEED_NODE = "seed.nba_props.prop_markets"


def seed_rows() -> list[dict[str, str]]:
    with open(SEED, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# -- markets: Python ---------------------------------------------------------------------------------------------
def test_the_seed_lists_the_predicted_markets_with_every_column():
    rows = seed_rows()
    assert list(rows[0]) == ["market", "stat_column", "feature_prefix", "label", "default_sd"]
    assert [r["market"] for r in rows] == [
        "player_points",
        "player_rebounds",
        "player_assists",
        "player_threes",
        "player_points_rebounds_assists",
    ]


def test_pythons_market_lists_are_the_seeds():
    rows = seed_rows()
    assert ingestion_markets.MARKETS_CSV == SEED
    assert tuple(r["market"] for r in rows) == ingestion_markets.MARKETS
    assert list(ml_markets.MARKETS) == [r["market"] for r in rows]
    for r in rows:
        market = ml_markets.MARKETS[r["market"]]
        assert (market.key, market.actual_column, market.feature_prefix, market.default_sd) == (
            r["market"],
            r["stat_column"],
            r["feature_prefix"],
            float(r["default_sd"]),
        )
        assert market_label(r["market"]) == r["label"]
    assert ml_markets.POINTS is ml_markets.MARKETS["player_points"]
    check_simulated_markets()  # the demo simulates every seed market


def _market_enums(node: Any) -> list[Any]:
    """Every JSON Schema of a `market` property in a feed schema."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict) and "market" in value:
                found.append(value["market"])
            found += _market_enums(value)
    elif isinstance(node, list):
        for value in node:
            found += _market_enums(value)
    return found


def test_every_feeds_market_enum_is_the_seeds():
    assert {"enum": [r["market"] for r in seed_rows()]} == MARKET
    enums = [e for schema in SCHEMAS.values() for e in _market_enums(schema)]
    assert len(enums) >= 5 and all(e == MARKET for e in enums)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_seed_is_a_clear_error_naming_the_file(tmp_path):
    header = "market,stat_column,feature_prefix,label,default_sd\n"
    cases = {
        "missing.csv": (None, "is missing"),
        "empty.csv": (header, "no markets"),
        "columns.csv": ("market,stat_column\nplayer_points,points\n", "missing column(s) feature_prefix"),
        "blank.csv": (header + "player_points,,points,points,6.0\n", "line 2 has no stat_column"),
        "sd.csv": (header + "player_points,points,points,points,wide\n", "is not a number"),
        "twice.csv": (
            header + "player_points,points,points,points,6\nplayer_points,points,pts,p,6\n",
            "more than once: player_points",
        ),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name if text is None else _write(tmp_path / name, text)
        with pytest.raises(ValueError, match=re.escape(message)) as raised:
            ingestion_markets.load_markets(path)
        assert str(path) in str(raised.value), name


# -- markets: dbt ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Dbt, dict[str, Any]]:
    """A fresh test-target warehouse, the project parsed once (manifest.json written), nothing built yet."""
    settings = Settings(target="test", warehouse_dir=tmp_path_factory.mktemp("shared_definitions_warehouse"))
    dbt = Dbt(settings)
    dbt.parse()
    manifest = json.loads((settings.dbt_target_path / "manifest.json").read_text(encoding="utf-8"))
    return settings, dbt, manifest


def _market_tests(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and n.get("column_name") == "market" and n.get("test_metadata")
    ]


def test_dbt_checks_markets_against_the_seed_and_documents_it(warehouse):
    _, _, manifest = warehouse
    seed = manifest["nodes"][SEED_NODE]
    assert seed["description"] and seed["tags"] == ["phase2"]
    tests = _market_tests(manifest)
    relationships = [
        t
        for t in tests
        if t["test_metadata"]["name"] == "relationships" and SEED_NODE not in (t.get("attached_node") or "")
    ]
    assert all(t["test_metadata"]["kwargs"]["to"] == "ref('prop_markets')" for t in relationships)
    assert all(t["test_metadata"]["kwargs"]["field"] == "market" for t in relationships)
    assert all(SEED_NODE in t["depends_on"]["nodes"] for t in relationships)
    checked = {t.get("attached_node") for t in relationships}
    # what is loaded (staging) and what is predicted (prop_predictions: every row of the ML output table)
    assert {"model.nba_props.stg_odds_api__player_props", "model.nba_props.prop_predictions"} <= checked
    # the seed's own key
    on_seed = {t["test_metadata"]["name"] for t in tests if t.get("attached_node") == SEED_NODE}
    assert {"unique", "not_null"} <= on_seed
    # no accepted_values test lists a market: the seed is the only list
    markets = set(ingestion_markets.MARKETS)
    for test in manifest["nodes"].values():
        if test["resource_type"] == "test" and (test.get("test_metadata") or {}).get("name") == "accepted_values":
            assert not markets & set(test["test_metadata"]["kwargs"]["values"]), test["unique_id"]


def test_no_source_test_reads_a_seed(warehouse):
    """dbt's "buildable" selection counts every source as built: a test of a source that also reads a seed runs
    with the seed's phase (2), before the source table may exist (player_prop_predictions: phase 5)."""
    _, _, manifest = warehouse
    offenders = [
        n["unique_id"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
        and any(p.startswith("source.") for p in n["depends_on"]["nodes"])
        and any(p.startswith("seed.") for p in n["depends_on"]["nodes"])
    ]
    assert not offenders


def test_every_model_calling_market_stat_depends_on_the_seed(warehouse):
    _, _, manifest = warehouse
    callers = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and "macro.nba_props.market_stat" in n["depends_on"]["macros"]
    ]
    assert {n["name"] for n in callers} >= {"prediction_accuracy", "publish_streaks"}
    assert all(SEED_NODE in n["depends_on"]["nodes"] for n in callers), [n["name"] for n in callers]


def _compile(dbt: Dbt, *models: str) -> tuple[Any, dict[str, str]]:
    result = dbt.invoke(["compile", "--select", *models])
    compiled = {}
    if result.success and result.result is not None:
        compiled = {r.node.name: r.node.compiled_code for r in result.result.results}
    return result, compiled


def _case_branches(sql: str) -> list[tuple[str, str, str]]:
    return re.findall(r"when '([a-z0-9_]+)' then (\w+)\.(\w+)", sql)


def test_market_stat_compiles_one_branch_per_seed_row_and_refuses_a_missing_or_empty_seed(warehouse):
    settings, dbt, _ = warehouse
    models = ("prediction_accuracy", "publish_streaks")
    result, _ = _compile(dbt, *models)
    assert not result.success
    assert "the seed prop_markets is not built" in str(result.exception)

    seeded = dbt.invoke(["seed", "--select", "prop_markets"])
    assert seeded.success
    result, compiled = _compile(dbt, *models)
    assert result.success, result.exception
    expected = sorted((r["market"], r["stat_column"]) for r in seed_rows())
    for name, alias in (("prediction_accuracy", "actuals"), ("publish_streaks", "games")):
        branches = _case_branches(compiled[name])
        assert sorted((m, c) for m, _, c in branches) == expected, name
        assert {a for _, a, _ in branches} == {alias}, name

    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute(f"delete from {settings.schema('nba_staging')}.prop_markets")
    result, _ = _compile(dbt, "prediction_accuracy")
    assert not result.success
    assert "has no rows" in str(result.exception)


# -- feature store inputs and version ----------------------------------------------------------------------------
def _yml_feature_store() -> dict[str, Any]:
    models = yaml.safe_load(FEATURE_YML.read_text(encoding="utf-8"))["models"]
    return next(m for m in models if m["name"] == "ml_feature_store")


def test_the_feature_reader_returns_the_ymls_flagged_columns_in_order(warehouse):
    settings, _, _ = warehouse
    model = _yml_feature_store()
    flagged = [c["name"] for c in model["columns"] if (c.get("meta") or {}).get("feature")]
    spec = features.feature_spec(settings)
    assert spec.columns == tuple(flagged) and len(flagged) > 50
    assert spec.version == model["config"]["meta"]["feature_version"]
    # identifiers and labels are not inputs; xgboost's inputs are these, then the market's own line
    assert not {"player_id", "game_date", "player_name_key", "team_abbr", "injury_status"} & set(spec.columns)
    assert xgb.features(settings) == [*flagged, *xgb.LINE_FEATURES]


def _manifest(columns: dict[str, Any], meta: dict[str, Any] | None = None, config_meta: bool = False):
    node: dict[str, Any] = {"columns": columns}
    if config_meta:
        node["config"] = {"meta": meta or {}}
    else:
        node["meta"] = meta or {}
    return {"nodes": {features.NODE: node}}


def test_spec_from_a_small_manifest_keeps_column_order_and_reads_either_meta():
    columns = {
        "player_id": {"meta": {}},
        "rest_days": {"meta": {"feature": True}},
        "injury_status": {},
        "is_home": {"config": {"meta": {"feature": True}}},  # dbt 1.10+ writes config.meta too
        "points_avg_l10": {"meta": {"feature": True}},
        "player_name": {"meta": {"feature": False}},
    }
    spec = features.spec_from_manifest(_manifest(columns, {"feature_version": "v9"}))
    assert spec == features.FeatureSpec("v9", ("rest_days", "is_home", "points_avg_l10"))
    assert features.spec_from_manifest(_manifest(columns, {"feature_version": "v9"}, config_meta=True)) == spec


def test_a_manifest_without_the_declarations_is_a_clear_error():
    flagged = {"rest_days": {"meta": {"feature": True}}}
    with pytest.raises(features.FeatureDefinitionError, match="no model ml_feature_store"):
        features.spec_from_manifest({"nodes": {}}, "some/manifest.json")
    with pytest.raises(features.FeatureDefinitionError, match="declares no feature_version") as raised:
        features.spec_from_manifest(_manifest(flagged), "some/manifest.json")
    assert "some/manifest.json" in str(raised.value) and features.YML in str(raised.value)
    with pytest.raises(features.FeatureDefinitionError, match="flags no column"):
        features.spec_from_manifest(_manifest({"rest_days": {}}, {"feature_version": "v3"}), "some/manifest.json")


def test_a_missing_or_unreadable_manifest_is_a_clear_error_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    settings = Settings(target="test", warehouse_dir=tmp_path)
    path = tmp_path / "target" / "manifest.json"
    with pytest.raises(features.FeatureDefinitionError, match=re.escape(f"{path} is missing")):
        features.feature_spec(settings)
    path.parent.mkdir()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(features.FeatureDefinitionError, match="not a dbt manifest") as raised:
        features.feature_spec(settings)
    assert str(path) in str(raised.value)
