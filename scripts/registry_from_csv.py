"""Write the bundled registry (crawler/registry/*.yaml) from an agencies CSV.

    python scripts/registry_from_csv.py agencies.csv [--out crawler/registry]

The CSV (columns id, name_th, kind, province, homepage, evidence_url, evidence_excerpt,
confidence) lists every office with the public page that shows its homepage. Regional
education offices (ids ``reo-N``) come as kind ``provincial`` there and become ``regional``.
English names of provincial and area offices follow the official pattern
("Chiang Mai Primary Educational Service Area Office 1"). The output is reviewed and
committed; after that, the YAML files are the registry and are edited by hand.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.sources import CATEGORIES, load_sources, province_en  # noqa: E402

CENTRAL = {  # id -> (Thai name as readers know it, English name)
    "moe": ("กระทรวงศึกษาธิการ", "Ministry of Education"),
    "ops": (
        "สำนักงานปลัดกระทรวงศึกษาธิการ (สป.ศธ.)",
        "Office of the Permanent Secretary, Ministry of Education",
    ),
    "obec": (
        "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน (สพฐ.)",
        "Office of the Basic Education Commission",
    ),
    "vec": (
        "สำนักงานคณะกรรมการการอาชีวศึกษา (สอศ.)",
        "Office of the Vocational Education Commission",
    ),
    "onec": ("สำนักงานเลขาธิการสภาการศึกษา (สกศ.)", "Office of the Education Council"),
    "ksp": ("สำนักงานเลขาธิการคุรุสภา", "Teachers' Council of Thailand"),
    "otepc": (
        "สำนักงานคณะกรรมการข้าราชการครูและบุคลากรทางการศึกษา (สำนักงาน ก.ค.ศ.)",
        "Office of the Teacher Civil Service and Educational Personnel Commission",
    ),
    "opec": (
        "สำนักงานคณะกรรมการส่งเสริมการศึกษาเอกชน (สช.)",
        "Office of the Private Education Commission",
    ),
    "ipst": (
        "สถาบันส่งเสริมการสอนวิทยาศาสตร์และเทคโนโลยี (สสวท.)",
        "Institute for the Promotion of Teaching Science and Technology",
    ),
    "niets": (
        "สถาบันทดสอบทางการศึกษาแห่งชาติ (องค์การมหาชน) (สทศ.)",
        "National Institute of Educational Testing Service",
    ),
    "onesqa": (
        "สำนักงานรับรองมาตรฐานและประเมินคุณภาพการศึกษา (องค์การมหาชน) (สมศ.)",
        "Office for National Education Standards and Quality Assessment",
    ),
    "dole": (None, "Department of Learning Encouragement"),
    "mhesi": (
        None,
        "Office of the Permanent Secretary, Ministry of Higher Education, Science, Research "
        "and Innovation",
    ),
    "eef": (None, "Equitable Education Fund"),
}
# Homepages the registry held before this list, kept where the list has none or doubts one.
CARRIED_OVER = {
    "vec": ("https://www.vec.go.th/", "homepage kept from the earlier bundled registry"),
    "otepc": ("https://www.otepc.go.th/", "homepage kept from the earlier bundled registry"),
    "onesqa": (
        "https://www.onesqa.or.th/",
        "the evidence is on the English sub-site en.onesqa.or.th; the Thai site is www",
    ),
}
HEADERS = {
    "central": "Central agencies (ส่วนกลาง): ministries, commissions and national institutes.",
    "regional": "Regional education offices (สำนักงานศึกษาธิการภาค 1-18).",
    "provincial": "Provincial education offices (สำนักงานศึกษาธิการจังหวัด), one per province.",
    "esa-primary": "Primary educational service area offices (สพป.).",
    "esa-secondary": "Secondary educational service area offices (สพม., as restructured in 2021).",
}
DISTRICT = re.compile(r"เขต\s*(\d+)\s*$")


def category_of(row: dict) -> str:
    return "regional" if row["id"].startswith("reo-") else row["kind"]


def district_of(row: dict) -> int:
    found = DISTRICT.search(row["name_th"])
    return int(found.group(1)) if found else 0


def english_name(row: dict, category: str) -> str | None:
    provinces = " and ".join(province_en(p) or p for p in row["province"].split())
    number = f" {district_of(row)}" if district_of(row) else ""
    if category == "central":
        return CENTRAL.get(row["id"], (None, None))[1]
    if category == "regional":
        return f"Regional Education Office {row['id'].removeprefix('reo-')}"
    if category == "provincial":
        return f"{provinces} Provincial Education Office"
    level = "Primary" if category == "esa-primary" else "Secondary"
    return f"{provinces} {level} Educational Service Area Office{number}"


def entry_of(row: dict) -> dict:
    category = category_of(row)
    thai = CENTRAL.get(row["id"], (None, None))[0] if category == "central" else None
    entry = {"id": row["id"], "name": thai or row["name_th"].strip()}
    entry["name_en"] = english_name(row, category)
    provinces = row["province"].split()
    if provinces:
        entry["province"] = provinces[0] if len(provinces) == 1 else provinces
    url, note = CARRIED_OVER.get(row["id"], (row["homepage"], None))
    if url:
        entry["url"] = url
    if row["evidence_url"]:
        entry["evidence_url"] = row["evidence_url"]
    if row["confidence"]:
        entry["confidence"] = row["confidence"]
    if row["confidence"] == "low" and not note:
        note = "low confidence: " + row["evidence_excerpt"].strip()
    if note:
        entry["notes"] = note
    return {k: v for k, v in entry.items() if v}


def render(category: str, entries: list[dict]) -> str:
    known = sum("url" in e for e in entries)
    head = [
        f"# {HEADERS[category]}",
        f"# {len(entries)} offices, {known} with a known homepage; an entry without `url` is",
        "# disabled until someone adds it (one line). `evidence_url` is the public page that",
        "# shows the homepage belongs to the office; `confidence` says how sure that is.",
        f"category: {category}",
        "sources:",
    ]
    return "\n".join(head + [line for entry in entries for line in entry_lines(entry)]) + "\n"


def entry_lines(entry: dict) -> list[str]:
    """One ``key: value`` line per field; a list of provinces stays on its line."""
    lines = []
    for key, value in entry.items():
        if isinstance(value, list):
            text = f"{key}: [{', '.join(value)}]"
        else:
            text = yaml.safe_dump({key: value}, allow_unicode=True, width=1000).strip()
        lines.append(("  - " if not lines else "    ") + text)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "crawler" / "registry")
    args = parser.parse_args(argv)
    with open(args.csv, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    args.out.mkdir(parents=True, exist_ok=True)
    for category in CATEGORIES:
        chosen = [r for r in rows if category_of(r) == category]
        if category not in ("central", "regional"):  # by province, then district
            chosen.sort(key=lambda r: (r["province"], district_of(r), r["id"]))
        entries = [entry_of(r) for r in chosen]
        (args.out / f"{category}.yaml").write_text(render(category, entries), encoding="utf-8")
    sources = load_sources(args.out)  # what was written must load
    print(f"{len(sources)} offices, {sum(s.enabled for s in sources)} enabled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
