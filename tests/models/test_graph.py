"""The shape of the dbt graph, checked on dbt's own manifest (in the spirit of dbt-project-evaluator, which
needs dbt Hub): fast, no warehouse (`dbt parse` only).

* Layers. A model's layer is the first folder under models/, except that a `staging` folder is a staging
  layer: models/staging/** is `staging`, models/<layer>/staging/** is `<layer>/staging` (that layer's own
  staging views, e.g. models/monitoring/staging). Each layer reads only the layers in ALLOWED_PARENTS:
  staging -> analytics -> precompute -> predictions -> publish, monitoring beside them.
* Sources are read only by a staging layer (SOURCE_READERS says which): the raw API sources by models/staging,
  the monitoring tables by models/monitoring/staging; the one exception is the ML output table
  player_prop_predictions, which only the predictions layer reads.
* Every enabled model has a consumer (a child model or an exposure), a primary-key test (`unique` on a column
  or our generic `unique_combination`, macros/test_unique_combination.sql) and a description.

Each rule is a function of the manifest dict that returns one line per offender, so the checks are tested on
small synthetic manifests too.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import pytest

from core.settings import Settings
from dbt_project.control.dbt_invoker import Dbt

SEED = "seed"
# layer -> the layers its models may read (models and seeds; sources are SOURCE_READERS' business)
ALLOWED_PARENTS: dict[str, set[str]] = {
    "staging": {SEED},
    "monitoring/staging": {SEED},
    "analytics": {"staging", "analytics", SEED},
    "precompute": {"analytics", "precompute", SEED},
    "predictions": {"precompute", "analytics", "predictions", SEED},
    "publish": {"analytics", "precompute", "predictions", "publish", SEED},
    "monitoring": {"monitoring/staging", "monitoring", "analytics", "predictions", "publish"},
}
# "<source>.<table>" or "<source>" -> the only layers that may read it; any other source: DEFAULT_SOURCE_READERS
SOURCE_READERS: dict[str, set[str]] = {
    "nba_predictions.player_prop_predictions": {"predictions"},
    "nba_monitoring": {"monitoring/staging"},
    "nba_raw_quarantine": {"monitoring/staging"},
}
DEFAULT_SOURCE_READERS = {"staging"}
PRIMARY_KEY_TESTS = {"unique", "unique_combination"}


def layer_of(node: dict[str, Any]) -> str:
    """The layer of a model (see the module docstring), `seed` for a seed, `source` for a source."""
    if node["resource_type"] in (SEED, "source"):
        return node["resource_type"]
    path = PurePosixPath(node["original_file_path"])
    folders = path.parts[1:-1] if path.parts and path.parts[0] == "models" else path.parts[:-1]
    if not folders:
        return "(models root)"
    if folders[0] == "staging":
        return "staging"
    return f"{folders[0]}/staging" if "staging" in folders[1:] else folders[0]


def _models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (
            n
            for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n.get("config", {}).get("enabled", True)
        ),
        key=lambda n: n["unique_id"],
    )


def _node(manifest: dict[str, Any], unique_id: str) -> dict[str, Any] | None:
    return manifest["nodes"].get(unique_id) or manifest["sources"].get(unique_id)


def _label(node: dict[str, Any]) -> str:
    if node["resource_type"] == "source":
        return f"source {node['source_name']}.{node['name']}"
    return f"{node['name']} ({layer_of(node)})"


def layer_violations(manifest: dict[str, Any]) -> list[str]:
    """`model (layer) -> parent (layer)` for every model or seed parent its layer may not read."""
    found = []
    for model in _models(manifest):
        layer = layer_of(model)
        allowed = ALLOWED_PARENTS.get(layer)
        if allowed is None:
            found.append(f"{_label(model)}: not in a known layer ({', '.join(sorted(ALLOWED_PARENTS))})")
            continue
        for parent_id in sorted(set(model["depends_on"]["nodes"])):
            parent = _node(manifest, parent_id)
            if parent is None or parent["resource_type"] == "source":
                continue
            if layer_of(parent) not in allowed:
                found.append(f"{_label(model)} -> {_label(parent)}")
    return found


def source_readers(source: dict[str, Any]) -> set[str]:
    return SOURCE_READERS.get(
        f"{source['source_name']}.{source['name']}",
        SOURCE_READERS.get(source["source_name"], DEFAULT_SOURCE_READERS),
    )


def source_violations(manifest: dict[str, Any]) -> list[str]:
    """`model (layer) -> source s.t` for every source read by a layer that may not read it."""
    found = []
    for model in _models(manifest):
        for parent_id in sorted(set(model["depends_on"]["nodes"])):
            source = manifest["sources"].get(parent_id)
            if source is not None and layer_of(model) not in source_readers(source):
                found.append(
                    f"{_label(model)} -> {_label(source)} (read only by {', '.join(sorted(source_readers(source)))})"
                )
    return found


def orphans(manifest: dict[str, Any]) -> list[str]:
    """Models that no model and no exposure reads."""
    found = []
    for model in _models(manifest):
        children = manifest["child_map"].get(model["unique_id"], [])
        consumers = [
            c
            for c in children
            if c in manifest.get("exposures", {}) or (manifest["nodes"].get(c, {}).get("resource_type") == "model")
        ]
        if not consumers:
            found.append(f"{_label(model)}: no child model and no exposure")
    return found


def missing_primary_keys(manifest: dict[str, Any]) -> list[str]:
    """Models without an enabled `unique` or `unique_combination` test attached."""
    keyed = {
        n.get("attached_node")
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
        and n.get("config", {}).get("enabled", True)
        and (n.get("test_metadata") or {}).get("name") in PRIMARY_KEY_TESTS
    }
    return [
        f"{_label(m)}: no unique / unique_combination test" for m in _models(manifest) if m["unique_id"] not in keyed
    ]


def missing_descriptions(manifest: dict[str, Any]) -> list[str]:
    return [f"{_label(m)}: no description" for m in _models(manifest) if not (m.get("description") or "").strip()]


def _report(found: list[str], rule: str) -> str:
    return f"{len(found)} {rule}:\n  " + "\n  ".join(found)


# -- the real graph -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """dbt's manifest.json of the project on the test target, from an in-process `dbt parse` (DBT_TARGET_PATH:
    the session's temporary folder, tests/conftest.py)."""
    settings = Settings(target="test", warehouse_dir=tmp_path_factory.mktemp("graph_warehouse"))
    Dbt(settings).parse()
    return json.loads((settings.dbt_target_path / "manifest.json").read_text(encoding="utf-8"))


