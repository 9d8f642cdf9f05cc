"""Benchmark: campus safety for a city's year of data, and the county hazard list under load.

    .venv/bin/python bench/safety.py [--db postgres://postgres@127.0.0.1:5432/edugov_safety_bench]
        [--schools-per-county 50] [--users 50] [--think-mean 1.0] [--duration 60] [--repeat 3]
        [--saturation-requests 20] [--workers 5] [--threads 2] [--reuse] [--skip-lists]

1. Creates the database afresh (PostgreSQL), migrates, and generates with a fixed seed a
   city of 9 counties, its schools, checklists for the ten domains, a year of inspections
   (weekly patrols for 消防 and 用电, monthly self-checks for the other eight domains;
   five items each → ≥ 200,000 inspection items) and the hazards their failed items
   raised (≥ 20,000), in every state from 已上报 to 已销号, some overdue, some reopened.
2. Times the four lists (责任清单, 排查清单, 隐患清单, 整改清单) and every safety indicator for
   the whole city and the year, in-process: target ≤ 5 s.
3. Profiles the county hazard list page in-process: queries per page and time per page.
4. Starts gunicorn (gthread workers, persistent database connections) on 127.0.0.1 against
   the same database and runs two loads on the county hazard list page:

   * **50 concurrent users** (the target, p95 ≤ 300 ms): ``--users`` logged-in county
     officials, each with their own session and keep-alive connection, browsing the hazard
     list for ``--duration`` seconds: open a page, read it for an exponentially distributed
     think time (mean ``--think-mean`` s, fixed seed per user), open the next. Users start
     spread over the first think time, as people do. The page mix is the list's everyday
     use: 未销号 first page (60 %), its second page (15 %), 仅逾期 (15 %), 重大 (10 %).
   * **saturation** (for transparency, no target): the same users with no think time,
     each fetching ``--saturation-requests`` pages back to back: the server's throughput
     limit and the queueing latency beyond it.

   Each load runs ``--repeat`` times; every run prints p50/p95/p99, throughput, errors and
   the load average (the machine is shared: read figures beside the load), then the best
   and median p95 of the runs.
Rows are bulk-inserted (as ``edugov demo`` does): no per-row history or audit rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/edugov_safety_bench"
SEED = 20250901
YEAR_START, YEAR_END = dt.date(2024, 9, 1), dt.date(2025, 8, 31)
WEEKLY_DOMAINS = ("fire", "electricity")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--schools-per-county", type=int, default=50)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--think-mean", type=float, default=1.0,
                   help="mean of the exponential think time between a user's pages (s)")
    p.add_argument("--duration", type=float, default=60.0,
                   help="seconds each run of the users-with-think-time load lasts")
    p.add_argument("--repeat", type=int, default=3, help="runs of each load")
    p.add_argument("--saturation-requests", type=int, default=20,
                   help="pages per user in the no-think-time load (0: skip it)")
    p.add_argument("--workers", type=int, default=5,
                   help="gunicorn worker processes (2 × cores + 1, gunicorn's rule)")
    p.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--reuse", action="store_true",
                   help="keep the database of an earlier run instead of generating again")
    p.add_argument("--skip-lists", action="store_true",
                   help="skip timing the four lists (only the page and the load)")
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


LIST = "/safety/hazards/"
#: The hazard list as a county official uses it (weights of the mix in the docstring).
PAGE_MIX = ((LIST + "?state=open", 60), (LIST + "?state=open&page=2", 15),
            (LIST + "?overdue=1", 15), (LIST + "?grade=major", 10))


def profile_page() -> None:
    """In-process: queries and time per hazard list page (no HTTP, no concurrency)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from edugov.core.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench_county"))
    for path, _weight in PAGE_MIX:
        timings = []
        for _ in range(11):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"  {path}: {len(queries)} queries ({sql:.1f} ms SQL), page median "
              f"{statistics.median(timings) * 1000:.1f} ms, best {min(timings) * 1000:.1f} ms "
              f"(in-process, load {load_average()})")


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    # gthread: a few processes (2 cores) with threads to overlap database waits; persistent
    # connections (EDUGOV_DB_CONN_MAX_AGE) so no request pays for a PostgreSQL connection.
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "edugov.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
         "--keep-alive", "75", "--backlog", "256", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "EDUGOV_DB_CONN_MAX_AGE": "600"})
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/safety/report/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)  # waiting for the server to bind; not part of any test
    server.terminate()
    raise SystemExit("gunicorn did not start")


