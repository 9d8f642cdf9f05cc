"""The web shell: sign-in, sign-out and a home page per role."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from edugov.core.roles import INSTITUTION_ROLES, REGION_ROLES, Role
from edugov.core.scoping import scope_of
from edugov.web import selectors


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Dispatch to the home page of the user's widest role."""
    scope = scope_of(request.user)
    if scope.everything or scope.roles & REGION_ROLES:
        return render(request, "web/home_bureau.html",
                      {"summary": selectors.bureau_summary(request.user)})
    if Role.SCHOOL_ADMIN in scope.roles:
        return render(request, "web/home_school.html",
                      {"summary": selectors.school_summary(request.user)})
    if scope.roles & INSTITUTION_ROLES:
        return render(request, "web/home_teacher.html",
                      {"summary": selectors.teacher_summary(request.user)})
    if Role.PARENT in scope.roles:
        return render(request, "web/home_parent.html")
    if Role.TUTORING_OPERATOR in scope.roles:
        return render(request, "web/home_operator.html")
    return render(request, "web/home_norole.html")
