# ruff: noqa: E501
# (HTML templates keep one element per line, like the pages they imitate.)
"""An old PHP site of a provincial education office, served in windows-874.

The charset is declared only in a <meta http-equiv> tag (the HTTP header says plain
`text/html`); there is no feed, no sitemap and no canonical link; dates are visible Thai text
in several forms; unknown ids give a "soft 404" (status 200), as such sites do.
"""

from __future__ import annotations

from html import escape

from .assets import asset_for
from .catalogue import Post
from .httpbase import Request, Response
from .sitebase import Site, page_count, paginate
from .thaitext import MONTHS_ABBR, abbr_date, be_year, clock, full_date, thai_digits, weekday_date

ATTACHMENT_KINDS = ("pdf", "docx", "xlsx")
PER_PAGE = 10


def date_form(post: Post) -> tuple[str, bool]:
    """The visible date for a post, in one of five forms; and whether it shows a time."""
    day, moment = post.day, post.published
    forms = [
        (f"วันที่ {thai_digits(abbr_date(day))}", False),
        (f"โพสต์เมื่อ : {abbr_date(day, two_digit_year=True)} เวลา {clock(moment)}", True),
        (weekday_date(day), False),
        (f"ประกาศเมื่อ {day.day:02d}/{day.month:02d}/{be_year(day)} {moment:%H:%M}", True),
        (f"เมื่อ {thai_digits(full_date(day))} เวลา {thai_digits(clock(moment))}", True),
    ]
    return forms[post.post_id % len(forms)]


def short_date(post: Post) -> str:
    return f"{post.day.day} {MONTHS_ABBR[post.day.month - 1]} {be_year(post.day) % 100:02d}"


class LegacySite(Site):
    name = "legacy"
    source_id = "sample-legacy"
    name_th = "สำนักงานศึกษาธิการจังหวัดตัวอย่าง (ตัวอย่าง)"
    name_en = "Sample Provincial Education Office (sample, legacy PHP)"
    kind = "auto"
    hints: dict = {}  # zero configuration: the homepage menu leads to the listing
    server_header = "Apache/2.2.15 (CentOS)"
    id_start, id_step = 1001, 1

    def dress(self, post: Post) -> None:
        post.images = [
            (f"images/news/{post.post_id}_{k + 1}.png", "") for k in range(post.number % 3)
        ]
        if post.number % 2 == 0:
            kinds = [ATTACHMENT_KINDS[(post.number + k) % 3] for k in range(1 + post.number % 3)]
            post.attachments = [
                (f"upload/news/{post.post_id}_{k + 1}.{ext}", f"ไฟล์แนบ {k + 1} (.{ext})")
                for k, ext in enumerate(kinds)
            ]

    def post_path(self, post: Post) -> str:
        return f"news_detail.php?id={post.post_id}"

    def published_gold(self, post: Post) -> str:
        _, timed = date_form(post)
        return post.published.isoformat() if timed else post.day.isoformat()

    # -- serving --------------------------------------------------------------------------
    def respond(self, request: Request) -> Response:
        pages = {
            "/": self.home,
            "/index.php": self.home,
            "/news.php": self.news_list,
            "/news_detail.php": self.news_detail,
            "/contact.php": self.contact,
            "/robots.txt": self.robots,
        }
        handler = pages.get(request.path)
        if handler is not None:
            return handler(request)
        return self.asset(request.path) or self.apache_404(request.path)

    def page(self, text: str) -> Response:
        body = text.encode("cp874", errors="xmlcharrefreplace")
        headers = {"X-Powered-By": "PHP/5.2.17", "Set-Cookie": "PHPSESSID=8f3a1c; path=/"}
        return Response(200, body, "text/html", headers, validators=False)

    def asset(self, path: str) -> Response | None:
        if not path.startswith(("/images/", "/upload/", "/css/", "/js/")):
            return None
        found = asset_for(path)
        return Response(200, found[0], found[1], validators=False) if found else None

    def apache_404(self, path: str) -> Response:
        text = (
            '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
            "<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n"
            f"<p>The requested URL {escape(path)} was not found on this server.</p>\n"
            "</body></html>\n"
        )
        return Response(404, text.encode(), "text/html; charset=iso-8859-1", validators=False)

    def robots(self, request: Request) -> Response:
        text = b"User-agent: *\nDisallow: /admin/\nDisallow: /webboard/\n"
        return Response(200, text, "text/plain", validators=False)

    def home(self, request: Request) -> Response:
        posts = self.catalogue.newest_first()[:5]
        rows = "".join(self.list_row(p) for p in posts)
        main = f"""<table width="100%" border="0" cellpadding="3" cellspacing="0">
<tr><td class="head_news"><img src="images/icon_news.png" align="absmiddle"> ข่าวประชาสัมพันธ์ล่าสุด</td></tr>
{rows}
<tr><td align="right"><a href="news.php">อ่านข่าวทั้งหมด &raquo;</a></td></tr></table>"""
        return self.page(self.layout(main))

    def list_row(self, post: Post) -> str:
        return (
            f'<tr><td class="list_news"><img src="images/bullet.png"> '
            f'<a href="news_detail.php?id={post.post_id}">{escape(post.title)}</a> '
            f'<font color="#999999">({short_date(post)})</font></td></tr>\n'
        )

    def news_list(self, request: Request) -> Response:
        posts = self.catalogue.newest_first()
        raw = request.query.get("page", "1")
        number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
        chunk = paginate(posts, number, PER_PAGE) or []
        rows = "".join(self.list_row(p) for p in chunk) or "<tr><td>ไม่พบข้อมูล</td></tr>"
        pager = self.pager(number, page_count(len(posts), PER_PAGE))
        main = f"""<table width="100%" border="0" cellpadding="3" cellspacing="0">
<tr><td class="head_news">ข่าวประชาสัมพันธ์ทั้งหมด ({len(posts)} รายการ)</td></tr>
{rows}<tr><td align="center" class="pager">{pager}</td></tr></table>"""
        return self.page(self.layout(main))

    def pager(self, current: int, last: int) -> str:
        links = [
            f"<b>[{n}]</b>" if n == current else f'<a href="news.php?page={n}">{n}</a>'
            for n in range(1, last + 1)
        ]
        if current > 1:
            links.insert(0, f'<a href="news.php?page={current - 1}">« ก่อนหน้า</a>')
        if current < last:
            links.append(f'<a href="news.php?page={current + 1}">ถัดไป »</a>')
        return "หน้า : " + " ".join(links)

    def news_detail(self, request: Request) -> Response:
        raw = request.query.get("id", "")
        post = self.catalogue.by_post_id(int(raw)) if raw.isdigit() else None
        if post is None:
            main = '<table width="100%"><tr><td class="topic">ไม่พบข้อมูลข่าวที่ต้องการ</td></tr></table>'
            return self.page(self.layout(main))
        return self.page(self.layout(self.detail(post)))

    def detail(self, post: Post) -> str:
        when, _ = date_form(post)
        text = "".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{escape(line)}<br>\n<br>\n" for line in post.lines)
        images = "".join(
            f'<img src="{path}" width="450" border="0" vspace="5"><br>\n' for path, _ in post.images
        )
        return f"""<table width="100%" border="0" cellpadding="5" cellspacing="0">
<tr><td class="topic"><b>{escape(post.title)}</b></td></tr>
<tr><td class="date"><font size="2" color="#666666">{when} &nbsp;|&nbsp; อ่าน {post.views} ครั้ง</font></td></tr>
<tr><td class="detail"><font size="2">
{text}</font></td></tr>
<tr><td align="center">{images}</td></tr>
{self.attachment_row(post)}
<tr><td><a href="javascript:history.back()">« ย้อนกลับ</a> | <a href="news.php">ข่าวทั้งหมด</a> | <a href="javascript:window.print()">พิมพ์</a></td></tr>
</table>"""

    def attachment_row(self, post: Post) -> str:
        if not post.attachments:
            return ""
        links = "<br>\n".join(
            f'<img src="images/icon_file.png"> <a href="{path}" target="_blank">{escape(label)}</a>'
            for path, label in post.attachments
        )
        return f'<tr><td class="attach"><b>ดาวน์โหลดเอกสาร :</b><br>\n{links}</td></tr>\n'

    def contact(self, request: Request) -> Response:
        main = f'<table width="100%"><tr><td class="topic">ติดต่อเรา</td></tr><tr><td>{self.address()}</td></tr></table>'
        return self.page(self.layout(main))

    def address(self) -> str:
        return "ศาลากลางจังหวัดตัวอย่าง ชั้น 3 ถนนหลักเมือง อำเภอเมือง จังหวัดตัวอย่าง 50000 โทร. 0 5311 2345"

    def layout(self, main: str) -> str:
        visitors = f"{180_000 + len(self.requests):07d}"
        return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-874">
