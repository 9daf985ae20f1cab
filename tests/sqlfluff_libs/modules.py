"""Stand-in for dbt's `modules` context (re, datetime) when sqlfluff lints (macros/validated_var.sql)."""

import datetime  # noqa: F401
import re  # noqa: F401
