from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from crawler.thai.dates import (
    BANGKOK,
    ThaiDate,
    academic_term,
    date_warnings,
    find_dates,
    find_times,
    fiscal_year,
    parse_date,
    parse_machine_date,
)

NOW = datetime(2024, 10, 10, 12, 0, tzinfo=BANGKOK)


def iso(text: str, now: datetime = NOW) -> str | None:
    found = parse_date(text, now=now)
    return found.iso() if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("วันอังคารที่ 19 กรกฎาคม 2559", "2016-07-19"),
        ("วันจันทร์ ที่ 3 ก.ย. 61", "2018-09-03"),
        ("เมื่อวันที่ 22 สิงหาคม 2562", "2019-08-22"),
        ("22 ส.ค. 2562", "2019-08-22"),
        ("22 ส.ค 2562", "2019-08-22"),
        ("22 สค. 62", "2019-08-22"),
        ("22 สค 62", "2019-08-22"),
        ("22ส.ค.62", "2019-08-22"),
        ("7 ก.ย. 67", "2024-09-07"),
        ("22 กรกฏาคม 2562", "2019-07-22"),
        ("22 พฤษจิกายน 2562", "2019-11-22"),
        ("3 สิงหา 2562", "2019-08-03"),
    ],
)
def test_thai_month_forms(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22 สิงหาคม พ.ศ. 2562", "2019-08-22"),
        ("22 ส.ค. พ.ศ.62", "2019-08-22"),
        ("22 ส.ค. ค.ศ. 2019", "2019-08-22"),
        ("22 ส.ค. ค.ศ. 19", "2019-08-22"),
        ("วันที่ 22 เดือนสิงหาคม พุทธศักราช 2562", "2019-08-22"),
        ("22 สิงหาคม 2019", "2019-08-22"),
        ("22/08/19", "2019-08-22"),
    ],
)
def test_era_markers_and_plausibility_decide_the_year(text, expected):
    assert iso(text) == expected


def test_thai_digits_and_source_text_is_kept():
    found = parse_date("ข่าว วันที่ ๒๒ ส.ค. ๖๒ ณ ศธ.", now=NOW)
    assert found.iso() == "2019-08-22"
    assert found.text == "วันที่ ๒๒ ส.ค. ๖๒"


def test_zero_width_spaces_do_not_break_a_date():
    assert iso("22\u200bส.ค.\u200b2562") == "2019-08-22"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22 ส.ค. 2562 เวลา 10.30 น.", "2019-08-22T10:30:00+07:00"),
        ("22 ส.ค. 62 10:30", "2019-08-22T10:30:00+07:00"),
        ("วันที่ 22 ส.ค. 62 10.30 นาฬิกา", "2019-08-22T10:30:00+07:00"),
        ("เมื่อเวลา 09.00 น. วันที่ 22 ส.ค. 2562", "2019-08-22T09:00:00+07:00"),
        ("22 Aug 2019 2:15 pm", "2019-08-22T14:15:00+07:00"),
        ("22 ส.ค. 2562 10.30", "2019-08-22"),  # a bare 10.30 may be a number, not a time
    ],
)
def test_times(text, expected):
    assert iso(text) == expected