def test_the_manifest_has_every_layer(manifest):
    layers = {layer_of(m) for m in _models(manifest)}
    assert set(ALLOWED_PARENTS) <= layers, f"layers without a model: {set(ALLOWED_PARENTS) - layers}"


def test_no_model_reads_a_layer_it_must_not(manifest):
    found = layer_violations(manifest)
    assert not found, _report(found, "models read a layer they must not (model -> parent)")


def test_sources_are_read_only_by_their_staging_layer(manifest):
    found = source_violations(manifest)
    assert not found, _report(found, "sources read outside their staging layer (model -> source)")


def test_every_model_has_a_consumer(manifest):
    found = orphans(manifest)
    assert not found, _report(found, "orphan models")


def test_every_model_has_a_primary_key_test(manifest):
    found = missing_primary_keys(manifest)
    assert not found, _report(found, "models without a primary-key test")


def test_every_model_has_a_description(manifest):
    found = missing_descriptions(manifest)
    assert not found, _report(found, "models without a description")


# -- the checks themselves, on a synthetic manifest ---------------------------------------------------------
def _synthetic() -> dict[str, Any]:
    def model(name: str, folder: str, parents: list[str], description: str = "A model.") -> dict[str, Any]:
        return {
            "unique_id": f"model.p.{name}",
            "resource_type": "model",
            "name": name,
            "original_file_path": f"models/{folder}/{name}.sql",
            "config": {"enabled": True},
            "description": description,
            "depends_on": {"nodes": parents},
        }

    def pk_test(model_name: str, test: str) -> dict[str, Any]:
        return {
            "unique_id": f"test.p.{test}_{model_name}",
            "resource_type": "test",
            "config": {"enabled": True},
            "attached_node": f"model.p.{model_name}",
            "test_metadata": {"name": test},
            "depends_on": {"nodes": [f"model.p.{model_name}"]},
        }

    sources = {
        "source.p.raw.games": {
            "unique_id": "source.p.raw.games",
            "resource_type": "source",
            "source_name": "raw",
            "name": "games",
            "original_file_path": "models/staging/raw/_raw__sources.yml",
        },
        "source.p.nba_predictions.player_prop_predictions": {
            "unique_id": "source.p.nba_predictions.player_prop_predictions",
            "resource_type": "source",
            "source_name": "nba_predictions",
            "name": "player_prop_predictions",
            "original_file_path": "models/predictions/_sources.yml",
        },
        "source.p.nba_monitoring.pipeline_run_history": {
            "unique_id": "source.p.nba_monitoring.pipeline_run_history",
            "resource_type": "source",
            "source_name": "nba_monitoring",
            "name": "pipeline_run_history",
            "original_file_path": "models/monitoring/_monitoring__sources.yml",
        },
    }
    models = [
        model("stg_raw__games", "staging/raw", ["source.p.raw.games"]),
        model("stg_monitoring__history", "monitoring/staging", ["source.p.nba_monitoring.pipeline_run_history"]),
        model("games", "analytics", ["model.p.stg_raw__games"]),
        model("features", "precompute", ["model.p.games"]),
        model("accuracy", "predictions", ["model.p.features", "source.p.nba_predictions.player_prop_predictions"]),
        model("publish_ok", "publish", ["model.p.accuracy", "model.p.games"]),
        model("status", "monitoring", ["model.p.stg_monitoring__history", "model.p.publish_ok"]),
    ]
    nodes = {m["unique_id"]: m for m in models}
    for m in models:
        test = pk_test(m["name"], "unique_combination" if m["name"].startswith("stg_") else "unique")
        nodes[test["unique_id"]] = test
    manifest = {
        "nodes": nodes,
        "sources": sources,
        "exposures": {
            "exposure.p.feed": {"depends_on": {"nodes": ["model.p.publish_ok"]}},
            "exposure.p.dashboard": {"depends_on": {"nodes": ["model.p.status"]}},
        },
    }
    return _with_child_map(manifest)


