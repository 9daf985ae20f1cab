"""The documentation.

Fast (no pipeline): the README is a newcomer's page (short, the two set-up commands, the exit-code table equal
to `core.errors.ExitCode`), every relative link of README.md and docs/*.md reaches a file (and heading)
that exists, every docs page is linked from the README, and every `nba-props` command and option the docs show
exists in the CLI.

End to end (`e2e`): `dbt docs generate` on the demo warehouse succeeds, the manifest holds every feed and the
dashboard as exposures whose lineage reaches the raw API sources, and every model, seed, column (as built, from
the catalog), source, source column and exposure has a description."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import typer.main

from core.errors import ExitCode
from dbt_project.cli import app
from dbt_project.control.dbt_invoker import Dbt

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_LINES = 200

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def _prose(text: str) -> str:
    """Markdown without fenced code blocks and inline code (links there are not links)."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def _sections(text: str) -> dict[str, str]:
    """Heading text -> the body under it, up to the next heading of the same or a higher level."""
    prose = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # same offsets; no `# comment` headings
    heads = list(HEADING.finditer(prose))
    out = {}
    for i, h in enumerate(heads):
        level = len(h.group(1))
        end = next((n.start() for n in heads[i + 1 :] if len(n.group(1)) <= level), len(text))
        out[h.group(2).strip()] = text[h.end() : end]
    return out


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"[`*_]{1,2}(?=\S)|(?<=\S)[`*_]{1,2}", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for h in HEADING.finditer(FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(h.group(2).strip())
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _table(body: str) -> list[list[str]]:
    """The rows (cells stripped) of the first markdown table in ``body``, header and separator left out."""
    lines = body.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    assert len(rows) >= 2 and set("".join(rows[1])) <= set("-: "), f"not a markdown table: {rows[:2]}"
    return rows[2:]


def test_the_readme_exit_code_table_is_exactly_the_exit_code_enum():
    sections = _sections(README.read_text(encoding="utf-8"))
    assert "Exit codes" in sections, "README has no heading 'Exit codes'"
    rows = _table(sections["Exit codes"])
    listed = {}
    for row in rows:
        code, name = int(row[0]), row[1].strip("`")
        assert code not in listed, f"exit code {code} listed twice"
        assert row[2], f"exit code {code} has no meaning"
        listed[code] = name
    assert listed == {int(c): c.name for c in ExitCode}


def test_every_relative_link_in_the_readme_and_docs_reaches_an_existing_file_and_heading():
    broken, checked = [], 0
    for page in [README, *DOCS]:
        for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                continue
            checked += 1
            file_part, _, anchor = target.partition("#")
            dest = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(ROOT)} -> {target}"
            if not dest.exists():
                broken.append(f"{where}: no file {dest}")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{where}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert checked >= 30, f"only {checked} relative links found: is the link pattern right?"
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_linked_from_the_readme():
    linked = {
        (README.parent / t.partition("#")[0]).resolve()
        for t in LINK.findall(_prose(README.read_text(encoding="utf-8")))
    }
    assert DOCS and not [p.name for p in DOCS if p.resolve() not in linked]


def test_the_readme_is_short_and_sets_up_with_make_demo_and_make_test():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    setup = [body for head, body in _sections(text).items() if head.lower().startswith("set up")]
    assert len(setup) == 1, "README needs one 'Set up' section"
    block = FENCE.search(setup[0])
    assert block, "the set-up section has no command block"
    commands = [line.split("#")[0].strip() for line in block.group(0).splitlines()[1:-1]]
    assert [c for c in commands if c] == ["make demo", "make test"]


def _shown_commands(text: str) -> list[str]:
    """`nba-props ...` invocations shown in code: fenced blocks (one per line, split at `&&`, `;` and ` | `,
    comments cut) and inline code."""
    found = []
    for block in FENCE.findall(text):
        for line in block.splitlines()[1:-1]:
            line = line.split(" #")[0]
            found += [p.strip() for p in re.split(r"&&|;| \| ", line) if p.strip().startswith("nba-props")]
    found += [s.strip("`") for s in INLINE_CODE.findall(FENCE.sub("", text)) if s.startswith("`nba-props")]
    return found


def test_every_nba_props_command_and_option_the_docs_show_exists():
    root = typer.main.get_command(app)
    problems, checked = [], 0
    for page in [README, *DOCS]:
        for shown in _shown_commands(page.read_text(encoding="utf-8")):
            tokens = shlex.split(shown.replace("[", " ").replace("]", " "))[1:]
            if not tokens or tokens[0].startswith("-") or tokens[0].isupper():  # `nba-props --help`, COMMAND
                continue
            command, path = root, ["nba-props"]
            while hasattr(command, "commands") and tokens and not tokens[0].startswith("-"):
                name = tokens.pop(0)
                path.append(name)
                command = command.commands.get(name)
                if command is None:
                    break
            where = f"{page.relative_to(ROOT)}: `{shown}`"
            if command is None or hasattr(command, "commands"):
                problems.append(f"{where}: no command {' '.join(path)}")
                continue
            checked += 1
            options = {o for p in command.params for o in p.opts + p.secondary_opts} | {"--help"}
            for token in tokens:
                option = token.split("=")[0]
                if option.startswith("--") and option not in options:
                    problems.append(f"{where}: {' '.join(path)} has no option {option}")
    assert checked >= 20, f"only {checked} commands found in the docs"
    assert not problems, "\n".join(problems)


RAW_SOURCES = {"balldontlie", "odds_api", "nbacom", "bref", "bigdataball"}  # dlt-loaded, schema nba_raw
FEEDS = {"predictions_feed", "best_bets_feed", "tonight_feed", "streaks_feed", "live_scores_feed", "live_grading_feed"}


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


@pytest.mark.e2e
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
    for node in (
        "source.nba_props.odds_api.player_props",
        "source.nba_props.balldontlie.box_scores",
        "model.nba_props.stg_odds_api__player_props",
        "model.nba_props.player_game_summary",
        "model.nba_props.ml_feature_store",
        "source.nba_props.nba_predictions.player_prop_predictions",
    ):
        assert node in lineage, node
    assert exposures["pipeline_health_dashboard"]["type"] == "dashboard"


@pytest.mark.e2e
def test_every_model_column_source_and_exposure_is_described(docs):
    manifest, catalog = docs
    missing = []
    nodes = [
        n
        for n in manifest["nodes"].values()
        if n["package_name"] == "nba_props" and n["resource_type"] in ("model", "seed")
    ]
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
