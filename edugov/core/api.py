"""Account routes: who am I (roles, scope), and my API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from edugov.core import tokens
from edugov.core.models import ApiToken, User
from edugov.core.pagination import Page, PageParams, paginate
from edugov.core.roles import REGISTRY_WRITE_ROLES, UNMASK_ROLES
from edugov.core.scoping import scope_of

router = Router(tags=["账户"])


class ApiRequest(HttpRequest):
    """What an API view receives: ninja sets ``auth`` to the authenticated user.

    Routes annotate ``request`` with this (ninja ignores the first parameter's type),
    so the type checker knows ``request.auth`` is a User.
    """

    auth: User


class ScopeRef(Schema):
    code: str
    name: str


class MembershipOut(Schema):
    role: str
    role_label: str
    region: ScopeRef | None = None
    institution: ScopeRef | None = None

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(obj.get_role_display())


class ScopeOut(Schema):
    everything: bool = Field(description="可见全部数据（超级管理员）")
    regions: list[str] = Field(description="可见的行政区划（含全部下级）代码")
    institutions: list[str] = Field(description="可见的学校标识码")
    can_write: bool = Field(description="可修改基础数据")
    can_unmask: bool = Field(description="可申请查看完整个人信息（记入审计）")


class MeOut(Schema):
    username: str
    display_name: str
    is_superuser: bool
    auth: Literal["session", "token"] = Field(description="本次请求的认证方式")
    roles: list[str]
    memberships: list[MembershipOut]
    scope: ScopeOut


@router.get("/me", response=MeOut, summary="当前用户、角色与管辖范围")
def me(request: ApiRequest) -> dict[str, Any]:
    user = request.auth
    scope = scope_of(user)
    memberships = list(user.memberships.select_related("region", "institution").order_by("pk"))
    return {
        "username": user.username,
        "display_name": user.display_name,
        "is_superuser": user.is_superuser,
        "auth": getattr(request, "edugov_auth", "session"),
        "roles": sorted(scope.roles),
        "memberships": memberships,
        "scope": {
            "everything": scope.everything,
            # A region path is "/city/county/"; its last segment is the region's code.
            "regions": [p.strip("/").rsplit("/", 1)[-1] for p in scope.region_paths],
            "institutions": sorted({m.institution.code for m in memberships if m.institution}),
            "can_write": scope.has_role(*REGISTRY_WRITE_ROLES),
            "can_unmask": scope.has_role(*UNMASK_ROLES),
        },
    }


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌开头几位，便于识别")
    created: dt.datetime
    last_used: dt.datetime | None
    expires: dt.datetime | None
    revoked: dt.datetime | None = Field(description="吊销时间")


class TokenCreated(TokenOut):
    token: str = Field(description="完整令牌，只在创建时显示这一次，请妥善保存")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=64, description="用途说明，如“数据中心同步”")
    expires_in_days: int | None = Field(None, ge=1, le=3650,
                                        description="有效天数；不填则长期有效，直到吊销")


@router.get("/tokens", response=Page[TokenOut], summary="我的 API 令牌")
def list_tokens(request: ApiRequest, params: Query[PageParams]) -> dict[str, Any]:
    return paginate(ApiToken.objects.filter(user=request.auth), params)


@router.post("/tokens", response={201: TokenCreated}, summary="为自己创建 API 令牌",
             description="只接受登录会话（含 CSRF）：已泄露的令牌不能再生成新令牌。")
def create_token(request: ApiRequest, payload: TokenIn) -> Status[Any]:
    if getattr(request, "edugov_auth", "session") == "token":
        raise PermissionDenied("API 令牌不能用来创建新令牌，请登录后在会话中创建")
    expires = (timezone.now() + dt.timedelta(days=payload.expires_in_days)
               if payload.expires_in_days else None)
    token, raw = tokens.issue_token(actor=request.auth, user=request.auth, name=payload.name,
                                    expires=expires)
    token.token = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete("/tokens/{int:token_id}", response={204: None}, summary="吊销自己的 API 令牌")
def revoke_token(request: ApiRequest, token_id: int) -> Status[None]:
    token = get_object_or_404(ApiToken.objects.select_related("user"),
                              pk=token_id, user=request.auth)
    tokens.revoke_token(actor=request.auth, token=token)
    return Status(204, None)
