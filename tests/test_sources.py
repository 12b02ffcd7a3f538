import csv
from collections import Counter
from pathlib import Path

import pytest

from crawler.sources import (
    BUNDLED,
    CATEGORIES,
    SourcesError,
    load_sources,
    matching,
    region_of,
    select,
)
from tests.conftest import edunews

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text, name="sources.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the bundled national registry ---------------------------------------------------------------
@pytest.fixture(scope="module")
def bundled():
    return load_sources(BUNDLED)


def test_bundled_registry_is_every_office(bundled):
    counts = Counter(s.category for s in bundled)
    assert counts == {
        "central": 14,
        "regional": 18,
        "provincial": 77,
        "esa-primary": 183,
        "esa-secondary": 62,
    }
    assert sum(s.enabled for s in bundled) >= 116
    assert all(s.enabled == bool(s.url) for s in bundled)
    # every province has its provincial office, and its area offices name it
    assert {s.province for s in bundled if s.category == "provincial"} == {
        p for s in bundled for p in s.provinces
    }


def test_every_homepage_says_where_it_came_from(bundled):
    for source in bundled:
        if source.enabled:
            assert source.evidence_url or source.notes, source.id
            assert source.confidence in (None, "high", "medium", "low")
    moe = next(s for s in bundled if s.id == "moe")
    assert moe.url == "https://www.moe.go.th/" and moe.kind == "auto"
    assert moe.name_en == "Ministry of Education" and moe.confidence == "high"


def test_bundled_registry_has_the_central_agencies(bundled):
    enabled = {s.id for s in select(bundled, None)}
    assert {"moe", "obec", "ops", "vec", "onec", "ksp"} <= enabled
    assert "eef" not in enabled  # no homepage known: listed, disabled


def test_area_offices_carry_province_region_and_english_name(bundled):
    office = next(s for s in bundled if s.id == "spp-chiangmai-1")
    assert office.category == "esa-primary" and office.province == "เชียงใหม่"
    assert office.region == "north"
    assert office.name_en == "Chiang Mai Primary Educational Service Area Office 1"
    shared = next(s for s in bundled if s.id == "spm-trang-krabi")
    assert shared.provinces == ("ตรัง", "กระบี่") and shared.region == "south"
    assert region_of("ไม่มีจังหวัดนี้") is None


