"""edugov health score-fitness: a school's file in, a scored file out, no database."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from edugov.health.rules.fitness_table import ITEM_COLUMNS

HEADER = ["学籍号", "年级", "性别", "身高(cm)", "体重(kg)", *ITEM_COLUMNS.values()]


def _row(student: str, grade: str, sex: str, height: str, weight: str, **items: str) -> list[str]:
    return [student, grade, sex, height, weight, *(items.get(code, "") for code in ITEM_COLUMNS)]


GOOD_BOY = _row("G1", "初二", "男", "100", "19", vital_capacity="3200", run_50m="8.3",
                sit_and_reach="9.0", standing_long_jump="210", pull_up="16",
                run_1000m_male="3'40\"")
GOOD_GIRL = _row("G2", "三年级", "女", "130", "28", vital_capacity="1500", run_50m="10.5",
                 sit_and_reach="15", rope_skipping_1min="120", sit_up_1min="30")


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER,
           encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(*args: str) -> tuple[int, str]:
    try:
        call_command("health", "score-fitness", *args)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, ""


def _out(path: Path) -> list[dict[str, str]]:
    return pd.read_csv(path, dtype=str, keep_default_na=False,
                       encoding="utf-8-sig").to_dict("records")


def test_scores_a_clean_file(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.csv", [GOOD_BOY, GOOD_GIRL])
    code, _ = _run(str(source), "--out", str(tmp_path / "out.csv"))
    assert code == 0
    boy, girl = _out(tmp_path / "out.csv")
    assert (boy["BMI"], boy["BMI得分"], boy["肺活量得分"], boy["引体向上得分"]) == (
        "19.0", "100", "80", "100")
    assert (boy["标准分"], boy["附加分"], boy["总分"], boy["等级"]) == ("87.8", "4", "91.8", "优秀")
    assert boy["1分钟跳绳得分"] == ""  # not an item of 初二
    assert girl["等级"] in {"优秀", "良好", "及格", "不及格"}


@pytest.mark.parametrize("written", ["3'40\"", "3:40", "3.40", "3.4", "220", "3分40秒",
                                     "3′40″"])
def test_long_run_time_formats(tmp_path: Path, written: str) -> None:
    boy = list(GOOD_BOY)
    boy[HEADER.index("1000米跑")] = written
    code, _ = _run(str(_write(tmp_path / "in.csv", [boy])), "--out", str(tmp_path / "o.csv"))
    assert code == 0
    assert _out(tmp_path / "o.csv")[0]["1000米跑得分"] == "100"


def test_bad_rows_are_listed_with_row_column_and_reason(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    bad_time = list(GOOD_BOY)
    bad_time[0], bad_time[HEADER.index("1000米跑")] = "G3", "3.75"
    impossible = list(GOOD_GIRL)
    impossible[0], impossible[HEADER.index("身高(cm)")] = "G4", "13"
    missing_item = list(GOOD_GIRL)
    missing_item[0], missing_item[HEADER.index("1分钟仰卧起坐")] = "G5", ""
    bad_grade = list(GOOD_GIRL)
    bad_grade[0], bad_grade[HEADER.index("年级")] = "G6", "十三年级"
    duplicate = list(GOOD_BOY)
    source = _write(tmp_path / "in.csv",
                    [GOOD_BOY, bad_time, impossible, missing_item, bad_grade, duplicate])
    code, message = _run(str(source), "--out", str(tmp_path / "out.csv"),
                         "--errors", str(tmp_path / "errors.csv"))
    assert code == 1
    assert "5行" in message
    stderr = capsys.readouterr().err
    assert "第3行「1000米跑」：时间格式无法识别" in stderr
    assert "第4行「身高(cm)」：数值超出合理范围" in stderr
    assert "第5行「1分钟仰卧起坐」：本年级必测项目未填写" in stderr
    assert "第6行「年级」：年级无法识别" in stderr
    assert "第7行「学籍号」：学籍号重复" in stderr
    rows = _out(tmp_path / "out.csv")
    assert rows[0]["总分"] == "91.8"
    assert all(r["总分"] == "" for r in rows[1:])
    errors = pd.read_csv(tmp_path / "errors.csv", encoding="utf-8-sig")
    assert errors["行号"].tolist() == [3, 4, 5, 6, 7]


def test_exemption_with_reason(tmp_path: Path) -> None:
    exempt = [*_row("G7", "高一", "女", "160", "50"), "心脏病"]
    source = _write(tmp_path / "in.csv", [exempt], header=[*HEADER, "免测原因"])
    code, _ = _run(str(source), "--out", str(tmp_path / "out.csv"))
    assert code == 0
    row = _out(tmp_path / "out.csv")[0]
    assert (row["等级"], row["总分"], row["BMI得分"]) == ("免测", "", "")


def test_one_retest_after_a_failing_result(tmp_path: Path) -> None:
    weak = _row("G8", "高三", "女", "162", "52", vital_capacity="1900", run_50m="10.6",
                sit_and_reach="4", sit_up_1min="20", standing_long_jump="140",
                run_800m_female="4.50")
    better = _row("G8", "高三", "女", "162", "52", vital_capacity="2900", run_50m="8.5",
                  sit_and_reach="12", sit_up_1min="45", standing_long_jump="180",
                  run_800m_female="3.40")
    header = [*HEADER, "补测"]
    source = _write(tmp_path / "in.csv", [[*weak, ""], [*better, "是"]], header=header)
    code, _ = _run(str(source), "--out", str(tmp_path / "out.csv"))
    assert code == 0
    first, retest = _out(tmp_path / "out.csv")
    assert first["等级"] == "不及格"
    assert first["学年总分"] == retest["学年总分"] == retest["总分"]
    assert retest["学年等级"] == retest["等级"] != "不及格"
    twice = _write(tmp_path / "twice.csv", [[*weak, ""], [*better, "是"], [*better, "是"]],
                   header=header)
    assert _run(str(twice), "--out", str(tmp_path / "o2.csv"))[0] == 1
    after_pass = _write(tmp_path / "pass.csv", [[*better, ""], [*weak, "是"]], header=header)
    assert _run(str(after_pass), "--out", str(tmp_path / "o3.csv"))[0] == 1


def test_unusable_files_exit_2(tmp_path: Path) -> None:
    code, message = _run(str(tmp_path / "absent.csv"), "--out", str(tmp_path / "o.csv"))
    assert (code, "文件不存在" in message) == (2, True)
    header = [c for c in HEADER if c not in ("性别", "1000米跑")]
    row = [v for c, v in zip(HEADER, GOOD_BOY, strict=True) if c not in ("性别", "1000米跑")]
    code, message = _run(str(_write(tmp_path / "cols.csv", [row], header=header)),
                         "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "性别" in message
    code, message = _run(str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv"),
                         "--standard", "no-such-standard")
    assert code == 2


def test_item_columns_are_required_only_when_some_row_takes_the_item(tmp_path: Path) -> None:
    primary_header = [c for c in HEADER if c not in ("1000米跑", "800米跑", "引体向上")]
    girl = [v for c, v in zip(HEADER, GOOD_GIRL, strict=True) if c in primary_header]
    source = _write(tmp_path / "p.csv", [girl], header=primary_header)
    assert _run(str(source), "--out", str(tmp_path / "o.csv"))[0] == 0
    boy = [v for c, v in zip(HEADER, GOOD_BOY, strict=True) if c in primary_header]
    source = _write(tmp_path / "s.csv", [girl, boy], header=primary_header)
    code, message = _run(str(source), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert "1000米跑" in message and "引体向上" in message


def test_gbk_csv_and_xlsx_inputs(tmp_path: Path) -> None:
    gbk = _write(tmp_path / "gbk.csv", [GOOD_BOY], encoding="gb18030")
    assert _run(str(gbk), "--out", str(tmp_path / "o.csv"))[0] == 0
    assert _out(tmp_path / "o.csv")[0]["总分"] == "91.8"
    xlsx = tmp_path / "in.xlsx"
    pd.DataFrame([GOOD_BOY], columns=HEADER).to_excel(xlsx, index=False)
    assert _run(str(xlsx), "--out", str(tmp_path / "x.csv"))[0] == 0
    assert _out(tmp_path / "x.csv")[0]["总分"] == "91.8"


def test_full_width_headers(tmp_path: Path) -> None:
    header = [h.replace("(", "（").replace(")", "）") for h in HEADER]
    source = _write(tmp_path / "in.csv", [GOOD_BOY], header=header)
    assert _run(str(source), "--out", str(tmp_path / "o.csv"))[0] == 0
