"""家长注册: a parent signs up online with phone and ID number, then is signed in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edugov.core.models import AuditLog, User
from edugov.enrollment.models import ParentAccount
from edugov.enrollment.views import SIGNUPS_PER_HOUR

ID = "11010519491231002X"  # GB 11643-1999's worked example (valid check digit)
FORM = {"name": "王芳", "phone": "13912345678", "id_number": ID,
        "password": "a-long-Passphrase-9", "password_again": "a-long-Passphrase-9"}


@pytest.fixture(autouse=True)
def fresh_rate_limits():  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()


def test_parent_signs_up_and_is_signed_in(client, db):  # type: ignore[no-untyped-def]
    response = client.post(reverse("enrollment:signup"), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("enrollment:my_applications")
    user = User.objects.get(username="13912345678")
    assert user.phone == "13912345678" and user.display_name == "王芳"
    assert [m.role for m in user.memberships.all()] == ["parent"]
    assert ParentAccount.objects.get(user=user).id_number == ID
    entry = AuditLog.objects.get(entity="enrollment.parentaccount")
    assert ID not in entry.summary and "110105********002X" in entry.summary
    # Signed in: the parent's own page answers.
    assert client.get(reverse("enrollment:my_applications")).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": "110105194912310021"}, "身份证号校验码错误"),
        ({"phone": "12345"}, "请填写11位手机号"),
        ({"password_again": "something-else-1"}, "两次输入的密码不一致"),
        ({"password": "123", "password_again": "123"}, "密码"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_creates_nothing(client, db, change, message):  # type: ignore[no-untyped-def]
    page = client.post(reverse("enrollment:signup"), {**FORM, **change})
    assert page.status_code == 200 and message in page.content.decode()
    assert not ParentAccount.objects.exists()
    assert not User.objects.filter(username=FORM["phone"]).exists()


def test_phone_and_id_number_register_once(client, db):  # type: ignore[no-untyped-def]
    client.post(reverse("enrollment:signup"), FORM)
    client.logout()
    again = client.post(reverse("enrollment:signup"), {**FORM, "phone": "13900000000"})
    assert "该身份证号已注册家长账号" in again.content.decode()
    twin = client.post(reverse("enrollment:signup"),
                       {**FORM, "id_number": "440524188001010014"})
    assert "该手机号已注册" in twin.content.decode()
    assert ParentAccount.objects.count() == 1


def test_signups_are_rate_limited_per_ip(client, db):  # type: ignore[no-untyped-def]
    bad = {**FORM, "id_number": "110105194912310021"}  # refused, but counted
    for _ in range(SIGNUPS_PER_HOUR):
        assert client.post(reverse("enrollment:signup"), bad).status_code == 200
    assert client.post(reverse("enrollment:signup"), FORM).status_code == 429
    assert not ParentAccount.objects.exists()
