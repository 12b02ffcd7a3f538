"""Pick candidate date, time and non-date expressions out of release bodies for hand labelling.

    python tests/data/dates_gold_bodies/candidates.py CORPUS.jsonl > candidates.jsonl

The patterns here are deliberately broad and share nothing with ``crawler.thai.dates``: they
only point a reader at spans worth labelling. Each candidate carries the release's id and
publication date, a context window cut at line ends, and the span's offsets in that window.
The labels themselves are written by hand in labels.tsv (see README.md); nothing here says
what a span means.
"""

from __future__ import annotations

import json
import random
import re
import sys

MONTH = (
    r"(?:มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|กรกฏาคม|สิงหาคม|กันยายน|ตุลาคม"
    r"|พฤศจิกายน|ธันวาคม|ม\.ค\.|ก\.พ\.|มี\.ค\.|เม\.ย\.|พ\.ค\.|มิ\.ย\.|ก\.ค\.|ส\.ค\.|ก\.ย\.|ต\.ค\."
    r"|พ\.ย\.|ธ\.ค\.)"
)
CLOCK = r"\d{1,2}[.:]\d{2}"
# form -> pattern; the first form that matches a span names it (most specific first).
FORMS = {
    "paren_date_time": rf"\(\s*\d{{1,2}}\s*{MONTH}\s*\d{{2,4}}\s*\)\s*(?:เวลา\s*)?(?:{CLOCK}\s*น\.)?",
    "time_range_before": rf"(?:ระหว่าง|ตั้งแต่)?เวลา\s*{CLOCK}\s*(?:น\.)?\s*[-–]\s*{CLOCK}\s*น\.\s*"
    rf"(?:ของ)?\s*(?:วัน\S{{0,8}}ที่|วันที่)\s*\d{{1,2}}\s*{MONTH}(?:\s*\d{{4}})?",
    "time_before": rf"(?:เมื่อ)?เวลา\s*{CLOCK}\s*น\.\s*(?:ของ)?\s*(?:วัน\S{{0,8}}ที่|วันที่)\s*"
    rf"\d{{1,2}}\s*{MONTH}(?:\s*\d{{4}})?",
    "past_then_time": rf"\d{{1,2}}\s*{MONTH}\s*(?:\d{{4}}\s*)?ที่ผ่านมา\s*(?:เวลา|เมื่อเวลา)\s*"
    rf"{CLOCK}\s*น\.",
    "date_then_time": rf"\d{{1,2}}\s*{MONTH}\s*(?:พ\.ศ\.\s*)?\d{{4}}\s*(?:[-,]\s*)?(?:เวลา|ตั้งแต่เวลา)"
    rf"\s*{CLOCK}(?:\s*[-–]\s*{CLOCK})?\s*น\.",
    "yearless_this": rf"\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s*{MONTH}\s*(?:นี้|ศกนี้)",
    "yearless_past": rf"\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s*{MONTH}\s*ที่ผ่านมา",
    "date_range": rf"\d{{1,2}}\s*[-–]\s*\d{{1,2}}\s*{MONTH}\s*(?:พ\.ศ\.\s*)?\d{{2,4}}",
    "abbr_date": r"\d{1,2}\s*(?:ม\.ค\.|ก\.พ\.|มี\.ค\.|เม\.ย\.|พ\.ค\.|มิ\.ย\.|ก\.ค\.|ส\.ค\.|ก\.ย\.|ต\.ค\."
    r"|พ\.ย\.|ธ\.ค\.)\s*\d{2,4}",
    "full_date": rf"\d{{1,2}}\s*{MONTH}\s*(?:พ\.ศ\.\s*)?\d{{4}}",
    "yearless_plain": rf"\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s*{MONTH}(?!\s*(?:พ\.ศ\.\s*)?\d|\s*นี้|\s*ศกนี้|\s*ที่ผ่านมา)",
    "time_words": r"(?:\d{1,2}|[ก-ฮ]{2,6})\s*นาฬิกา(?:\s*\d{1,2}\s*นาที)?|(?:บ่าย|เช้า|ตี|สาย)?\s*\S{0,6}"
    r"(?:โมง(?:เช้า|เย็น|ตรง|ครึ่ง)?|ทุ่ม(?:ครึ่ง)?)|เที่ยง(?:วัน|คืน|ตรง)?",
    "time_only": rf"(?:เมื่อ|ตั้งแต่)?เวลา\s*{CLOCK}(?:\s*[-–]\s*{CLOCK})?\s*น\.",
    "relative_day": r"(?:ใน)?วันนี้(?!\s*\()|พรุ่งนี้|มะรืน(?:นี้)?|วานซืน|เมื่อวาน(?:นี้)?|\d{1,2}\s*วันที่ผ่านมา|"
    r"เมื่อวัน(?:จันทร์|อังคาร|พุธ|พฤหัสบดี|ศุกร์|เสาร์|อาทิตย์)ที่(?:แล้ว|ผ่านมา)|สัปดาห์(?:ที่แล้ว|หน้า)",
    "nondate_law": r"(?:พระราชบัญญัติ|พ\.ร\.บ\.|ระเบียบ|ประกาศ|แผน|กฎกระทรวง|ข้อบังคับ|รัฐธรรมนูญ"
    r"|หลักสูตร|ยุทธศาสตร์)[^\n]{0,60}?พ\.ศ\.\s*\d{4}",
    "nondate_phone": r"(?:โทร(?:ศัพท์)?\.?|Call Center)\s*:?\s*[0-9][0-9 \-]{3,14}[0-9]",
    "nondate_money": r"\d[\d,]*(?:\.\d+)?\s*(?:ล้าน)?\s*บาท",
    "nondate_year": r"(?:ปีการศึกษา|ปีงบประมาณ)\s*(?:พ\.ศ\.\s*)?\d{4}",
    "nondate_number": r"(?:ม\.|ป\.|ข้อ|มาตรา|หน้า)\s*\d{1,3}(?:\s*[-–/]\s*\d{1,3})?",
    "nondate_count": r"\d{1,3}(?:,\d{3})*\s*(?:คน|แห่ง|โรงเรียน|ราย|ชั่วโมง|เครื่อง|ทุน)",
}
# A second pass, appended after the first so that the first pass's ids never change: more of
# the forms the corpus has plenty of, relative day words the first pattern missed (it took
# the first match at each position), and words that look like clock words but are not
# (ทุ่มเท "devote", นาฬิกาข้อมือ "wristwatch", เที่ยงตรง "accurate").
EXTRA = {"paren_date_time": 12, "date_then_time": 12, "yearless_this": 12, "yearless_past": 12}
SUPPLEMENT = {
    "relative_day": r"เมื่อวาน(?:นี้)?|พรุ่งนี้|\d{1,2}\s*วันที่ผ่านมา"
    r"|เมื่อวัน(?:จันทร์|อังคาร|พุธ|พฤหัสบดี|ศุกร์|เสาร์|อาทิตย์)ที่(?:ผ่านมา|แล้ว)",
    "nontime_words": r"นาฬิกา(?:ข้อมือ|ปลุก|ที่)|เที่ยงตรง|เที่ยงคืน|ทุ่ม(?!เท)",
}
# A third pass, labelled after the parser changes of issue 16 and never used to tune them:
# the held-out sample the README speaks of.
HELD_OUT = {
    "paren_date_time": 8, "date_then_time": 8, "yearless_this": 8, "yearless_past": 8,
    "yearless_plain": 8, "full_date": 8, "abbr_date": 8, "date_range": 8, "time_only": 8,
    "nondate_law": 6, "nondate_money": 6, "nondate_year": 6,
}
PATTERN = re.compile("|".join(f"(?P<{k}>{v})" for k, v in FORMS.items()))
WINDOW = 90
# How many candidates to keep per form: enough for the 400 + 100 the gold set needs once the
# ones that are not what their form says are labelled as such.
CAP = {"relative_day": 40, "time_before": 40, "time_range_before": 40, "past_then_time": 40}
DEFAULT_CAP, NONDATE_CAP = 42, 25


