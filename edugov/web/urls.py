from django.contrib.auth import views as auth_views
from django.urls import path

from edugov.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    # POST only (Django 5): a forged link or image cannot sign people out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
