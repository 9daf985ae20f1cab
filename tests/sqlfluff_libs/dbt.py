"""Stand-in for dbt's cross-database macros (dbt.datediff, dbt.type_float, ...) when sqlfluff lints."""


def datediff(first, second, datepart):
    return f"date_diff('{datepart}', {first}, {second})"


def dateadd(datepart, interval, from_date):
    return f"({from_date} + interval {interval} {datepart})"


def type_float():
    return "double"


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_bigint():
    return "bigint"


def type_boolean():
    return "boolean"
