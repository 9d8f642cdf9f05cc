"""Workforce forms and uploads through the web: 师德 cases, honours (the veto), 职称
applications, 竞聘 applications and ranks, and the two spreadsheet imports (validation
report, error workbook, confirm). Permissions per persona are walked in tests/web."""

from __future__ import annotations

import datetime as dt
import io
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edugov.core.models import AuditLog
from edugov.workforce import views
from edugov.workforce.models import (
    BarredPerson,
    ConductCase,
    Honour,
    PostingApplication,
    TitleApplication,
    TrainingRecord,
)
from edugov.workforce.services import conduct, posting
from edugov.workforce.services.training import record_training
from tests import factories as f
from tests.factories import id_number_for
from tests.workforce.conftest import new_teacher
from tests.workforce.url_cases import round_in

ON = dt.date(2025, 11, 1)
BARRED_HEADER = "身份证号,姓名,禁止从教原因,信息来源"
TRAINING_HEADER = "身份证号,姓名,课程名称,学时,培训级别,完成日期,培训机构"


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' "today" (training cycle, dates in the future, veto on the day)."""
    monkeypatch.setattr(views, "today", lambda: ON)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_upload(*lines: str, name: str = "名单.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"),
                              content_type="text/csv")


def staged_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


# --- the barred list ------------------------------------------------------------------------

def test_barred_list_upload_report_confirm(client_for, personas, media) -> None:
    client = client_for("county_a")
    barred = id_number_for(dt.date(1980, 2, 3), 11, "M")
    response = client.post(reverse("workforce:import_upload", kwargs={"kind": "barred"}), {
        "file": csv_upload(BARRED_HEADER, f"{barred},张三,猥亵儿童罪判决,（2024）某刑初12号")})
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "全部行校验通过" in report and not BarredPerson.objects.exists()

    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    confirm = reverse("workforce:import_confirm", kwargs={"kind": "barred", "token": token})
    done = client.post(confirm)
    assert done["Location"] == reverse("workforce:conduct_list")
    entry = BarredPerson.objects.get()
    assert entry.id_number == barred and entry.region.code == "980101"
    assert AuditLog.objects.filter(entity="workforce.barredperson", action="import").count() == 1
    assert "已导入禁止从教人员名单" in client.get(done["Location"]).content.decode()
    # Confirmed once: the staged file is gone, so a second confirm finds nothing.
    assert staged_files(media) == []
    assert client.post(confirm).status_code == 404


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(
        client_for, personas, media) -> None:
    client = client_for("city_bureau")
    clear = id_number_for(dt.date(1995, 7, 8), 12, "F")
    response = client.post(reverse("workforce:import_upload", kwargs={"kind": "barred"}), {
        "file": csv_upload(BARRED_HEADER,
                           f"{clear},李四,撤销教师资格,某教育局决定",
                           "110101199001011234,王五,x,y",  # bad check digit
                           f"{clear},李四,重复,重复")})
    report = client.get(response["Location"]).content.decode()
    assert '<td class="num">3</td><td class="nowrap">A · 身份证号</td>' in report
    assert '<td class="num">4</td>' in report and "确认导入" not in report

    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    kwargs = {"kind": "barred", "token": token}
    workbook = client.get(reverse("workforce:import_errors", kwargs=kwargs))
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # The header and the bad rows (both copies of the duplicate), each with its reasons.
    assert rows[0][-1] == "错误原因" and len(rows) == 4
    assert "第3行 A列「身份证号」：身份证号校验码错误" in rows[2][-1]
    assert "第4行 A列「身份证号」：身份证号在文件中重复出现" in rows[3][-1]

    # Confirming anyway (a forged POST) writes nothing and goes back to the report.
    refused = client.post(reverse("workforce:import_confirm", kwargs=kwargs))
    assert refused["Location"] == response["Location"]
    assert not BarredPerson.objects.exists()
    assert not AuditLog.objects.filter(entity="workforce.barredperson").exists()


