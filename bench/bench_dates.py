"""Date parsing accuracy and speed: ours against dateparser, htmldate and PyThaiNLP.

    python bench/bench_dates.py               # both tables and throughput
    python bench/bench_dates.py --bodies      # only the hand-labelled body gold, per form
    python bench/bench_dates.py --write-gold  # regenerate tests/data/dates-forms.jsonl

The body gold (tests/data/dates_gold_bodies/, labelled by hand; see its README) is scored
for dates and times separately: the share of spans whose date, and whose time of day (or
the absence of one), the parser gets right, per form.

The forms gold set is generated here from real dates in the thaigov corpus (each checked by
the weekday its dateline names), written out in the forms agency sites use. The generator
spells months from its own lists, not from the parser's tables, so a typo in one is caught
by the other. Records: id, category, text, now, expected (ISO or null), end, weekday_mismatch.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import warnings
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.thai.dates import parse_date  # noqa: E402
from tests import dates_bodies  # noqa: E402

DATA = ROOT / "tests" / "data"
CORPUS = DATA / "dates-corpus.jsonl"
FORMS = DATA / "dates-forms.jsonl"
BKK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2024, 10, 10, 12, 0, tzinfo=BKK)

# ------------------------------------------------------------------ gold generation

FULL = "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม"
ABBR = "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค."
WEEKDAY = "จันทร์ อังคาร พุธ พฤหัสบดี ศุกร์ เสาร์ อาทิตย์".split()
EN_MONTH = [date(2000, m, 1).strftime("%B") for m in range(1, 13)]
EN_WEEKDAY = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MISSPELT = {
    2: ["กุมภาพันธ", "กุมภาพันธุ์"],
    7: ["กรกฏาคม"],
    11: ["พฤษจิกายน"],
    6: ["มิถุยายน"],
    12: ["ธันวาคาม"],
}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def full(d: date) -> str:
    return FULL.split()[d.month - 1]


def abbr(d: date) -> str:
    return ABBR.split()[d.month - 1]


def be(d: date) -> int:
    return d.year + 543


def yy(d: date) -> str:
    return f"{be(d) % 100:02d}"


def rec(category, text, expected, end=None, mismatch=False, now=NOW) -> dict:
    return {
        "category": category,
        "text": text,
        "now": now.isoformat(),
        "expected": expected,
        "end": end,
        "weekday_mismatch": mismatch,
    }


def at(d: date, hh: int, mm: int) -> str:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=BKK).isoformat()


def gen_abbr_dot(d, rnd):
    pre = rnd.choice(["", "วันที่ ", "เมื่อวันที่ ", "วันที่"])
    return rec("abbr_dot", f"{pre}{d.day} {abbr(d)} {be(d)}", d.isoformat())


def gen_abbr_nodot(d, rnd):
    a = abbr(d)
    form = rnd.choice([a[:-1], a.replace(".", ""), a.replace(".", "") + ".", a[:-1] + " "])
    year = rnd.choice([str(be(d)), yy(d)])
    return rec("abbr_nodot", f"{d.day} {form.strip()} {year}", d.isoformat())


def gen_thai_digits(d, rnd):
    month = rnd.choice([full(d), abbr(d)])
    year = rnd.choice([str(be(d)), yy(d)])
    pre = rnd.choice(["", "วันที่ "])
    return rec("thai_digits", f"{pre}{d.day} {month} {year}".translate(THAI_DIGITS), d.isoformat())


def gen_two_digit_year(d, rnd):
    wd = WEEKDAY[d.weekday()]
    text = rnd.choice(
        [
            f"{d.day} {abbr(d)} {yy(d)}",
            f"วัน{wd} ที่ {d.day} {abbr(d)} {yy(d)}",
            f"{d.day} {full(d)} {yy(d)}",
            f"{d.day}{abbr(d)}{yy(d)}",
        ]
    )
    return rec("two_digit_year", text, d.isoformat())


def gen_era(d, rnd):
    text = rnd.choice(
        [
            f"{d.day} {full(d)} พ.ศ. {be(d)}",
            f"{d.day} {abbr(d)} พ.ศ.{be(d)}",
            f"{d.day} {full(d)} ค.ศ. {d.year}",
            f"{d.day} {abbr(d)} ค.ศ.{d.year}",
            f"วันที่ {d.day} เดือน{full(d)} พุทธศักราช {be(d)}",
            f"{d.day} {abbr(d)} พ.ศ. {yy(d)}",
        ]
    )
    return rec("era", text, d.isoformat())


def weekday_text(d: date, wd: int, rnd) -> str:
    name = WEEKDAY[wd]
    return rnd.choice(
        [
            f"วัน{name}ที่ {d.day} {full(d)} {be(d)}",
            f"วัน{name} ที่ {d.day} {abbr(d)} {yy(d)}",
            f"วัน{name}ที่ {d.day} {abbr(d)} {be(d)}",
            f"เมื่อวัน{name}ที่ {d.day} {full(d)} {be(d)}",
            f"{EN_WEEKDAY[wd]}, {d.day} {EN_MONTH[d.month - 1]} {d.year}",
        ]
    )


def gen_weekday(d, rnd):
    return rec("weekday", weekday_text(d, d.weekday(), rnd), d.isoformat())


def gen_weekday_mismatch(d, rnd):
    wrong = (d.weekday() + rnd.randint(1, 6)) % 7
    return rec("weekday_mismatch", weekday_text(d, wrong, rnd), d.isoformat(), mismatch=True)


def gen_time(d, rnd):
    hh, mm = rnd.randint(7, 18), rnd.choice([0, 15, 30, 45])
    day = f"{d.day} {rnd.choice([abbr(d), full(d)])} {rnd.choice([str(be(d)), yy(d)])}"
    choice = rnd.randrange(5)
    if choice == 0:
        return rec("time", f"{day} เวลา {hh:02d}.{mm:02d} น.", at(d, hh, mm))
    if choice == 1:
        return rec("time", f"วันที่ {day} {hh}:{mm:02d} น.", at(d, hh, mm))
    if choice == 2:
        text = f"{day} เวลา {hh:02d}.00-{hh + 2:02d}.00 น."
        return rec("time", text, at(d, hh, 0), end=at(d, hh + 2, 0))
    if choice == 3:
        return rec("time", f"เมื่อเวลา {hh:02d}.{mm:02d} น. วันที่ {day}", at(d, hh, mm))
    return rec("time", f"{d.day:02d}/{d.month:02d}/{be(d)} {hh:02d}:{mm:02d}", at(d, hh, mm))


def gen_numeric(d, rnd):
    text = rnd.choice(
        [
            f"{d.day:02d}/{d.month:02d}/{be(d)}",
            f"{be(d)}-{d.month:02d}-{d.day:02d}",
            f"{d.day:02d}-{d.month:02d}-{d.year}",
            f"{d.day}/{d.month}/{yy(d)}",
            f"{d.day:02d}.{d.month:02d}.{be(d)}",
            f"{d.isoformat()}",
        ]
    )
    return rec("numeric", text, d.isoformat())


def gen_range(d, rnd):
    end = d + timedelta(days=rnd.randint(1, 3))
    if end.month == d.month:
        text = rnd.choice(
            [
                f"{d.day}-{end.day} {full(d)} {be(d)}",
                f"ระหว่างวันที่ {d.day} - {end.day} {abbr(d)} {yy(d)}",
            ]
        )
    elif end.year == d.year:
        text = f"{d.day} {abbr(d)} - {end.day} {abbr(end)} {be(end)}"
    else:
        text = f"{d.day} {abbr(d)} {be(d)} - {end.day} {abbr(end)} {be(end)}"
    return rec("range", text, d.isoformat(), end=end.isoformat())


def gen_english(d, rnd):
    m = EN_MONTH[d.month - 1]
    text = rnd.choice(
        [f"{d.day} {m} {d.year}", f"{m} {d.day}, {d.year}", f"{d.day} {m[:3]} {d.year}"]
        + [f"{m[:3]}. {d.day}, {d.year}"]
    )
    return rec("english", text, d.isoformat())


def gen_iso(d, rnd):
    hh, mm = rnd.randint(0, 23), rnd.randint(0, 59)
    local = datetime(d.year, d.month, d.day, hh, mm, tzinfo=BKK)
    utc = local.astimezone(ZoneInfo("UTC"))
    text = rnd.choice(
        [
            local.isoformat(),
            utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            local.strftime("%Y-%m-%dT%H:%M:%S"),
            local.strftime("%Y-%m-%d %H:%M:%S"),
        ]
    )
    return rec("iso", text, local.isoformat())


def gen_relative(d, rnd):
    now = datetime(d.year, d.month, d.day, rnd.randint(12, 20), rnd.choice([0, 30]), tzinfo=BKK)
    n = rnd.randint(1, 9)
    forms = [
        (f"{n} ชั่วโมงที่แล้ว", (now - timedelta(hours=n)).isoformat()),
        (f"{n} ชม. ที่แล้ว", (now - timedelta(hours=n)).isoformat()),
        (f"{n * 5} นาทีที่แล้ว", (now - timedelta(minutes=n * 5)).isoformat()),
        (f"{n} วันที่แล้ว", (d - timedelta(days=n)).isoformat()),
        (f"{n} hours ago", (now - timedelta(hours=n)).isoformat()),
        ("เมื่อวานนี้", (d - timedelta(days=1)).isoformat()),
        ("เมื่อวาน", (d - timedelta(days=1)).isoformat()),
        ("วันนี้", d.isoformat()),
        ("yesterday", (d - timedelta(days=1)).isoformat()),
        ("1 สัปดาห์ที่แล้ว", (d - timedelta(days=7)).isoformat()),
        ("เมื่อวาน 10.30 น.", at(d - timedelta(days=1), 10, 30)),
    ]
    text, expected = rnd.choice(forms)
    return rec("relative", text, expected, now=now)


def gen_misspelling(d, rnd):
    month = rnd.choice(MISSPELT[d.month])
    return rec("misspelling", f"วันที่ {d.day} {month} {be(d)}", d.isoformat())


SENTENCES = [
    "นายกรัฐมนตรีเป็นประธานการประชุม เมื่อ{date} ณ ทำเนียบรัฐบาล มีผู้เข้าร่วม 30 คน",
    "ข่าวโดย กลุ่มประชาสัมพันธ์ {date} ภาพข่าว ทีมงาน",
    "ศธ.จัดกิจกรรมสำหรับครู 1,200 คน {date} ที่ จ.ขอนแก่น",
]


def gen_in_text(d, rnd):
    date_text = f"วันที่ {d.day} {rnd.choice([abbr(d), full(d)])} {rnd.choice([str(be(d)), yy(d)])}"
    return rec("in_text", rnd.choice(SENTENCES).format(date=date_text), d.isoformat())


def gen_no_year(d, rnd):
    now = datetime.combine(d + timedelta(days=rnd.randint(0, 40)), datetime.min.time(), BKK)
    now = now.replace(hour=9)
    return rec("no_year", f"วันที่ {d.day} {abbr(d)}", d.isoformat(), now=now)


def gen_implausible(d, rnd):
    choice = rnd.randrange(4)
    if choice == 0:
        return rec("implausible", f"{d.day} {full(d)} {2480 + rnd.randint(0, 30)}", None)
    if choice == 1:
        return rec("implausible", f"วันที่ {d.day} {abbr(d)} {2600 + rnd.randint(0, 50)}", None)
    now = datetime.combine(d - timedelta(days=rnd.randint(3, 300)), datetime.min.time(), BKK)
    if choice == 2:
        return rec("implausible", f"{d.day} {full(d)} {be(d)}", None, now=now)
    old = f"1 {abbr(d)} {2480 + rnd.randint(0, 30)}"
    text = f"ก่อตั้ง {old} และจัดงานวันที่ {d.day} {full(d)} {be(d)}"
    return rec("next_candidate", text, d.isoformat())


GENERATORS = {
    gen_abbr_dot: 30,
    gen_abbr_nodot: 30,
    gen_thai_digits: 25,
    gen_two_digit_year: 30,
    gen_era: 30,
    gen_weekday: 30,
    gen_weekday_mismatch: 12,
    gen_time: 35,
    gen_numeric: 35,
    gen_range: 30,
    gen_english: 25,
    gen_iso: 25,
    gen_relative: 30,
    gen_misspelling: 20,
    gen_in_text: 20,
    gen_no_year: 15,
    gen_implausible: 30,
}


def corpus_dates() -> list[date]:
    rows = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    return sorted({date.fromisoformat(r["date"]) for r in rows})


def make_forms(seed: int = 2562) -> list[dict]:
    rnd, days = random.Random(seed), corpus_dates()
    out = []
    for gen, count in GENERATORS.items():
        pool = [d for d in days if d.month in MISSPELT] if gen is gen_misspelling else days
        out += [gen(rnd.choice(pool), rnd) for _ in range(count)]
    return [{"id": f"forms-{i:04d}", **r} for i, r in enumerate(out, 1)]


def write_gold() -> None:
    rows = make_forms()
    with FORMS.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"wrote {len(rows)} records to {FORMS.relative_to(ROOT)}")


# ------------------------------------------------------------------ scoring


def load_cases() -> list[dict]:
    """Corpus date_lines and forms records in one shape: category, text, now, expected."""
    corpus = [json.loads(line) for line in CORPUS.open(encoding="utf-8")]
    cases = [
        {"category": "corpus", "text": r["date_line"], "now": None, "expected": r["date"]}
        for r in corpus
    ]
    forms = [json.loads(line) for line in FORMS.open(encoding="utf-8")]
    return cases + forms


def case_now(case: dict) -> datetime:
    return datetime.fromisoformat(case["now"]) if case.get("now") else datetime.now(BKK)


def start_correct(got: datetime | date | None, expected: str | None) -> bool:
    """Date must match; time too when the gold has one and the tool can give one."""
    if expected is None or got is None:
        return expected is None and got is None
    if "T" not in expected or not isinstance(got, datetime):
        day = got.date() if isinstance(got, datetime) else got
        return day.isoformat() == expected[:10]
    want = datetime.fromisoformat(expected)
    got = got if got.tzinfo else got.replace(tzinfo=BKK)
    return abs((got - want).total_seconds()) < 60


def end_iso(found, gold_end: str | None) -> str | None:
    if found is None or found.end is None:
        return None
    if gold_end and "T" in gold_end:
        return found.end.isoformat(timespec="seconds")
    return found.end.date().isoformat()


def strictly_correct(found, case: dict) -> bool:
    """Start, end and weekday flag all as the gold says (the gate in tests/test_dates_gold.py)."""
    if found is None or case["expected"] is None:
        return found is None and case["expected"] is None
    return (
        found.iso() == case["expected"]
        and end_iso(found, case.get("end")) == case.get("end")
        and found.weekday_mismatch == case.get("weekday_mismatch", False)
    )


def ours(case: dict):
    found = parse_date(case["text"], now=case_now(case))
    return found.start if found else None


def dateparser_tool():
    import dateparser

    def run(case: dict):
        now = case_now(case)
        settings = {
            "RELATIVE_BASE": now.replace(tzinfo=None),
            "TIMEZONE": "Asia/Bangkok",
            "TO_TIMEZONE": "Asia/Bangkok",
            "RETURN_AS_TIMEZONE_AWARE": True,
        }
        return dateparser.parse(case["text"], languages=["th"], settings=settings)

    return run


def htmldate_tool():
    from htmldate import find_date

    def run(case: dict):
        html = f"<html><head></head><body><p>{case['text']}</p></body></html>"
        max_date = case_now(case).strftime("%Y-%m-%d")
        found = find_date(html, extensive_search=True, max_date=max_date)
        return date.fromisoformat(found) if found else None

    return run


# Best-effort thai_strptime formats per category; the text is cut to its first digit because
# the function takes no literal words (weekday prefixes) in its format.
STRPTIME_FORMATS = {
    "time": ["%d %B %Y %H.%M", "%d %B %Y %H:%M", "%d/%B/%Y %H:%M"],
    "numeric": ["%d/%B/%Y", "%Y-%B-%d", "%d-%B-%Y", "%d.%B.%Y"],
    "iso": ["%Y-%B-%dT%H:%M:%S", "%Y-%B-%d %H:%M:%S"],
    "no_year": ["%d %B"],
    "range": ["%d %B %Y"],
}


def strptime_tool():
    import re

    from pythainlp.util import thai_strptime

    def attempt(text: str, fmt: str):
        try:
            return thai_strptime(text, fmt)
        except Exception:  # noqa: BLE001 - any failure is a miss for the baseline
            return None

    def run(case: dict):
        text = re.sub(
            r"^\D*", "", case["text"].translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
        )
        text = re.sub(r"\s*(น\.|นาฬิกา)\s*$", "", text)
        for fmt in STRPTIME_FORMATS.get(case["category"], ["%d %B %Y"]):
            if (found := attempt(text, fmt)) is not None:
                return found
        return None

    return run


def score(tool, cases: list[dict]) -> dict[str, float]:
    hits, totals = Counter(), Counter()
    for case in cases:
        totals[case["category"]] += 1
        hits[case["category"]] += start_correct(tool(case), case["expected"])
    return {c: hits[c] / totals[c] for c in totals} | {"ALL": sum(hits.values()) / len(cases)}


def score_strict(cases: list[dict]) -> dict[str, float]:
    hits, totals = Counter(), Counter()
    for case in cases:
        totals[case["category"]] += 1
        hits[case["category"]] += strictly_correct(
            parse_date(case["text"], now=case_now(case)), case
        )
    return {c: hits[c] / totals[c] for c in totals} | {"ALL": sum(hits.values()) / len(cases)}


def throughput(tool, cases: list[dict], runs: int) -> float:
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for case in cases:
            tool(case)
        rates.append(len(cases) / (time.perf_counter() - t0))
    return statistics.median(rates)


def print_table(columns: dict[str, dict[str, float]], counts: Counter) -> None:
    names = list(columns)
    print(f"{'category':<18}{'n':>6}" + "".join(f"{n:>15}" for n in names))
    for cat in [*counts, "ALL"]:
        n = counts[cat] if cat != "ALL" else sum(counts.values())
        row = "".join(f"{100 * columns[name].get(cat, 0):>14.1f}%" for name in names)
        print(f"{cat:<18}{n:>6}{row}")


def print_bodies() -> None:
    records = dates_bodies.load()
    t0 = time.perf_counter()
    scores = dates_bodies.score(records)
    elapsed = time.perf_counter() - t0
    dates, times = scores["date"], scores["time"]
    print(f"Release bodies, hand-labelled ({len(records)} spans; {elapsed:.2f} s to score)")
    print(f"{'form':<18}{'date n':>8}{'date %':>9}{'time n':>8}{'time %':>9}")
    forms = sorted(set(dates) | set(times), key=lambda f: (f == "ALL", f))
    for form in forms:
        d, t = dates.get(form), times.get(form)
        cells = [f"{d.total:>8}{100 * d.accuracy:>8.1f}%" if d else f"{'-':>8}{'-':>9}"]
        cells.append(f"{t.total:>8}{100 * t.accuracy:>8.1f}%" if t else f"{'-':>8}{'-':>9}")
        print(f"{form:<18}{''.join(cells)}")
    held = dates_bodies.score([r for r in records if r["held_out"]])
    hd, ht = held["date"]["ALL"], held["time"]["ALL"]
    print(
        f"{'held-out only':<18}{hd.total:>8}{100 * hd.accuracy:>8.1f}%"
        f"{ht.total:>8}{100 * ht.accuracy:>8.1f}%  (labelled after the parser changes)"
    )
    for kind, table in scores.items():
        print(f"\n{kind} misses (id, gold, ours): {table['ALL'].misses}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-gold", action="store_true", help="regenerate the forms gold set")
    parser.add_argument("--bodies", action="store_true", help="only the body gold, per form")
    parser.add_argument("--runs", type=int, default=5, help="timing runs for our parser")
    args = parser.parse_args()
    if args.write_gold:
        return write_gold()
    print_bodies()
    if args.bodies:
        return None
    print()
    warnings.simplefilter("ignore")
    cases = load_cases()
    counts = Counter(c["category"] for c in cases)
    tools = {"dateparser": dateparser_tool(), "htmldate": htmldate_tool()}
    tools["thai_strptime"] = strptime_tool()
    columns = {"ours strict": score_strict(cases), "ours start": score(ours, cases)}
    columns |= {name: score(tool, cases) for name, tool in tools.items()}
    print("Accuracy of the start date (and time where the gold has one; htmldate gives dates only)")
    print("'ours strict' also requires the range end and the weekday-mismatch flag.\n")
    print_table(columns, counts)
    print(
        f"\nThroughput, strings/s (median; ours over all {len(cases)} strings x {args.runs} runs,"
    )
    print("baselines over a fixed sample of 300 x 3 runs):")
    sample = random.Random(1).sample(cases, 300)
    rates = {"ours": throughput(ours, cases, args.runs)}
    rates |= {name: throughput(tool, sample, 3) for name, tool in tools.items()}
    for name, rate in rates.items():
        print(f"  {name:<14}{rate:>10,.0f}")
    per_category = defaultdict(list)
    for case in cases:
        if not strictly_correct(parse_date(case["text"], now=case_now(case)), case):
            per_category[case["category"]].append(case["text"])
    for cat, texts in per_category.items():
        print(f"\nours misses in {cat}: {texts[:5]}")


if __name__ == "__main__":
    main()
