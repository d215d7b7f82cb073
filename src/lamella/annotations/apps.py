from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "lamella.annotations"
    label = "annotations"

    def ready(self) -> None:
        # psycopg decodes PostgreSQL json columns (vectors, meta data) itself, by default with
        # json.loads; orjson does it ~4x faster. json never holds NaN, which orjson refuses.
        try:
            import orjson
            from psycopg.types.json import set_json_loads
        except ImportError:  # pragma: no cover - depends on the environment
            return
        set_json_loads(orjson.loads)
