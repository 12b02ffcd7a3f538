"""Closing credits of Thai press releases: one form per case, then the gold floor."""

import json
from pathlib import Path

import pytest

from crawler.thai.credits import extract_credits
from crawler.thai.text import paragraphs

DATA = Path(__file__).parent / "data"
FIELDS = ("reporter", "photographer", "publisher", "source")
BODY = (
    "นายสุเทพ ชิตยวงษ์ เลขาธิการ กพฐ. เป็นประธานเปิดการประชุมเชิงปฏิบัติการผู้อำนวยการ"
    "สถานศึกษา ในกลุ่มพื้นที่บริหารการศึกษาขั้นพื้นฐาน ประจำเขตตรวจราชการที่ 2 "
    "โดยมีผู้เข้าร่วมประชุมจาก 10 เขตพื้นที่การศึกษา จำนวนทั้งสิ้น 800 คน ณ ห้องประชุม"
)


def fields(tail: str) -> dict:
    credits = extract_credits(f"{BODY}\n{tail}")
    return {f: getattr(credits, f) for f in FIELDS if getattr(credits, f)}


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("ข่าว : สมชาย ใจดี", {"reporter": "สมชาย ใจดี"}),
        ("ข่าว: สมชาย ใจดี", {"reporter": "สมชาย ใจดี"}),
        ("ข่าวโดย สมชาย ใจดี", {"reporter": "สมชาย ใจดี"}),
        ("ข่าวโดย : กลุ่มประชาสัมพันธ์ สพฐ.", {"reporter": "กลุ่มประชาสัมพันธ์ สพฐ."}),
        ("อัจฉรา ข่าว", {"reporter": "อัจฉรา"}),
        ("เรียบเรียง : นวรัตน์ รามสูต", {"reporter": "นวรัตน์ รามสูต"}),
        ("ผู้เขียนข่าว : สมชาย ใจดี", {"reporter": "สมชาย ใจดี"}),
        ("Written by อรพรรณ ฤทธิ์มั่น", {"reporter": "อรพรรณ ฤทธิ์มั่น"}),
        ("ภาพ : สมศรี ถ่ายดี", {"photographer": "สมศรี ถ่ายดี"}),
        ("ภาพข่าว นายรัฐพล หงสไกร", {"photographer": "นายรัฐพล หงสไกร"}),
        ("ภาพข่าว : นายรัฐพล หงสไกร", {"photographer": "นายรัฐพล หงสไกร"}),
        ("ขอบคุณภาพ : เครือข่ายประชาสัมพันธ์ สพฐ.", {"photographer": "เครือข่ายประชาสัมพันธ์ สพฐ."}),
        ("ถ่ายภาพ: อิทธิพล รุ่งก่อน", {"photographer": "อิทธิพล รุ่งก่อน"}),
        ("Photo Credit ยุทธพงศ์ เลือกกลั่นดี", {"photographer": "ยุทธพงศ์ เลือกกลั่นดี"}),
        ("เผยแพร่ข่าวโดย : นางสาวชลธิชา แสงเทียนสุวรรณ", {"publisher": "นางสาวชลธิชา แสงเทียนสุวรรณ"}),
        ("กลุ่มประชาสัมพันธ์ สำนักงานรัฐมนตรี", {"publisher": "กลุ่มประชาสัมพันธ์ สำนักงานรัฐมนตรี"}),
        ("สำนักงานประชาสัมพันธ์จังหวัดน่าน", {"publisher": "สำนักงานประชาสัมพันธ์จังหวัดน่าน"}),
        ("ที่มา : ประชาสัมพันธ์ สอศ.", {"source": "ประชาสัมพันธ์ สอศ."}),
        ("แหล่งข่าว : สำนักข่าวแห่งชาติ", {"source": "สำนักข่าวแห่งชาติ"}),
        (
            "ข่าว/ภาพ : ปชส.สพป.ตาก เขต 2",
            {"reporter": "ปชส.สพป.ตาก เขต 2", "photographer": "ปชส.สพป.ตาก เขต 2"},
        ),
        ("ขอบคุณภาพ-ข่าว: สยามรัฐ", {"photographer": "สยามรัฐ", "source": "สยามรัฐ"}),
    ],
)
def test_label_first_forms(tail, expected):
    assert fields(tail) == expected


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("นวรัตน์ รามสูต: สรุป/เรียบเรียง", {"reporter": "นวรัตน์ รามสูต"}),
        ("ยุทธพงศ์ เลือกกลั่นดี : ถ่ายภาพ", {"photographer": "ยุทธพงศ์ เลือกกลั่นดี"}),
        ("บัลลังก์ โรหิตเสถียร สรุป/เรียบเรียง", {"reporter": "บัลลังก์ โรหิตเสถียร"}),
        ("กลุ่มประชาสัมพันธ์ สร.ศธ.: รายงาน", {"publisher": "กลุ่มประชาสัมพันธ์ สร.ศธ."}),
        ("บัลลังก์ โรหิตเสถียร: รายงาน", {"reporter": "บัลลังก์ โรหิตเสถียร"}),
        ("อิชยา/สรุป,กิตติกร/ภาพ", {"reporter": "อิชยา", "photographer": "กิตติกร"}),
        ("บัลลังก์ โรหิตเสถียร: บรรณาธิการ", {}),
    ],
)
def test_role_last_forms(tail, expected):
    assert fields(tail) == expected


