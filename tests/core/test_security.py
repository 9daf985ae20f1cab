"""Security: no secret in the repository (files or history), and text from the command line that reaches SQL
is validated before it does.

The secret scan is detect-secrets (Yelp) with the repo's audited baseline `.secrets.baseline`: every finding in
it is a reviewed false positive (`is_secret: false`, e.g. the *name* of the SMTP password variable). `make lint`
runs the same scan on the tracked files (`detect-secrets-hook`); this test also scans every blob in the git
history, and checks the scanner finds planted secrets so that a silent scanner cannot pass.
To accept a new false positive: `detect-secrets scan --baseline .secrets.baseline` then `detect-secrets audit`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
import subprocess
import uuid
from pathlib import Path

import pytest

from core.settings import PROJECT_DIR, Settings
from dbt_project.control.dbt_invoker import Dbt

pytest.importorskip("detect_secrets", reason="detect-secrets is in the dev extra: pip install -e '.[dev]'")

from detect_secrets import SecretsCollection  # noqa: E402
from detect_secrets.core import baseline  # noqa: E402
from detect_secrets.settings import transient_settings  # noqa: E402

BASELINE = PROJECT_DIR / ".secrets.baseline"

# The project's own credentials (README "Live mode", "Alerts"): dlt's source keys, the Slack webhook, the SMTP
# password. detect-secrets has no rule for a UUID-shaped key such as BallDontLie's, so a literal value assigned
# to one of these names is a finding too; documented placeholders ("your-...", "...", $VAR)
# and names of other variables are not.
OWN_KEY_LITERAL = re.compile(
    r"(?i)(?:\bapi_key|SOURCES__\w+__API_KEY|SLACK_WEBHOOK_URL|SMTP_PASSWORD)[\"']?\s*[=:]\s*[\"']?"
    r"(?!your-)([A-Za-z0-9][A-Za-z0-9_\-./:]{15,})"
)


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(PROJECT_DIR), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def git_checkout() -> None:
    if not (PROJECT_DIR / ".git").exists():
        pytest.skip(f"{PROJECT_DIR} is not a git checkout: nothing to scan")


def _baseline() -> tuple[dict, set[str]]:
    """The baseline's scanner settings, and the hashes of its audited false positives (all must be audited)."""
    data = baseline.load_from_file(str(BASELINE))
    unaudited = [
        f"{path}:{s['line_number']}"
        for path, found in data["results"].items()
        for s in found
        if s.get("is_secret") is not False
    ]
    assert not unaudited, f"findings in {BASELINE.name} not audited as false positives: {unaudited}"
    allowed = {s["hashed_secret"] for found in data["results"].values() for s in found}
    return {"plugins_used": data["plugins_used"], "filters_used": data["filters_used"]}, allowed


def _scan(root: Path, paths: list[str]) -> list[tuple[str, int, str, str]]:
    # the baseline holds only hashes of audited findings (hex strings the scanner would flag), never a secret
    # benchmarks/results/latest.json records the git commit and checksums: hex strings by design, new each run
    paths = [p for p in paths if Path(p).name != BASELINE.name and not p.endswith("benchmarks/results/latest.json")]
    config, _ = _baseline()
    found = SecretsCollection(root=str(root))
    with transient_settings(config):
        found.scan_files(*paths)
    findings = [(name, s.line_number, s.type, s.secret_hash) for name, s in found]
    for name in paths:
        text = (root / name).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for match in OWN_KEY_LITERAL.finditer(line):
                if re.fullmatch(r"[A-Z0-9_]+", match.group(1)):  # the name of another variable
                    continue
                digest = hashlib.sha1(match.group(1).encode()).hexdigest()
                findings.append((name, number, "nba-props credential literal", digest))
    return findings


def _unexpected(findings: list[tuple[str, int, str, str]]) -> list[str]:
    _, allowed = _baseline()
    return [f"{name}:{line} {kind}" for name, line, kind, digest in findings if digest not in allowed]


def test_tracked_files_hold_no_secret(git_checkout: None) -> None:
    tracked = [p for p in _git("ls-files", "-z").split("\0") if p and (PROJECT_DIR / p).is_file()]
    assert len(tracked) > 50
    assert _unexpected(_scan(PROJECT_DIR, tracked)) == []