def test_bundled_registry_holds_every_office_of_the_list_it_came_from(bundled, tmp_path):
    """The committed registry is edited by hand after generation (a homepage added, a moved
    one changed), so it is compared office by office, not byte for byte; the converter run
    on the list must still write a registry that loads."""
    source = ROOT / "tests" / "data" / "registry" / "agencies.csv"
    with open(source, encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    by_id = {s.id: s for s in bundled}
    assert set(rows) <= set(by_id)
    for sid, row in rows.items():
        office = by_id[sid]
        assert office.category == ("regional" if sid.startswith("reo-") else row["kind"]), sid
        assert office.provinces == tuple(row["province"].split()), sid
        if row["homepage"]:
            assert office.url and (office.evidence_url == row["evidence_url"]), sid
    out = tmp_path / "registry"
    result = edunews_script("scripts/registry_from_csv.py", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(f.name for f in out.iterdir()) == sorted(f"{c}.yaml" for c in CATEGORIES)
    assert {s.id for s in load_sources(out)} == set(rows)


def edunews_script(*args):
    import subprocess
    import sys

    command = [sys.executable, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_matching_filters(bundled):
    chiang_mai = matching(bundled, province="เชียงใหม่")
    assert {s.category for s in chiang_mai} == {"provincial", "esa-primary", "esa-secondary"}
    disabled = matching(bundled, category="regional", enabled=False)
    assert disabled and not any(s.enabled for s in disabled)


def test_a_disabled_source_is_refused_by_name(bundled):
    with pytest.raises(SourcesError, match="disabled source.*eef"):
        select(bundled, "moe,eef")


# -- a user's registry file ----------------------------------------------------------------------
def test_an_area_office_is_one_entry_with_its_homepage(tmp_path):
    path = write(
        tmp_path, "sources:\n  - id: spm-x\n    name: สพม.ตัวอย่าง\n    url: https://x.example/\n"
    )
    (source,) = load_sources(path)
    assert source.kind == "auto" and source.hints == {} and source.enabled
    assert source.hosts == {"x.example"}


def test_an_office_without_homepage_is_disabled_until_its_url_is_added(tmp_path):
    path = write(tmp_path, "category: esa-primary\nsources:\n  - id: a\n    name: ก\n")
    (source,) = load_sources(path)
    assert not source.enabled and source.url == "" and source.category == "esa-primary"
    assert select([source], None) == []
    path = write(tmp_path, "sources:\n  - id: a\n    name: ก\n    url: https://a.example/\n")
    assert load_sources(path)[0].enabled


def test_a_folder_is_a_registry(tmp_path):
    central = "category: central\nsources:\n  - {id: a, name: ก, url: 'https://a/'}\n"
    write(tmp_path, central, "central.yaml")
    write(tmp_path, "sources:\n  - {id: b, name: ข, url: 'https://b/'}\n", "local.yaml")
    assert [s.id for s in load_sources(tmp_path)] == ["a", "b"]
    write(tmp_path, "sources:\n  - {id: a, name: ค, url: 'https://c/'}\n", "local.yaml")
    with pytest.raises(SourcesError, match=r"local.yaml: duplicate source id 'a' \(first in"):
        load_sources(tmp_path)


def test_hints_and_hosts(tmp_path):
    path = write(
        tmp_path,
        "sources:\n  - id: a\n    name: ก\n    url: https://a.example/\n    kind: listing\n"
        "    listing_url: https://news.a.example/list\n    allowed_hosts: [cdn.a.example]\n",
    )
    (source,) = load_sources(path)
    assert source.kind == "listing"
    assert source.hosts == {"a.example", "news.a.example", "cdn.a.example"}


ENTRY = "sources:\n  - id: a\n    name: ก\n    url: https://a/\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("sources: [", "not valid YAML"),
        ("items: []", "top-level `sources:` list"),
        ("sources: []\ncolour: red\n", "unknown top-level key(s) colour"),
        ("category: school\nsources: []\n", "`category` must be one of"),
        ("sources:\n  - id: a\n    enabled: true\n    name: ก\n", "line 2: source #1 (a): `url`"),
        ("sources:\n  - id: A B\n    name: ก\n    url: https://a/\n", "`id` must be lowercase"),
        ("sources:\n  - id: a\n    name: 5\n    url: https://a/\n", "`name` is required"),
        ("sources:\n  - id: a\n    name: ก\n    url: ftp://a/\n", "`url` must be an http(s) URL"),
        ("sources:\n  - id: a\n    name: ก\n    url: [1]\n", "`url` must be text"),
        (ENTRY + "    kind: rss\n", "`kind` must be"),
        (ENTRY + "    colour: red\n", "unknown field"),
        (ENTRY + "    enabled: maybe\n", "`enabled` must be true or false"),
        (ENTRY + "    category: school\n", "`category` must be one of"),
        (ENTRY + "    confidence: sure\n", "`confidence` must be one of high, medium, low"),
        (ENTRY + "    province: Atlantis\n", "'Atlantis' is not one of the 77 provinces"),
        (ENTRY + "    province: {a: 1}\n", "`province` must be a province name"),
        # issue 11, item 11: these gave tracebacks
        (ENTRY + "    allowed_hosts: [1, 2]\n", "`allowed_hosts` must be a list of host names"),
        (ENTRY + "    allowed_hosts: cdn.a\n", "`allowed_hosts` must be a list of host names"),
        (ENTRY + "    allowed_hosts: ['a/b']\n", "`allowed_hosts` holds 'a/b'"),
        (ENTRY + '    feed_url: "http://[::1"\n', "`feed_url` must be an http(s) URL"),
        (ENTRY + "    feed_url: 7\n", "`feed_url` must be an http(s) URL"),
        (ENTRY + "    sitemap_url: http://a:99999/\n", "`sitemap_url` must be an http(s) URL"),
        ("sources:\n  - id: a\n    name: ก\n    url: 'http://[::1'\n", "`url` must be an http"),
        (
            "sources:\n  - {id: a, name: ก, url: 'https://a/'}\n  - {id: a, name: ข, url: 'https://b/'}\n",
            "duplicate source id 'a'",
        ),
    ],
)
def test_bad_registry_names_the_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_entry_names_file_line_and_id(tmp_path):
    path = write(tmp_path, ENTRY + "  - id: b\n    name: ข\n    url: https://b/\n    feed_url: x\n")
    with pytest.raises(SourcesError, match=r"sources.yaml line 5: source #2 \(b\): `feed_url`"):
        load_sources(path)


@pytest.mark.parametrize("hint", ["allowed_hosts: [1, 2]", 'feed_url: "http://[::1"', "enabled: 3"])
def test_cli_gives_one_line_and_exit_2_for_a_bad_registry(tmp_path, hint, capsys):
    from archive import cli

    path = write(tmp_path, ENTRY + f"    {hint}\n")
    db = tmp_path / "archive.db"
    assert cli.main(["crawl", "--sources", str(path), "--db", str(db)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("edunews: error: ") and str(path) in lines[0]
    assert not db.exists()  # nothing created or changed


def test_bad_registry_in_its_own_process_has_no_traceback(tmp_path):
    path = write(tmp_path, ENTRY + "    allowed_hosts: [1, 2]\n")
    result = edunews("crawl", "--sources", str(path), "--db", str(tmp_path / "a.db"), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("`allowed_hosts` must be a list of host names")


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(SourcesError, match="cannot read sources file"):
        load_sources(tmp_path / "nope.yaml")


def test_empty_folder_is_one_line(tmp_path):
    with pytest.raises(SourcesError, match="no registry files"):
        load_sources(tmp_path)


def test_select_only():
    sources = load_sources()
    assert [s.id for s in select(sources, "obec,moe")] == ["moe", "obec"]
    with pytest.raises(SourcesError, match="unknown source id"):
        select(sources, "moe,nosuch")


def test_intranet_is_a_declared_boolean(tmp_path):
    """An intranet source (private addresses allowed by HostGuard) is said with `intranet: true`."""
    from crawler.sources import SourcesError, load_sources

    good = tmp_path / "good.yaml"
    good.write_text(
        "sources:\n  - {id: lan, name: ก, url: 'http://10.0.0.5/', intranet: true}\n", "utf-8"
    )
    (source,) = load_sources(str(good))
    assert source.hints["intranet"] is True
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n  - {id: lan, name: ก, url: 'http://10.0.0.5/', intranet: yes please}\n", "utf-8"
    )
    with pytest.raises(SourcesError, match="`intranet` must be true"):
        load_sources(str(bad))
