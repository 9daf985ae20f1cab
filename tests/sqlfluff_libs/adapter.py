"""Stand-in for dbt's `adapter` object when sqlfluff renders models with the plain jinja templater."""


def quote(identifier):
    return f'"{identifier}"'


def dispatch(macro_name, macro_namespace=None):
    def render(*args, **kwargs):
        return f"{macro_name}({', '.join(str(a) for a in args)})"

    return render
