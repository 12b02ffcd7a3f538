"""Clock words, as data for ``crawler.thai.dates``: how Thai writes a time of day in words.

Thai divides the day into named watches, so the same number word means a different hour
depending on the word after it: ``สองโมงเช้า`` 08:00, ``บ่ายสองโมง`` 14:00, ``สองทุ่ม`` 20:00,
``ตีสอง`` 02:00. The official form counts hours from midnight: ``14 นาฬิกา 30 นาที``.
"""

# Number words for hours and minutes (Arabic and Thai digits are handled by the parser).
NUMBER_WORDS = {
    "หนึ่ง": 1, "เอ็ด": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6, "เจ็ด": 7,
    "แปด": 8, "เก้า": 9, "สิบ": 10, "สิบเอ็ด": 11, "สิบสอง": 12, "สิบสาม": 13, "สิบสี่": 14,
    "สิบห้า": 15, "สิบหก": 16, "สิบเจ็ด": 17, "สิบแปด": 18, "สิบเก้า": 19, "ยี่สิบ": 20,
    "ยี่สิบเอ็ด": 21, "ยี่สิบสอง": 22, "ยี่สิบสาม": 23, "ยี่สิบสี่": 24, "สามสิบ": 30,
    "สี่สิบ": 40, "สี่สิบห้า": 45, "ห้าสิบ": 50,
}

# Watch word -> (hour added to the number, hour meant when no number is written).
# "โมง" alone (เจ็ดโมง) is morning for 6-11 and afternoon for 1-5 (สี่โมง = 16:00).
MORNING = ("โมงเช้า",)
EVENING = ("โมงเย็น",)
AFTERNOON_PREFIX = ("บ่าย",)  # บ่ายสองโมง, บ่าย 2 โมง; บ่ายโมง = 13:00
NIGHT = "ทุ่ม"  # สองทุ่ม = 20:00; ทุ่มหนึ่ง/หนึ่งทุ่ม = 19:00
SMALL_HOURS = "ตี"  # ตีสาม = 03:00
HALF = "ครึ่ง"  # half past

# Fixed points of the day written as words.
NAMED = {
    "เที่ยงวัน": 12, "เที่ยงคืน": 0, "เวลาเที่ยง": 12, "ตอนเที่ยง": 12, "เที่ยงตรง": 12,
}
# "เที่ยงตรง" also means "accurate" (ความเที่ยงตรง): it counts only after เวลา/ตอน.
NAMED_NEEDS_MARK = ("เที่ยงตรง",)

# Units of the official form.
HOUR_UNIT = "นาฬิกา"
MINUTE_UNIT = "นาที"
