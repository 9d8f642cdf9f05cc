"""Staff of each institution, with careers: earlier posts in the county, then the current one.

Head counts follow the 教职工:学生 norms of policy-rules.md §4 (小学 1:19, 初中 1:13.5,
高中 1:12.5; kindergartens run short of the 1:5–1:7 standard, as real ones do), a
little tighter in crowded schools and looser in small rural ones. Careers start at 21–24;
each later 1 September a teacher may move to another school of the same kind in the county
— rarely in the first six years, often after (交流轮岗 targets teachers with six years at one
school, policy-rules.md §5.1), more in some counties than others. So tenure, rotation rates
and the share of 骨干 among rotated teachers are all computable from Assignment rows.

Each member of staff hired since the first academic year built replaced someone who left
(retired, mostly, or moved away): those former staff are written too, with careers that
end on the 31 August before the hire and no current post, so every past year built has
its full staff, not just today's staff minus this year's recruits.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from edugov.demo.bulk import BulkWriter
from edugov.registry.choices import (
    BackboneLevel,
    Education,
    Establishment,
    InstitutionKind,
    Locality,
    Post,
    Subject,
    Title,
)
from edugov.registry.demo.geography import County
from edugov.registry.demo.people import (
    FEMALE,
    MALE,
    STAFF_LOCAL_CODES,
    STAFF_OTHER_CODES,
    BirthDays,
    Identities,
    mobile_number,
    person_name,
)
from edugov.registry.demo.plan import PlannedSchool
from edugov.registry.demo.students import CURRENT_YEAR, FIRST_YEAR
from edugov.registry.models import Assignment, Staff

K = InstitutionKind

STAFF_FIELDS = ("id", "id_number", "name", "sex", "birth_date", "phone", "education", "title",
                "certified", "subject", "backbone_level", "establishment",
                "current_institution", "current_post")
ASSIGNMENT_FIELDS = ("id", "staff", "institution", "post", "start", "end")

#: Students per member of staff, before the per-school adjustments.
STUDENTS_PER_STAFF: dict[str, float] = {K.KINDERGARTEN: 9.5, K.PRIMARY: 18.5, K.NINE_YEAR: 16.0,
                      K.JUNIOR: 13.5, K.COMPLETE_SECONDARY: 12.5, K.SENIOR: 12.5,
                      K.TWELVE_YEAR: 12.0, K.VOCATIONAL: 11.0, K.SPECIAL: 3.5,
                      K.TEACHING_POINT: 12.0}

Weights = tuple[tuple[str, float], ...]
POSTS_KINDERGARTEN: Weights = ((Post.TEACHER, 0.64), (Post.CAREGIVER, 0.23),
                               (Post.ADMIN, 0.04), (Post.SUPPORT, 0.03), (Post.WORKER, 0.06))
POSTS_SCHOOL: Weights = ((Post.TEACHER, 0.84), (Post.ADMIN, 0.06), (Post.SUPPORT, 0.05),
                         (Post.WORKER, 0.05))
POSTS_SPECIAL: Weights = ((Post.TEACHER, 0.72), (Post.CAREGIVER, 0.10), (Post.ADMIN, 0.06),
                          (Post.SUPPORT, 0.06), (Post.WORKER, 0.06))
POST_MIXES: dict[str, Weights] = {K.KINDERGARTEN: POSTS_KINDERGARTEN, K.SPECIAL: POSTS_SPECIAL}

S = Subject
SUBJECTS: dict[str, Weights] = {
    "kindergarten": ((S.PRESCHOOL, 1.0),),
    "primary": ((S.CHINESE, .30), (S.MATH, .24), (S.ENGLISH, .09), (S.SCIENCE, .06),
                (S.PE, .08), (S.MUSIC, .06), (S.ART, .06), (S.IT, .03), (S.POLITICS, .05),
                (S.OTHER, .03)),
    "junior": ((S.CHINESE, .15), (S.MATH, .15), (S.ENGLISH, .14), (S.PHYSICS, .07),
               (S.CHEMISTRY, .05), (S.BIOLOGY, .05), (S.HISTORY, .06), (S.GEOGRAPHY, .05),
               (S.POLITICS, .07), (S.PE, .08), (S.MUSIC, .04), (S.ART, .04), (S.IT, .03),
               (S.OTHER, .02)),
    "senior": ((S.CHINESE, .14), (S.MATH, .14), (S.ENGLISH, .13), (S.PHYSICS, .09),
               (S.CHEMISTRY, .08), (S.BIOLOGY, .07), (S.HISTORY, .06), (S.GEOGRAPHY, .06),
               (S.POLITICS, .07), (S.PE, .07), (S.MUSIC, .03), (S.ART, .03), (S.IT, .03)),
    "vocational": ((S.VOCATIONAL, .50), (S.CHINESE, .10), (S.MATH, .10), (S.ENGLISH, .08),
                   (S.PE, .06), (S.POLITICS, .06), (S.IT, .07), (S.OTHER, .03)),
    "special": ((S.SPECIAL, .70), (S.CHINESE, .08), (S.MATH, .08), (S.PE, .05),
                (S.MUSIC, .04), (S.ART, .05)),
}

E = Education
#: 最高学历 of teachers by stage, and of other posts: (研究生, 本科, 专科, 高中及以下).
EDUCATION_LEVELS = (E.POSTGRADUATE, E.BACHELOR, E.ASSOCIATE, E.SENIOR_SECONDARY)
TEACHER_EDUCATION = {"kindergarten": (.01, .45, .46, .08), "primary": (.03, .72, .23, .02),
                     "junior": (.05, .86, .09, .0), "senior": (.16, .83, .01, .0),
                     "vocational": (.08, .80, .11, .01), "special": (.04, .70, .24, .02)}
POST_EDUCATION: dict[str, tuple[float, ...]] = {
    Post.PRINCIPAL: (.12, .85, .03, 0), Post.ADMIN: (.04, .60, .30, .06),
    Post.SUPPORT: (.02, .45, .40, .13), Post.WORKER: (0, .05, .25, .70),
    Post.CAREGIVER: (0, .10, .45, .45),
}

T = Title
TITLES = (T.NONE, T.THIRD, T.SECOND, T.FIRST, T.SENIOR, T.SENIOR_PROFESSOR)
#: 职称 odds by age: (未评, 三级, 二级, 一级, 高级, 正高级).
TITLE_BY_AGE = ((24, (.70, .05, .25, 0, 0, 0)), (30, (.15, 0, .65, .20, 0, 0)),
                (40, (.02, 0, .30, .58, .10, 0)), (50, (0, 0, .10, .55, .34, .01)),
                (99, (0, 0, .05, .45, .48, .02)))
#: Chance a teacher is 骨干 (县级 or above) by 职称, before the locality factor.
BACKBONE_BY_TITLE: dict[str, float] = {
    T.NONE: 0.0, T.THIRD: 0.0, T.SECOND: 0.06, T.FIRST: 0.22, T.SENIOR: 0.42,
    T.SENIOR_PROFESSOR: 0.9,
}
BACKBONE_LOCALITY = {Locality.URBAN: 1.25, Locality.TOWN: 1.0, Locality.RURAL: 0.7}
BACKBONE_LEVELS: Weights = ((BackboneLevel.COUNTY, .68), (BackboneLevel.CITY, .26),
                            (BackboneLevel.PROVINCE, .06))
#: Other staff holding a 教师资格证 (admin staff are often former teachers).
CERTIFIED_OTHER_POSTS: dict[str, float] = {Post.ADMIN: .5, Post.SUPPORT: .2, Post.CAREGIVER: .3}
AGE_BANDS = ((22, 29, .2), (30, 39, .3), (40, 49, .3), (50, 59, .2))
#: Of the staff who left since the first year built, the share who retired (at the
#: statutory ages of policy-rules.md §5.1, 60 / 55) rather than moved away or quit.
RETIRED_SHARE = 0.65
RETIREMENT_AGE = {MALE: 60, FEMALE: 55}
#: Yearly chance that a teacher moves to another school: public schools rotate teachers
#: once they have six years at one school; private ones lose staff at a steady rate.
MOVE_BEFORE_SIX, MOVE_AFTER_SIX, MOVE_PRIVATE = 0.035, 0.23, 0.06


def pick(rng: random.Random, weights: Weights) -> str:
    return rng.choices([w[0] for w in weights], weights=[w[1] for w in weights])[0]


def stage_of(school: PlannedSchool, rng: random.Random) -> str:
    """The stage a teacher of ``school`` teaches, drawn by the school's students per stage."""
    if school.kind in (K.KINDERGARTEN, K.VOCATIONAL, K.SPECIAL):
        return school.kind
    grades = [g for g, sizes in school.classes.items() for _ in sizes]
    grade = rng.choice(grades)
    return "primary" if grade <= 6 else "junior" if grade <= 9 else "senior"


