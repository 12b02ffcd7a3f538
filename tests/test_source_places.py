"""The archive knows where each agency sits (kind, province, region, from the registry), and
the canned query "what a province's offices published" uses the agency's own province."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from archive import store
from crawler.sources import Source

METADATA = Path(__file__).resolve().parent.parent / "archive" / "datasette" / "metadata.yaml"
SOURCES = [
    Source("spp-cm", "สพป.เชียงใหม่ เขต 1", "https://a/", category="esa-primary",
           provinces=("เชียงใหม่",)),
    Source("spm-lp", "สพม.ลำปาง ลำพูน", "https://b/", category="esa-secondary",
           provinces=("ลำปาง", "ลำพูน")),
    Source("moe", "กระทรวงศึกษาธิการ", "https://c/", category="central",
           provinces=("กรุงเทพมหานคร",)),
    Source("spp-nan", "สพป.น่าน", "https://d/", category="esa-primary", provinces=("น่าน",)),
    Source("old", "สำนักงานศึกษาธิการจังหวัดลำพูน", "https://e/"),  # no province known
]  # fmt: skip


def province_query() -> str:
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    return metadata["databases"]["edunews"]["queries"]["province_area_offices"]["sql"]


def archive(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    store.upsert_sources(db, SOURCES)
    for n, source in enumerate(SOURCES):
        url = f"https://{source.id}.go.th/news/{n}"
        title = "ข่าวจากจังหวัดเชียงใหม่" if source.id == "spp-nan" else "ข่าว"  # names a province
        db["articles"].insert(
            {"id": store.article_id(url), "url": url, "source": source.id, "title": title}
            | {"published_at": "2025-05-30", "first_seen_at": "2025-05-30T00:00:00+00:00"}
        )
    return db


def offices(db, province: str) -> set[str]:
    params = {"province": province, "since": "", "until": ""}
    return {row[1] for row in db.execute(province_query(), params).fetchall()}


def test_sources_table_says_where_each_agency_sits(tmp_path):
    db = archive(tmp_path)
    row = db["sources"].get("spm-lp")
    assert (row["category"], row["province"], row["region"]) == ("esa-secondary", "ลำปาง", "north")
    assert json.loads(row["provinces"]) == ["ลำปาง", "ลำพูน"]
    assert db["sources"].get("old")["province"] is None


def test_province_query_uses_the_agency_province_not_the_text(tmp_path):
    db = archive(tmp_path)
    assert offices(db, "เชียงใหม่") == {"สพป.เชียงใหม่ เขต 1"}  # not สพป.น่าน's article
    assert offices(db, "ลำพูน") == {"สพม.ลำปาง ลำพูน", "สำนักงานศึกษาธิการจังหวัดลำพูน"}
    assert offices(db, "กรุงเทพมหานคร") == set()  # the ministry is national, not provincial