def test_time_range_keeps_the_end():
    found = parse_date("22 สิงหาคม 2562 เวลา 14.00-16.00 น.", now=NOW)
    assert found.iso() == "2019-08-22T14:00:00+07:00"
    assert found.end == datetime(2019, 8, 22, 16, tzinfo=BANGKOK)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("7-8 กันยายน 2567", "2024-09-07", date(2024, 9, 8)),
        ("ระหว่างวันที่ 7 - 8 ก.ย. 67", "2024-09-07", date(2024, 9, 8)),
        ("30 ก.ย. - 2 ต.ค. 2567", "2024-09-30", date(2024, 10, 2)),
        ("30 ธ.ค. - 2 ม.ค. 2567", "2023-12-30", date(2024, 1, 2)),
        ("30 ธ.ค. 2566 - 2 ม.ค. 2567", "2023-12-30", date(2024, 1, 2)),
        ("Sep 7-8, 2024", "2024-09-07", date(2024, 9, 8)),
    ],
)
def test_ranges_give_the_start_and_keep_the_end(text, start, end):
    found = parse_date(text, now=NOW)
    assert (found.iso(), found.end.date()) == (start, end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22/08/2562", "2019-08-22"),
        ("2562-08-22", "2019-08-22"),
        ("22-08-2019", "2019-08-22"),
        ("22.08.2562", "2019-08-22"),
        ("8/22/2019", "2019-08-22"),
        ("22/8/62", "2019-08-22"),
    ],
)
def test_numeric_forms(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize("text", ["10.30.45", "02-123-4567", "เลขที่ 1/2/3", "5 พยาบาล", "ปี 2562"])
def test_things_that_are_not_dates(text):
    assert parse_date(text, now=NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22 August 2019", "2019-08-22"),
        ("August 22, 2019", "2019-08-22"),
        ("Thursday, 22 August 2019", "2019-08-22"),
        ("22nd of August 2019", "2019-08-22"),
        ("Sept. 7, 2019", "2019-09-07"),
    ],
)
def test_english_forms(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-08-22T10:30:00+07:00", "2019-08-22T10:30:00+07:00"),
        ("2019-08-22T10:30:00", "2019-08-22T10:30:00+07:00"),
        ("2019-08-22T20:30:00Z", "2019-08-23T03:30:00+07:00"),
        ("2019-08-22T10:30:00.123+0700", "2019-08-22T10:30:00+07:00"),
    ],
)
def test_iso_strings_in_text(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 ชั่วโมงที่แล้ว", "2024-10-10T10:00:00+07:00"),
        ("15 นาทีที่แล้ว", "2024-10-10T11:45:00+07:00"),
        ("3 วันที่แล้ว", "2024-10-07"),
        ("1 สัปดาห์ที่แล้ว", "2024-10-03"),
        ("2 เดือนที่แล้ว", "2024-08-10"),
        ("เมื่อวานนี้", "2024-10-09"),
        ("เมื่อวาน 14.30 น.", "2024-10-09T14:30:00+07:00"),
        ("เมื่อวานซืน", "2024-10-08"),
        ("วันนี้", "2024-10-10"),
        ("เมื่อสักครู่", "2024-10-10T12:00:00+07:00"),
        ("3 hours ago", "2024-10-10T09:00:00+07:00"),
    ],
)
def test_relative_forms_resolve_against_now(text, expected):
    assert iso(text) == expected


def test_a_relative_word_glossed_by_a_bracketed_date_is_one_expression():
    # The bracket says which day วันนี้ meant; find_dates used to return both days.
    text = "วันนี้ (22 ก.ย.) รัฐมนตรีกล่าว"
    assert iso(text) == "2024-09-22"
    found = find_dates(text, now=NOW)
    assert [d.iso() for d in found] == ["2024-09-22"] and found[0].text == "วันนี้ (22 ก.ย.)"
    apart = "วันนี้ รัฐมนตรีกล่าวถึงวันที่ 22 ก.ย."
    assert [d.iso() for d in find_dates(apart, now=NOW)] == ["2024-10-10", "2024-09-22"]


def test_a_date_without_year_takes_the_latest_plausible_year():
    assert iso("วันที่ 22 ส.ค.") == "2024-08-22"
    assert iso("วันที่ 22 ธ.ค.", now=datetime(2025, 1, 3, tzinfo=BANGKOK)) == "2024-12-22"


def test_results_are_bangkok_aware():
    found = parse_date("22 ส.ค. 2562", now=NOW)
    assert found.start.tzinfo is BANGKOK and found.start.utcoffset() == timedelta(hours=7)
    assert found.date() == date(2019, 8, 22) and not found.has_time


@pytest.mark.parametrize("text", ["22 สิงหาคม 2480", "22 ส.ค. 2600", "1 ม.ค. 2568", "22/08/2530"])
def test_implausible_dates_are_rejected_and_counted(text):
    stats = Counter()
    assert parse_date(text, now=NOW, stats=stats) is None
    assert stats["dates/implausible"] == 1


def test_tomorrow_is_within_tolerance_but_not_beyond():
    assert iso("11 ต.ค. 2567") == "2024-10-11"
    assert iso("11 ต.ค. 2567", now=NOW - timedelta(days=2)) is None
    assert parse_date("11 ต.ค. 2567", now=NOW - timedelta(days=2), tolerance=timedelta(3))


