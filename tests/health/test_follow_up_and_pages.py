"""The follow-up workflow and the health pages: scoping, masking, the upload, letters."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from edugov.enrollment.models import Guardian
from edugov.health import selectors, services
from edugov.health.models import FitnessResult, FollowUp
from edugov.workflow.definitions import WorkflowError
from edugov.workflow.selectors import history_of
from tests.health.conftest import (
    FITNESS_HEADERS,
    VISION_HEADERS,
    failing_row,
    grade3_row,
    myopic_row,
    write_csv,
)


@pytest.fixture
def follow_up(health_world, tmp_path):
    hw = health_world
    services.import_fitness(actor=None, path=write_csv(
        tmp_path / "f.csv", FITNESS_HEADERS, [failing_row(hw.pupils[0]),
                                              grade3_row(hw.pupils[1])]),
        school=hw.base.school_a, year=hw.base.year)
    return FollowUp.objects.get()


def test_follow_up_moves_notified_retested_referred_closed(follow_up, personas):
    services.move_follow_up(actor=personas.school_admin_a, item=follow_up, transition="retest")
    services.move_follow_up(actor=personas.school_admin_a, item=follow_up, transition="refer")
    services.move_follow_up(actor=personas.school_admin_a, item=follow_up, transition="close")
    assert [c.to_state for c in history_of(follow_up)] == [
        "notified", "retested", "referred", "closed"]
    with pytest.raises(WorkflowError, match="需要填写理由"):
        other = FollowUp.objects.create(student=follow_up.student,
                                        academic_year=follow_up.academic_year,
                                        institution=follow_up.institution, reason="myopia",
                                        state="notified")
        services.move_follow_up(actor=personas.school_admin_a, item=other,
                                transition="close_early")


def test_bureau_cannot_move_and_teachers_see_only_their_classes(follow_up, personas, world):
    with pytest.raises(WorkflowError, match="您的角色不能执行"):
        services.move_follow_up(actor=personas.county_a, item=follow_up, transition="retest")
    teacher = personas.teacher_a
    assert not selectors.follow_ups_for(teacher).exists()  # not a head teacher yet
    teacher.staff = world.staff_a
    teacher.save()
    world.class_a.head_teacher = world.staff_a
    world.class_a.save()
    assert list(selectors.follow_ups_for(teacher)) == [follow_up]
    assert list(selectors.follow_ups_for(personas.school_admin_a)) == [follow_up]
    assert not selectors.follow_ups_for(personas.county_b).exists()


def login(client, user):
    client.force_login(user)
    return client


def test_school_uploads_through_the_page(health_world, personas, client, tmp_path):
    hw = health_world
    path = write_csv(tmp_path / "v.csv", VISION_HEADERS, [myopic_row(hw.pupils[0])])
    login(client, personas.school_admin_a)
    response = client.post(reverse("health:office"), {
        "school": hw.base.school_a.pk, "kind": "vision", "year": 2025,
        "file": SimpleUploadedFile("筛查.csv", path.read_bytes())})
    assert response.status_code == 200
    assert "已导入1人" in response.content.decode()
    bad = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0], 年级="4")])
    response = client.post(reverse("health:office"), {
        "school": hw.base.school_a.pk, "kind": "fitness", "year": 2025,
        "file": SimpleUploadedFile("f.csv", bad.read_bytes())})
    page = response.content.decode()
    assert "未写入任何数据" in page and "年级与学籍不符" in page
    assert not FitnessResult.objects.exists()


def test_pages_are_scoped_and_mask_student_numbers(follow_up, personas, client):
    student = follow_up.student
    login(client, personas.school_admin_a)
    results = client.get(reverse("health:results")).content.decode()
    assert student.name in results and student.student_no not in results
    assert student.student_no[:7] in results  # masked: region code kept
    assert client.get(reverse("health:follow_ups")).status_code == 200
    letter = client.get(reverse("health:parent_letter", args=[student.pk])).content.decode()
    assert "不及格" in letter and "补测" in letter
    client.logout()
    login(client, personas.county_b)
    assert client.get(reverse("health:student_report", args=[student.pk])).status_code == 404
    dashboard = client.get(reverse("health:dashboard")).content.decode()
    assert "西城中心小学" in dashboard and "东城实验小学" not in dashboard
    client.logout()
    login(client, personas.city_bureau)
    dashboard = client.get(reverse("health:dashboard")).content.decode()
    assert "东城区" in dashboard and "西城县" in dashboard


def test_parent_sees_their_child_only(follow_up, personas, client, health_world):
    student = follow_up.student
    Guardian.objects.create(user=personas.parent, child_id_number=student.id_number,
                            child_name=student.name, child_sex=student.sex,
                            child_birth_date=student.birth_date)
    login(client, personas.parent)
    page = client.get(reverse("health:my_children")).content.decode()
    assert student.name in page and "不及格" in page
    assert client.get(reverse("health:student_report", args=[student.pk])).status_code == 200
    other = health_world.pupils[1]
    assert client.get(reverse("health:student_report", args=[other.pk])).status_code == 404
    assert client.get(reverse("health:results")).status_code == 403
