from django.urls import path

from edugov.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.office, name="office"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/action/", views.plan_action, name="plan_action"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("conduct/", views.conduct_list, name="conduct_list"),
    path("training/", views.training, name="training"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("proposals/<int:pk>/respond/", views.proposal_respond, name="proposal_respond"),
    path("me/", views.me, name="me"),
    path("staff/<int:pk>/conduct/new/", views.conduct_new, name="conduct_new"),
    path("staff/<int:pk>/honours/new/", views.honour_new, name="honour_new"),
    path("staff/<int:pk>/title/apply/", views.title_apply, name="title_apply"),
    path("rounds/<int:pk>/apply/", views.posting_apply, name="posting_apply"),
    path("rounds/<int:pk>/rank/", views.posting_rank, name="posting_rank"),
    path("applications/<int:pk>/withdraw/", views.posting_withdraw, name="posting_withdraw"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/posts/new/", views.opening_new, name="opening_new"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("pool/<int:pk>/", views.pool_decide, name="pool_decide"),
    path("titles/review/", views.title_reviews, name="title_reviews"),
    path("titles/<int:pk>/review/", views.title_review, name="title_review"),
    path("imports/<str:kind>/", views.import_upload, name="import_upload"),
    path("imports/<str:kind>/<str:token>/", views.import_report, name="import_report"),
    path("imports/<str:kind>/<str:token>/errors/", views.import_errors, name="import_errors"),
    path("imports/<str:kind>/<str:token>/confirm/", views.import_confirm,
         name="import_confirm"),
]
