from django.contrib import admin
from django.urls import include, path

from edugov.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("imports/", include("edugov.imports.urls")),
    path("registry/", include("edugov.registry.urls")),
    path("metrics/", include("edugov.metrics.urls")),
    path("enrollment/", include("edugov.enrollment.urls")),
    path("workforce/", include("edugov.workforce.urls")),
    path("health/", include("edugov.health.urls")),
    path("safety/", include("edugov.safety.urls")),
    path("", include("edugov.web.urls")),
]
