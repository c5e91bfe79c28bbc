"""Rendering a reminder into its message: one template per kind under
``templates/reminders/messages/``, in the recipient's language (zh_CN unless their login says
otherwise), with the member's name, the months and amount owed and a link to the page."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel import Locale
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from flowmember.accounts.models import User
from flowmember.core import months
from flowmember.core.money import fmt
from flowmember.dues.services import arrears
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.orgs.models import Org
from flowmember.reminders.models import Notice, Reminder, ReminderPreference

DEFAULT_LOCALE = "zh_CN"

#: Page each kind links to (below PUBLIC_BASE_URL).
KIND_PATHS = {
    "checkin_due": "/m/checkin",
    "checkin_missed": "/m/checkin",
    "dues_due": "/m/dues",
    "dues_overdue": "/m/dues",
    "lapse_warning_3": "/m/reminders",
    "lapse_warning_5": "/m/reminders",
    "letter_expiring": "/transfers",
    "receipt_overdue": "/transfers",
    "activity_notice": "/m/reminders",
    "notice": "/m/reminders",
}


class Skip(Exception):
    """The reminder is no longer needed (paid, checked in, member no longer active)."""


@dataclass
class Recipient:
    name: str
    locale: str
    phone: str | None = None
    email: str | None = None
    wechat_openid: str | None = None
    channels: list[str] | None = None
    is_staff: bool = False


def recipients_for(reminders) -> dict[int, Recipient | Skip]:
    """The recipient of each reminder (Reminder objects or rows with id, member_id, user_id,
    kind; by reminder id), loaded with one query per table; a
    member no longer active maps to Skip (batch notices still reach them)."""
    member_ids = {r.member_id for r in reminders if r.member_id is not None}
    user_ids = {r.user_id for r in reminders if r.member_id is None}
    members = {
        row.id: row
        for row in db.session.execute(
            select(Member.id, Member.name, Member.phone, Member.email, Member.status).where(
                Member.id.in_(member_ids)
            )
        )
    }
    locales = dict(
        db.session.execute(
            select(User.member_id, User.locale).where(User.member_id.in_(member_ids))
        ).all()
    )
    prefs = {
        row.member_id: row
        for row in db.session.execute(
            select(
                ReminderPreference.member_id,
                ReminderPreference.channels,
                ReminderPreference.wechat_openid,
            ).where(ReminderPreference.member_id.in_(member_ids))
        )
    }
    users = {
        row.id: row
        for row in db.session.execute(
            select(User.id, User.display_name, User.locale).where(User.id.in_(user_ids))
        )
    }
    languages = current_app.config["LANGUAGES"]
    out: dict[int, Recipient | Skip] = {}
    for r in reminders:
        if r.member_id is None:
            user = users[r.user_id]
            out[r.id] = Recipient(user.display_name, user.locale or DEFAULT_LOCALE, is_staff=True)
            continue
        member = members[r.member_id]
        if member.status != "active" and r.kind != "notice":
            out[r.id] = Skip(f"member is {member.status}")
            continue
        locale = locales.get(r.member_id)
        pref = prefs.get(r.member_id)
        out[r.id] = Recipient(
            member.name,
            locale if locale in languages else DEFAULT_LOCALE,
            phone=member.phone,
            email=member.email,
            wechat_openid=pref.wechat_openid if pref else None,
            channels=list(pref.channels) if pref else None,
        )
    return out


def recipient_for(reminder: Reminder) -> Recipient:
    """The recipient of one reminder (raises Skip when the member is no longer active)."""
    found = recipients_for([reminder])[reminder.id]
    if isinstance(found, Skip):
        raise found
    return found


def _unpaid(member_id: int, up_to: int) -> list[tuple[int, int]]:
    """(month, fen) owed assessed months up to ``up_to`` (unpaid, or reduced and not yet paid:
    the same months the dues reminders are selected on)."""
    return [(m, fen) for m, fen in arrears(member_id) if m <= up_to]


def _criteria_text(criteria: list[str]) -> str:
    labels = {
        "dues": _("paid party dues on time"),
        "org_life": _("attended organisation life"),
        "reports": _("submitted a monthly report"),
    }
    return _(", ").join(str(labels.get(c, c)) for c in criteria) or str(labels["reports"])


def _values(reminder: Reminder, recipient: Recipient) -> dict:
    """The template variables; raises Skip when the reminder no longer applies."""
    ctx = dict(reminder.context or {})
    kind = reminder.kind.value
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    values = {
        "name": recipient.name,
        "link": base + ctx.get("path", KIND_PATHS[kind]),
        "month": reminder.period,
        "months": [],
        "months_text": "",
        "count": 0,
        "amount": "0.00",
    }
    if kind in ("checkin_due", "checkin_missed"):
        member = db.session.get(Member, reminder.member_id)
        month = months.parse(reminder.period)
        if member.last_checkin_month is not None and member.last_checkin_month >= month:
            raise Skip("checked in meanwhile")
    elif kind in ("dues_due", "dues_overdue"):
        current = months.parse(reminder.period)
        owed = _unpaid(reminder.member_id, current)
        if kind == "dues_due":
            owed = [(m, fen) for m, fen in owed if m == current]
        if not owed:
            raise Skip("nothing owed")
        values["months"] = [months.to_str(m) for m, _fen in owed]
        values["amount"] = fmt(sum(fen for _m, fen in owed))
    elif kind in ("lapse_warning_3", "lapse_warning_5"):
        threshold = 3 if kind.endswith("3") else 5
        last = months.parse(reminder.period)
        values["months"] = ctx.get("months") or [
            months.to_str(m) for m in months.span(last - threshold + 1, last)
        ]
        values["what"] = _criteria_text(ctx.get("criteria") or [])
    elif kind == "notice":
        notice = db.session.get(Notice, reminder.notice_id) if reminder.notice_id else None
        org = db.session.get(Org, notice.org_id) if notice and notice.org_id else None
        values["text"] = notice.text if notice else ctx.get("text", "")
        values["org"] = org.name if org else _("your party organisation")
    for key in ("letter_no", "member_name", "date", "title"):
        values.setdefault(key, ctx.get(key, ""))
    if values["months"]:
        values["months_text"] = _(", ").join(values["months"])
        values["count"] = len(values["months"])
    return values


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@dataclass
class Rendered:
    subject: str
    short: str
    body: str
    link: str
    locale: str


def render(reminder: Reminder, recipient: Recipient) -> Rendered:
    """Subject, short text (SMS / WeChat) and body of the reminder in the recipient's language."""
    template = current_app.jinja_env.get_template(f"reminders/messages/{reminder.kind.value}.txt")
    with force_locale(_locale(recipient.locale)):
        values = _values(reminder, recipient)
        parts = {
            part: template.render(part=part, **values).strip()
            for part in ("subject", "short", "body")
        }
    return Rendered(
        parts["subject"], parts["short"], parts["body"] + "\n", values["link"], recipient.locale
    )
