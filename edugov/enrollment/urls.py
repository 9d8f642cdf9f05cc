from django.urls import path

from edugov.enrollment import views

app_name = "enrollment"
urlpatterns = [
    # Parent portal.
    path("", views.my_applications, name="my_applications"),
    path("signup/", views.signup, name="signup"),
    path("children/new/", views.register_child, name="register_child"),
    path("rounds/<int:round_pk>/apply/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/do/<slug:action>/", views.application_action,
         name="application_action"),
    path("applications/<int:pk>/claim/<int:places_pk>/", views.claim_place, name="claim_place"),
    # Verification (schools, bureaus) and the dashboard.
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_application, name="review_application"),
    path("dashboard/", views.dashboard, name="dashboard"),
    # Round management (county and city bureaus).
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/places/", views.round_places, name="round_places"),
    path("rounds/<int:pk>/do/<slug:action>/", views.round_action, name="round_action"),
    path("rounds/<int:pk>/districts/", views.district_upload, name="district_upload"),
    path("rounds/<int:pk>/points/", views.points_table, name="points_table"),
    path("rounds/<int:pk>/draw/", views.draw_record, name="draw_record"),
    path("rounds/<int:pk>/unplaced/", views.unplaced, name="unplaced"),
    path("rounds/<int:pk>/schools/<int:institution_pk>/classes/", views.class_lists,
         name="class_lists"),
]
