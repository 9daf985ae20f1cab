"""Phase 6 step: write the JSON feeds of a date from the publish models (atomic: temp file + rename)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from dbt_project.settings import Settings
from dbt_project.warehouse import connect


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1, sort_keys=False, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_predictions(settings: Settings, game_date: date, run_id: str) -> Path:
    with connect(settings) as con:
        cursor = con.execute(
            f"select * from {settings.schema('nba_publish')}.publish_predictions where game_date = ? "
            "order by player_name, market, bookmaker, system",
            [game_date],
        )
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, map(_clean, r), strict=True)) for r in cursor.fetchall()]
    path = settings.exports_dir / game_date.isoformat() / "predictions.json"
    write_json_atomic(
        path,
        {
            "feed": "predictions",
            "game_date": game_date.isoformat(),
            "run_id": run_id,
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "count": len(rows),
            "predictions": rows,
        },
    )
    return path
