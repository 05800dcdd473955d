"""The fixed reference data of the demo: BMA agencies, the 20-year plan and the
governor's policy, evaluation dimensions and units.

Plain data, no database access: the generator turns it into rows. Names are the real
ones where they are known; codes follow the legacy site's pattern (4 digits, district
offices 50xx). The district numbering of the legacy site does not follow the national
district order (the samples show 5047 = บางบอน), so the list below is its own order.
"""

from __future__ import annotations

# (code, name_th, name_en, abbreviation, kind, parent code, theme)
# theme picks the KPI templates (citykpi.demo.texts.THEMES).
DEPARTMENTS: list[tuple[str, str, str, str, str, str | None, str]] = [
    (
        "0100",
        "สำนักงานเลขานุการผู้ว่าราชการกรุงเทพมหานคร",
        "Office of the Governor's Secretary",
        "สลผ.",
        "office",
        None,
        "admin",
    ),
    (
        "0200",
        "สำนักงานเลขานุการสภากรุงเทพมหานคร",
        "Office of the Secretary of the Bangkok Metropolitan Council",
        "สลส.",
        "office",
        None,
        "admin",
    ),
    (
        "0300",
        "สำนักยุทธศาสตร์และประเมินผล",
        "Strategy and Evaluation Department",
        "สยป.",
        "department",
        None,
        "strategy",
    ),
    (
        "0400",
        "สำนักปลัดกรุงเทพมหานคร",
        "Office of the Permanent Secretary for the BMA",
        "สนป.",
        "department",
        None,
        "admin",
    ),
    ("0401", "สำนักงานประชาสัมพันธ์", "Public Relations Office", "สปส.", "office", "0400", "admin"),
    ("0402", "สำนักงานกฎหมายและคดี", "Legal Affairs Office", "สกค.", "office", "0400", "admin"),
    ("0403", "สำนักงานการเจ้าหน้าที่", "Personnel Office", "สกจ.", "office", "0400", "hr"),
    ("0404", "สำนักงานการต่างประเทศ", "International Affairs Office", "สกต.", "office", "0400", "admin"),
    ("0405", "สำนักงานตรวจสอบภายใน", "Internal Audit Office", "สตน.", "office", "0400", "finance"),
    (
        "0409",
        "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร",
        "BMA Civil Service Training Institute",
        "สพข.",
        "office",
        "0400",
        "hr",
    ),
    ("0500", "สำนักงบประมาณกรุงเทพมหานคร", "Budget Department", "สงม.", "department", None, "finance"),
    (
        "0600",
        "สำนักงานคณะกรรมการข้าราชการกรุงเทพมหานคร",
        "Office of the BMA Civil Service Commission",
        "สำนักงาน ก.ก.",
        "office",
        None,
        "hr",
    ),
    ("0700", "สำนักการแพทย์", "Medical Service Department", "สนพ.", "department", None, "medical"),
    ("0701", "โรงพยาบาลกลาง", "Klang Hospital", "รพก.", "office", "0700", "medical"),
    ("0800", "สำนักอนามัย", "Health Department", "สนอ.", "department", None, "health"),
    ("0900", "สำนักการศึกษา", "Education Department", "สนศ.", "department", None, "education"),
    ("1000", "สำนักการโยธา", "Public Works Department", "สนย.", "department", None, "works"),
    ("1100", "สำนักการระบายน้ำ", "Drainage and Sewerage Department", "สนน.", "department", None, "drainage"),
    ("1101", "สำนักงานจัดการคุณภาพน้ำ", "Water Quality Management Office", "สจน.", "office", "1100", "drainage"),
    ("1200", "สำนักสิ่งแวดล้อม", "Environment Department", "สสล.", "department", None, "environment"),
    (
        "1300",
        "สำนักการจราจรและขนส่ง",
        "Traffic and Transportation Department",
        "สจส.",
        "department",
        None,
        "traffic",
    ),
    ("1400", "สำนักการคลัง", "Finance Department", "สนค.", "department", None, "finance"),
    ("1500", "สำนักพัฒนาสังคม", "Social Development Department", "สพส.", "department", None, "social"),
    (
        "1600",
        "สำนักวัฒนธรรม กีฬาและการท่องเที่ยว",
        "Culture, Sports and Tourism Department",
        "สวท.",
        "department",
        None,
        "culture",
    ),
    ("1700", "สำนักเทศกิจ", "City Law Enforcement Department", "สนท.", "department", None, "enforcement"),
    (
        "1800",
        "สำนักป้องกันและบรรเทาสาธารณภัย",
        "Fire and Rescue Department",
        "สปภ.",
        "department",
        None,
        "disaster",
    ),
    (
        "1900",
        "สำนักการวางผังและพัฒนาเมือง",
        "City Planning and Urban Development Department",
        "สวพ.",
        "department",
        None,
        "planning",
    ),
    ("2000", "มหาวิทยาลัยนวมินทราธิราช", "Navamindradhiraj University", "มนธ.", "other", None, "medical"),
    (
        "2100",
        "สำนักงานพัฒนาระบบราชการกรุงเทพมหานคร",
        "BMA Public Sector Development Office",
        "สพร.",
        "office",
        None,
        "strategy",
    ),
    (
        "2200",
        "สำนักงานป้องกันและบำบัดการติดยาเสพติด",
        "Office of Narcotics Prevention and Treatment",
        "สปบ.",
        "office",
        None,
        "health",
    ),
]

