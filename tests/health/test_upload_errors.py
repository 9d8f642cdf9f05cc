"""The office page's error workbook: an upload with bad rows offers the imports app's
workbook (bad rows only, bad cells red with the reason as a comment), to the uploading
session only."""

from __future__ import annotations

import io
import os
import re
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from edugov.health.models import FitnessResult
from tests.health.conftest import (
    FITNESS_HEADERS,
    VISION_HEADERS,
    grade3_row,
    vision_row,
    write_csv,
)

BAD_FILL = "FFC7CE"


def post(client, hw, path, kind="fitness", **extra):
    return client.post(reverse("health:office"), {
        "school": hw.base.school_a.pk, "kind": kind, "year": 2025,
        "file": SimpleUploadedFile(path.name, path.read_bytes()), **extra})


def workbook_link(response) -> str:
    found = re.search(r'href="(/[^"]*/errors/[0-9a-f]{32}\.xlsx)"', response.content.decode())
    assert found, "no error workbook link on the page"
    return found.group(1)


def test_bad_rows_download_as_a_workbook_with_the_bad_cells_marked(
        health_world, personas, client, media, tmp_path):
    hw = health_world
    p = hw.pupils
    rows = [grade3_row(p[0]),                                  # row 2: good
            grade3_row(p[1], 年级="4"),                         # row 3: B
            grade3_row(p[2], **{"身高（cm）": "350", "1分钟跳绳": "abc"})]  # row 4: D and I
    path = write_csv(tmp_path / "成绩.csv", FITNESS_HEADERS, rows)
    client.force_login(personas.school_admin_a)
    response = post(client, hw, path)
    assert not FitnessResult.objects.exists()
    download = client.get(workbook_link(response))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "%E5%AF%BC%E5%85%A5%E9%94%99%E8%AF%AF%E8%A1%8C.xlsx" in download[
        "Content-Disposition"]  # …导入错误行.xlsx
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    # The header, then only the two bad rows, in the file's own columns plus 错误原因.
    assert [c.value for c in sheet[1]][:3] == ["学籍号", "年级", "性别"]
    assert sheet.cell(1, sheet.max_column).value == "错误原因"
    assert sheet.max_row == 3
    assert [sheet["A2"].value, sheet["A3"].value] == [p[1].student_no, p[2].student_no]
    marked = {cell.coordinate for row in sheet.iter_rows(min_row=2, max_col=len(FITNESS_HEADERS))
              for cell in row if cell.fill.fgColor.rgb.endswith(BAD_FILL)}
    assert marked == {"B2", "D3", "I3"}
    assert sheet["B2"].comment.text == "年级与学籍不符（学籍为三年级）"
    assert sheet["I3"].comment.text == "不是数字"
    assert "数值超出合理范围" in sheet.cell(3, sheet.max_column).value
    # Named by this session only: another user, or the same user signed in afresh, gets 404.
    other = client_for(personas.county_a)
    assert other.get(workbook_link(response)).status_code == 404
    client.logout()
    client.force_login(personas.school_admin_a)
    assert client.get(workbook_link(response)).status_code == 404


def client_for(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def test_vision_errors_too_and_none_for_a_clean_file(health_world, personas, client, media,
                                                    tmp_path):
    hw = health_world
    client.force_login(personas.school_admin_a)
    bad = write_csv(tmp_path / "v.csv", VISION_HEADERS,
                    [vision_row(hw.pupils[0], 右眼裸眼视力="7.5")])
    download = client.get(workbook_link(post(client, hw, bad, kind="vision")))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet["F2"].fill.fgColor.rgb.endswith(BAD_FILL)
    clean = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0])])
    page = post(client, hw, clean).content.decode()
    assert "已导入1人" in page and "/errors/" not in page


def test_workbooks_of_ended_sessions_are_removed(health_world, personas, client, media,
                                                tmp_path, settings):
    hw = health_world
    stale = media / "health" / "errors" / "stale.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    old = time.time() - settings.SESSION_COOKIE_AGE - 60
    os.utime(stale, (old, old))
    fresh = stale.with_name("fresh.xlsx")
    fresh.write_bytes(b"new")
    client.force_login(personas.school_admin_a)
    bad = write_csv(tmp_path / "f.csv", FITNESS_HEADERS, [grade3_row(hw.pupils[0], 性别="X")])
    workbook_link(post(client, hw, bad))
    assert not stale.exists() and fresh.exists()
    assert len(list(stale.parent.iterdir())) == 2  # fresh and the new workbook
