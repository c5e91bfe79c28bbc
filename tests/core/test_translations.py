"""Every message a user reads has its Chinese text: each string the code and templates mark for
translation is in the zh_CN catalog, translated and not fuzzy, and the compiled catalog is
current."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "flowmember" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None,
            "ngettext": (1, 2), "lazy_ngettext": (1, 2)}


def _marked() -> set[str]:
    found = set()
    for folder, method in (("flowmember", "python"), ("jobs", "python"),
                           ("flowmember/templates", "jinja2")):
        pattern = "**.html" if method == "jinja2" else "**.py"
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_message_has_its_chinese_text():
    with open(CATALOG / "messages.po", "rb") as f:
        catalog = read_po(f)
    missing = sorted(
        m for m in _marked()
        if not (entry := catalog.get(m)) or not entry.string or entry.fuzzy
    )
    assert missing == []


def test_the_compiled_catalog_matches_the_po_file():
    with open(CATALOG / "messages.po", "rb") as f:
        po = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    with open(CATALOG / "messages.mo", "rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert po == mo