def staff_count(school: PlannedSchool, rng: random.Random) -> int:
    classes = school.class_count
    if school.kind == K.TEACHING_POINT:
        return classes + 1
    per_staff = STUDENTS_PER_STAFF[school.kind]
    mean_class = school.students / classes
    if mean_class > 46:
        per_staff *= 1.12
    elif mean_class < 32 and school.kind != K.KINDERGARTEN:
        per_staff *= 0.8
    if not school.is_public:
        per_staff *= 1.1
    floor = 2 * classes + 1 if school.kind == K.KINDERGARTEN else round(1.2 * classes) + 2
    return max(floor, round(school.students / per_staff * rng.uniform(0.9, 1.1)))


def posts_for(school: PlannedSchool, count: int, rng: random.Random) -> list[str]:
    if school.kind == K.TEACHING_POINT:
        return [Post.TEACHER] * count
    mix = POST_MIXES.get(school.kind, POSTS_SCHOOL)
    deputies = 2 if count > 60 else 1 if count > 25 else 0
    rest = [pick(rng, mix) for _ in range(count - 1 - deputies)]
    return [Post.PRINCIPAL, *[Post.ADMIN] * deputies, *rest]


#: Schools a career may pass through, with their cumulative staff (draw weights).
Pool = tuple[list[PlannedSchool], list[int]]