# The 50 district offices (สำนักงานเขต), code 5001-5050: (code, district name, English name)
DISTRICTS: list[tuple[str, str, str]] = [
    ("5001", "พระนคร", "Phra Nakhon"),
    ("5002", "ดุสิต", "Dusit"),
    ("5003", "หนองจอก", "Nong Chok"),
    ("5004", "บางรัก", "Bang Rak"),
    ("5005", "บางเขน", "Bang Khen"),
    ("5006", "บางกะปิ", "Bang Kapi"),
    ("5007", "ปทุมวัน", "Pathum Wan"),
    ("5008", "ป้อมปราบศัตรูพ่าย", "Pom Prap Sattru Phai"),
    ("5009", "พระโขนง", "Phra Khanong"),
    ("5010", "มีนบุรี", "Min Buri"),
    ("5011", "ลาดกระบัง", "Lat Krabang"),
    ("5012", "ยานนาวา", "Yan Nawa"),
    ("5013", "สัมพันธวงศ์", "Samphanthawong"),
    ("5014", "พญาไท", "Phaya Thai"),
    ("5015", "ธนบุรี", "Thon Buri"),
    ("5016", "บางกอกใหญ่", "Bangkok Yai"),
    ("5017", "ห้วยขวาง", "Huai Khwang"),
    ("5018", "คลองสาน", "Khlong San"),
    ("5019", "ตลิ่งชัน", "Taling Chan"),
    ("5020", "บางกอกน้อย", "Bangkok Noi"),
    ("5021", "บางขุนเทียน", "Bang Khun Thian"),
    ("5022", "ภาษีเจริญ", "Phasi Charoen"),
    ("5023", "หนองแขม", "Nong Khaem"),
    ("5024", "ราษฎร์บูรณะ", "Rat Burana"),
    ("5025", "บางพลัด", "Bang Phlat"),
    ("5026", "ดินแดง", "Din Daeng"),
    ("5027", "บึงกุ่ม", "Bueng Kum"),
    ("5028", "สาทร", "Sathon"),
    ("5029", "บางซื่อ", "Bang Sue"),
    ("5030", "จตุจักร", "Chatuchak"),
    ("5031", "บางคอแหลม", "Bang Kho Laem"),
    ("5032", "ประเวศ", "Prawet"),
    ("5033", "คลองเตย", "Khlong Toei"),
    ("5034", "สวนหลวง", "Suan Luang"),
    ("5035", "จอมทอง", "Chom Thong"),
    ("5036", "ดอนเมือง", "Don Mueang"),
    ("5037", "ราชเทวี", "Ratchathewi"),
    ("5038", "ลาดพร้าว", "Lat Phrao"),
    ("5039", "วัฒนา", "Watthana"),
    ("5040", "บางแค", "Bang Khae"),
    ("5041", "หลักสี่", "Lak Si"),
    ("5042", "สายไหม", "Sai Mai"),
    ("5043", "คันนายาว", "Khan Na Yao"),
    ("5044", "สะพานสูง", "Saphan Sung"),
    ("5045", "วังทองหลาง", "Wang Thonglang"),
    ("5046", "คลองสามวา", "Khlong Sam Wa"),
    ("5047", "บางบอน", "Bang Bon"),
    ("5048", "ทวีวัฒนา", "Thawi Watthana"),
    ("5049", "ทุ่งครุ", "Thung Khru"),
    ("5050", "บางนา", "Bang Na"),
]