def cap(form: str) -> int:
    return CAP.get(form, NONDATE_CAP if form.startswith("nondate") else DEFAULT_CAP)


def context(body: str, start: int, end: int) -> tuple[str, int]:
    """Up to WINDOW characters either side of the span, not crossing a line end."""
    left = max(body.rfind("\n", 0, start) + 1, start - WINDOW)
    right = body.find("\n", end)
    right = min(len(body) if right < 0 else right, end + WINDOW)
    return body[left:right], left


def candidates(row: dict, pattern: re.Pattern = PATTERN):
    body = row["body"]
    for m in pattern.finditer(body):
        text, left = context(body, m.start(), m.end())
        yield {
            "article": row["id"],
            "published": row["date"],
            "form": m.lastgroup,
            "span": m.group(0),
            "start": m.start() - left,
            "context": text,
        }


def main(path: str) -> None:
    rng = random.Random(16)
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    rng.shuffle(rows)
    seen, per_form = set(), {}
    for row in rows:
        for c in candidates(row):
            key = (c["form"], c["span"].strip())
            if key in seen or len(per_form.setdefault(c["form"], [])) >= cap(c["form"]):
                continue
            seen.add(key)
            per_form[c["form"]].append(c)
    out = [c for form in FORMS for c in per_form.get(form, [])]
    out += second_pass(rows, seen, {(c["article"], c["span"]) for c in out})
    out += held_out(rows, seen)
    for n, c in enumerate(out, 1):
        print(json.dumps({"id": f"b{n:04d}", **c}, ensure_ascii=False))


def held_out(rows: list[dict], seen: set) -> list[dict]:
    """The next spans of each form in the same shuffled order, marked held_out."""
    rows = rows[::-1]  # from the other end of the shuffle: other releases than the first passes
    taken: dict[str, list] = {}
    for row in rows:
        for c in candidates(row):
            key = (c["form"], c["span"].strip())
            room = len(taken.setdefault(c["form"], [])) < HELD_OUT.get(c["form"], 0)
            if room and key not in seen:
                seen.add(key)
                taken[c["form"]].append({**c, "held_out": True})
    return [c for form in HELD_OUT for c in taken.get(form, [])]


def second_pass(rows: list[dict], seen: set, emitted: set) -> list[dict]:
    extra: dict[str, list] = {}
    for row in rows:
        for c in candidates(row):
            key = (c["form"], c["span"].strip())
            if c["form"] in EXTRA and key not in seen and len(extra.setdefault(c["form"], [])) < EXTRA[c["form"]]:
                seen.add(key)
                extra[c["form"]].append(c)
    supplement = []
    pattern = re.compile("|".join(f"(?P<{k}>{v})" for k, v in SUPPLEMENT.items()))
    for row in rows:
        for c in candidates(row, pattern):
            if (c["article"], c["span"]) not in emitted:
                supplement.append(c)
    return [c for form in EXTRA for c in extra.get(form, [])] + supplement


if __name__ == "__main__":
    main(sys.argv[1])