def pool_kind(school: PlannedSchool) -> str:
    # Young teachers start in village 教学点 and move on to primary schools, and back.
    return K.PRIMARY if school.kind == K.TEACHING_POINT else school.kind


def earlier_school(rng: random.Random, pool: Pool, later: PlannedSchool) -> PlannedSchool:
    """Where a move to ``later`` came from: another school of the pool, drawn by its staff,
    so each school loses to moves about what it gains and every year keeps today's staff
    per kind and post. ``later`` itself (no move) only when a few draws find no other."""
    schools, cumulative = pool
    for _ in range(4):
        school = schools[bisect_right(cumulative, rng.random() * cumulative[-1])]
        if school is not later:
            break
    return school


@dataclass
class Career:
    """Start years of each post held, oldest first; the last one is held until ``left``
    (the last school year of service), or still held when ``left`` is None."""

    starts: list[int]
    schools: list[PlannedSchool]
    posts: list[str]
    left: int | None = None

    def teaching(self, year: int) -> PlannedSchool | None:
        """The school where this person taught (as 专任教师) on 1 September ``year``."""
        last = CURRENT_YEAR if self.left is None else self.left
        if not self.starts[0] <= year <= last:
            return None
        k = bisect_right(self.starts, year) - 1
        return self.schools[k] if self.posts[k] == Post.TEACHER else None


