"""The REST API, /api/v1/, with OpenAPI docs at /api/docs (Swagger UI served locally).

Authentication: ``Authorization: Bearer <token>`` (core.tokens) or the web session
(with CSRF on unsafe methods). Every error, whatever raised it, answers in one shape::

    {"error": {"code": "not_found", "message": "<中文说明>", "details": ...}}
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from edugov.core.api import router as core_router
from edugov.core.tokens import user_for_token
from edugov.health.api import router as health_router
from edugov.metrics.api import router as metrics_router
from edugov.registry.api import router as registry_router
from edugov.safety.api import router as safety_router
from edugov.workforce.api import router as workforce_router

logger = logging.getLogger(__name__)

#: Machine code and Chinese message for each status when nothing more specific is known.
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    # ninja's own 400 is a request body it cannot parse.
    400: ("bad_request", "请求无法解析，请检查请求体是否为有效的 JSON"),
    401: ("not_authenticated", "请先登录，或在 Authorization 头中提供有效的 API 令牌"),
    403: ("permission_denied", "您没有执行此操作的权限"),
    404: ("not_found", "对象不存在，或不在您的管辖范围内"),
    405: ("method_not_allowed", "不支持该请求方法"),
    422: ("validation_error", "请求参数校验未通过"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
    500: ("server_error", "服务器内部错误，请稍后再试或联系管理员"),
}


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(HttpError):
    """An HTTP error with its own machine code and Chinese message."""

    def __init__(self, status_code: int, code: str, message: str, details: Any = None):
        super().__init__(status_code, message)
        self.code = code
        self.details = details


def error_payload(status: int, *, code: str | None = None, message: str | None = None,
                  details: Any = None) -> dict[str, Any]:
    default_code, default_message = STATUS_ERRORS.get(status, STATUS_ERRORS[500])
    return {"error": {"code": code or default_code, "message": message or default_message,
                      "details": details}}


# ---------------------------------------------------------------- authentication


class TokenAuth(HttpBearer):
    """``Authorization: Bearer eg_…``; a bad token is refused, never passed to the session."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            raise ApiError(401, "invalid_token", "API 令牌无效、已过期或已被吊销")
        # So code reading request.user (and /me) sees the token's user and how they came.
        request.user = user
        request.edugov_auth = "token"  # type: ignore[attr-defined]
        return user


class SessionAuthCsrf(SessionAuth):
    """The web session; CSRF is checked on unsafe methods, only for signed-in users."""

    def __call__(self, request: HttpRequest) -> Any:
        # An anonymous caller is unauthenticated (401), whatever their CSRF cookie says.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        if (self.csrf and not getattr(request, "_ninja_csrf_exempt", False)
                and check_csrf(request)):
            raise ApiError(403, "csrf_failed", "CSRF 校验失败：请刷新页面后重试，或改用 API 令牌")
        return request.COOKIES.get(self.param_name)


# ---------------------------------------------------------------- the API


class ReadableJSON(JSONRenderer):
    # Chinese as UTF-8 text, not \uXXXX escapes: what a person reading curl output expects.
    json_dumps_params = {"ensure_ascii": False}


class EdugovAPI(NinjaAPI):
    """NinjaAPI whose 405s and unknown paths also answer in the one error shape."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = [self._json_errors(p) for p in super()._get_urls()]
        patterns.append(re_path(r"^.*$", self.unknown_path, name="unknown"))
        return patterns

    def _json_errors(self, pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
        if not isinstance(pattern, URLPattern):
            return pattern
        # ninja's root view raises a bare Http404 outside any operation (HTML page).
        view = self.unknown_path if pattern.name == "api-root" else json_not_allowed(
            pattern.callback)
        return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)

    def unknown_path(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.create_response(request, error_payload(404), status=404)


def json_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a ninja path view so its plain-text 405 becomes the error shape."""

    @functools.wraps(view)  # keeps csrf_exempt: ninja views do their own CSRF checks
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = api.create_response(
                request, error_payload(405, details={"allowed": allowed.split(", ")}),
                status=405)
            response["Allow"] = allowed
        return response

    return wrapper


