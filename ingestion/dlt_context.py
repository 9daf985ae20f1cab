"""dlt's run context for this project, so that dlt's own CLI finds phase 1's pipelines.

The pipelines live in the warehouse folder (``Settings.dlt_pipelines_dir``: ``warehouse/.dlt_pipelines``, or
``$NBA_PROPS_WAREHOUSE_DIR/.dlt_pipelines``), one per target: ``nba_props_replay_<target>``. dlt's default run
context looks for pipelines in ``~/.dlt/pipelines`` (``DLT_DATA_DIR``) only, so ``dlt pipeline --list-pipelines``
run from the project root found nothing. This module is a dlt plugin (the ``dlt`` entry point in
``pyproject.toml``, dlt's ``plug_run_context`` hook): where the run directory is this project's root it returns
dlt's own ``RunContext`` with the pipelines folder of the project, so that from the project root

    dlt pipeline --list-pipelines
    dlt pipeline nba_props_replay_dev info | trace | show | load-package

work as dlt users know them. Anywhere else it returns nothing and dlt's default context applies.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dlt.common.configuration import plugins
from dlt.common.runtime.run_context import RunContext

from core.settings import PROJECT_DIR, Settings


class ProjectRunContext(RunContext):
    """dlt's default run context, with the pipelines of the project's warehouse folder."""

    def get_data_entity(self, entity: str) -> str:
        if entity == "pipelines":
            return str(Settings.from_env().dlt_pipelines_dir)
        return super().get_data_entity(entity)


@plugins.hookimpl(specname="plug_run_context", tryfirst=True)
def plug_run_context_impl(run_dir: str | None, runtime_kwargs: dict[str, Any] | None) -> RunContext | None:  # noqa: ARG001
    here = Path(os.path.abspath(run_dir or "."))
    return ProjectRunContext(str(here)) if here == PROJECT_DIR.resolve() else None
