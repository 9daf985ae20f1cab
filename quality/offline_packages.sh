#!/usr/bin/env bash
# Install the opt-in data-quality dbt packages (elementary + dbt_utils) from local sources, for machines that
# cannot reach dbt Hub (where it is reachable, `make quality` runs `dbt deps` instead).
#
#   quality/offline_packages.sh ELEMENTARY_SRC DBT_UTILS_SRC
#
# Each source is either a directory holding the package (its dbt_project.yml at the top), or a git directory
# (bare or not) followed by @<tag>, e.g.
#
#   quality/offline_packages.sh ~/src/dbt-data-reliability.git@0.25.1 ~/src/dbt-utils.git@1.4.1
#
# Both packages are copied into
#   - ./dbt_packages/{elementary,dbt_utils}                   (this project; git-ignored)
#   - <elementary python package>/monitor/dbt_project/dbt_packages/{elementary,dbt_utils}
#                                                             (the internal project `edr report` runs)
# and quality/packages.yml is copied to ./packages.yml (git-ignored), as `dbt deps` would leave it.
# elementary's own packages.yml (it points at dbt Hub) is removed from both copies.
#
# edr runs `dbt deps` in its internal project unless that project's dbt_packages holds elementary of exactly
# the version its packages.yml pins (the elementary-data CLI's version), so the elementary source must be
# that version: the script checks it. PYTHON (default .venv/bin/python, else python3) is the interpreter
# that has elementary-data installed.
set -euo pipefail

usage() {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
elementary_src=$1 dbt_utils_src=$2

root=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-}
if [[ -z "$PYTHON" ]]; then
  if [[ -x "$root/.venv/bin/python" ]]; then PYTHON=$root/.venv/bin/python; else PYTHON=python3; fi
fi

# version: in a dbt_project.yml (stdin); pinned: elementary's version in a packages.yml
version() { sed -n 's/^version: *["'"'"']\{0,1\}\([^"'"'"' ]*\).*/\1/p' | head -1; }
pinned() {
  sed -n '/elementary-data\/elementary/,/version/s/^ *version: *["'"'"']\{0,1\}\([^"'"'"' ]*\).*/\1/p' "$1" | head -1
}

is_git_source() { [[ "$1" == *@* && ! -e "$1" ]]; }
git_dir() {
  local gitdir=${1%@*}
  [[ -d "$gitdir/.git" ]] && gitdir=$gitdir/.git
  echo "$gitdir"
}

# source_version SRC: the version in the source's dbt_project.yml (checks that the source is usable)
source_version() {
  local src=$1
  if is_git_source "$src"; then
    git --git-dir="$(git_dir "$src")" show "${src##*@}:dbt_project.yml" 2>/dev/null | version ||
      { echo "no dbt_project.yml at ${src##*@} in $(git_dir "$src")" >&2; exit 1; }
  elif [[ -f "$src/dbt_project.yml" ]]; then
    version <"$src/dbt_project.yml"
  else
    echo "neither a package directory nor <git dir>@<ref>: $src" >&2
    exit 1
  fi
}

# export_package SRC DEST: copy the package tree to DEST, replacing it
export_package() {
  local src=$1 dest=$2 tmp
  tmp=$(mktemp -d "${dest%/*}/.tmp.XXXXXX")
  chmod 755 "$tmp"
  if is_git_source "$src"; then
    git --git-dir="$(git_dir "$src")" archive "${src##*@}" | tar -x -C "$tmp"
  else
    (cd "$src" && tar -c --exclude=.git --exclude=dbt_packages --exclude=target --exclude=logs .) | tar -x -C "$tmp"
  fi
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

install_into() {
  mkdir -p "$1"
  export_package "$elementary_src" "$1/elementary"
  rm -f "$1/elementary/packages.yml" # it points at dbt Hub
  export_package "$dbt_utils_src" "$1/dbt_utils"
  echo "installed elementary $elementary_version and dbt_utils $dbt_utils_version into $1"
}

# check everything before installing anything
elementary_version=$(source_version "$elementary_src")
dbt_utils_version=$(source_version "$dbt_utils_src")
[[ -n "$elementary_version" ]] || { echo "no version in $elementary_src's dbt_project.yml" >&2; exit 1; }
[[ "$dbt_utils_version" == 0.1.0 && "$dbt_utils_src" == *@* ]] && dbt_utils_version=${dbt_utils_src##*@}
edr_project=$("$PYTHON" -c 'import os, elementary; print(os.path.join(os.path.dirname(elementary.__file__), "monitor", "dbt_project"))') ||
  { echo "elementary-data is not installed for $PYTHON (pip install -e '.[quality]')" >&2; exit 1; }
edr_pin=$(pinned "$edr_project/packages.yml")
if [[ "$elementary_version" != "$edr_pin" ]]; then
  echo "the elementary source is $elementary_version, but edr's internal project pins $edr_pin (edr would run" >&2
  echo "dbt deps): use the package source of version $edr_pin, or elementary-data==$elementary_version" >&2
  exit 1
fi
project_pin=$(pinned "$root/quality/packages.yml")
[[ "$elementary_version" == "$project_pin" ]] ||
  echo "warning: quality/packages.yml pins elementary $project_pin, the source is $elementary_version" >&2

# 1. this project (and the root packages.yml, as `make quality` leaves it where dbt Hub is reachable)
install_into "$root/dbt_packages"
cp "$root/quality/packages.yml" "$root/packages.yml"
# 2. edr's internal dbt project
install_into "$edr_project/dbt_packages"