api = EdugovAPI(
    title="edugov API",
    version="1",
    description="教育局基础数据接口。认证：`Authorization: Bearer <令牌>` 或登录会话。"
                "列表统一分页：`page`、`page_size`（≤500）。错误统一为 "
                '`{"error": {"code", "message", "details"}}`。',
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI from ninja's own static files (ninja is in INSTALLED_APPS): no CDN.
    # validatorUrl None stops it sending the schema to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": True}),
    auth=[TokenAuth(), SessionAuthCsrf()],
    renderer=ReadableJSON(),
)
api.add_router("/v1", core_router)
api.add_router("/v1", registry_router)
api.add_router("/v1/metrics", metrics_router)
api.add_router("/v1/safety", safety_router)
api.add_router("/v1/workforce", workforce_router)
api.add_router("/v1/health", health_router)


# ---------------------------------------------------------------- error handlers


def respond(request: HttpRequest, status: int, **error: Any) -> HttpResponse:
    return api.create_response(request, error_payload(status, **error), status=status)


#: Chinese messages for the pydantic error types clients meet most; others keep pydantic's.
PYDANTIC_MESSAGES = {
    "missing": "此项为必填项",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "int_from_float": "必须是整数",
    "decimal_parsing": "必须是数字",
    "decimal_type": "必须是数字",
    "float_parsing": "必须是数字",
    "decimal_max_digits": "数字总位数不能超过 {max_digits} 位",
    "decimal_max_places": "小数位数不能超过 {decimal_places} 位",
    "decimal_whole_digits": "整数部分位数超出范围",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "enum": "取值无效，可选值：{expected}",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "必须是字符串",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "日期时间格式无效",
    "json_invalid": "请求体不是有效的 JSON",
    "extra_forbidden": "不允许的字段",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体应为 JSON 对象",
}


def field_of(loc: list[Any]) -> str:
    """``["body", "payload", "area"]`` → ``"area"``; "" for the whole body."""
    # A body's loc names the view's parameter ("payload"), which clients never see.
    parts = loc[2:] if loc[:1] == ["body"] else loc[1:]
    return ".".join(str(p) for p in parts)


def pydantic_detail(error: dict[str, Any]) -> dict[str, Any]:
    kind = str(error.get("type", ""))
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    template = PYDANTIC_MESSAGES.get(kind)
    # A context value the template names may be absent: then pydantic's message stays.
    with contextlib.suppress(KeyError):
        message = template.format_map(ctx) if template else message
    loc = list(error.get("loc", []))
    # ctx may hold exception objects; only JSON-safe keys go back to the client.
    return {"field": field_of(loc), "loc": [str(p) for p in loc], "type": kind,
            "message": message}


@api.exception_handler(NinjaValidationError)
def on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return respond(request, 422, details=[pydantic_detail(e) for e in exc.errors])


@api.exception_handler(DjangoValidationError)
def on_django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    details = [{"field": "" if field == "__all__" else field, "loc": [field],
                "type": "invalid", "message": message}
               for field, messages in errors.items() for message in messages]
    return respond(request, 422, details=details)


@api.exception_handler(AuthenticationError)
def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = respond(request, 401)
    response["WWW-Authenticate"] = 'Bearer realm="edugov"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, ApiError):
        response = respond(request, exc.status_code, code=exc.code, message=exc.message,
                           details=exc.details)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="edugov", error="invalid_token"'
        return response
    return respond(request, exc.status_code)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return respond(request, 404)


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return respond(request, 404)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return respond(request, 403, message=str(exc) or None)


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with the traceback for operators; the client learns nothing internal.
    logger.exception("API error on %s %s", request.method, request.path)
    return respond(request, 500)
