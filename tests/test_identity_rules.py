import datetime as dt

from edugov.registry.rules.identity import (
    id_number_error,
    id_number_mismatch,
    sex_of,
    student_no_error,
    with_check_digit,
)


def test_standard_examples_valid():
    # GB 11643-1999 worked examples (policy-rules.md §9.1).
    assert id_number_error("11010519491231002X") is None
    assert id_number_error("440524188001010014") is None


def test_errors_in_chinese():
    assert id_number_error("110105194912310021") == "身份证号校验码错误"
    assert id_number_error("1101051949") == "身份证号应为18位"
    assert id_number_error(with_check_digit("11010519491331002")) == "身份证号中的出生日期无效"
    assert id_number_error(with_check_digit("99010519491231002")) == "身份证号地址码无效"


def test_sex_and_birth_consistency():
    number = "11010519491231002X"
    assert sex_of(number) == "F"
    assert id_number_mismatch(number, sex="F", birth_date=dt.date(1949, 12, 31)) is None
    assert id_number_mismatch(number, sex="M", birth_date=None) == "性别与身份证号不一致"
    assert id_number_mismatch(number, sex="F", birth_date=dt.date(1950, 1, 1)) == (
        "出生日期与身份证号不一致")


def test_student_numbers():
    assert student_no_error("G11010519491231002X") is None
    assert student_no_error("G110105194912310021") == "G字头学籍号应为G加有效身份证号"
    assert student_no_error("J" + with_check_digit("33010220150101001")) is None
    assert student_no_error("L330102201501010012") is None
    assert student_no_error("X330102201501010012") == "学籍号应以G、J或L开头"
    assert student_no_error("G123") == "学籍号应为19位"
