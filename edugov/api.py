"""The REST API, /api/v1/, with OpenAPI docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="edugov API", version="1", urls_namespace="api", docs_url="/docs")