# Agencies that must be present even in a reduced demo (tests, tiny benchmarks): the
# evaluator, the seed KPI's institute and its parent, the demo accounts' agencies, the
# samples' districts, and the districts of the cascaded KPIs.
PRIORITY_CODES = [
    "0300",
    "0400",
    "0409",
    "5047",
    "5004",
    "5016",
    "1100",
    "1200",
    "0800",
    "5001",
    "5002",
    "5003",
    "5005",
    "5006",
    "5007",
    "5008",
    "5009",
    "5010",
    "5011",
    "5012",
]

# The waste-sorting KPI cascaded to a dozen districts, with its per-district targets.
WASTE_CASCADE: dict[str, int] = {
    "5016": 30,
    "5001": 30,
    "5002": 20,
    "5003": 5,
    "5005": 20,
    "5006": 15,
    "5007": 20,
    "5008": 15,
    "5009": 15,
    "5010": 5,
    "5011": 5,
    "5012": 20,
}
# The drainage KPI: in percent at two districts, in minutes at a third.
DRAINAGE_CASCADE: dict[str, str] = {"5004": "percent", "5007": "percent", "5009": "minutes"}

# The 20-year development plan of Bangkok (2561-2580): 7 areas, their dimensions,
# goals, and a fourth level. Paths use Arabic digits; titles as the plan writes them.
PLAN_20Y_CODE = "bma-20-year-plan"
PLAN_20Y_LEVELS = ["ด้าน", "มิติ", "เป้าหมาย", "เป้าหมายย่อย"]
PLAN_20Y = {
    "name_th": "แผนพัฒนากรุงเทพมหานคร ระยะ 20 ปี (พ.ศ. 2561 - 2580)",
    "name_en": "Bangkok 20-Year Development Plan (2018-2037)",
    "level_names": PLAN_20Y_LEVELS,
    "start_year": 2561,
    "end_year": 2580,
    "is_primary": True,
}

AREAS: dict[str, tuple[str, str]] = {
    "1": ("มหานครปลอดภัย", "Safe City"),
    "2": ("มหานครสีเขียว สะดวกสบาย", "Green and Convenient City"),
    "3": ("มหานครสำหรับทุกคน", "City for All"),
    "4": ("มหานครกระชับ", "Compact City"),
    "5": ("มหานครประชาธิปไตย", "Democratic City"),
    "6": ("มหานครแห่งเศรษฐกิจและการเรียนรู้", "City of Economy and Learning"),
    # The seed shows this area's title with its English name after a colon.
    "7": ("การบริหารจัดการเมืองมหานคร : Management Strategy", "Metropolitan Management"),
}

DIMENSIONS: dict[str, str] = {
    "1.1": "ปลอดมลพิษ",
    "1.2": "ปลอดอาชญากรรมและยาเสพติด",
    "1.3": "ปลอดภัยพิบัติ",
    "1.4": "ปลอดอุบัติเหตุ",
    "1.5": "ปลอดโรค",
    "2.1": "ลดมลพิษ",
    "2.2": "พื้นที่สีเขียวและสภาพแวดล้อมที่ดี",
    "2.3": "การเดินทางสะดวก",
    "3.1": "สังคมเมืองที่ให้โอกาสกับทุกคน",
    "3.2": "ผู้สูงอายุและผู้พิการได้รับการดูแล",
    "3.3": "ชุมชนเข้มแข็ง",
    "4.1": "เมืองกระชับ มีโครงสร้างพื้นฐานที่ดี",
    "4.2": "การพัฒนาเมืองตามผังเมืองรวม",
    "5.1": "การกระจายอำนาจ",
    "5.2": "การมีส่วนร่วมของประชาชน",
    "5.5": "พลเมืองกรุงเทพฯ ขับเคลื่อนวิสัยทัศน์",
    "6.1": "เศรษฐกิจเมืองเติบโตอย่างยั่งยืน",
    "6.2": "การศึกษาและการเรียนรู้ตลอดชีวิต",
    "7.1": "การบริหารจัดการที่ดี",
    "7.2": "การบริหารการเงินการคลัง",
    "7.3": "การบริหารทรัพยากรบุคคล",
    "7.4": "การพัฒนาระบบสารสนเทศและเมืองอัจฉริยะ",
}

