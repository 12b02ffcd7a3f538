"""Words a page uses to say what it is, as regular-expression sources (Thai with the English
forms agency sites also print): compiled by ``crawler.extract.page`` and
``crawler.extract.links``. Adding a wording a site uses is a one-line change here.
"""

# A deleted item answered with 200 and a message (a "soft 404").
SOFT_404 = (
    r"ไม่พบ(ข้อมูล|ข่าว|หน้า)|ไม่มีข้อมูล|ข้อมูลถูกลบ|page not found|not found|^404\b|error 404"
)

# The words of a note inserted when a release is edited: "(ปรับปรุงข้อมูลเมื่อ 5 ธันวาคม 2567)",
# "แก้ไขล่าสุดเมื่อ 5 ธ.ค. 67"; what may follow them before the date.
EDIT_WORDS = r"(?:ปรับปรุง|แก้ไข|อัปเดต|อัพเดต|อัพเดท|updated?)"
EDIT_OBJECT = r"(?:ข้อมูล|ข่าว)?(?:ล่าสุด)?\s*(?:เมื่อ|:)"

# Menu pages every site has; a release is never titled only this.
NOT_RELEASE_TITLES = (
    r"เกี่ยวกับ(?:เรา|หน่วยงาน|สำนักงาน)?|ติดต่อ(?:เรา|สอบถาม|หน่วยงาน)?|"
    r"ประวัติ(?:ความเป็นมา|หน่วยงาน)?|วิสัยทัศน์.{0,30}|โครงสร้าง(?:องค์กร|หน่วยงาน)?|"
    r"แผนผังเว็บไซต์|ผังเว็บไซต์|นโยบายความเป็นส่วนตัว|about(?: us)?|contact(?: us)?|"
    r"sitemap|privacy policy"
)

# Listing navigation: a "next page" link's whole text, a page number's prefix, and the menu
# labels of news listings.
NEXT_LABELS = (
    r"^(ถัดไป|หน้าถัดไป|next|older|ต่อไป|›|»|>|>>)\W*$|^(ถัดไป|next)\b|^older (posts|entries)\W*$"
)
PAGE_LABEL = r"^(page|หน้า(ที่)?)\s*"  # "Page 2" (a screen-reader prefix)
NEWS_LABELS = r"ข่าว|ประชาสัมพันธ์|news|press"
