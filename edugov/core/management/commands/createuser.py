"""edugov createuser: a user with one role over a region or an institution."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from edugov.core.roles import Role
from edugov.core.services import create_user
from edugov.registry.models import Institution, Region


class Command(BaseCommand):
    help = "Create a user with a role scoped to a region (bureaus) or an institution (schools)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument("--region", help="division code, for bureau roles")
        parser.add_argument("--institution", help="学校标识码, for school roles")
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--password", help="default: prompt (or EDUGOV_NEW_PASSWORD)")
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument("--token", action="store_true", help="also issue an API token")

    def handle(self, *args: Any, **opts: Any) -> None:
        region = self._lookup(Region, opts["region"], "行政区划")
        institution = self._lookup(Institution, opts["institution"], "学校")
        password = opts["password"] or self._prompt_password()
        try:
            user = create_user(actor=None, username=opts["username"], password=password,
                               role=opts["role"], region=region, institution=institution,
                               display_name=opts["name"], superuser=opts["superuser"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"created {user.username}")
        if opts["token"]:
            from edugov.core.tokens import issue_token

            _, secret = issue_token(actor=None, user=user, name="cli")
            self.stdout.write(f"token {secret}")

    @staticmethod
    def _lookup(model: Any, code: str | None, label: str) -> Any:
        if not code:
            return None
        obj = model.objects.filter(code=code).first()
        if obj is None:
            raise CommandError(f"{label}代码 {code} 不存在")
        return obj

    @staticmethod
    def _prompt_password() -> str:
        import os

        if os.environ.get("EDUGOV_NEW_PASSWORD"):
            return os.environ["EDUGOV_NEW_PASSWORD"]
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("两次输入的密码不一致")
        return first
