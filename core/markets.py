"""The prop markets nba-props loads and predicts, from the dbt seed `seeds/prop_markets.csv`: the one market list
of the project. dbt reads the same file as the seed `prop_markets` (relationships tests, macros/market_stat.sql);
Python reads it here only: the sources, the converters and the demo generator take ``MARKETS`` (the Odds API
market keys, in the seed's order), ``ml.markets`` builds its systems' markets from ``load_markets()``, the feeds'
JSON Schemas and the terminal's labels likewise."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MARKETS_CSV = Path(__file__).resolve().parents[1] / "seeds" / "prop_markets.csv"
COLUMNS = ("market", "stat_column", "feature_prefix", "label", "default_sd")


@dataclass(frozen=True)
class MarketRef:
    market: str  # Odds API market key, as in player_prop_lines.market
    stat_column: str  # nba_analytics.player_game_summary column the market settles on
    feature_prefix: str  # ml_feature_store form columns: <prefix>_avg_l10, <prefix>_std_l10, <prefix>_avg_season
    label: str  # how a reader names it ("points rebounds assists")
    default_sd: float  # spread of the normal fallback for players with a short history


def _row(path: Path, line: int, row: dict[str, str]) -> MarketRef:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    empty = [c for c, v in values.items() if not v]
    if empty:
        raise ValueError(f"{path}: line {line} has no {', '.join(empty)}")
    try:
        default_sd = float(values["default_sd"])
    except ValueError:
        raise ValueError(f"{path}: line {line}: default_sd {values['default_sd']!r} is not a number") from None
    if not default_sd > 0:
        raise ValueError(f"{path}: line {line}: default_sd must be positive, not {default_sd}")
    return MarketRef(values["market"], values["stat_column"], values["feature_prefix"], values["label"], default_sd)


@cache
def load_markets(path: Path = MARKETS_CSV) -> tuple[MarketRef, ...]:
    """The seed's rows in file order; a missing column, an empty field, a duplicate market or an empty seed is a
    ValueError naming the file."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise ValueError(f"{path}: missing column(s) {', '.join(missing)} (expected {', '.join(COLUMNS)})")
            markets = tuple(_row(path, i, r) for i, r in enumerate(reader, start=2))
    except FileNotFoundError:
        raise ValueError(f"{path}: the prop market seed is missing") from None
    if not markets:
        raise ValueError(f"{path}: no markets (the seed has a header only)")
    keys = [m.market for m in markets]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise ValueError(f"{path}: market(s) listed more than once: {', '.join(duplicated)}")
    return markets


def market_labels() -> dict[str, str]:
    """Market key -> the reader's name of it (the seed's ``label``)."""
    return {m.market: m.label for m in load_markets()}


MARKETS: tuple[str, ...] = tuple(m.market for m in load_markets())
