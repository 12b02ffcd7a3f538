"""Issue 16 through the page extractor: a release's body dates are read against its own
publication date, and the parser's doubts reach the article's date_warning."""

from crawler.extract.page import extract_article

PAGE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="{published}"></head>
<body><article><h1>{title}</h1><div class="entry-content">
<p>{opening}</p>
<p>รายละเอียดของกิจกรรมและผู้เข้าร่วมจากหลายจังหวัด ทั้งครูและนักเรียนจำนวนมาก
ร่วมแลกเปลี่ยนเรียนรู้ตลอดทั้งวัน เพื่อพัฒนาคุณภาพการศึกษาให้ดียิ่งขึ้นต่อไป</p>
</div></article></body></html>"""


def extract(opening: str, published: str):
    html = PAGE.format(title="ศธ. จัดประชุมครูทั่วประเทศ", published=published, opening=opening)
    return extract_article("https://example.go.th/news/1", html)


def test_a_yearless_event_date_reads_forward_from_the_release():
    article = extract("ศธ. จะจัดประชุมในวันที่ 28 มีนาคมนี้ ณ กรุงเทพฯ", "2023-03-10T09:00:00+07:00")
    assert article.event_date == "2023-03-28"
    assert article.date_warning is None


def test_a_bracketed_date_that_contradicts_its_release_is_reported():
    article = extract("วันนี้ (4 มิถุนายน 2560) รัฐมนตรีเปิดงาน", "2018-01-05T09:00:00+07:00")
    assert article.event_date == "2017-06-04"
    assert "relative word" in article.date_warning


def test_time_after_a_bracketed_date_in_the_opening():
    article = extract(
        "วันนี้ (12 ม.ค. 68) เวลา 13.30 น. ณ ทำเนียบรัฐบาล รัฐมนตรีเปิดงาน", "2025-01-12T18:00:00+07:00"
    )
    assert article.event_date == "2025-01-12" and article.date_warning is None
