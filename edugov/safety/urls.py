from django.urls import path

from edugov.safety import views

app_name = "safety"
urlpatterns = [
    path("", views.home, name="home"),
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/new/", views.hazard_new, name="hazard_new"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("hazards/<int:pk>/act/", views.hazard_act, name="hazard_act"),
    path("hazards/<int:pk>/assign/", views.hazard_assign, name="hazard_assign"),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", views.inspection_form, name="inspection_form"),
    path("lists/", views.lists_page, name="lists"),
    path("lists/export/", views.lists_export, name="lists_export"),
    path("overview/", views.overview, name="overview"),
    path("notifications/", views.notifications, name="notifications"),
    path("report/", views.public_report, name="public_report"),
    path("grid/", views.grid_page, name="grid"),
    path("checklists/", views.checklists_page, name="checklists"),
    path("schedules/", views.schedules_page, name="schedules"),
    path("schedules/<int:pk>/plan/", views.schedule_plan, name="schedule_plan"),
    path("risks/", views.risks_page, name="risks"),
    path("risks/<int:pk>/", views.risk_edit, name="risk_edit"),
    path("risks/<int:pk>/archive/", views.risk_archive, name="risk_archive"),
    path("areas/", views.areas_page, name="areas"),
    path("areas/<int:pk>/", views.area_edit, name="area_edit"),
    path("areas/<int:pk>/archive/", views.area_archive, name="area_archive"),
    path("incidents/", views.incidents_page, name="incidents"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/links/", views.incident_links, name="incident_links"),
]