def test_an_upload_belongs_to_its_uploader(client_for, media) -> None:
    barred = id_number_for(dt.date(1980, 2, 3), 11, "M")
    response = client_for("county_a").post(
        reverse("workforce:import_upload", kwargs={"kind": "barred"}),
        {"file": csv_upload(BARRED_HEADER, f"{barred},张三,原因,来源")})
    report = response["Location"]
    for other in ("city_bureau", "county_b"):
        assert client_for(other).get(report).status_code == 404
    assert client_for("school_admin_a").get(report).status_code == 403
    assert client_for("county_b").post(report + "confirm/").status_code == 404
    assert not BarredPerson.objects.exists()


def test_barred_upload_is_for_bureaus_and_checks_the_file(client_for, media) -> None:
    url = reverse("workforce:import_upload", kwargs={"kind": "barred"})
    assert client_for("school_admin_a").post(
        url, {"file": csv_upload(BARRED_HEADER)}).status_code == 403
    page = client_for("county_a").post(
        url, {"file": SimpleUploadedFile("名单.txt", b"x")}).content.decode()
    assert "仅支持 .xlsx、.xls 或 .csv 文件" in page and staged_files(media) == []


def test_upload_needs_the_csrf_token(client_for, media) -> None:
    client = client_for("county_a", enforce_csrf_checks=True)
    response = client.post(reverse("workforce:import_upload", kwargs={"kind": "barred"}),
                           {"file": csv_upload(BARRED_HEADER)})
    assert response.status_code == 403 and staged_files(media) == []


# --- training hours -------------------------------------------------------------------------

def test_training_upload_by_a_school_and_its_errors(client_for, world, media) -> None:
    staff = world.staff_a
    client = client_for("school_admin_a")
    url = reverse("workforce:import_upload", kwargs={"kind": "training"})
    bad = client.post(url, {"file": csv_upload(
        TRAINING_HEADER,
        f"{staff.id_number},{staff.name},新课标解读,24,县级,2025-10-09,县教师进修学校",
        f"{world.staff_b.id_number},{world.staff_b.name},课程,10,县级,2025-10-01,机构",
        f"{staff.id_number},{staff.name},未来,5,县级,2025-12-01,机构")})
    report = client.get(bad["Location"]).content.decode()
    assert "A · 身份证号" in report and "不在管辖范围内" in report  # county B's teacher
    assert "F · 完成日期" in report and "不能晚于今天" in report
    assert not TrainingRecord.objects.exists()

    good = client.post(url, {"file": csv_upload(
        TRAINING_HEADER,
        f"{staff.id_number},{staff.name},新课标解读,24,县级,2025-10-09,县教师进修学校")})
    token = good["Location"].rstrip("/").rsplit("/", 1)[-1]
    done = client.post(reverse("workforce:import_confirm",
                               kwargs={"kind": "training", "token": token}))
    assert done["Location"] == reverse("workforce:training")
    record = TrainingRecord.objects.get()
    assert (record.staff, record.hours) == (staff, Decimal("24.0"))
    assert client_for("teacher_a").get(url).status_code == 403


# --- 师德 cases -------------------------------------------------------------------------------

def case_form(**extra: str) -> dict[str, str]:
    return {"occurred": "2025-03-01", "decided": "2025-03-10", "category": "integrity",
            "sanction": "warning", "description": "收受家长礼品", **extra}


def test_recording_a_case(client_for, world) -> None:
    url = reverse("workforce:conduct_new", kwargs={"pk": world.staff_a.pk})
    client = client_for("county_a")
    assert "坚守廉洁自律" in client.get(url).content.decode()
    response = client.post(url, case_form())
    assert response["Location"] == reverse("workforce:conduct_list")
    case = ConductCase.objects.get()
    assert (case.staff, case.veto_until) == (world.staff_a, dt.date(2025, 9, 9))
    page = client.get(response["Location"]).content.decode()
    assert "一票否决至2025-09-09" in page


def test_a_case_decided_before_it_happened_is_refused_on_the_form(client_for, world) -> None:
    url = reverse("workforce:conduct_new", kwargs={"pk": world.staff_a.pk})
    page = client_for("county_a").post(url, case_form(decided="2025-02-01")).content.decode()
    assert "处理决定日期不能早于违规日期" in page and not ConductCase.objects.exists()


