"""The texts of the separate consents a member gives (PIPL art. 29: whereabouts are sensitive
personal information). A changed text gets a new version; each grant records the version seen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LOCATION_TEXT_VERSION = "location-v1"

#: Version the branch uses when staff enter a location from the member's signed paper
#: registration form (which carries the same consent clause).
PAPER_TEXT_VERSION = "paper-v1"

LOCATION_TEXT = _l(
    "I agree that my party organisation records the city where I live or work (province, city "
    "and optionally district, chosen by me; never GPS) so that it can stay in touch with me and "
    "arrange my organisation life. I can withdraw this consent at any time on this page; the "
    "recorded location is then deleted. Location history is kept for at most 24 months."
)
