import pytest

from crawler.sources import BUNDLED, SourcesError, load_sources, select


def write(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_registry_has_the_central_agencies():
    sources = load_sources(BUNDLED)
    ids = {s.id for s in sources}
    assert {"moe", "obec", "ops", "vec", "onec", "ksp"} <= ids
    moe = next(s for s in sources if s.id == "moe")
    assert moe.url == "https://www.moe.go.th/" and moe.kind == "auto"
    assert all(s.url.startswith("https://") for s in sources)


def test_an_area_office_is_one_entry_with_its_homepage(tmp_path):
    path = write(
        tmp_path, "sources:\n  - id: spm-x\n    name: สพม.ตัวอย่าง\n    url: https://x.example/\n"
    )
    (source,) = load_sources(path)
    assert source.kind == "auto" and source.hints == {}
    assert source.hosts == {"x.example"}


def test_hints_and_hosts(tmp_path):
    path = write(
        tmp_path,
        "sources:\n  - id: a\n    name: ก\n    url: https://a.example/\n    kind: listing\n"
        "    listing_url: https://news.a.example/list\n    allowed_hosts: [cdn.a.example]\n",
    )
    (source,) = load_sources(path)
    assert source.kind == "listing"
    assert source.hosts == {"a.example", "news.a.example", "cdn.a.example"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("sources: [", "not valid YAML"),
        ("items: []", "top-level `sources:` list"),
        ("sources:\n  - id: a\n    name: ก\n", "source #1 (a): `url` is required"),
        ("sources:\n  - id: A B\n    name: ก\n    url: https://a/\n", "`id` must be lowercase"),
        ("sources:\n  - id: a\n    name: ก\n    url: ftp://a/\n", "`url` must be an http(s) URL"),
        (
            "sources:\n  - id: a\n    name: ก\n    url: https://a/\n    kind: rss\n",
            "`kind` must be",
        ),
        (
            "sources:\n  - id: a\n    name: ก\n    url: https://a/\n    colour: red\n",
            "unknown field",
        ),
        (
            "sources:\n  - {id: a, name: ก, url: 'https://a/'}\n  - {id: a, name: ข, url: 'https://b/'}\n",
            "duplicate source id 'a'",
        ),
    ],
)
def test_bad_registry_names_the_problem(tmp_path, text, message):
    with pytest.raises(SourcesError) as err:
        load_sources(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(SourcesError, match="cannot read sources file"):
        load_sources(tmp_path / "nope.yaml")


def test_select_only():
    sources = load_sources()
    assert [s.id for s in select(sources, "obec,moe")] == ["moe", "obec"]
    with pytest.raises(SourcesError, match="unknown source id"):
        select(sources, "moe,nosuch")