def test_next_candidate_is_tried_after_an_implausible_one():
    stats = Counter()
    found = parse_date("ก่อตั้ง 1 ม.ค. 2480 จัดงาน 22 ส.ค. 2562", now=NOW, stats=stats)
    assert found.iso() == "2019-08-22" and stats["dates/implausible"] == 1


def test_invalid_calendar_dates_are_skipped():
    stats = Counter()
    assert parse_date("31 ก.พ. 2562", now=NOW, stats=stats) is None
    assert stats["dates/invalid"] == 1


def test_weekday_mismatch_is_flagged_and_counted():
    stats = Counter()
    found = parse_date("วันจันทร์ที่ 22 สิงหาคม 2562", now=NOW, stats=stats)
    assert found.iso() == "2019-08-22" and found.weekday_mismatch
    assert stats["dates/weekday_mismatch"] == 1
    assert not parse_date("วันพฤหัสบดีที่ 22 สิงหาคม 2562", now=NOW).weekday_mismatch


def test_find_dates_returns_all_in_order():
    text = "ประชุมวันที่ 1 ส.ค. 62 และ 22/08/2562 กับ 2019-09-01"
    assert [d.iso() for d in find_dates(text, now=NOW)] == [
        "2019-08-01",
        "2019-08-22",
        "2019-09-01",
    ]


def test_naive_now_is_bangkok_local():
    assert iso("วันนี้", now=datetime(2024, 10, 10, 1, 0)) == "2024-10-10"


def test_empty_text():
    assert parse_date("", now=NOW) is None and find_dates("", now=NOW) == []


def test_thaidate_iso():
    day = ThaiDate(datetime(2019, 8, 22, tzinfo=BANGKOK), has_time=False)
    timed = ThaiDate(datetime(2019, 8, 22, 10, 30, tzinfo=BANGKOK), has_time=True)
    assert (day.iso(), timed.iso()) == ("2019-08-22", "2019-08-22T10:30:00+07:00")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-08-22T10:30:00+07:00", "2019-08-22T10:30:00+07:00"),
        ("2019-08-22T03:30:00Z", "2019-08-22T10:30:00+07:00"),
        ("2019-08-22T10:30:00", "2019-08-22T10:30:00+07:00"),  # WordPress API local
        ("2019-08-22 10:30:00", "2019-08-22T10:30:00+07:00"),
        ("2019-08-22", "2019-08-22"),
        ("2562-08-22T10:30:00", "2019-08-22T10:30:00+07:00"),
        ("Thu, 22 Aug 2019 10:30:00 +0700", "2019-08-22T10:30:00+07:00"),
        ("Thu, 22 Aug 2019 03:30:00 GMT", "2019-08-22T10:30:00+07:00"),
        ("22 ส.ค. 2562", "2019-08-22"),
    ],
)
def test_machine_dates(value, expected):
    assert parse_machine_date(value).iso() == expected


@pytest.mark.parametrize("value", ["", "0000-00-00 00:00:00", "not a date", "1970-01-01T00:00:00Z"])
def test_machine_dates_rejected(value):
    assert parse_machine_date(value) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2023, 10, 1), 2567), (date(2023, 9, 30), 2566), (date(2024, 1, 15), 2567)],
)
def test_fiscal_year(day, expected):
    assert fiscal_year(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2024, 5, 15), (2566, None)),  # long break still belongs to the year ending
        (date(2024, 5, 16), (2567, 1)),
        (date(2024, 10, 10), (2567, 1)),
        (date(2024, 10, 11), (2567, None)),  # October break
        (date(2024, 11, 1), (2567, 2)),
        (date(2025, 3, 31), (2567, 2)),
        (date(2025, 4, 1), (2567, None)),
        (date(2025, 1, 5), (2567, 2)),
    ],
)
def test_academic_term(day, expected):
    assert academic_term(day) == expected


def test_written_weekday_picks_the_year_of_a_yearless_date():
    now = datetime(2019, 5, 23, tzinfo=BANGKOK)
    assert iso("วันพฤหัสบดีที่ 10 พฤษภาคม", now=now) == "2018-05-10"
    assert iso("วันศุกร์ที่ 10 พฤษภาคม", now=now) == "2019-05-10"


