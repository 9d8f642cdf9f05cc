"""Roles a membership can carry, and what each role may do with personal data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_BUREAU = "city_bureau", _("市教育局")
    COUNTY_BUREAU = "county_bureau", _("县（区）教育局")
    SCHOOL_ADMIN = "school_admin", _("学校管理员")
    TEACHER = "teacher", _("教师")
    PARENT = "parent", _("家长")
    TUTORING_OPERATOR = "tutoring_operator", _("校外培训机构")


#: Roles whose scope is a region subtree; the others are scoped to one institution or none.
REGION_ROLES = frozenset({Role.CITY_BUREAU, Role.COUNTY_BUREAU})
INSTITUTION_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.TEACHER})
#: Roles that see registry people (students, staff) at all.
REGISTRY_ROLES = REGION_ROLES | INSTITUTION_ROLES
#: Roles whose work needs full ID numbers, addresses and phones (on request, audited).
UNMASK_ROLES = frozenset({Role.CITY_BUREAU, Role.COUNTY_BUREAU, Role.SCHOOL_ADMIN})
#: Roles that may change registry records and run imports.
REGISTRY_WRITE_ROLES = frozenset({Role.CITY_BUREAU, Role.COUNTY_BUREAU, Role.SCHOOL_ADMIN})
