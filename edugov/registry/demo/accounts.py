"""One demo account per role and kind of scope, with predictable usernames."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist

from edugov.core.models import Membership, User
from edugov.core.roles import Role
from edugov.demo.context import DemoContext, DemoLogin
from edugov.registry.choices import InstitutionKind, Ownership
from edugov.registry.demo.geography import County, Geography
from edugov.registry.demo.plan import PlannedSchool
from edugov.registry.models import Region

K = InstitutionKind
#: Schools that get a school-administrator and a teacher account, in this order.
ACCOUNT_SCHOOL_KINDS = (K.PRIMARY, K.JUNIOR, K.KINDERGARTEN, K.NINE_YEAR, K.SENIOR)


def account_schools(counties: list[County]) -> list[PlannedSchool]:
    """Public schools of different kinds, from the first county where possible."""
    chosen = []
    for kind in ACCOUNT_SCHOOL_KINDS:
        for county in counties:
            school = next((s for s in county.institutions
                           if s.kind == kind and s.ownership == Ownership.PUBLIC), None)
            if school is not None:
                chosen.append(school)
                break
    return chosen


class AccountMaker:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.links_staff = user_links_staff()

    def user(self, username: str, display_name: str, *, superuser: bool = False,
             staff_id: int | None = None) -> User:
        user = User(username=username, display_name=display_name, password=self.ctx.password_hash,
                    is_superuser=superuser, is_staff=superuser)
        if staff_id is not None and self.links_staff:
            user.staff_id = staff_id  # type: ignore[attr-defined]
        user.save()
        return user

    def grant(self, user: User, role: Role, scope: str, *, region: Region | None = None,
              institution_id: int | None = None) -> None:
        Membership.objects.create(user=user, role=role, region=region,
                                  institution_id=institution_id)
        self.ctx.logins.append(DemoLogin(str(role.label), user.username, scope))


def user_links_staff() -> bool:
    """Whether accounts can point at their staff record (User.staff, added by core)."""
    try:
        User._meta.get_field("staff")
    except FieldDoesNotExist:
        return False
    return True


def build_accounts(ctx: DemoContext, geography: Geography,
                   teachers: dict[int, tuple[int, str]]) -> int:
    maker = AccountMaker(ctx)
    maker.user("admin", "系统管理员", superuser=True)
    ctx.logins.append(DemoLogin("系统管理员", "admin", "全部"))
    for n, city in enumerate(geography.cities, start=1):
        user = maker.user("city" if n == 1 else f"city{n}", f"{city.name}教育局")
        maker.grant(user, Role.CITY_BUREAU, f"{geography.province.name}{city.name}", region=city)
    first_city = geography.cities[0]
    counties = [c for c in geography.counties if c.city is first_city]
    for n, county in enumerate(counties, start=1):
        user = maker.user(f"county{n}", f"{county.name}教育局")
        maker.grant(user, Role.COUNTY_BUREAU, f"{first_city.name}{county.name}",
                    region=county.region)
    for n, school in enumerate(account_schools(counties), start=1):
        admin = maker.user(f"school{n}", f"{school.name}管理员")
        maker.grant(admin, Role.SCHOOL_ADMIN, school.name, institution_id=school.id)
        staff_id, name = teachers.get(school.id, (None, ""))
        teacher = maker.user(f"teacher{n}", name or f"{school.name}教师", staff_id=staff_id)
        maker.grant(teacher, Role.TEACHER, school.name, institution_id=school.id)
    maker.grant(maker.user("parent1", "演示家长"), Role.PARENT, "—")
    maker.grant(maker.user("operator1", "演示培训机构"), Role.TUTORING_OPERATOR, "—")
    return User.objects.count()