def _with_child_map(manifest: dict[str, Any]) -> dict[str, Any]:
    child_map: dict[str, list[str]] = {uid: [] for uid in [*manifest["nodes"], *manifest["sources"]]}
    for uid, node in [*manifest["nodes"].items(), *manifest["exposures"].items()]:
        for parent in node["depends_on"]["nodes"]:
            child_map.setdefault(parent, []).append(uid)
    return {**manifest, "child_map": child_map}


def _add(manifest: dict[str, Any], name: str, folder: str, parents: list[str], **extra: Any) -> dict[str, Any]:
    node = {
        "unique_id": f"model.p.{name}",
        "resource_type": "model",
        "name": name,
        "config": {"enabled": True},
        "original_file_path": f"models/{folder}/{name}.sql",
        "description": "A model.",
        "depends_on": {"nodes": parents},
        **extra,
    }
    return _with_child_map({**manifest, "nodes": {**manifest["nodes"], node["unique_id"]: node}})


def test_a_clean_synthetic_graph_passes_every_check():
    manifest = _synthetic()
    assert layer_of(manifest["nodes"]["model.p.stg_monitoring__history"]) == "monitoring/staging"
    assert layer_of(manifest["nodes"]["model.p.stg_raw__games"]) == "staging"
    for check in (layer_violations, source_violations, orphans, missing_primary_keys, missing_descriptions):
        assert check(manifest) == [], check.__name__


def test_the_checks_catch_each_kind_of_violation():
    manifest = _synthetic()
    # a publish model reading staging and a raw source; monitoring reading the raw staging layer; a layer
    # skipped (precompute reading staging); monitoring reading a monitoring source directly
    manifest = _add(manifest, "publish_bad", "publish", ["model.p.stg_raw__games", "source.p.raw.games"])
    manifest = _add(
        manifest, "status_bad", "monitoring", ["model.p.stg_raw__games", "source.p.nba_monitoring.pipeline_run_history"]
    )
    manifest = _add(manifest, "features_bad", "precompute", ["model.p.stg_raw__games"], description=" ")
    manifest = _add(
        manifest, "staging_bad", "staging/raw", ["model.p.games", "source.p.nba_predictions.player_prop_predictions"]
    )
    assert layer_violations(manifest) == [
        "features_bad (precompute) -> stg_raw__games (staging)",
        "publish_bad (publish) -> stg_raw__games (staging)",
        "staging_bad (staging) -> games (analytics)",
        "status_bad (monitoring) -> stg_raw__games (staging)",
    ]
    assert source_violations(manifest) == [
        "publish_bad (publish) -> source raw.games (read only by staging)",
        "staging_bad (staging) -> source nba_predictions.player_prop_predictions (read only by predictions)",
        "status_bad (monitoring) -> source nba_monitoring.pipeline_run_history (read only by monitoring/staging)",
    ]
    # none of the four has a consumer or a primary-key test; one has a blank description
    bad = ["features_bad (precompute)", "publish_bad (publish)", "staging_bad (staging)", "status_bad (monitoring)"]
    assert orphans(manifest) == [f"{b}: no child model and no exposure" for b in bad]
    assert missing_primary_keys(manifest) == [f"{b}: no unique / unique_combination test" for b in bad]
    assert missing_descriptions(manifest) == ["features_bad (precompute): no description"]


def test_a_test_that_is_not_a_primary_key_does_not_count():
    manifest = _synthetic()
    not_null = {
        "unique_id": "test.p.not_null_games",
        "resource_type": "test",
        "config": {"enabled": True},
        "attached_node": "model.p.games",
        "test_metadata": {"name": "not_null"},
        "depends_on": {"nodes": ["model.p.games"]},
    }
    nodes = {k: v for k, v in manifest["nodes"].items() if k != "test.p.unique_games"}
    manifest = _with_child_map({**manifest, "nodes": {**nodes, not_null["unique_id"]: not_null}})
    assert missing_primary_keys(manifest) == ["games (analytics): no unique / unique_combination test"]
    # a model read only by a test is an orphan too
    manifest = _with_child_map({**manifest, "exposures": {}})
    assert orphans(manifest) == ["status (monitoring): no child model and no exposure"]
