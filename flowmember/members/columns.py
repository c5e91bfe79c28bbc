"""The ledger's spreadsheet columns: one list shared by the template, the export and the import,
so an exported file imports again unchanged."""

from __future__ import annotations

import re
from datetime import date, datetime

from flowmember.core.sheets import uncell

#: (key, zh_CN label). The header cell is written ``标签 key``; the import accepts the key, the
#: label or both.
COLUMNS: list[tuple[str, str]] = [
    ("name", "姓名"),
    ("gender", "性别"),
    ("id_number", "身份证号"),
    ("phone", "手机号"),
    ("email", "电子邮箱"),
    ("ethnicity", "民族"),
    ("category", "类别"),
    ("stage", "党员类型"),
    ("status", "状态"),
    ("joined_on", "入党日期"),
    ("full_on", "转正日期"),
    ("org", "所在组织"),
    ("home_org", "流出地组织"),
    ("home_org_name", "流出地组织名称"),
    ("employer", "工作单位"),
    ("university", "毕业院校"),
    ("graduation_year", "毕业年份"),
    ("away_since", "外出日期"),
    ("away_paper", "外出证明"),
    ("away_paper_on", "证明开具日期"),
    ("retired", "是否退休"),
    ("province_code", "省代码"),
    ("city_code", "市代码"),
    ("district_code", "区县代码"),
    # When lapse counting starts (DOMAIN §8): the tracking start, and the history the old
    # ledger vouches for. Months, YYYY-MM.
    ("tracked_since", "纳入管理月份"),
    ("dues_paid_through", "党费交至"),
    ("last_org_life", "最近参加组织生活月份"),
]
KEYS = [k for k, _ in COLUMNS]
REQUIRED = ["name", "gender", "id_number", "phone", "category", "stage", "joined_on"]
DATE_KEYS = {"joined_on", "full_on", "away_since", "away_paper_on"}
#: Month columns (YYYY-MM); a spreadsheet may have turned them into dates.
MONTH_KEYS = {"tracked_since", "dues_paid_through", "last_org_life"}
ERRORS_HEADER = "错误 errors"

#: zh_CN spellings accepted for enum columns.
ALIASES: dict[str, dict[str, str]] = {
    "gender": {"男": "male", "女": "female"},
    "category": {
        "高校毕业生": "graduate",
        "高校毕业生流动党员": "graduate",
        "外出务工": "migrant",
        "外出流动": "migrant",
        "外出流动党员": "migrant",
        "流入": "inflow",
        "流入党员": "inflow",
        "其他": "other",
    },
    "stage": {
        "正式党员": "full",
        "正式": "full",
        "预备党员": "probationary",
        "预备": "probationary",
    },
    "status": {"正常": "active", "在册": "active", "停止党籍": "suspended"},
    "retired": {"是": "true", "否": "false", "y": "true", "n": "false"},
    "away_paper": {"党员证明信": "certificate_letter", "流动党员活动证": "activity_certificate"},
}

_LABEL_TO_KEY = {label: key for key, label in COLUMNS}
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", re.ASCII)
#: 2024-05, 2024/5, 2024.05, 2024年5月, or a date in that month (2024-05-01, 2024年5月1日).
_MONTH_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?$", re.ASCII
)


def header_cell(key: str) -> str:
    return f"{dict(COLUMNS)[key]} {key}"


def field_label(key: str) -> str:
    """How a rejected row names a field: its header cell (``党费交至 dues_paid_through``), the
    key alone for names that are no column (``location.city_code`` -> its column's header)."""
    column = key.split(".")[-1]
    return header_cell(column) if column in dict(COLUMNS) else key


def header_row() -> list[str]:
    return [header_cell(k) for k in KEYS]


def key_for_header(cell) -> str | None:
    """The column key of a header cell (``姓名 name``, ``name``, ``姓名``), or None."""
    text = str(cell or "").strip()
    if not text:
        return None
    for part in reversed(text.replace("(", " ").replace(")", " ").split()):
        if part in KEYS:
            return part
        if part in _LABEL_TO_KEY:
            return _LABEL_TO_KEY[part]
    return _LABEL_TO_KEY.get(text)


def cell_text(key: str, value) -> str | None:
    """A cell as the text the schema parses (dates ISO, numbers without .0); blank -> None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}" if key in MONTH_KEYS else value.isoformat()
    if key in MONTH_KEYS and isinstance(value, int | float):
        # A number such as 2024.1 is ambiguous (October or January): left for the schema to
        # reject as "not a month".
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # The quote the export put before text a spreadsheet would evaluate (core.sheets) is no
    # part of the value.
    text = uncell(str(value).strip()).strip()
    if not text:
        return None
    if key in DATE_KEYS:
        m = _DATE_RE.match(text)
        if m:
            text = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if key in MONTH_KEYS:
        m = _MONTH_RE.match(text)
        if m:
            text = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    alias = ALIASES.get(key, {})
    return alias.get(text, alias.get(text.lower(), text))