def test_names_with_a_role_line_below():
    tail = "อรพรรณ ฤทธิ์มั่น\nบัลลังก์ โรหิตเสถียร\nสรุป/รายงาน"
    assert fields(tail) == {"reporter": "อรพรรณ ฤทธิ์มั่น, บัลลังก์ โรหิตเสถียร"}


def test_bare_label_takes_the_next_line_and_empty_labels_are_kept():
    credits = extract_credits(f"{BODY}\nPhoto Credit\nกิตติกร แซ่หมู่\nRewriter\nEditor")
    assert credits.photographer == "กิตติกร แซ่หมู่" and credits.reporter is None
    assert credits.lines == ["Photo Credit", "กิตติกร แซ่หมู่", "Rewriter", "Editor"]


def test_several_lines_join_distinct_names_in_reading_order():
    tail = "Written by อรพรรณ ฤทธิ์มั่น\nPhoto Credit อิทธิพล รุ่งก่อน\nRewriter นวรัตน์ รามสูต"
    assert fields(tail)["reporter"] == "อรพรรณ ฤทธิ์มั่น, นวรัตน์ รามสูต"


def test_trailing_contacts_and_dates_are_skipped_not_reported():
    tail = (
        "เผยแพร่ : จิรายุ รุจิพงษ์วาที\nส่วนสื่อสารองค์กร\n"
        "กระทรวงการอุดมศึกษา วิทยาศาสตร์ วิจัยและนวัตกรรม\n"
        "โทรศัพท์ 0 2333 3700 ต่อ 3728\nFacebook : @MHESIThailand\nCall Center โทร.1313\n22/6/2560"
    )
    credits = extract_credits(f"{BODY}\n{tail}")
    assert credits.publisher == "จิรายุ รุจิพงษ์วาที, ส่วนสื่อสารองค์กร"
    assert credits.lines == ["เผยแพร่ : จิรายุ รุจิพงษ์วาที", "ส่วนสื่อสารองค์กร"]


def test_only_the_closing_block_counts():
    body = f"ข่าว : ผู้สื่อข่าวรายงานว่า\n{BODY}\nภาพ : บรรยากาศในงาน\n{BODY}"
    assert extract_credits(body).lines == []


def test_prose_ending_with_the_word_news_is_not_a_credit():
    body = f"{BODY}\nผู้บริหารและครูร่วมรับฟังการแถลงข่าว"
    assert extract_credits(body).lines == []


def test_lines_are_paragraphs_of_the_body_which_is_left_alone():
    body = f"{BODY}\n.\nอัจฉรา ข่าว\nขอบคุณภาพ : เครือข่ายประชาสัมพันธ์ สพฐ."
    credits = extract_credits(body)
    assert credits.lines == paragraphs(body)[-2:]
    assert body.endswith("ขอบคุณภาพ : เครือข่ายประชาสัมพันธ์ สพฐ.")


def test_a_second_label_after_a_spaced_slash_starts_a_new_credit():
    found = extract_credits("เนื้อข่าว\nReporter: Somchai Jaidee / Photo: Anan K.")
    assert (found.reporter, found.photographer) == ("Somchai Jaidee", "Anan K.")
    two = extract_credits("เนื้อข่าว\nข่าว : นายสมชาย ใจดี / นางสาวสมหญิง ใจงาม")
    assert two.reporter == "นายสมชาย ใจดี, นางสาวสมหญิง ใจงาม" and two.photographer is None


