"""`edunews status` groups unreachable sources by kind and region; a moved homepage shows
its new address."""

from __future__ import annotations

import json

import pytest

from archive import status
from crawler.sources import Source
from tests.conftest import FAST, edunews
from tests.test_sources_check import base, serve
from tests.test_status import NOW, Archive

REGISTRY = [
    Source("spp-a", "ก", "https://spp-a.go.th/", category="esa-primary", provinces=("เชียงใหม่",)),
    Source("spp-b", "ข", "https://spp-b.go.th/", category="esa-primary", provinces=("น่าน",)),
    Source("spp-c", "ค", "https://spp-c.go.th/", category="esa-primary", provinces=("ยะลา",)),
    Source("peo-d", "ง", "https://peo-d.go.th/", category="provincial", provinces=("ยะลา",)),
    Source("moe", "จ", "https://moe.go.th/", category="central", provinces=("กรุงเทพมหานคร",)),
]


@pytest.fixture
def archive(tmp_path):
    built = Archive(tmp_path / "a.db")
    for source in [*REGISTRY, Source("gone", "ฉ", "https://gone.go.th/")]:
        built.source(source.id)
    down = {"status": "failed", "reason": "homepage unreachable (timeout)"}
    built.run(1, **{sid: down for sid in ("spp-a", "spp-b", "spp-c", "peo-d", "gone")}, moe={})
    yield built
    built.db.close()


def test_unreachable_sources_grouped_by_kind_then_region(archive):
    health = status.source_health(archive.db, NOW, registry=REGISTRY)
    spp_a = next(h for h in health if h["source"] == "spp-a")
    assert spp_a["category"] == "esa-primary" and spp_a["region"] == "north"
    assert spp_a["province"] == "เชียงใหม่"
    assert status.unreachable_groups(health) == {
        ("provincial", "south"): ["peo-d"],
        ("esa-primary", "north"): ["spp-a", "spp-b"],
        ("esa-primary", "south"): ["spp-c"],
        ("unregistered", "-"): ["gone"],
    }
    text = status.render_text(health)
    assert "unreachable by kind and region (5):" in text
    assert any(line.split()[:3] == ["esa-primary", "north", "2"] for line in text.splitlines())
    assert text.splitlines()[-1] == "6 sources: 1 ok, 0 degraded, 5 failing"


def test_without_registry_the_sources_table_places_them(archive):
    """What the health page does: the sources table's columns (migration 0009)."""
    archive.db["sources"].update("spp-a", {"category": "esa-primary", "region": "north"})
    health = status.source_health(archive.db, NOW)
    assert status.unreachable_groups(health) == {
        ("esa-primary", "north"): ["spp-a"],
        ("unregistered", "-"): ["gone", "peo-d", "spp-b", "spp-c"],
    }


def test_moved_homepage_is_reported_with_its_new_address(tmp_path):
    """A real crawl: the homepage answers 301 to another host; the crawl does not follow it,
    and `edunews status` says where it went."""
    elsewhere, elsewhere_log = serve("127.0.0.2", {"/": (200, {}, b"<html></html>")})
    target = base(elsewhere) + "new/"
    moved, _ = serve("127.0.0.1", {"/": (301, {"Location": target}, b"")})
    try:
        registry = tmp_path / "sources.yaml"
        registry.write_text(
            "sources:\n  - id: spp-moved\n    name: สพป.ย้าย\n    province: น่าน\n"
            f"    category: esa-primary\n    url: {base(moved)}\n",
            encoding="utf-8",
        )
        db = tmp_path / "archive.db"
        crawl = edunews("crawl", "--sources", str(registry), "--db", str(db), *FAST)
        assert crawl.returncode == 1, crawl.stderr[-2000:]
        assert elsewhere_log.seen == []  # not followed off-site
        result = edunews("status", "--db", str(db), "--sources", str(registry), "--json")
        (health,) = json.loads(result.stdout)
        assert health["moved_to"] == target
        assert f"homepage moved to another host: {target}" in health["reason"]
        assert (health["category"], health["region"]) == ("esa-primary", "north")
        text = edunews("status", "--db", str(db), "--sources", str(registry)).stdout
        assert "unreachable by kind and region (1):" in text and "spp-moved" in text
    finally:
        for server in (elsewhere, moved):
            server.shutdown()
            server.server_close()


def test_health_page_groups_unreachable_sources(archive):
    import asyncio

    from archive import publish

    archive.db["sources"].update("spp-a", {"category": "esa-primary", "region": "north"})
    archive.db["sources"].update("spp-b", {"category": "esa-primary", "region": "north"})
    ds = publish.datasette_app(archive.db.conn.execute("pragma database_list").fetchone()[2])
    response = asyncio.run(ds.client.get("/-/edunews/health"))
    assert response.status_code == 200
    html = response.text
    assert "Unreachable, by kind and region" in html
    assert "<strong>esa-primary</strong> · north: 2 (spp-a, spp-b)" in html
    health = asyncio.run(ds.client.get("/-/edunews/health.json")).json()
    assert {h["source"]: h["region"] for h in health}["spp-a"] == "north"
