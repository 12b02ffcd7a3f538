"""Article ids come from one module that the crawler and the store both use."""

from archive import store
from crawler import ids
from crawler.extract import urls


def test_one_definition_of_identity():
    assert store.article_id is ids.article_id
    assert urls.url_key is ids.url_key and urls.canonical_url is ids.canonical_url


def test_forms_of_one_url_are_one_article():
    forms = [
        "https://www.obec.go.th/2019/08/22/%E0%B8%84%E0%B8%A3%E0%B8%B9/?utm_source=fb",
        "http://obec.go.th/2019/08/22/ครู",
        "HTTPS://OBEC.GO.TH:443/2019/08/22/ครู/#top",
    ]
    assert len({ids.url_key(u) for u in forms}) == 1
    assert len({ids.article_id(u) for u in forms}) == 1
    assert ids.article_id(forms[0]) != ids.article_id("https://obec.go.th/2019/08/22/")