GOALS: dict[str, str] = {
    "1.1.1": "ประชาชนได้รับการปกป้องจากมลพิษทางอากาศ น้ำ และเสียง",
    # The legacy agency page cuts this title ("... การจั"); the plan's full wording is kept here.
    "1.1.2": "กรุงเทพมหานครมีการลดและควบคุมปริมาณมูลฝอยที่แหล่งกำเนิดและเพิ่มประสิทธิภาพการจัดการมูลฝอย",
    "1.2.1": "ประชาชนปลอดภัยจากอาชญากรรมและยาเสพติด",
    "1.3.1": "กรุงเทพมหานครมีระบบป้องกันและแก้ไขปัญหาน้ำท่วมที่มีประสิทธิภาพ",
    "1.3.2": "ประชาชนปลอดภัยจากอัคคีภัยและสาธารณภัย",
    "1.4.1": "ลดอุบัติเหตุทางถนนและอาคาร",
    "1.5.1": "ประชาชนมีสุขภาพดี เข้าถึงบริการสาธารณสุขที่มีคุณภาพ",
    "2.1.1": "คุณภาพน้ำในคลองและแม่น้ำเจ้าพระยาดีขึ้น",
    "2.2.1": "กรุงเทพมหานครมีพื้นที่สีเขียวเพิ่มขึ้น",
    "2.3.1": "ประชาชนเดินทางด้วยระบบขนส่งสาธารณะที่สะดวก ปลอดภัย",
    "3.1.1": "ผู้ด้อยโอกาสได้รับการพัฒนาคุณภาพชีวิต",
    "3.2.1": "ผู้สูงอายุและคนพิการได้รับสวัสดิการและการดูแลอย่างทั่วถึง",
    "3.3.1": "ชุมชนมีความเข้มแข็งและพึ่งพาตนเองได้",
    "4.1.1": "โครงสร้างพื้นฐานได้มาตรฐานและเพียงพอ",
    "4.2.1": "การใช้ประโยชน์ที่ดินเป็นไปตามผังเมืองรวม",
    "5.1.1": "สำนักงานเขตมีอำนาจในการบริหารจัดการพื้นที่",
    "5.2.1": "ประชาชนมีส่วนร่วมในการบริหารจัดการเมือง",
    # Cut by the legacy city-indicator page with "%" (sample dp2-mykpi2563_87): kept as is.
    "5.5.1": "ประชาชนจะร่วมกันติดตาม ตรวจสอบ และผลักดันให้นำาวิสัยทัศน์กรุงเทพฯ พ.ศ. ๒๕๗๕%",
    "6.1.1": "เศรษฐกิจฐานรากและการท่องเที่ยวเติบโต",
    "6.2.1": "นักเรียนโรงเรียนสังกัดกรุงเทพมหานครมีคุณภาพตามมาตรฐานการศึกษา",
    "7.1.1": "การบริหารราชการกรุงเทพมหานครมีประสิทธิภาพ โปร่งใส ตรวจสอบได้",
    "7.1.2": "การให้บริการประชาชนมีมาตรฐานและเป็นที่พึงพอใจ",
    "7.2.1": "การจัดเก็บรายได้และการใช้จ่ายงบประมาณมีประสิทธิภาพ",
    # The seed KPI's goal, cut by the legacy site with "%": kept verbatim.
    "7.3.1": "บุคลากรกรุงเทพมหานครเป็นผู้ปฏิบัติงานแบบมืออาชีพ มีคุณธรรม จริยธรรม และเป็นที่เชื่%",
    "7.3.2": "ระบบบริหารทรัพยากรบุคคลมีประสิทธิภาพ",
    "7.4.1": "กรุงเทพมหานครมีระบบข้อมูลและบริการดิจิทัลที่เชื่อมโยงกัน",
}

