"""`edugov import …` and `edugov export …`: exit codes, messages, error workbooks, audit."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from edugov.cli import main as edugov
from edugov.core.models import AuditLog
from edugov.imports.workbooks import BAD_FILL
from edugov.registry.models import Student
from tests.imports.conftest import STUDENT_HEADERS, write_xlsx


def run(*args: str) -> tuple[int, str]:
    """Run a command in-process; (exit status, stdout)."""
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_all_valid_exits_0_and_reports_counts(students_xlsx, student_row):
    code, out = run("import", "students", str(students_xlsx([student_row(), student_row()])))
    assert code == 0
    assert out.splitlines()[0] == "valid=2 invalid=0"
    assert "created=2 updated=0 unchanged=0" in out


def test_some_invalid_exits_1_with_summary_and_first_errors(students_xlsx, student_row):
    path = students_xlsx([student_row(), student_row(sex="女")])
    code, out = run("import", "students", str(path))
    assert code == 1
    assert out.splitlines()[0] == "valid=1 invalid=1"
    assert "第3行 C列「性别」：性别与身份证号不一致" in out
    assert "未写入任何数据" in out
    assert Student.objects.count() == 2  # the world's two


def test_skip_invalid_imports_the_rest_and_still_exits_1(students_xlsx, student_row):
    good = student_row()
    code, out = run("import", "students", str(students_xlsx([good, student_row(sex="女")])),
                    "--skip-invalid")
    assert code == 1 and "created=1" in out
    assert Student.objects.filter(student_no=good[0]).exists()


def test_dry_run_says_so_and_writes_nothing(students_xlsx, student_row):
    code, out = run("import", "students", str(students_xlsx([student_row()])), "--dry-run")
    assert code == 0 and "试运行，未写入任何数据；将会：created=1" in out
    assert Student.objects.count() == 2


def test_unusable_input_exits_2_from_the_command_line(tmp_path, world, capsys):
    with pytest.raises(SystemExit) as exited:
        edugov(["import", "students", str(tmp_path / "nope.xlsx")])
    assert exited.value.code == 2
    assert "文件不存在" in capsys.readouterr().err


def test_wrong_headers_exit_2_naming_them(tmp_path, student_row, world):
    headers = [h if h != "户籍类型" else "户口" for h in STUDENT_HEADERS]
    path = write_xlsx(tmp_path / "h.xlsx", headers, [student_row()])
    with pytest.raises(CommandError) as caught:
        call_command("import", "students", str(path), stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert "缺少列：户籍类型" in str(caught.value) and "无法识别的列：户口" in str(caught.value)


def test_user_option_applies_their_jurisdiction(students_xlsx, student_row, world, personas):
    path = students_xlsx([student_row(institution_code=world.school_b.code)])
    code, out = run("import", "students", str(path), "--user", personas.county_a.username)
    assert code == 1 and "学校标识码不存在或不在管辖范围内" in out
    assert run("import", "students", str(path), "--user", personas.county_b.username)[0] == 0
    log = AuditLog.objects.get(action="import")
    assert log.user == personas.county_b and log.details["via"] == "cli"


@pytest.mark.parametrize("username", ["teacher_a", "nobody"])
def test_user_without_rights_or_unknown_exits_2(students_xlsx, student_row, personas, username):
    with pytest.raises(CommandError) as caught:
        call_command("import", "students", str(students_xlsx([student_row()])),
                     "--user", username, stdout=io.StringIO())
    assert caught.value.returncode == 2


def test_errors_workbook_marks_bad_cells(students_xlsx, student_row, tmp_path):
    path = students_xlsx([student_row(), student_row(sex="女"),
                          student_row(name="", institution_code="3199999999")])
    out = tmp_path / "errors.xlsx"
    code, text = run("import", "students", str(path), "--errors", str(out))
    assert code == 1 and "无效行（2行）已写入" in text
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]] == [*STUDENT_HEADERS, "错误原因"]
    assert sheet.max_row == 3  # header + the two bad rows
    sex = sheet["C2"]
    assert sex.fill.fgColor.rgb.endswith(BAD_FILL.lstrip("#"))
    assert sex.comment.text == "性别与身份证号不一致"
    assert sheet["B2"].comment is None
    assert sheet["B3"].comment.text == "必填项为空"
    assert sheet["F3"].comment.text == "学校标识码不存在或不在管辖范围内"
    assert sheet["M2"].value == "第3行 C列「性别」：性别与身份证号不一致"
    assert "第4行 B列「姓名」" in sheet["M3"].value


def test_errors_csv(students_xlsx, student_row, tmp_path):
    out = tmp_path / "errors.csv"
    run("import", "students", str(students_xlsx([student_row(sex="女")])), "--errors", str(out))
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][-1] == "错误原因" and rows[1][-1].startswith("第2行 C列「性别」")


def test_fixed_error_workbook_can_be_uploaded_again(students_xlsx, student_row, tmp_path):
    out = tmp_path / "errors.xlsx"
    run("import", "students", str(students_xlsx([student_row(sex="女")])), "--errors", str(out))
    book = openpyxl.load_workbook(out)
    book.active["C2"] = "男"
    book.save(out)
    assert run("import", "students", str(out))[0] == 0


@pytest.mark.parametrize("entity", ["students", "staff", "classes", "institutions"])
def test_template_command(tmp_path, entity, db):
    out = tmp_path / f"{entity}.xlsx"
    assert run("import", "template", entity, str(out))[0] == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[1] == "说明"
    headers = [c.value for c in book.worksheets[0][1]]
    if entity == "students":
        assert headers == ["学籍号", "姓名", "性别", "出生日期", "身份证号", "学校标识码", "年级",
                           "班级", "户籍类型", "户籍所在地代码", "现住址", "入学日期"]
    assert all(headers)


def test_empty_template_imports_cleanly(tmp_path, world):
    out = tmp_path / "students.xlsx"
    run("import", "template", "students", str(out))
    code, text = run("import", "students", str(out))
    assert code == 0 and text.startswith("valid=0 invalid=0")


def export_rows(path):  # type: ignore[no-untyped-def]
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_export_is_scoped_masked_and_audited(tmp_path, world, personas):
    out = tmp_path / "s.csv"
    code, text = run("export", "students", "--format", "csv", "--out", str(out),
                     "--user", personas.county_a.username)
    assert code == 0 and "已导出1行" in text
    header, *rows = export_rows(out)
    assert header == STUDENT_HEADERS
    [row] = rows
    student = world.student_a
    assert row[1] == student.name and row[5] == world.school_a.code
    assert row[4] != student.id_number and row[4].startswith(student.id_number[:6])
    assert "*" in row[4] and "*" in row[0] and "*" in row[10]
    log = AuditLog.objects.get(action="export")
    assert log.user == personas.county_a
    assert log.details == {"rows": 1, "unmasked": False, "format": "csv", "via": "cli",
                           "personal": True}


def test_unmasked_export_for_a_role_that_may(tmp_path, world, personas):
    out = tmp_path / "s.csv"
    run("export", "students", "--format", "csv", "--out", str(out),
        "--user", personas.county_b.username, "--unmasked")
    [_header, row] = export_rows(out)
    assert row[4] == world.student_b.id_number and row[0] == world.student_b.student_no
    assert AuditLog.objects.get(action="export").details["unmasked"] is True


def test_export_refused_to_teacher(tmp_path, personas):
    with pytest.raises(CommandError) as caught:
        call_command("export", "students", "--out", str(tmp_path / "x.xlsx"),
                     "--user", personas.teacher_a.username, stdout=io.StringIO())
    assert caught.value.returncode == 2


def test_operator_export_sees_everything(tmp_path, world):
    out = tmp_path / "staff.xlsx"
    assert run("export", "staff", "--out", str(out))[0] == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row == 3
    log = AuditLog.objects.get(action="export")
    assert log.user is None and log.details["via"] == "cli"


def test_progress_bar_follows_the_pipeline():
    from importlib import import_module

    stream = io.StringIO()
    progress_bar = import_module("edugov.imports.management.commands.import").ProgressBar
    with progress_bar(disable=False, file=stream) as progress:
        progress(5000, 12000)
        progress(12000, 12000)
    assert "12000/12000" in stream.getvalue()


def test_unknown_year_exits_2(students_xlsx, student_row):
    with pytest.raises(CommandError) as caught:
        call_command("import", "students", str(students_xlsx([student_row()])),
                     "--year", "2031", stdout=io.StringIO())
    assert caught.value.returncode == 2 and "2031–2032学年不存在" in str(caught.value)