@dataclass
class Run:
    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    load_before: str = ""
    load_after: str = ""

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in ms."""
        ordered = sorted(self.timings)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000 if ordered else math.nan

    def line(self) -> str:
        n = len(self.timings)
        return (f"{n} requests in {self.wall:.1f} s ({n / self.wall:.1f} req/s), "
                f"p50 {self.percentile(0.50):.0f} ms, p95 {self.percentile(0.95):.0f} ms, "
                f"p99 {self.percentile(0.99):.0f} ms, max {self.percentile(1.0):.0f} ms, "
                f"errors {len(self.errors)}, load {self.load_before} → {self.load_after}")


def fetch(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
    response = conn.getresponse()
    return response.status, response.read()


def browse(port: int, cookie: str, rng: random.Random, run: Run, lock: threading.Lock, *,
           think_mean: float, until: float, pages: int) -> None:
    """One user: a page, a think time, the next page… until ``until`` or ``pages`` pages."""
    paths, weights = zip(*PAGE_MIX, strict=True)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    if think_mean:
        time.sleep(rng.uniform(0, think_mean))  # users arrive spread out, not all at once
    done = 0
    while time.monotonic() < until and (not pages or done < pages):
        path = rng.choices(paths, weights)[0]
        started = time.perf_counter()
        try:
            status, body = fetch(conn, path, cookie)
            ok = status == 200 and "隐患清单".encode() in body
            problem = "" if ok else str(status)
        except (OSError, http.client.HTTPException) as exc:
            problem = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        took = time.perf_counter() - started
        with lock:
            run.timings.append(took)
            if problem:
                run.errors.append(problem)
        done += 1
        if think_mean:  # the user reads the page (not past the end of the run)
            time.sleep(min(rng.expovariate(1 / think_mean), max(0.0, until - time.monotonic())))
    conn.close()


def one_run(args: argparse.Namespace, cookies: list[str], *, seed: int, think_mean: float,
            duration: float, pages: int) -> Run:
    run, lock = Run(load_before=load_average()), threading.Lock()
    until = time.monotonic() + duration
    threads = [threading.Thread(target=browse, args=(args.port, cookie,
                                                     random.Random(seed * 1000 + n), run, lock),
                                kwargs={"think_mean": think_mean, "until": until,
                                        "pages": pages})
               for n, cookie in enumerate(cookies)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.wall = time.perf_counter() - started
    run.load_after = load_average()
    return run


def summarise(title: str, runs: list[Run]) -> None:
    p95s = sorted(r.percentile(0.95) for r in runs)
    p50 = statistics.median(r.percentile(0.5) for r in runs)
    p99 = statistics.median(r.percentile(0.99) for r in runs)
    print(f"FIGURE {title}: p95 best {p95s[0]:.0f} ms, median {statistics.median(p95s):.0f} ms "
          f"over {len(runs)} runs; p50 median {p50:.0f} ms, p99 median {p99:.0f} ms, "
          f"errors {sum(len(r.errors) for r in runs)}")


def load_test(args: argparse.Namespace) -> None:
    cookies = [session_cookie() for _ in range(args.users)]
    server = start_server(args.port, args.workers, args.threads)
    try:
        warm = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        for n in range(args.workers * args.threads * 2):
            fetch(warm, PAGE_MIX[n % len(PAGE_MIX)][0], cookies[0])
        warm.close()
        config = (f"{args.users} users, gunicorn {args.workers} workers × {args.threads} threads "
                  f"(gthread), {os.cpu_count()} cores")
        runs = []
        for n in range(args.repeat):
            run = one_run(args, cookies, seed=SEED + n, think_mean=args.think_mean,
                          duration=args.duration, pages=0)
            print(f"  think-time run {n + 1}: {run.line()}")
            runs.append(run)
        summarise(f"county hazard list, {config}, exponential think time mean "
                  f"{args.think_mean} s, {args.duration:.0f} s per run (target p95 ≤ 300 ms)", runs)
        if args.saturation_requests:
            runs = []
            for n in range(args.repeat):
                run = one_run(args, cookies, seed=SEED + 100 + n, think_mean=0.0,
                              duration=120.0, pages=args.saturation_requests)
                print(f"  saturation run {n + 1}: {run.line()}")
                runs.append(run)
            summarise(f"county hazard list SATURATION, {config}, no think time, "
                      f"{args.saturation_requests} pages per user (no target)", runs)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    args = parse()
    data_dir = tempfile.mkdtemp(prefix="edugov_safety_bench_")
    args.port = args.port or free_port()
    print(f"load average at start: {load_average()} ({os.cpu_count()} cores)")
    if not args.reuse:
        recreate_database(args.db)
    setup_django(args.db, data_dir)
    if not args.reuse:
        started = time.perf_counter()
        counts = generate(args.schools_per_county)
        print(f"generated in {time.perf_counter() - started:.1f} s: {counts}")
    if not args.skip_lists:
        elapsed, rows = time_lists_and_indicators()
        print(f"FIGURE four lists + all safety indicators, city, one year: {elapsed:.2f} s "
              f"(target ≤ 5 s) rows={rows}, load {load_average()}")
    print("county hazard list page, profiled in-process:")
    profile_page()
    load_test(args)


if __name__ == "__main__":
    main()