def test_no_secret_was_ever_committed(git_checkout: None, tmp_path: Path) -> None:
    """Every blob reachable from any ref, written under its own path (the scanner's filters look at names)."""
    named = [line.partition(" ") for line in _git("rev-list", "--objects", "--all").splitlines()]
    named = [(sha, name) for sha, _, name in named if name]
    # every object in one `git cat-file --batch`: "<sha> <type> <size>\n<content>\n" each, in the order asked
    out = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha, _ in named).encode(),
        check=True,
        capture_output=True,
    ).stdout
    paths: list[str] = []
    position = 0
    for sha, name in named:
        end = out.index(b"\n", position)
        got, kind, size = out[position:end].decode().split()
        assert got == sha, (got, sha)
        content, position = out[end + 1 : end + 1 + int(size)], end + 1 + int(size) + 1
        if kind != "blob":
            continue
        target = tmp_path / sha / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        paths.append(str(target.relative_to(tmp_path)))
    assert position == len(out) and len(paths) > 50
    assert _unexpected(_scan(tmp_path, paths)) == []


def test_the_scan_finds_planted_secrets(tmp_path: Path) -> None:
    """The scanner and the baseline's settings catch what would leak: a cloud key, a private key, a Slack
    webhook, a password and an API key in a config file, an API key exported by a script."""
    # built at run time, so that this file itself holds nothing the scan would (rightly) flag
    rng = random.Random(8)
    hexes = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
    aws = "AKIA" + "".join(rng.choice(string.ascii_uppercase) for _ in range(16))
    pem = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n"
    slack = "https://hooks.slack.com/services/" + "T0AB12CD3/B0AB12CD3/" + token
    (tmp_path / "settings.py").write_text(f'AWS_KEY = "{aws}"\nWEBHOOK = "{slack}"\n', encoding="utf-8")
    (tmp_path / "id_rsa").write_text(pem, encoding="utf-8")
    (tmp_path / "secrets.toml").write_text(
        f'[sources.odds]\napi_key = "{hexes}"\npass{"word"} = "{token}-42"\n', encoding="utf-8"
    )
    (tmp_path / "run.sh").write_text(f'export SOURCES__BALLDONTLIE__API_KEY="{uuid.UUID(hexes)}"\n', encoding="utf-8")
    found = _scan(tmp_path, ["settings.py", "id_rsa", "secrets.toml", "run.sh"])
    kinds = {(name, kind) for name, _, kind, _ in found}
    assert ("settings.py", "AWS Access Key") in kinds
    assert ("settings.py", "Slack Token") in kinds
    assert ("id_rsa", "Private Key") in kinds
    assert ("secrets.toml", "Secret Keyword") in kinds
    assert ("run.sh", "nba-props credential literal") in kinds
    assert len(_unexpected(found)) == len(found)


# --- SQL built from user input --------------------------------------------------------------------------------

BAD_VARS = [
    ({"publish_system": "ensemble' or 1=1 --"}, "publish_system"),
    ({"publish_system": "x'; drop table nba_predictions.player_prop_predictions; --"}, "publish_system"),
    ({"best_bets_count": "10; delete from t"}, "best_bets_count"),
    ({"streak_min_games": "3 or true"}, "streak_min_games"),
    ({"rebuild_from": "2025-01-01' or '1'='1"}, "rebuild_from"),
    ({"rebuild_from": "2025-02-30"}, "rebuild_from"),
    ({"incremental_lookback_days": "-1"}, "incremental_lookback_days"),
]


@pytest.fixture(scope="module")
def dbt_test_target(tmp_path_factory: pytest.TempPathFactory) -> Dbt:
    base = tmp_path_factory.mktemp("security")
    settings = Settings(
        target="test", landing_dir=base / "landing", warehouse_dir=base / "warehouse", exports_dir=base / "exports"
    )
    settings.warehouse_dir.mkdir(parents=True)
    return Dbt(settings)


def _compile(dbt: Dbt, variables: dict) -> tuple[bool, str]:
    result = dbt.invoke(
        [
            "compile",
            "--no-introspect",
            "--vars",
            json.dumps(variables),
            "--select",
            "publish_best_bets publish_tonight publish_streaks player_game_summary",
        ]
    )
    return bool(result.success), str(result.exception or "")


def test_valid_vars_compile(dbt_test_target: Dbt) -> None:
    ok, error = _compile(
        dbt_test_target,
        {
            "publish_system": "xgboost",
            "best_bets_count": 5,
            "rebuild_from": "2025-11-01",
            "incremental_lookback_days": 2,
        },
    )
    assert ok, error


@pytest.mark.parametrize(("variables", "name"), BAD_VARS, ids=[v for _, v in BAD_VARS])
def test_a_var_spliced_into_sql_is_refused_naming_it(
    dbt_test_target: Dbt, variables: dict, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ok, error = _compile(dbt_test_target, variables)
    assert not ok
    message = error + capsys.readouterr().out
    assert f"var {name} = " in message, message
