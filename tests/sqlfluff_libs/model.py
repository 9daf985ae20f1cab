"""`model` for sqlfluff's jinja templater: the node config a model reads while rendering (ml_feature_store's
feature_version meta)."""

config = {"meta": {"feature_version": "lint"}}