def test_no_credits_on_empty_text():
    assert extract_credits("").lines == [] and extract_credits("").as_dict() == {}


def load_gold() -> list[dict]:
    with open(DATA / "credits-gold.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_gold_covers_the_seeds_and_a_hundred_articles():
    gold = load_gold()
    assert len(gold) >= 100
    assert {"seed:obec-2019-08-22-cluster-meeting", "seed:obec-2024-09-07-best-practice"} <= {
        item["id"] for item in gold
    }


def test_gold_field_accuracy_floor():
    # Measured 0.991 (fields) and 0.964 (lines) on 110 hand-checked tails; floors pinned.
    gold = load_gold()
    right = lines = 0
    for item in gold:
        got = extract_credits(item["tail"])
        right += sum(getattr(got, f) == item["expected"][f] for f in FIELDS)
        lines += got.lines == item["expected"]["lines"]
    assert right / (len(gold) * len(FIELDS)) >= 0.95
    assert lines / len(gold) >= 0.93


def test_a_closing_block_read_again_gives_the_same_credits():
    from crawler.thai import credits as thai_credits

    body = "ข่าวการศึกษา\nข่าว : นายสมชาย ใจดี\nภาพ : นางสาวสมหญิง รักเรียน"
    thai_credits._closing_block.cache_clear()
    first = extract_credits(body)
    again = extract_credits(body)  # the block kept: equal fields, lists not shared
    assert first == again and first.lines is not again.lines
    assert first.reporter == "นายสมชาย ใจดี" and first.photographer == "นางสาวสมหญิง รักเรียน"
    # The block depends on the last WINDOW paragraphs only: the same tail, the same block.
    tail = ["ย่อหน้า"] * thai_credits.WINDOW + paragraphs(body)
    assert extract_credits("\n".join(["เปิด"] + tail)) == first
    hits = thai_credits._closing_block.cache_info().hits
    assert extract_credits("\n".join(["อีกข่าว", "หนึ่ง"] + tail)) == first
    assert thai_credits._closing_block.cache_info().hits == hits + 1


def test_the_block_classifies_only_the_paragraphs_it_reads(monkeypatch):
    """Read from the end up, the block stops at its first line of prose: the short
    paragraphs above it are not classified, and the credits are those of classifying all."""
    from crawler.thai import credits as thai_credits

    line = "ผู้บริหารลงพื้นที่ตรวจเยี่ยมโรงเรียน ติดตามการจัดการเรียนการสอน และมอบนโยบายแก่ครู"
    prose = [f"ย่อหน้าที่ {n} {line}" for n in range(10)]  # short, but too long for a name
    body = "\n".join(prose + ["ภาพ/ข่าว : นายสมชาย ใจดี", "ข่าวโดย : งานประชาสัมพันธ์"])
    seen = []
    classify = thai_credits.classify
    monkeypatch.setattr(thai_credits, "classify", lambda p: seen.append(p) or classify(p))
    thai_credits._closing_block.cache_clear()
    found = extract_credits(body)
    assert seen == [body.split("\n")[n] for n in (11, 10, 9)]
    every = [classify(p) for p in paragraphs(body)]  # the block, had all been classified
    assert [line.text for line in every if line.kind == "credit"] == found.lines
    assert found.photographer == "นายสมชาย ใจดี" and found.reporter.endswith("งานประชาสัมพันธ์")


def test_credit_lines_are_those_of_the_credits():
    from crawler.thai.credits import credit_lines

    with open(DATA / "credits-gold.jsonl", encoding="utf-8") as f:
        bodies = [json.loads(line)["tail"] for line in f][:40]
    bodies += ["", BODY, BODY + "\nข่าว : นายสมชาย ใจดี\nภาพ : นางสาวสมหญิง รักเรียน"]
    for body in bodies:
        assert credit_lines(body) == extract_credits(body).lines
    assert credit_lines(bodies[-1]) == ["ข่าว : นายสมชาย ใจดี", "ภาพ : นางสาวสมหญิง รักเรียน"]
