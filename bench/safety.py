"""Benchmark: campus safety for a city's year of data, and the county hazard list under load.

    .venv/bin/python bench/safety.py [--db postgres://postgres@127.0.0.1:5432/edugov_safety_bench]
        [--schools-per-county 50] [--users 50] [--requests 20] [--workers 4] [--think 0]

1. Creates the database afresh (PostgreSQL), migrates, and generates with a fixed seed a
   city of 9 counties, its schools, checklists for the ten domains, a year of inspections
   (weekly patrols for 消防 and 用电, monthly self-checks for the other eight domains;
   five items each → ≥ 200,000 inspection items) and the hazards their failed items
   raised (≥ 20,000), in every state from 已上报 to 已销号, some overdue, some reopened.
2. Times the four lists (责任清单, 排查清单, 隐患清单, 整改清单) and every safety indicator for
   the whole city and the year, in-process: target ≤ 5 s.
3. Starts gunicorn on 127.0.0.1 against the same database and has ``--users`` logged-in
   county users (threads, keep-alive connections) fetch the county's hazard list page
   ``--requests`` times each; prints p50/p95/max: target p95 ≤ 300 ms.
Rows are bulk-inserted (as ``edugov demo`` does): no per-row history or audit rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/edugov_safety_bench"
SEED = 20250901
YEAR_START, YEAR_END = dt.date(2024, 9, 1), dt.date(2025, 8, 31)
WEEKLY_DOMAINS = ("fire", "electricity")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--schools-per-county", type=int, default=50)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--think", type=float, default=0.0,
                   help="seconds each simulated user waits between pages (0: back to back)")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--reuse", action="store_true",
                   help="keep the database of an earlier run instead of generating again")
    return p.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, data_dir: str) -> None:
    os.environ.update(DATABASE_URL=url, EDUGOV_DATA_DIR=data_dir, EDUGOV_DEBUG="0",
                      EDUGOV_SECRET_KEY="bench-only-secret-key-not-for-production",
                      EDUGOV_SECURE_COOKIES="0", EDUGOV_LOGIN_THROTTLE="0",
                      DJANGO_SETTINGS_MODULE="edugov.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def generate(schools_per_county: int) -> dict[str, int]:
    from django.utils import timezone

    from edugov.core.models import User
    from edugov.registry.models import Institution, Region
    from edugov.safety import workflow as wf
    from edugov.safety.choices import Domain
    from edugov.safety.models import (
        ChecklistItem,
        ChecklistTemplate,
        GridPost,
        Hazard,
        Inspection,
        InspectionResult,
    )
    from edugov.safety.rules import deadlines, grading

    rng = random.Random(SEED)
    city = Region.objects.create(code="980100", name="示范市", level="city")
    counties = [Region.objects.create(code=f"9801{n:02d}", name=f"第{n}区", level="county",
                                      parent=city) for n in range(1, 10)]
    schools = Institution.objects.bulk_create([
        Institution(code=f"3198{c.code[-2:]}{n:04d}", name=f"{c.name}第{n}学校",
                    kind="primary", ownership="public", locality="urban", region=c)
        for c in counties for n in range(1, schools_per_county + 1)])
    posts = [GridPost(level="bureau_lead", region=r, person_name="分管领导",
                      phone="13800000000") for r in (city, *counties)]
    posts += [GridPost(level="county_section", region=c, person_name="安全股长",
                       phone="13800000001") for c in counties]
    for s in schools:
        posts.append(GridPost(level="principal", institution=s, person_name=f"{s.name}校长",
                              phone="13900000000"))
        if rng.random() < 0.95:  # a few gaps to report
            posts.append(GridPost(level="safety_officer", institution=s, person_name="安全专干",
                                  phone="13900000001"))
    GridPost.objects.bulk_create(posts)

    templates = {}
    grades = [grading.GENERAL] * 7 + [grading.SIGNIFICANT] * 2 + [grading.MAJOR]
    for domain, label in Domain.choices:
        if domain == "other":
            continue
        t = ChecklistTemplate.objects.create(code=f"{domain.upper()}-1", domain=domain,
                                             name=f"{label}检查")
        items = ChecklistItem.objects.bulk_create([
            ChecklistItem(template=t, order=k, text=f"{label}检查项目{k}",
                          failure_grade=grades[(k * 3) % len(grades)]) for k in range(1, 6)])
        templates[domain] = (t, items)

    days = [YEAR_START + dt.timedelta(d) for d in range((YEAR_END - YEAR_START).days + 1)]
    fridays = [d for d in days if d.weekday() == 4]
    month_ends = sorted({d.replace(day=28) for d in days})
    now = timezone.make_aware(dt.datetime(2025, 9, 1, 9))
    inspections = []
    for s in schools:
        for domain, (t, _items) in templates.items():
            for due in (fridays if domain in WEEKLY_DOMAINS else month_ends):
                missed = rng.random() < 0.03
                inspections.append(Inspection(
                    institution=s, template=t, domain=domain, due_date=due,
                    state=wf.MISSED if missed else wf.COMPLETED,
                    state_changed_at=now, performed_at=None if missed else
                    timezone.make_aware(dt.datetime.combine(due, dt.time(10)))))
    Inspection.objects.bulk_create(inspections, batch_size=5000)

    results, failed = [], []
    for insp in inspections:
        if insp.state != wf.COMPLETED:
            continue
        for item in templates[insp.domain][1]:
            ok = rng.random() >= 0.055
            results.append(InspectionResult(inspection=insp, item=item, passed=ok))
            if not ok:
                failed.append((insp, item, results[-1]))
    InspectionResult.objects.bulk_create(results, batch_size=10000)

    hazards = []
    for n, (insp, item, result) in enumerate(failed, start=1):
        reported = timezone.make_aware(dt.datetime.combine(insp.due_date, dt.time(10)))
        deadline = deadlines.rectify_deadline(item.failure_grade, reported)
        age = (now - reported).days
        roll = rng.random()
        state = (wf.CLOSED if roll < 0.85 or (age > 60 and roll < 0.95) else
                 rng.choice([wf.REPORTED, wf.ASSIGNED, wf.RECTIFYING, wf.SUBMITTED]))
        closed = reported + dt.timedelta(days=rng.uniform(1, 40)) if state == wf.CLOSED else None
        hazards.append(Hazard(
            code=f"YH{insp.due_date:%Y%m%d}{n:06d}", institution_id=insp.institution_id,
            domain=insp.domain, grade=item.failure_grade, title=item.text, source="inspection",
            inspection=insp, result=result, reported_at=reported, reported_on=insp.due_date,
            owner_name="责任人", measures="按要求整改", rectify_deadline=deadline,
            interim_controls="设置警示隔离" if item.failure_grade == "major" else "",
            supervised=item.failure_grade == "major",
            supervision_level=0 if item.failure_grade == "general" else 1,
            state=state, state_changed_at=closed or reported,
            due_at=None if state == wf.CLOSED else deadline, closed_at=closed,
            closed_on_time=None if closed is None else closed <= deadline,
            rectification_days=None if closed is None else
            round((closed - reported).total_seconds() / 86400, 1),
            reopen_count=1 if rng.random() < 0.01 else 0))
    Hazard.objects.bulk_create(hazards, batch_size=5000)

    county = counties[0]
    user = User.objects.create_user(username="bench_county", password="bench-county-pw")
    user.memberships.create(role="county_bureau", region=county)
    root = User.objects.create_user(username="bench_city", password="bench-city-pw")
    root.memberships.create(role="city_bureau", region=city)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"schools": len(schools), "inspections": len(inspections),
            "inspection_items": len(results), "hazards": len(hazards)}


def time_lists_and_indicators() -> tuple[float, dict[str, int]]:
    from django.utils import timezone

    from edugov.core.models import User
    from edugov.registry.models import Region
    from edugov.safety import selectors
    from edugov.safety.rules import indicators

    user = User.objects.get(username="bench_city")
    city = Region.objects.get(code="980100")
    period = selectors.Period(YEAR_START, YEAR_END)
    now = timezone.make_aware(dt.datetime(2025, 9, 1, 9))
    started = time.perf_counter()
    lists = selectors.four_lists(user, city, period, now=now)
    values = indicators.indicators(selectors.safety_counts(user, city, period, now=now))
    selectors.hazards_by_domain_and_grade(user, city, period)
    selectors.by_school(user, city, period, now=now)
    elapsed = time.perf_counter() - started
    rows = {code: len(table[1]) for code, table in lists.tables.items()}
    print("  indicators:", {k: v for k, v in values.items()})
    return elapsed, rows


def session_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from edugov.core.models import User

    user = User.objects.get(username="bench_county")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key or ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "edugov.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "EDUGOV_DB_CONN_MAX_AGE": "600"})
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/safety/report/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)  # waiting for the server to bind; not part of any test
    server.terminate()
    raise SystemExit("gunicorn did not start")


def load_test(args: argparse.Namespace) -> list[float]:
    from edugov.core.models import User

    User.objects.get(username="bench_county")
    cookies = [session_cookie() for _ in range(args.users)]
    path = "/safety/hazards/?state=open"
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 120

    def user_loop(cookie: str, seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        for _ in range(args.requests):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
            response = conn.getresponse()
            body = response.read()
            took = time.perf_counter() - started
            with lock:
                timings.append(took)
                if response.status != 200 or "隐患清单".encode() not in body:
                    errors.append(f"{response.status}")
            if args.think:
                time.sleep(rng.uniform(0, 2 * args.think))  # simulated user think time
        conn.close()

    server = start_server(args.port, args.workers)
    try:
        warm = http.client.HTTPConnection("127.0.0.1", args.port)
        for _ in range(args.workers * 2):
            warm.request("GET", path, headers={"Cookie": f"sessionid={cookies[0]}"})
            warm.getresponse().read()
        threads = [threading.Thread(target=user_loop, args=(c, n)) for n, c in enumerate(cookies)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    if errors:
        print(f"  errors: {len(errors)} (first: {errors[:3]})")
    print(f"  {len(timings)} requests in {wall:.1f} s ({len(timings) / wall:.0f} req/s)")
    return timings


def main() -> None:
    args = parse()
    data_dir = tempfile.mkdtemp(prefix="edugov_safety_bench_")
    args.port = args.port or free_port()
    if not args.reuse:
        recreate_database(args.db)
    setup_django(args.db, data_dir)
    if not args.reuse:
        started = time.perf_counter()
        counts = generate(args.schools_per_county)
        print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
    elapsed, rows = time_lists_and_indicators()
    print(f"FIGURE four lists + all safety indicators, city, one year: {elapsed:.2f} s "
          f"(target ≤ 5 s) rows={rows}")
    timings = sorted(load_test(args))
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(0.95 * (len(timings) - 1))] * 1000
    print(f"FIGURE county hazard list, {args.users} concurrent users, think {args.think} s, "
          f"{args.workers} gunicorn workers: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
          f"max {timings[-1] * 1000:.0f} ms (target p95 ≤ 300 ms)")


if __name__ == "__main__":
    main()