def test_cases_are_for_bureaus_in_scope(client_for, world) -> None:
    assert client_for("county_a").post(
        reverse("workforce:conduct_new", kwargs={"pk": world.staff_b.pk}),
        case_form()).status_code == 404
    assert client_for("school_admin_a").post(
        reverse("workforce:conduct_new", kwargs={"pk": world.staff_a.pk}),
        case_form()).status_code == 403
    assert not ConductCase.objects.exists()


# --- honours ----------------------------------------------------------------------------------

def test_honour_sets_the_backbone_level(client_for, world) -> None:
    url = reverse("workforce:honour_new", kwargs={"pk": world.staff_a.pk})
    response = client_for("school_admin_a").post(url, {
        "kind": "backbone", "tier": "county", "awarded": "2025-09-10",
        "awarded_by": "东城区教育局"})
    assert response["Location"] == reverse("workforce:school", kwargs={"pk": world.school_a.pk})
    honour = Honour.objects.get()
    assert honour.valid_until == dt.date(2028, 9, 9)
    world.staff_a.refresh_from_db()
    assert world.staff_a.backbone_level == "county"


def test_honour_is_refused_with_the_veto_reason(client_for, personas, world) -> None:
    conduct.record_case(actor=personas.county_a, staff=world.staff_a,
                        occurred=dt.date(2025, 3, 1), decided=dt.date(2025, 3, 10),
                        category="practice", sanction="demerit")
    url = reverse("workforce:honour_new", kwargs={"pk": world.staff_a.pk})
    response = client_for("school_admin_a").post(url, {
        "kind": "famous", "tier": "city", "awarded": "2025-10-01"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "师德一票否决：该教师因违反“规范从教行为”于2025年03月10日受到“记过”" in page
    assert "至2026年03月09日不得获得“名师”等荣誉" in page
    assert not Honour.objects.exists()


def test_honours_outside_the_county_are_404(client_for, world) -> None:
    assert client_for("school_admin_a").get(
        reverse("workforce:honour_new", kwargs={"pk": world.staff_b.pk})).status_code == 404
    assert client_for("teacher_a").get(
        reverse("workforce:honour_new", kwargs={"pk": world.staff_a.pk})).status_code == 403


# --- 职称 applications -----------------------------------------------------------------------

def on_track(personas, staff) -> None:  # type: ignore[no-untyped-def]
    for course, hours, day in (("周期研修", 240, dt.date(2024, 6, 1)),
                               ("周期研修二", 120, dt.date(2025, 6, 1))):
        record_training(actor=personas.school_admin_a, staff=staff, course=course,
                        hours=Decimal(hours), level="county", date=day, provider="进修学校",
                        today=ON)


def test_a_teacher_applies_for_the_next_title(client_for, personas, world,
                                              own_teacher) -> None:
    staff = world.staff_a
    staff.title = "second"
    staff.save()
    url = reverse("workforce:title_apply", kwargs={"pk": staff.pk})
    client = client_for("teacher_a")
    assert "继续教育学时未达到本周期进度要求" in client.get(url).content.decode()
    on_track(personas, staff)
    response = client.post(url, {"title": "first", "year": "2025"})
    assert response["Location"] == reverse("workforce:me")
    application = TitleApplication.objects.get()
    assert (application.title, application.state) == ("first", "submitted")
    # The same year again: refused on the form, no second row.
    again = client.post(url, {"title": "first", "year": "2025"}).content.decode()
    assert "该教师2025年度已申报职称" in again and TitleApplication.objects.count() == 1


def test_title_application_refused_during_a_veto(client_for, personas, world) -> None:
    staff = world.staff_a
    on_track(personas, staff)
    conduct.record_case(actor=personas.county_a, staff=staff, occurred=dt.date(2025, 3, 1),
                        decided=dt.date(2025, 3, 10), category="care", sanction="demerit")
    page = client_for("school_admin_a").post(
        reverse("workforce:title_apply", kwargs={"pk": staff.pk}),
        {"title": "third", "year": "2025"}).content.decode()
    assert "师德一票否决" in page and "不得晋升职称" in page
    assert not TitleApplication.objects.exists()


def test_a_teacher_cannot_apply_for_a_colleague(client_for, world, own_teacher) -> None:
    colleague = new_teacher(world.school_a, dt.date(2015, 9, 1))
    assert client_for("teacher_a").post(
        reverse("workforce:title_apply", kwargs={"pk": colleague.pk}),
        {"title": "third", "year": "2025"}).status_code == 403
    assert not TitleApplication.objects.exists()


# --- 竞聘上岗 -------------------------------------------------------------------------------

@pytest.fixture
def opening(personas, world):  # type: ignore[no-untyped-def]
    """A post at a second school of county A, in an open first round."""
    rural = f.InstitutionFactory(region=world.county_a, name="乡村小学")
    posting_round = round_in(world, world.county_a)
    return posting.add_opening(actor=personas.county_a, posting_round=posting_round,
                               institution=rural, subject="math", places=1)


def test_a_teacher_applies_and_the_school_ranks(client_for, personas, world, own_teacher,
                                                opening) -> None:
    posting_round = opening.round
    apply_url = reverse("workforce:posting_apply", kwargs={"pk": posting_round.pk})
    client = client_for("teacher_a")
    page = client.get(apply_url).content.decode()
    assert "乡村小学" in page  # another school's post is on offer to the teacher
    response = client.post(apply_url, {"opening": opening.pk, "preference": "1"})
    assert response["Location"] == reverse("workforce:round_detail",
                                           kwargs={"pk": posting_round.pk})
    application = PostingApplication.objects.get()
    assert (application.staff, application.state) == (world.staff_a, "applied")
    again = client.post(apply_url, {"opening": opening.pk, "preference": "2"}).content.decode()
    assert "已报名该岗位" in again

    rank_url = reverse("workforce:posting_rank", kwargs={"pk": posting_round.pk})
    # School A's administrator is the applicant's school, not the post's: may not rank it.
    assert client_for("school_admin_a").post(
        rank_url, {f"rank_{application.pk}": "1"}).status_code == 404
    assert client_for("teacher_a").post(rank_url, {f"rank_{application.pk}": "1"}
                                        ).status_code == 403
    bureau = client_for("county_a")
    assert f'name="rank_{application.pk}"' in bureau.get(response["Location"]).content.decode()
    bureau.post(rank_url, {f"rank_{application.pk}": "2"})
    application.refresh_from_db()
    assert (application.school_rank, application.state) == (2, "ranked")
    assert bureau.post(rank_url, {f"rank_{application.pk}": "0"}).status_code == 302
    application.refresh_from_db()
    assert application.school_rank == 2  # "排序应从1开始": nothing saved


def test_posting_outside_the_county_is_404(client_for, personas, world, opening) -> None:
    other_round = round_in(world, world.county_b)
    assert client_for("school_admin_a").get(
        reverse("workforce:posting_apply", kwargs={"pk": other_round.pk})).status_code == 404
    # County B's teacher is not among the staff a county-A school may enter.
    page = client_for("county_a").post(
        reverse("workforce:posting_apply", kwargs={"pk": opening.round_id}),
        {"staff": world.staff_b.pk, "opening": opening.pk, "preference": "1"}).content.decode()
    assert "选择一个有效的选项" in page and not PostingApplication.objects.exists()


def test_unconfirmed_uploads_are_cleared_after_a_day(client_for, personas, media) -> None:
    url = reverse("workforce:import_upload", kwargs={"kind": "barred"})
    barred = id_number_for(dt.date(1980, 2, 3), 11, "M")
    client = client_for("county_a")
    first = client.post(url, {"file": csv_upload(BARRED_HEADER, f"{barred},张三,原因,来源")})
    for path in staged_files(media):
        os.utime(path, (path.stat().st_atime, path.stat().st_mtime - 2 * 86400))
    second = client.post(url, {"file": csv_upload(BARRED_HEADER, f"{barred},张三,原因,来源")})
    assert client.get(first["Location"]).status_code == 404
    assert client.get(second["Location"]).status_code == 200
    assert len(staged_files(media)) == 2  # the second upload and its description