<title>{escape(self.name_th)} :: ข่าวประชาสัมพันธ์</title>
<link href="css/style.css" rel="stylesheet" type="text/css">
<script language="JavaScript" src="js/menu.js"></script>
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0" marginwidth="0" marginheight="0">
<TABLE width="980" border="0" align="center" cellpadding="0" cellspacing="0">
<TR><TD colspan="2"><img src="images/banner.png" width="980" height="150" border="0"></TD></TR>
<TR><TD colspan="2" class="menubar" bgcolor="#003366">
<a href="index.php">หน้าหลัก</a> | <a href="news.php">ข่าวประชาสัมพันธ์</a> | <a href="contact.php">ติดต่อเรา</a> | <a href="http://example.invalid/" target="_blank">ระบบ e-Office</a>
</TD></TR>
<TR><TD width="200" valign="top" class="leftmenu" bgcolor="#EEF3FA">
<table width="100%" cellpadding="4"><tr><td class="menu_head">เมนูหลัก</td></tr>
<tr><td>&raquo; <a href="index.php">หน้าหลัก</a></td></tr>
<tr><td>&raquo; <a href="news.php">ข่าวประชาสัมพันธ์</a></td></tr>
<tr><td>&raquo; <a href="http://example.invalid/smss/">ระบบสารบรรณอิเล็กทรอนิกส์</a></td></tr>
<tr><td>&raquo; <a href="contact.php">ติดต่อเรา</a></td></tr>
<tr><td class="menu_head">สถิติผู้เข้าชม</td></tr>
<tr><td align="center" class="counter">จำนวนผู้เข้าชม<br><b>{visitors}</b> คน<br>เริ่มนับ 1 ม.ค. 2552</td></tr>
</table></TD>
<TD width="780" valign="top">
{main}
</TD></TR>
<TR><TD colspan="2" class="footer" align="center" bgcolor="#003366"><font color="#FFFFFF" size="2">
{escape(self.name_th)}<br>{self.address()}<br>Copyright &copy; 2009 All rights reserved.</font></TD></TR>
</TABLE>
</body>
</html>"""
