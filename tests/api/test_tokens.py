"""API tokens: issued once in clear, stored hashed, refused when revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from edugov.core.models import ApiToken, AuditLog
from edugov.core.tokens import issue_token, revoke_token, user_for_token
from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db


def bearer(raw: str, **kwargs: object) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"}, **kwargs)  # type: ignore[arg-type]


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


def test_token_is_stored_hashed_and_shown_once(personas):
    user = personas.county_a
    token, raw = issue_token(actor=user, user=user, name="sync")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("eg_") and len(raw) > 40
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    listed = session_client(user).get("/api/v1/tokens").json()["items"]
    assert [t["prefix"] for t in listed] == [stored.prefix]
    assert "token" not in listed[0] and raw not in str(listed)


def test_bearer_token_authenticates(personas):
    _, raw = issue_token(actor=personas.county_a, user=personas.county_a, name="sync")
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "county_a"
    assert response.json()["auth"] == "token"
    assert ApiToken.objects.get().last_used is not None


def test_revoked_expired_unknown_tokens_refused(personas):
    user = personas.county_a
    revoked, revoked_raw = issue_token(actor=user, user=user, name="old")
    revoke_token(actor=user, token=revoked)
    expiring, expired_raw = issue_token(actor=user, user=user, name="short",
                                        expires=timezone.now() + dt.timedelta(hours=1))
    ApiToken.objects.filter(pk=expiring.pk).update(expires=timezone.now() - dt.timedelta(1))
    for raw in (revoked_raw, expired_raw, "eg_not-a-real-token", ""):
        response = bearer(raw).get("/api/v1/institutions")
        assert response.status_code == 401, raw
        assert error_code(response) in {"invalid_token", "not_authenticated"}
    assert error_code(bearer(revoked_raw).get("/api/v1/me")) == "invalid_token"
    assert "Bearer" in bearer(revoked_raw).get("/api/v1/me")["WWW-Authenticate"]


def test_bad_token_is_not_rescued_by_a_session(personas):
    """A wrong Bearer header is an error, even alongside a valid session cookie."""
    client = session_client(personas.county_a, headers={"Authorization": "Bearer eg_wrong"})
    assert client.get("/api/v1/me").status_code == 401


def test_inactive_user_token_refused(personas):
    user = personas.county_a
    _, raw = issue_token(actor=user, user=user, name="sync")
    user.is_active = False
    user.save()
    assert user_for_token(raw) is None
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_issue_and_revoke_are_audited_and_owner_only(personas):
    owner, other = personas.county_a, personas.county_b
    token, _ = issue_token(actor=owner, user=owner, name="sync")
    with pytest.raises(PermissionDenied):
        issue_token(actor=other, user=owner, name="sneaky")
    with pytest.raises(PermissionDenied):
        revoke_token(actor=other, token=token)
    with pytest.raises(ValidationError):
        issue_token(actor=owner, user=owner, name="past",
                    expires=timezone.now() - dt.timedelta(days=1))
    revoke_token(actor=owner, token=token)
    issue_token(actor=personas.superuser, user=owner, name="by admin")
    issue_token(actor=None, user=owner, name="cli")  # edugov createuser --token
    actions = list(AuditLog.objects.filter(entity="core.apitoken")
                   .order_by("pk").values_list("action", "user__username"))
    assert actions == [("create", "county_a"), ("delete", "county_a"), ("create", "root"),
                       ("create", None)]


def test_create_use_and_revoke_through_the_api(personas):
    client = session_client(personas.school_admin_a)
    created = client.post("/api/v1/tokens", {"name": "数据同步", "expires_in_days": 30},
                          content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "数据同步" and body["token"].startswith(body["prefix"])
    assert body["expires"] is not None
    token_client = bearer(body["token"])
    assert token_client.get("/api/v1/me").json()["username"] == "school_a"
    # A token can revoke (itself included) but cannot mint new tokens.
    assert token_client.post("/api/v1/tokens", {"name": "x"},
                             content_type="application/json").status_code == 403
    assert token_client.delete(f"/api/v1/tokens/{body['id']}").status_code == 204
    assert token_client.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.get(pk=body["id"]).revoked is not None


def test_cannot_revoke_someone_elses_token(personas):
    token, raw = issue_token(actor=personas.county_b, user=personas.county_b, name="b")
    response = session_client(personas.county_a).delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 404
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_session_writes_need_csrf_but_bearer_does_not(personas, world):
    session = session_client(personas.county_a, enforce_csrf_checks=True)
    response = session.patch(f"/api/v1/institutions/{world.school_a.code}", {"books": 10},
                             content_type="application/json")
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"
    _, raw = issue_token(actor=personas.county_a, user=personas.county_a, name="sync")
    response = bearer(raw, enforce_csrf_checks=True).patch(
        f"/api/v1/institutions/{world.school_a.code}", {"books": 10},
        content_type="application/json")
    assert response.status_code == 200


def test_session_write_with_csrf_token_passes(personas, world):
    session = session_client(personas.county_a, enforce_csrf_checks=True)
    session.get("/api/docs")  # sets the csrftoken cookie, as the web pages do
    csrf = session.cookies["csrftoken"].value
    response = session.patch(f"/api/v1/institutions/{world.school_a.code}", {"books": 10},
                             content_type="application/json", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200


def test_anonymous_write_is_401_not_csrf_403(world):
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
