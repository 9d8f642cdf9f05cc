"""OpenAPI schema and Swagger UI docs, served without any CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def test_docs_page_uses_only_local_assets():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = ASSET.findall(html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"
    assert "cdn" not in html.lower()
    assert not re.search(r"https?://", html), "the docs page must not load anything remote"
    assert '"validatorUrl": null' in html  # no schema upload to validator.swagger.io


def test_docs_static_files_are_served():
    for name in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert Client().get(f"/static/ninja/{name}").status_code == 200, name


def test_openapi_schema():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "edugov API"
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["TokenAuth"].items()
    assert schemes["SessionAuthCsrf"]["in"] == "cookie"
    params = {p["name"] for p in schema["paths"]["/api/v1/students"]["get"]["parameters"]}
    assert {"page", "page_size", "region", "institution", "grade", "sex", "hukou_type",
            "q"} <= params
    item = schema["components"]["schemas"]["InstitutionOut"]["properties"]
    assert {"kind", "kind_label", "ownership", "ownership_label"} <= item.keys()
