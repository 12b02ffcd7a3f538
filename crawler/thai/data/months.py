"""Month, weekday, era and relative-time words as data, for ``crawler.thai.dates``.

Every spelling a parser accepts is listed here, so adding one an agency site uses is a
one-line change. Abbreviations are written in their dotted form; the parser also accepts
them without dots (``ส.ค``, ``สค.``, ``สค``).
"""

# Index + 1 is the month number.
THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)

THAI_MONTH_ABBREVIATIONS = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

# Spoken short forms that news sites also print ("ปลายเดือนสิงหา").
THAI_MONTH_SHORT = (
    "มกรา", "กุมภา", "มีนา", "เมษา", "พฤษภา", "มิถุนา",
    "กรกฎา", "สิงหา", "กันยา", "ตุลา", "พฤศจิกา", "ธันวา",
)

# Misspellings seen on agency pages (ฏ for ฎ, ษ for ศ, a dropped or wrong final letter).
THAI_MONTH_MISSPELLINGS = {
    "มกรามคม": 1,
    "กุมภาพันธ": 2,
    "กุมภาพันธุ์": 2,
    "กุมภาพัน": 2,
    "มีนาคาม": 3,
    "เมษายม": 4,
    "พฤษภาคาม": 5,
    "พฤศภาคม": 5,
    "มิถุยายน": 6,
    "มิถุนายม": 6,
    "กรกฏาคม": 7,
    "กรกฎคม": 7,
    "กรฏาคม": 7,
    "กรกฏา": 7,
    "สิงหคม": 8,
    "สิงหาคาม": 8,
    "กันยายม": 9,
    "กันยาน": 9,
    "ตุลคม": 10,
    "พฤษจิกายน": 11,
    "พฤศจิกายม": 11,
    "พฤศจิการยน": 11,
    "พฤษจิกา": 11,
    "ธันวาคาม": 12,
    "ธันวาม": 12,
}

ENGLISH_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)

ENGLISH_MONTH_ABBREVIATIONS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

# Python's weekday numbers: Monday is 0.
THAI_WEEKDAYS = {
    "จันทร์": 0, "จันทร": 0,
    "อังคาร": 1,
    "พุธ": 2,
    "พฤหัสบดี": 3, "พฤหัสฯ": 3, "พฤหัส": 3, "พฤหัสบดิ": 3,
    "ศุกร์": 4, "ศุกร": 4,
    "เสาร์": 5, "เสาร": 5,
    "อาทิตย์": 6, "อาทิตย": 6,
}

ENGLISH_WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thu": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}

# Year markers: Buddhist Era (year = Gregorian + 543) and Common Era.
ERA_BE = ("พ.ศ.", "พุทธศักราช", "B.E.")
ERA_CE = ("ค.ศ.", "คริสต์ศักราช", "คริสตศักราช", "A.D.", "C.E.")

# "N <unit> ago": unit word -> (timedelta keyword or months, whether the result has a time).
RELATIVE_UNITS = {
    "วินาที": "seconds", "นาที": "minutes", "ชั่วโมง": "hours", "ชม.": "hours", "ชม": "hours",
    "วัน": "days", "สัปดาห์": "weeks", "อาทิตย์": "weeks", "เดือน": "months", "ปี": "years",
    "seconds": "seconds", "second": "seconds", "secs": "seconds", "sec": "seconds",
    "minutes": "minutes", "minute": "minutes", "mins": "minutes", "min": "minutes",
    "hours": "hours", "hour": "hours", "hrs": "hours", "hr": "hours",
    "days": "days", "day": "days", "weeks": "weeks", "week": "weeks",
    "months": "months", "month": "months", "years": "years", "year": "years",
}

RELATIVE_AGO = ("ที่แล้ว", "ที่ผ่านมาแล้ว", "ที่ผ่านมา", "ก่อน", "ago")

# "ที่ผ่านมา" after a day count is "N days ago" (เมื่อ 3 วันที่ผ่านมา) only for short units;
# "20 ปีที่ผ่านมา" is "over the past 20 years", a span and no date.
AGO_PAST_UNITS = ("seconds", "minutes", "hours", "days", "weeks")

# Words before a count that make it a span, not a point: "ในเวลา 4 วันที่ผ่านมา".
DURATION_BEFORE = ("ในเวลา", "ในช่วง", "ในรอบ", "ตลอด", "ภายใน", "ใน")

# Whole words naming a day relative to the reference: word -> days back (negative: ahead).
RELATIVE_DAYS = {
    "วันนี้": 0, "today": 0,
    "เมื่อวานนี้": 1, "เมื่อวาน": 1, "yesterday": 1,
    "เมื่อวานซืน": 2, "วานซืน": 2,
    "พรุ่งนี้": -1, "tomorrow": -1,
    "มะรืนนี้": -2, "มะรืน": -2,
}

# A weekday named relative to the reference: "เมื่อวันจันทร์ที่แล้ว" (the last Monday before),
# "วันพุธนี้" (the coming Wednesday, or today), "วันศุกร์หน้า" (Friday of next week).
WEEKDAY_BACK = ("ที่แล้ว", "ที่ผ่านมา")
WEEKDAY_THIS = ("นี้", "ที่จะถึงนี้", "ที่จะถึง")
WEEKDAY_NEXT = ("หน้า",)

# Words after a year-less date that say which way its year lies from the reference.
YEARLESS_FORWARD = ("ศกนี้", "ที่จะถึงนี้", "ที่จะถึง", "นี้")
YEARLESS_BACK = ("ที่ผ่านมา", "ผ่านมา", "ที่แล้ว")
# ... or that it names the day in every year ("8 กันยายนของทุกปี"), so no one date at all.
YEARLESS_EVERY = ("ของทุกปี", "ทุกปี", "เป็นประจำทุกปี")

# Words meaning "a moment ago": the fetch time itself.
RELATIVE_NOW = ("เมื่อสักครู่", "เมื่อครู่นี้", "เมื่อครู่", "just now")