SUBGOALS: dict[str, str] = {
    "1.1.1.1": "ลดปริมาณฝุ่นละอองขนาดเล็ก (PM2.5) ในพื้นที่กรุงเทพมหานคร",
    "1.1.2.1": "ส่งเสริมการคัดแยกมูลฝอยที่แหล่งกำเนิด",
    "1.1.2.2": "เพิ่มประสิทธิภาพการเก็บขนและกำจัดมูลฝอย",
    "1.2.1.1": "ป้องกันและแก้ไขปัญหายาเสพติดในชุมชน",
    "1.3.1.1": "ลดระยะเวลาการระบายน้ำท่วมขังในพื้นที่จุดเสี่ยง",
    "1.3.1.2": "พัฒนาระบบป้องกันน้ำท่วมและระบบระบายน้ำ",
    "1.3.2.1": "เพิ่มประสิทธิภาพการป้องกันและระงับอัคคีภัย",
    "1.4.1.1": "ปรับปรุงจุดเสี่ยงอันตรายทางถนน",
    "1.5.1.1": "ป้องกันและควบคุมโรคติดต่อและโรคไม่ติดต่อ",
    "1.5.1.2": "พัฒนาคุณภาพบริการของโรงพยาบาลและศูนย์บริการสาธารณสุข",
    "2.1.1.1": "บำบัดน้ำเสียให้ได้มาตรฐานก่อนปล่อยลงสู่แหล่งน้ำ",
    "2.2.1.1": "เพิ่มพื้นที่สวนสาธารณะและปลูกต้นไม้",
    "2.3.1.1": "พัฒนาทางเท้าและระบบขนส่งมวลชนรอง",
    "3.1.1.1": "ส่งเสริมอาชีพและรายได้ของผู้ด้อยโอกาส",
    "3.2.1.1": "จัดสวัสดิการและการดูแลผู้สูงอายุและคนพิการ",
    "3.3.1.1": "พัฒนาชุมชนและกรรมการชุมชน",
    "4.1.1.1": "ก่อสร้างและบำรุงรักษาถนน สะพาน และอาคาร",
    "4.2.1.1": "ควบคุมอาคารและการใช้ประโยชน์ที่ดิน",
    "5.1.1.1": "ถ่ายโอนภารกิจสู่สำนักงานเขต",
    "5.2.1.1": "เปิดช่องทางการมีส่วนร่วมของประชาชน",
    "5.5.1.1": "สื่อสารวิสัยทัศน์กรุงเทพฯ สู่ประชาชน",
    "6.1.1.1": "ส่งเสริมการท่องเที่ยวและเศรษฐกิจชุมชน",
    "6.2.1.1": "ยกระดับผลสัมฤทธิ์ทางการเรียนของนักเรียน",
    "7.1.1.1": "พัฒนาระบบการติดตามและประเมินผลการปฏิบัติราชการ",
    "7.1.1.2": "ส่งเสริมคุณธรรมและความโปร่งใสในการดำเนินงาน",
    "7.1.2.1": "ลดขั้นตอนและระยะเวลาการให้บริการประชาชน",
    "7.2.1.1": "เพิ่มประสิทธิภาพการจัดเก็บรายได้",
    "7.2.1.2": "เร่งรัดการเบิกจ่ายงบประมาณ",
    "7.3.1.1": "การพัฒนาบุคลากรให้มีทักษะ ความรู้ ความสามารถ มีความเป็นมืออาชีพ",
    "7.3.2.1": "พัฒนาระบบสรรหาและบริหารผลการปฏิบัติงาน",
    "7.4.1.1": "พัฒนาบริการอิเล็กทรอนิกส์และฐานข้อมูลกลาง",
}

# The governor's policy (นโยบายผู้ว่าราชการกรุงเทพมหานคร, "9 ดี"): a second plan that some
# KPIs of 2565-2566 also support.
PLAN_GOV_CODE = "governor-policy-9-dee"
PLAN_GOV_LEVELS = ["ด้าน", "นโยบาย"]
PLAN_GOV = {
    "name_th": "นโยบายผู้ว่าราชการกรุงเทพมหานคร (9 ดี)",
    "name_en": "The Governor's policy (9 goods)",
    "level_names": PLAN_GOV_LEVELS,
    "start_year": 2565,
    "end_year": 2569,
    "is_primary": False,
}
GOV_AREAS: dict[str, tuple[str, str]] = {
    "1": ("ปลอดภัยดี", "Safe"),
    "2": ("เดินทางดี", "Good mobility"),
    "3": ("สิ่งแวดล้อมดี", "Good environment"),
    "4": ("โครงสร้างดี", "Good structure"),
    "5": ("สุขภาพดี", "Good health"),
    "6": ("เรียนดี", "Good learning"),
    "7": ("เศรษฐกิจดี", "Good economy"),
    "8": ("สังคมดี", "Good society"),
    "9": ("บริหารจัดการดี", "Good governance"),
}
GOV_POLICIES: dict[str, str] = {
    "1.1": "ลดจุดเสี่ยงน้ำท่วมและเพิ่มประสิทธิภาพการระบายน้ำ",
    "1.2": "ติดตั้งไฟส่องสว่างให้ครอบคลุมพื้นที่เสี่ยง",
    "2.1": "พัฒนาทางเท้าให้เดินได้ เดินดี",
    "3.1": "ปลูกต้นไม้ล้านต้นและสวน 15 นาที",
    "3.2": "แยกขยะต้นทางและลดปริมาณขยะ",
    "4.1": "ปรับปรุงระบบบริการของสำนักงานเขตให้รวดเร็ว",
    "5.1": "เพิ่มศูนย์บริการสาธารณสุขและบริการสุขภาพเชิงรุก",
    "6.1": "ยกระดับคุณภาพโรงเรียนสังกัดกรุงเทพมหานคร",
    "7.1": "ส่งเสริมเศรษฐกิจชุมชนและหาบเร่แผงลอยอย่างเป็นระบบ",
    "8.1": "ดูแลผู้สูงอายุ คนพิการ และกลุ่มเปราะบาง",
    "9.1": "เปิดเผยข้อมูลและบริหารงานอย่างโปร่งใส",
    "9.2": "พัฒนาบุคลากรกรุงเทพมหานครสู่องค์กรดิจิทัล",
}
# The 20-year plan's area -> the governor's policies that KPIs of that area also support.
GOV_FOR_AREA: dict[str, list[str]] = {
    "1": ["1.1", "1.2", "3.2", "5.1"],
    "2": ["2.1", "3.1"],
    "3": ["8.1"],
    "4": ["4.1", "2.1"],
    "5": ["9.1"],
    "6": ["6.1", "7.1"],
    "7": ["9.1", "9.2", "4.1"],
}