def test_before_an_event_is_not_ago():
    assert parse_date("7 วันก่อนสอบ", now=NOW) is None
    assert iso("7 วันก่อน") == "2024-10-03"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thu, 22 Aug 2019 20:30:00 GMT", "2019-08-23T03:30:00+07:00"),
        ("22 ส.ค. 2562 | 10:30", "2019-08-22T10:30:00+07:00"),
        ("วันที่ 7 และ 8 ก.ย. 2562", "2019-09-07"),
        ("ระหว่างวันที่ 1 ตุลาคม 2566 ถึงวันที่ 30 กันยายน 2567", "2023-10-01"),
    ],
)
def test_more_agency_forms(text, expected):
    assert iso(text) == expected


# ---------------------------------------------------------------- issue 16: agency forms, round two

RELEASE = date(2023, 3, 10)  # a Friday


def body(text: str, reference=RELEASE):
    found = find_dates(text, reference=reference)
    return found[0] if found else None


def test_time_after_a_bracketed_date():
    found = body("วันนี้ (12 ม.ค. 68) เวลา 13.30 น. ณ ทำเนียบรัฐบาล", date(2025, 1, 12))
    assert found.iso() == "2025-01-12T13:30:00+07:00" and found.warning is None
    assert found.text == "วันนี้ (12 ม.ค. 68) เวลา 13.30 น."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("วันที่ 8 มีนาคม 2566 เวลา 9 นาฬิกา 45 นาที", "2023-03-08T09:45:00+07:00"),
        ("วันที่ 8 มีนาคม 2566 บ่ายสองโมง", "2023-03-08T14:00:00+07:00"),
        ("วันที่ 8 มีนาคม 2566 เวลาสองทุ่ม", "2023-03-08T20:00:00+07:00"),
        ("วันที่ 8 มีนาคม 2566 เที่ยงวัน", "2023-03-08T12:00:00+07:00"),
        ("17 ก.พ. 2566 - 14:05 น.", "2023-02-17T14:05:00+07:00"),
        ("เมื่อวันที่ 4 มีนาคม 2566 ที่ผ่านมา เวลา 10.00 น.", "2023-03-04T10:00:00+07:00"),
        ("พ 12 ก.พ. 14:20:00 2563", "2020-02-12T14:20:00+07:00"),
    ],
)
def test_times_written_after_the_date(text, expected):
    assert body(text).iso() == expected


def test_time_range_written_before_the_date():
    found = body("ระหว่างเวลา 13.00 - 16.30 น. ของวันที่ 8 มีนาคม 2566")
    assert found.iso() == "2023-03-08T13:00:00+07:00"
    assert found.end == datetime(2023, 3, 8, 16, 30, tzinfo=BANGKOK)


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("เวลา 9 นาฬิกา 45 นาที", "09:45"),
        ("บ่ายสองโมง", "14:00"),
        ("บ่าย 3 โมงครึ่ง", "15:30"),
        ("สองทุ่ม", "20:00"),
        ("ทุ่มครึ่ง", "19:30"),
        ("เที่ยงวัน", "12:00"),
        ("ก่อนเที่ยงคืน", "00:00"),
        ("หกโมงเช้า", "06:00"),
        ("สี่โมงเย็น", "16:00"),
        ("ตีสาม", "03:00"),
        ("๑๔.๓๐ น.", "14:30"),
    ],
)
def test_times_in_words_and_figures(text, clock):
    assert [t.start.strftime("%H:%M") for t in find_times(text)] == [clock]


