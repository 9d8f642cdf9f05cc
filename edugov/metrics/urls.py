from django.urls import path

from edugov.metrics import views

app_name = "metrics"
urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:code>/", views.region, name="region"),
    path("regions/<str:code>/indicators/<slug:indicator>/", views.region_indicator,
         name="region_indicator"),
    path("regions/<str:code>/equity/", views.equity, name="equity"),
    path("schools/<str:code>/", views.school, name="school"),
    path("indicators/new/", views.indicator_new, name="indicator_new"),
    path("recompute/", views.recompute, name="recompute"),
]