class StaffMaker:
    def __init__(self, writer: BulkWriter, identities: Identities, births: BirthDays) -> None:
        self.writer = writer
        self.identities = identities
        self.births = births
        self.staff = writer.table(Staff, STAFF_FIELDS)
        self.assignments = writer.table(Assignment, ASSIGNMENT_FIELDS)
        #: school id → (staff id, name) of a teacher there, for demo accounts.
        self.a_teacher: dict[int, tuple[int, str]] = {}
        #: Former staff written (they left since the first year built).
        self.former = 0

    def county(self, county: County, rng: random.Random) -> dict[tuple[int, int], list[int]]:
        """Write the county's staff, current and former; return (school id, year) → the
        school's teachers that year, for every year built (for 班主任)."""
        rotation = rng.uniform(0.6, 1.4)
        counts = {school.id: staff_count(school, rng) for school in county.institutions}
        pools = self.pools(county, counts)
        teachers: dict[tuple[int, int], list[int]] = {}
        for school in county.institutions:
            count = counts[school.id]
            ids = self.writer.next_ids(Staff, count)
            hires = []
            for staff_id, post in zip(ids, posts_for(school, count, rng), strict=True):
                career = self.person(rng, staff_id, school, post, pools, rotation)
                record_teaching(teachers, staff_id, career)
                if career.starts[0] > FIRST_YEAR:
                    hires.append(career)
            for hire in hires:
                # The hire replaced someone who served until the summer before.
                former = self.writer.next_id(Staff)
                career = self.person(rng, former, hire.schools[0], hire.posts[0], pools,
                                     rotation, left=hire.starts[0] - 1)
                record_teaching(teachers, former, career)
                self.former += 1
        return teachers

    @staticmethod
    def pools(county: County, counts: dict[int, int]) -> dict[tuple[str, bool], Pool]:
        """Where a career could have passed: (kind, public?) → the county's schools of that
        kind and ownership (教学点 with primary schools), weighted by staff. A county's only
        school of a kind (its 特殊教育学校, often its 高中) keeps its staff."""
        by_kind: dict[tuple[str, bool], list[PlannedSchool]] = {}
        for school in county.institutions:
            by_kind.setdefault((pool_kind(school), school.is_public), []).append(school)
        return {key: (schools, list(accumulate(counts[s.id] for s in schools)))
                for key, schools in by_kind.items()}

    def person(self, rng: random.Random, staff_id: int, school: PlannedSchool, post: str,
               pools: dict[tuple[str, bool], Pool], rotation: float, *,
               left: int | None = None) -> Career:
        """Write one member of staff, current or — with ``left``, their last school year —
        former; return their career."""
        teaching = post in (Post.TEACHER, Post.PRINCIPAL)
        stage = stage_of(school, rng)
        sex = self.sex(rng, stage, post)
        if left is None:
            age, year = self.age(rng, post), CURRENT_YEAR
        else:
            # Age on leaving (1 September after the last school year of service).
            age = (RETIREMENT_AGE[sex] if rng.random() < RETIRED_SHARE
                   else rng.randint(25, 50))
            year = left + 1
        birth_iso, birth = self.births.in_year(rng, year - age)
        codes = STAFF_LOCAL_CODES if rng.random() < 0.85 else STAFF_OTHER_CODES
        title = self.title(rng, age, stage) if teaching or post == Post.ADMIN else T.NONE
        backbone = self.backbone(rng, title, school) if teaching else BackboneLevel.NONE
        name = person_name(rng, sex, adult=True)
        self.staff.add((
            staff_id, self.identities.id_number(rng, codes, birth, sex), name, sex, birth_iso,
            mobile_number(rng), self.education(rng, stage, post), title,
            self.certified(rng, school, post),
            pick(rng, SUBJECTS[stage]) if post == Post.TEACHER else "", backbone,
            self.establishment(rng, school, post),
            school.id if left is None else None, post if left is None else "",
        ))
        if post == Post.TEACHER and left is None:
            self.a_teacher.setdefault(school.id, (staff_id, name))
        career = self.career(rng, school, post, year - age, pools, rotation, left)
        self.write_career(staff_id, career)
        return career

    @staticmethod
    def age(rng: random.Random, post: str) -> int:
        if post == Post.PRINCIPAL:
            return rng.randint(40, 58)
        low, high, _ = rng.choices(AGE_BANDS, weights=[b[2] for b in AGE_BANDS])[0]
        return rng.randint(low, high)

    @staticmethod
    def sex(rng: random.Random, stage: str, post: str) -> str:
        female = {"kindergarten": .97, "primary": .76, "special": .75, "junior": .62,
                  "senior": .52, "vocational": .5}[stage]
        if post in (Post.WORKER, Post.PRINCIPAL):
            female = 0.45
        return FEMALE if rng.random() < female else MALE

    @staticmethod
    def education(rng: random.Random, stage: str, post: str) -> str:
        odds = TEACHER_EDUCATION[stage] if post == Post.TEACHER else POST_EDUCATION[post]
        return rng.choices(EDUCATION_LEVELS, weights=odds)[0]

    @staticmethod
    def title(rng: random.Random, age: int, stage: str) -> str:
        odds = next(o for top, o in TITLE_BY_AGE if age <= top)
        title = rng.choices(TITLES, weights=odds)[0]
        # Secondary schools have more 高级 posts (岗位结构比例 is higher there).
        if stage in ("senior", "vocational") and title == T.FIRST and rng.random() < 0.2:
            return T.SENIOR
        return title

    @staticmethod
    def backbone(rng: random.Random, title: str, school: PlannedSchool) -> str:
        chance = BACKBONE_BY_TITLE[title] * BACKBONE_LOCALITY[Locality(school.locality)]
        return pick(rng, BACKBONE_LEVELS) if rng.random() < chance else BackboneLevel.NONE

    @staticmethod
    def certified(rng: random.Random, school: PlannedSchool, post: str) -> bool:
        if post == Post.PRINCIPAL:
            return True
        if post == Post.TEACHER:
            chance = 0.985 if school.is_public else (
                0.8 if school.kind == K.KINDERGARTEN else 0.9)
        else:
            chance = CERTIFIED_OTHER_POSTS.get(post, .02)
        return rng.random() < chance

    @staticmethod
    def establishment(rng: random.Random, school: PlannedSchool, post: str) -> str:
        if not school.is_public:
            return Establishment.CONTRACT if rng.random() < 0.8 else Establishment.TEMPORARY
        on = 0.3 if post in (Post.WORKER, Post.CAREGIVER) else 0.88
        r = rng.random()
        if r < on:
            return Establishment.ON
        return Establishment.CONTRACT if r < on + (1 - on) * 0.7 else Establishment.TEMPORARY

    @staticmethod
    def career(rng: random.Random, school: PlannedSchool, post: str, birth_year: int,
               pools: dict[tuple[str, bool], Pool], rotation: float,
               left: int | None = None) -> Career:
        last = CURRENT_YEAR if left is None else left
        first = min(last, max(birth_year + rng.randint(21, 24), 1985))
        starts = [first]
        for year in range(first + 1, last + 1):
            tenure = year - starts[-1]
            chance = ((MOVE_BEFORE_SIX if tenure < 6 else MOVE_AFTER_SIX) * rotation
                      if school.is_public else MOVE_PRIVATE)
            if rng.random() < chance:
                starts.append(year)
        pool = pools.get((pool_kind(school), school.is_public), ([school], [1]))
        schools = [school]
        for _ in starts[:-1]:
            schools.insert(0, earlier_school(rng, pool, schools[0]))
        # Principals and administrators taught before; their promotions came before the
        # years built, so each of those years has today's posts (principals rotate too).
        taught = Post.TEACHER if post in (Post.PRINCIPAL, Post.ADMIN) else post
        earlier = [taught if later <= FIRST_YEAR else post for later in starts[1:]]
        if post == Post.PRINCIPAL and Post.TEACHER in earlier:
            earlier[len(earlier) - 1 - earlier[::-1].index(Post.TEACHER)] = Post.ADMIN
        posts = [*earlier, post]
        # A move "from" the same school in the same post was no move: one spell.
        kept = [k for k in range(len(starts))
                if k == 0 or (schools[k], posts[k]) != (schools[k - 1], posts[k - 1])]
        return Career([starts[k] for k in kept], [schools[k] for k in kept],
                      [posts[k] for k in kept], left)

    def write_career(self, staff_id: int, career: Career) -> None:
        ids = self.writer.next_ids(Assignment, len(career.starts))
        last = None if career.left is None else f"{career.left + 1}-08-31"
        ends: Sequence[str | None] = [f"{year}-08-31" for year in career.starts[1:]] + [last]
        for pk, start, end, school, post in zip(ids, career.starts, ends, career.schools,
                                                career.posts, strict=True):
            self.assignments.add((pk, staff_id, school.id, post, f"{start}-09-01", end))


def record_teaching(teachers: dict[tuple[int, int], list[int]], staff_id: int,
                    career: Career) -> None:
    """Add the person to (school id, year) → teachers for each year built they taught."""
    for year in range(FIRST_YEAR, CURRENT_YEAR + 1):
        school = career.teaching(year)
        if school is not None:
            teachers.setdefault((school.id, year), []).append(staff_id)
