"""Sign-in, throttling, sign-out and CSRF."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("web:login"), {"username": username, "password": password},
                       REMOTE_ADDR="10.0.0.7")


def test_login_then_home(personas) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    page = client.get(reverse("web:login")).content.decode()
    assert "登录" in page and 'name="password"' in page
    response = login(client, "county_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert "辖区概况" in client.get("/").content.decode()


def test_wrong_password_is_refused_with_a_message(personas) -> None:  # type: ignore[no-untyped-def]
    response = login(Client(), "county_a", "wrong")
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_login_is_locked_after_the_failure_limit(personas) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "county_a", "wrong")
    # Now even the right password is refused, with our lockout page.
    response = login(client, "county_a", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "账号已暂时锁定" in page and "分钟后再试" in page
    assert not client.session.get("_auth_user_id")


def test_lockout_is_per_username(personas) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "county_a", "wrong")
    assert login(client, "county_b", PASSWORD).status_code == 302


def test_logout_needs_post_and_ends_the_session(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("county_a")
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("web:login")
    assert client.get("/").status_code == 302


def test_forms_carry_csrf_tokens_and_posts_without_one_fail(personas, world) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    login_page = client.get(reverse("web:login")).content.decode()
    token = TOKEN.search(login_page)
    assert token, "login form has no CSRF token"
    # Without the token the POST is refused ...
    bare = client.post(reverse("web:login"), {"username": "county_a", "password": PASSWORD})
    assert bare.status_code == 403
    # ... with it the user signs in.
    signed_in = client.post(reverse("web:login"), {
        "username": "county_a", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)})
    assert signed_in.status_code == 302
    # Unmask, language and logout forms carry tokens too.
    detail = client.get(reverse("registry:student_detail", args=[world.student_a.pk]))
    page = detail.content.decode()
    assert len(TOKEN.findall(page)) == 3
    unmask = reverse("registry:student_unmask", args=[world.student_a.pk])
    assert client.post(unmask).status_code == 403
    token = TOKEN.search(page)
    assert token and client.post(unmask, {"csrfmiddlewaretoken": token.group(1)}).status_code == 200
