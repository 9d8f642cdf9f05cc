"""The health REST API: scoped lists, the report card, rates with trends, rankings,
follow-up steps and file imports, in the project's page and error shapes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from edugov.core.models import AuditLog
from edugov.enrollment.models import Guardian
from edugov.health.models import FitnessResult, FollowUp, VisionScreening
from edugov.workflow.selectors import history_of
from tests.api.conftest import session_client, token_client
from tests.health.conftest import (
    FITNESS_HEADERS,
    VISION_HEADERS,
    failing_row,
    grade3_row,
    myopic_row,
    write_csv,
)

V1 = "/api/v1/health"


def error_of(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]


# -- lists ---------------------------------------------------------------------------------


def test_results_are_scoped_filtered_paginated_and_masked(imported, personas):
    client = session_client(personas.county_a)
    page = client.get(f"{V1}/fitness-results?year=2025&page_size=3").json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (7, 1, 3, 3)
    failing = client.get(f"{V1}/fitness-results?year=2025&level=fail").json()["items"]
    pupil = imported.pupils[5]
    assert [r["student"]["id"] for r in failing] == [pupil.pk]
    row = failing[0]
    assert row["student"]["student_no"] != pupil.student_no
    assert row["student"]["student_no"][:7] == pupil.student_no[:7]  # masked, region kept
    assert (row["institution"]["code"], row["year"], row["grade_label"], row["level_label"]) == (
        "3198010101", 2025, "三年级", "不及格")
    assert {i["name"] for i in row["items"]} >= {"BMI", "肺活量", "1分钟跳绳"}
    assert row["total"] < 60 and row["retested"] is False
    assert client.get(f"{V1}/fitness-results?year=2024&grade=2").json()["count"] == 7
    assert client.get(f"{V1}/fitness-results?school=3198010201").json()["count"] == 0
    assert session_client(personas.county_b).get(f"{V1}/fitness-results").json()["count"] == 0


def test_screenings_filter_by_myopia(imported, personas):
    client = token_client(personas.school_admin_a)
    myopic = client.get(f"{V1}/vision-screenings?year=2025&myopia=true").json()
    assert myopic["count"] == 3
    high = [s for s in myopic["items"] if s["high_myopia"]]
    assert len(high) == 1 and high[0]["myopia_severity_label"] == "高度"
    assert high[0]["new_myopia"] is True


def test_parents_and_operators_are_refused_the_lists_in_chinese(imported, personas):
    for persona in ("parent", "tutoring_operator"):
        client = session_client(getattr(personas, persona))
        for path in ("fitness-results", "vision-screenings", "follow-ups", "rates/fitness"):
            error = error_of(client.get(f"{V1}/{path}"), 403)
            assert error["message"] == "您的角色不能查看学生健康数据"


# -- the report card -----------------------------------------------------------------------


def test_parent_sees_their_own_childs_report_only(imported, personas):
    child, other = imported.pupils[0], imported.pupils[1]
    Guardian.objects.create(user=personas.parent, child_id_number=child.id_number,
                            child_name=child.name, child_sex=child.sex,
                            child_birth_date=child.birth_date)
    client = session_client(personas.parent)
    card = client.get(f"{V1}/students/{child.pk}/report").json()
    assert card["student"]["name"] == child.name
    assert card["fitness"]["year"] == 2025 and card["previous_total"] is not None
    assert card["total_change"] == pytest.approx(card["fitness"]["total"]
                                                 - card["previous_total"])
    assert card["vision"]["myopia"] is True and card["advice_needed"] is True
    rope = next(line for line in card["lines"] if line["name"] == "1分钟跳绳")
    assert rope["result"] == "120次" and rope["change"] is not None
    last_year = client.get(f"{V1}/students/{child.pk}/report?year=2024").json()
    assert last_year["fitness"]["year"] == 2024 and last_year["previous_total"] is None
    error_of(client.get(f"{V1}/students/{other.pk}/report"), 404)
    error_of(session_client(personas.county_b).get(f"{V1}/students/{child.pk}/report"), 404)


# -- rates and rankings --------------------------------------------------------------------


def test_fitness_rates_by_grade_and_sex_with_trend(imported, personas):
    client = session_client(personas.county_a)
    body = client.get(f"{V1}/rates/fitness?school=3198010101&year=2025&trend_years=2").json()
    assert body["unit"] == {"type": "school", "code": "3198010101", "name": "东城实验小学"}
    assert body["years"] == [2024, 2025]
    rows = {r["year"]: r for r in body["rows"]}
    now = rows[2025]
    assert (now["enrolled"], now["tested"], now["passed"]) == (7, 6, 5)
    assert now["test_rate"] == pytest.approx(100 * 6 / 7)
    assert now["pass_rate"] == pytest.approx(100 * 5 / 6)
    assert rows[2024]["pass_rate"] == pytest.approx(100.0)
    split = client.get(f"{V1}/rates/fitness?region=980101&by=grade&by=sex").json()
    assert split["unit"]["type"] == "region" and split["years"] == [2023, 2024, 2025]
    keys = {(r["year"], r["grade_label"], r["sex_label"]) for r in split["rows"]}
    assert (2025, "三年级", "男") in keys or (2025, "三年级", "女") in keys
    assert sum(r["tested"] for r in split["rows"] if r["year"] == 2025) == 6


def test_vision_rates_and_their_refusals(imported, personas):
    client = session_client(personas.school_admin_a)
    body = client.get(f"{V1}/rates/vision?year=2025&trend_years=1").json()
    assert body["unit"]["type"] == "jurisdiction"
    (row,) = body["rows"]
    assert (row["screened"], row["myopic"], row["high_myopia"], row["at_risk"]) == (6, 3, 1, 5)
    assert row["myopia_rate"] == pytest.approx(50.0)
    assert row["new_myopia_rate"] == pytest.approx(40.0)
    error_of(client.get(f"{V1}/rates/vision?school=3198010201"), 404)
    error_of(session_client(personas.county_a).get(f"{V1}/rates/vision?region=980102"), 404)
    both = error_of(client.get(f"{V1}/rates/vision?region=980101&school=3198010101"), 422)
    assert both["details"][0]["field"] == "school"


def test_rankings_for_bureaus_with_trend(imported, personas):
    city = session_client(personas.city_bureau)
    body = city.get(f"{V1}/rankings/pass_rate?year=2025").json()
    assert (body["level"], body["higher_is_better"], body["rate_label"]) == (
        "county", True, "合格率")
    east, west = body["items"]
    assert (east["name"], east["rank"], east["base"]) == ("东城区", 1, 6)
    assert east["value"] == pytest.approx(100 * 5 / 6)
    assert [p["year"] for p in east["trend"]] == [2023, 2024, 2025]
    assert east["trend"][1]["value"] == pytest.approx(100.0) and east["trend"][0]["value"] is None
    assert (west["name"], west["rank"], west["value"]) == ("西城县", None, None)  # none tested
    county = session_client(personas.county_a).get(f"{V1}/rankings/myopia_rate").json()
    assert county["level"] == "school" and county["higher_is_better"] is False
    assert [i["code"] for i in county["items"]] == ["3198010101"]
    assert county["items"][0]["value"] == pytest.approx(50.0)
    schools = city.get(f"{V1}/rankings/mean_total?level=school&region=980101").json()
    assert schools["region"] == {"code": "980101", "name": "东城区"}
    assert [i["code"] for i in schools["items"]] == ["3198010101"]
    error = error_of(session_client(personas.school_admin_a).get(f"{V1}/rankings/pass_rate"), 403)
    assert error["message"] == "仅市、县教育局可查看排名"
    error_of(session_client(personas.county_a).get(f"{V1}/rankings/pass_rate?region=980102"),
             404)
    error_of(city.get(f"{V1}/rankings/bmi"), 422)


# -- follow-ups ----------------------------------------------------------------------------


def test_follow_ups_list_and_move_through_the_workflow(imported, personas):
    client = session_client(personas.school_admin_a)
    listed = client.get(f"{V1}/follow-ups?state=open&reason=fitness").json()
    (item,) = listed["items"]
    assert item["student"]["id"] == imported.pupils[5].pk and item["state"] == "notified"
    assert {a["name"] for a in item["actions"]} == {"retest", "refer", "close_early"}
    moved = client.post(f"{V1}/follow-ups/{item['id']}/transition",
                        {"transition": "retest"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["state_label"] == "已复测"
    follow_up = FollowUp.objects.get(pk=item["id"])
    assert [c.to_state for c in history_of(follow_up)] == ["notified", "retested"]
    assert AuditLog.objects.filter(entity="health.followup", object_id=str(item["id"])).exists()
    wrong = error_of(client.post(f"{V1}/follow-ups/{item['id']}/transition",
                                 {"transition": "close_early"},
                                 content_type="application/json"), 422)
    assert wrong["details"][0]["field"] == "transition"
    bureau = error_of(session_client(personas.county_a).post(
        f"{V1}/follow-ups/{item['id']}/transition", {"transition": "close"},
        content_type="application/json"), 403)
    assert bureau["message"] == "您的角色不能执行“结案”"
    error_of(session_client(personas.county_b).post(
        f"{V1}/follow-ups/{item['id']}/transition", {"transition": "close"},
        content_type="application/json"), 404)
    assert client.get(f"{V1}/follow-ups?state=retested").json()["count"] == 1


# -- imports -------------------------------------------------------------------------------


def upload(client, path, *, kind="fitness", school="3198010101", query=""):
    with open(path, "rb") as handle:
        return client.post(f"{V1}/schools/{school}/imports/{kind}?year=2025{query}",
                           {"file": SimpleUploadedFile(path.name, handle.read())})


def test_import_writes_or_refuses_with_row_errors(health_world, personas, tmp_path):
    hw = health_world
    client = token_client(personas.school_admin_a)
    good = write_csv(tmp_path / "f.csv", FITNESS_HEADERS,
                     [grade3_row(hw.pupils[0]), failing_row(hw.pupils[1])])
    body = upload(client, good).json()
    assert (body["written"], body["follow_ups"], body["errors"]) == (2, 1, [])
    assert body["levels"]["fail"] == 1 and body["institution"]["code"] == "3198010101"
    bad = write_csv(tmp_path / "bad.csv", FITNESS_HEADERS,
                    [grade3_row(hw.pupils[2]), grade3_row(hw.pupils[3], 年级="4")])
    refused = error_of(upload(client, bad), 422)
    assert (refused["code"], refused["message"]) == ("rows_refused", "1行数据有误，未写入任何数据")
    assert refused["details"] == [{"row": 3, "letter": "B", "column": "年级",
                                   "message": "年级与学籍不符（学籍为三年级）"}]
    assert FitnessResult.objects.count() == 2
    dry = upload(client, bad, query="&dry_run=true").json()
    assert dry["dry_run"] is True and dry["written"] == 0 and dry["error_count"] == 1
    skipped = upload(client, bad, query="&skip_invalid=true").json()
    assert (skipped["written"], skipped["refused_rows"]) == (1, 1)


def test_import_vision_and_unusable_requests(health_world, personas, tmp_path):
    hw = health_world
    client = session_client(personas.county_a)
    screening = write_csv(tmp_path / "v.csv", VISION_HEADERS, [myopic_row(hw.pupils[0])])
    body = upload(client, screening, kind="vision").json()
    assert (body["kind"], body["written"], body["follow_ups"]) == ("vision", 1, 1)
    assert VisionScreening.objects.get().myopia
    columns = write_csv(tmp_path / "c.csv", ["学籍号", "年级"], [{"学籍号": "G1", "年级": "3"}])
    unusable = error_of(upload(client, columns), 422)
    assert unusable["details"][0]["message"].startswith("缺少必需的列")
    error_of(upload(client, screening, kind="vision", query="&retest=true"), 422)
    text = tmp_path / "notes.txt"
    text.write_text("x")
    assert "仅支持" in error_of(upload(client, text), 422)["details"][0]["message"]
    no_file = error_of(client.post(f"{V1}/schools/3198010101/imports/fitness"), 422)
    assert no_file["details"][0]["field"] == "file"
    error_of(upload(client, screening, kind="vision", school="3198010201"), 404)
    teacher = error_of(upload(session_client(personas.teacher_a), screening, kind="vision"), 403)
    assert teacher["message"] == "您的角色不能导入体质健康数据"


def test_a_later_retest_file_through_the_api(health_world, personas, tmp_path):
    hw = health_world
    client = session_client(personas.school_admin_a)
    upload(client, write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [failing_row(hw.pupils[0])]))
    first = FitnessResult.objects.get().total
    retest = write_csv(tmp_path / "r.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    body = upload(client, retest, query="&retest=true").json()
    assert (body["retest"], body["written"]) == (True, 1)
    result = FitnessResult.objects.get()
    assert result.retested and result.first_total == first and result.total >= 60
    again = error_of(upload(client, retest, query="&retest=true"), 422)
    assert again["details"][0]["message"] == "该生本学年已补测一次，每学年仅可补测一次"