# Evaluation dimensions of the annual performance agreement (มิติที่ ...).
EVALUATION_DIMENSIONS: list[tuple[int, str, str]] = [
    (1, "ด้านประสิทธิผลตามพันธกิจ", "Effectiveness of the mission"),
    (2, "ด้านคุณภาพการให้บริการ", "Quality of service"),
    (3, "ด้านประสิทธิภาพของการปฏิบัติราชการ", "Efficiency of operations"),
    (4, "ด้านการพัฒนาองค์กร", "Organisational development"),
]

# The unit list: key -> (name_th, name_en, kind, scale_min, scale_max, allows_over_100,
# suggests_lower_is_better)
UNITS: dict[str, tuple[str, str, str, int | None, int | None, bool, bool]] = {
    "level": ("ระดับ", "level", "level", 0, 5, False, False),
    "percent": ("ร้อยละ", "percent", "percent", 0, 100, False, False),
    "percent_up": ("ร้อยละที่เพิ่มขึ้น", "percent increase", "percent", 0, None, True, False),
    # A decrease of N percent. Flagged lower-is-better, as issue 5 and the legacy data treat it;
    # the demo's KPIs count the size of the decrease (higher is better), so the setup checks and
    # the data-quality rules ask to confirm the direction (a warning, never a block).
    "percent_down": ("ลดลงร้อยละ", "percent decrease", "percent", 0, 100, False, True),
    "count": ("จำนวน", "count", "count", 0, None, False, False),
    "times": ("ครั้ง", "times", "count", 0, None, False, False),
    "places": ("แห่ง", "places", "count", 0, None, False, False),
    "persons": ("คน", "persons", "count", 0, None, False, False),
    "cases": ("ราย", "cases", "count", 0, None, False, False),
    "projects": ("โครงการ", "projects", "count", 0, None, False, False),
    "communities": ("ชุมชน", "communities", "count", 0, None, False, False),
    "minutes": ("นาที", "minutes", "physical", 0, None, False, True),
    "days": ("วัน", "days", "physical", 0, None, False, True),
    "km": ("กิโลเมตร", "kilometres", "physical", 0, None, False, False),
    "tons": ("ตัน", "tonnes", "physical", 0, None, False, False),
    "tons_per_day": ("ตันต่อวัน", "tonnes per day", "physical", 0, None, False, True),
    "sqm": ("ตารางเมตร", "square metres", "physical", 0, None, False, False),
    "rai": ("ไร่", "rai", "physical", 0, None, False, False),
    "mg_per_l": ("มิลลิกรัมต่อลิตร", "milligrams per litre", "physical", 0, None, False, False),
    "ug_per_m3": ("ไมโครกรัมต่อลูกบาศก์เมตร", "micrograms per cubic metre", "physical", 0, None, False, True),
    "baht": ("ล้านบาท", "million baht", "physical", 0, None, False, False),
    "score": ("คะแนน", "points", "custom", 0, 100, False, False),
}