@pytest.mark.parametrize(
    "text",
    [
        "ครูทุ่มเทให้ศิษย์",
        "ความเที่ยงตรงของข้อสอบ",
        "ห้ามสวมนาฬิกาข้อมือ",
        "สอนสองชั่วโมง",
        "ร้อยละ 58.70",
        "งบ 13,884.50 บาท",
        "โทร 02 280 6168",
        "ตีสามารถ",
    ],
)
def test_things_that_are_not_times(text):
    assert find_times(text) == []


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("ในวันที่ 28 มีนาคมนี้", RELEASE, "2023-03-28"),
        ("วันที่ 30 มีนาคม ศกนี้", RELEASE, "2023-03-30"),
        ("วันที่ 5 มกราคมนี้", date(2023, 12, 20), "2024-01-05"),
        ("วันที่ 14 ธันวาคมนี้", date(2016, 12, 15), "2016-12-14"),  # sent out a day late
        ("เมื่อวันที่ 4 ธันวาคมที่ผ่านมา", date(2024, 1, 10), "2023-12-04"),
        ("ประกาศรับสมัครวันที่ 28 เมษายน", RELEASE, "2023-04-28"),  # nearest: ahead
        ("ประชุมเมื่อวันที่ 20 ธันวาคม", date(2024, 1, 10), "2023-12-20"),  # nearest: behind
    ],
)
def test_yearless_dates_resolve_around_the_publication_date(text, reference, expected):
    found = body(text, reference)
    assert found.iso() == expected and found.warning is None


def test_yearless_date_far_from_the_publication_date_is_flagged():
    found = body("วันที่ 1 กันยายน")
    assert found.iso() == "2023-09-01" and "far from the publication date" in found.warning


def test_yearless_date_without_a_reference_says_its_year_is_a_guess():
    found = parse_date("วันที่ 28 มีนาคม", now=datetime(2023, 3, 10, tzinfo=BANGKOK))
    assert found.iso() == "2022-03-28" and "year not written" in found.warning
    assert "year not written" in date_warnings(found)


def test_a_day_of_every_year_is_no_date():
    assert body("วันที่ 8 กันยายนของทุกปี เป็นวันรู้หนังสือสากล") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("พรุ่งนี้", "2023-03-11"),
        ("มะรืนนี้", "2023-03-12"),
        ("วานซืน", "2023-03-08"),
        ("เมื่อ 3 วันที่ผ่านมา", "2023-03-07"),
        ("เมื่อวันจันทร์ที่แล้ว", "2023-03-06"),
        ("เมื่อวันศุกร์ที่ผ่านมา", "2023-03-03"),
        ("วันพุธนี้", "2023-03-15"),
        ("วันศุกร์นี้", "2023-03-10"),
        ("วันศุกร์ที่แล้ว", "2023-03-03"),
        ("วันจันทร์หน้า", "2023-03-13"),
        ("วันศุกร์หน้า", "2023-03-17"),
        ("เมื่อวานนี้ (9 มี.ค.66)", "2023-03-09"),
    ],
)
def test_relative_day_words_count_from_the_publication_date(text, expected):
    assert body(text).iso() == expected


def test_spans_of_time_are_not_days():
    assert body("การชุมนุมในเวลา 4 วันที่ผ่านมา") is None
    assert body("ตลอด 20 ปีที่ผ่านมา") is None


def test_a_year_typed_from_habit_is_read_from_the_weekday_with_a_warning():
    found = body("เมื่อวันจันทร์ที่ 16 มกราคม 2559 เวลา 18.00 น.", date(2017, 1, 18))
    assert found.iso() == "2017-01-16T18:00:00+07:00" and not found.weekday_mismatch
    assert "disagrees with the weekday" in found.warning


def test_a_bracketed_date_that_contradicts_its_relative_word_is_flagged():
    found = body("วันนี้ (4 มกราคม 2560) ที่มหาวิทยาลัย", date(2018, 1, 5))
    assert found.iso() == "2018-01-04" and "relative word" in found.warning
    odd = body("วันนี้ (4 มิถุนายน 2560)", date(2018, 1, 5))
    assert odd.iso() == "2017-06-04" and "is not 2018-01-05" in odd.warning


def test_historic_dates_in_a_body_are_plausible_only_with_four_digit_years():
    cited = body("พระราชดำรัส 12 ธันวาคม 2512")
    assert cited.iso() == "1969-12-12" and "a date cited" in cited.warning
    assert parse_date("12 ธันวาคม 2512", now=NOW) is None  # a page date before 1990 is noise


def test_a_reference_that_is_no_date_is_a_clear_error():
    with pytest.raises(TypeError, match="reference must be a date"):
        find_dates("วันที่ 28 มีนาคมนี้", reference="2023-03-10")
