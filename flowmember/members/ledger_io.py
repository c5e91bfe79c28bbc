"""Importing the ledger from .xlsx/.csv and exporting it to .xlsx (openpyxl).

Import: every row is validated on its own (all of its errors reported together); accepted rows
update the current member with the same ID number or add a new one, in one transaction with bulk
statements (all or nothing); rejected rows go to a file beside the input with an ``errors``
column. A dry run validates and reports but writes nothing to the database."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale
from marshmallow import ValidationError as MarshmallowValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from flowmember.core import audit, months, sheets
from flowmember.core.auth import Actor, client_ip, scope_clause
from flowmember.core.errors import Conflict, ValidationError
from flowmember.core.time import now_utc, today_local
from flowmember.extensions import db
from flowmember.members import consent as consent_texts
from flowmember.members.columns import (
    ERRORS_HEADER,
    KEYS,
    REQUIRED,
    cell_text,
    field_label,
    header_row,
    key_for_header,
)
from flowmember.members.models import (
    CURRENT_STATUSES,
    Member,
    MemberConsent,
    MemberLocation,
    mask_id_number,
)
from flowmember.members.schemas import MemberArgs
from flowmember.members.services import (
    AUDIT_FIELDS,
    COUNTING_FIELDS,
    check_counting_start,
    check_identity,
    refresh_carried_summaries,
)
from flowmember.orgs.models import Org

CHUNK = 500
#: Member columns an import sets (location is handled separately).
MEMBER_FIELDS = [f for f in AUDIT_FIELDS if f != "status"]


@dataclass
class Row:
    number: int  #: spreadsheet row number (header = 1)
    raw: list  #: cells as read
    values: dict = field(default_factory=dict)  #: cleaned Member fields
    location: dict | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str = ""  #: "create" | "update" | "unchanged"
    member_id: int | None = None
    #: The counting-start months the row gives (input name -> month index or None for a blank
    #: cell), checked against the existing record when the row is matched.
    counting: dict = field(default_factory=dict)

    def error_text(self) -> str:
        """The row's errors in the user's language, each after its column's header."""
        with messages_locale():
            return "; ".join(
                f"{field_label(k)}: {' '.join(str(m) for m in v)}" for k, v in self.errors.items()
            )


def messages_locale():
    """Translated messages outside a request (the CLI) read in the default language; inside one,
    in the user's."""
    if has_request_context() or not has_app_context():
        return nullcontext()
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Row] = field(default_factory=list)
    accepted: list[Row] = field(default_factory=list)
    rejected_file: Path | None = None
    dry_run: bool = False
    header: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "rejected_file": str(self.rejected_file) if self.rejected_file else None,
            "dry_run": self.dry_run,
        }


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A ledger file being read."""

    header: list  #: the header row's cells
    rows: Iterator[tuple[int, list]]  #: (spreadsheet row number, cells) of each non-empty row
    estimate: int  #: how many rows there are, for a progress bar
    close: Callable[[], None]


def read_rows(path: Path) -> Sheet:
    """Open an .xlsx or .csv ledger file; the caller closes it."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        if not rows:
            raise ValidationError({"file": ["The file is empty."]})
        body = [(i + 2, r) for i, r in enumerate(rows[1:]) if any(c.strip() for c in r)]
        return Sheet(rows[0], iter(body), len(body), lambda: None)
    if suffix in (".xlsx", ".xlsm"):
        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            wb.close()
            raise ValidationError({"file": ["The file is empty."]})
        count = max((ws.max_row or 1) - 1, 0)

        def gen():
            for n, r in enumerate(it, start=2):
                if any(c not in (None, "") for c in r):
                    yield n, list(r)

        return Sheet(list(header), gen(), count, wb.close)
    raise ValidationError({"file": ["Use an .xlsx or .csv file."]})


# --- validation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every row of one import is checked against."""

    org_by_code: dict[str, int]  #: the actor's orgs by code
    org_ids: set[int]  #: the actor's orgs
    home_by_code: dict[str, int]  #: every org by code (a home org may lie outside the subtree)
    all_org_ids: set[int]
    default_org_id: int | None  #: for rows without an org
    schema: MemberArgs


def _context(actor: Actor, default_org_id: int | None) -> Context:
    in_scope = db.session.execute(select(Org.id, Org.code).where(scope_clause(Org, actor))).all()
    every = db.session.execute(select(Org.id, Org.code)).all()
    org_ids = {i for i, _ in in_scope}
    if default_org_id is not None and default_org_id not in org_ids:
        raise ValidationError({"org_id": ["No such organisation in your subtree."]})
    return Context(
        org_by_code={code: i for i, code in in_scope if code},
        org_ids=org_ids,
        home_by_code={code: i for i, code in every if code is not None},
        all_org_ids={i for i, _ in every},
        default_org_id=default_org_id,
        schema=MemberArgs(),
    )


def _resolve_org(text: str | None, by_code: dict[str, int], ids: set[int]) -> int | None:
    if text is None:
        return None
    if text in by_code:
        return by_code[text]
    if text.isdigit() and int(text) in ids:
        return int(text)
    raise KeyError(text)


def validate_row(row: Row, columns: list[str | None], ctx: Context) -> None:
    cells = {k: cell_text(k, v) for k, v in zip(columns, row.raw, strict=False) if k}
    data: dict = {k: v for k, v in cells.items() if k in KEYS}
    errors = row.errors
    org_text = data.pop("org", None)
    try:
        org_id = _resolve_org(org_text, ctx.org_by_code, ctx.org_ids)
    except KeyError:
        errors["org"] = ["No such organisation in your subtree (use its code or id)."]
        org_id = None
    if org_id is None and "org" not in errors:
        org_id = ctx.default_org_id
        if org_id is None:
            errors["org"] = ["Missing data for required field."]
    home_text = data.pop("home_org", None)
    home_org_id = None
    if home_text is not None:
        try:
            home_org_id = _resolve_org(home_text, ctx.home_by_code, ctx.all_org_ids)
        except KeyError:
            errors["home_org"] = ["No such organisation (use its code or id)."]
    status = data.pop("status", None)
    if status not in (None, "active", "suspended"):
        errors["status"] = ["Only active or suspended members are imported."]
    location = {
        k: data.pop(k) for k in ("province_code", "city_code", "district_code") if k in data
    }
    location = {k: v for k, v in location.items() if v is not None}
    payload = {k: v for k, v in data.items() if v is not None}
    payload["org_id"] = org_id or 0
    if location:
        payload["location"] = location
    try:
        loaded = ctx.schema.load(payload)
    except MarshmallowValidationError as exc:
        for key, msgs in exc.normalized_messages().items():
            if isinstance(msgs, dict):
                for sub, sub_msgs in msgs.items():
                    errors[f"location.{sub}"] = list(sub_msgs)
            elif key != "org_id":
                errors[key] = list(msgs)
        loaded = None
    to_check = {k: payload[k] for k in ("id_number", "phone") if k in payload}
    if loaded is not None:
        to_check.update({k: loaded[k] for k in ("birth_date", "location") if loaded.get(k)})
    try:
        clean = check_identity(to_check)
    except ValidationError as exc:
        for key, msgs in exc.errors.items():
            errors.setdefault(key, list(msgs))
        clean = {}
    if errors:
        return
    values = {k: loaded.get(k) for k in MEMBER_FIELDS if k in columns or k in loaded}
    values.update(clean)
    values["org_id"] = org_id
    if "home_org" in columns:
        values["home_org_id"] = home_org_id
    values["status"] = status or None
    row.values = values
    row.location = loaded.get("location")
    row.counting = {k: loaded.get(k) for k in COUNTING_FIELDS if k in columns}


def _provided(columns: list[str | None]) -> set[str]:
    cols = {c for c in columns if c}
    provided = {k for k in MEMBER_FIELDS if k in cols}
    provided |= {"id_number", "phone", "birth_date", "org_id"}
    if "home_org" in cols:
        provided.add("home_org_id")
    provided |= {column for key, column in COUNTING_FIELDS.items() if key in cols}
    return provided


# --- the import ---------------------------------------------------------------------------------


def import_members(
    actor: Actor,
    path: str | Path,
    *,
    dry_run: bool = False,
    default_org_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    total_hint: Callable[[int], None] | None = None,
    rejected_path: Path | None = None,
) -> ImportReport:
    """Import a ledger file (see the module docstring). ``progress`` is called with 1 for each
    row checked, ``total_hint`` once with the row count; rejected rows go to ``rejected_path``
    (default: beside the file). The caller commits."""
    path = Path(path)
    sheet = read_rows(path)
    try:
        if total_hint:
            total_hint(sheet.estimate)
        report = _check(actor, path, sheet, default_org_id, progress, rejected_path)
        report.dry_run = dry_run
        if not dry_run:
            _write(actor, report.accepted)
        return report
    finally:
        sheet.close()


def _check(
    actor: Actor,
    path: Path,
    sheet: Sheet,
    default_org_id: int | None,
    progress: Callable[[int], None] | None,
    rejected_path: Path | None,
) -> ImportReport:
    """Validate and match every row; write the rejected ones to their file."""
    header = sheet.header
    columns = [key_for_header(c) for c in header]
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        raise ValidationError({"file": [f"Missing columns: {', '.join(missing)}."]})
    ctx = _context(actor, default_org_id)
    report = ImportReport(header=list(header))
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    for number, raw in sheet.rows:
        row = Row(number=number, raw=raw)
        validate_row(row, columns, ctx)
        id_number = row.values.get("id_number")
        if id_number:
            if id_number in seen:
                row.errors["id_number"] = [f"Same ID number as row {seen[id_number]}."]
            else:
                seen[id_number] = number
        parsed.append(row)
        if progress:
            progress(1)
    report.total = len(parsed)
    good = [r for r in parsed if not r.errors]
    _match_existing(actor, good, _provided(columns))
    report.rejected = [r for r in parsed if r.errors]
    report.accepted = [r for r in parsed if not r.errors]
    report.created = sum(1 for r in report.accepted if r.action == "create")
    report.updated = sum(1 for r in report.accepted if r.action == "update")
    report.unchanged = sum(1 for r in report.accepted if r.action == "unchanged")
    if report.rejected:
        report.rejected_file = write_rejected(path, header, report.rejected, rejected_path)
    return report


LOCATION_KEYS = ("province_code", "city_code", "district_code")
#: Columns of the history an old ledger vouches for: the summaries that honour them are
#: recomputed for the rows that set or change them.
CARRIED_COLUMNS = {"carried_paid_through_month", "carried_org_life_month"}


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _match_existing(actor: Actor, rows: list[Row], provided: set[str]) -> None:
    """Decide create / update / unchanged for each valid row (or reject it)."""
    fields = sorted(provided | {"status"})
    # What the counting-start check needs of an existing record (DOMAIN §8).
    counting_cols = ["joined_on", "entered_month", *COUNTING_FIELDS.values()]
    cols = [
        Member.id,
        *(getattr(Member, f) for f in fields),
        *(getattr(Member, k) for k in LOCATION_KEYS),
        *(getattr(Member, c) for c in counting_cols if c not in fields),
    ]
    existing: dict[str, dict] = {}
    visible: set[int] = set()
    ids = [r.values["id_number"] for r in rows]
    for chunk in _chunks(ids):
        base = select(*cols).where(Member.id_number.in_(chunk), Member.status.in_(CURRENT_STATUSES))
        for m in db.session.execute(base).mappings():
            existing[m["id_number"]] = dict(m)
        visible.update(
            db.session.scalars(
                select(Member.id).where(
                    Member.id_number.in_(chunk),
                    Member.status.in_(CURRENT_STATUSES),
                    scope_clause(Member, actor),
                )
            )
        )
    consents = _latest_consents([m["id"] for m in existing.values()])
    for row in rows:
        current = existing.get(row.values["id_number"])
        if current is None:
            if _check_counting(row, None):
                row.action = "create"
                row.values["status"] = row.values.get("status") or "active"
            continue
        if current["id"] not in visible:
            row.errors["id_number"] = [
                "A current member with this ID number belongs to another organisation."
            ]
            continue
        if not _check_counting(row, current):
            continue
        row.member_id = current["id"]
        status = row.values.pop("status", None)
        if status and status != str(current["status"]):
            row.errors["status"] = ["Status changes go through status events, not imports."]
            continue
        changes = {
            k: row.values[k]
            for k in provided
            if k in row.values and _norm(row.values[k]) != _norm(current.get(k))
        }
        if row.location and any(
            (row.location.get(k) or None) != current.get(k) for k in LOCATION_KEYS
        ):
            if consents.get(current["id"]) is False:
                row.errors["location.city_code"] = ["The member withdrew the location consent."]
                continue
            row.values["_needs_consent"] = current["id"] not in consents
        else:
            row.location = None
        row.values = {"_changes": changes, **row.values}
        row.action = "update" if changes or row.location else "unchanged"


def _check_counting(row: Row, current: dict | None) -> bool:
    """Check the row's counting-start months (:func:`check_counting_start`) against the existing
    record, if any, and put the columns to set into the row's values; False when rejected. An
    update never moves the tracking start later: a later month in the file is ignored."""
    try:
        values = check_counting_start(
            row.counting,
            joined_on=row.values.get("joined_on"),
            entered_month=current["entered_month"] if current else None,
            stored={c: current[c] for c in COUNTING_FIELDS.values()} if current else None,
            keep_earlier_start=current is not None,
        )
    except ValidationError as exc:
        with messages_locale():  # text now: the report outlives the request or command
            row.errors.update({k: [str(m) for m in v] for k, v in exc.errors.items()})
        return False
    row.values.update(values)
    return True


def _insert_many(table, rows: list[dict]) -> None:
    """One Core executemany (measured faster here than multi-VALUES statements, whose large
    compiled SQL is not cached, and than ORM bulk inserts with RETURNING, which SQLite runs row by
    row)."""
    if rows:
        db.session.execute(table.insert(), rows)


def _current_ids(id_numbers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in _chunks(id_numbers):
        stmt = select(Member.id_number, Member.id).where(
            Member.id_number.in_(chunk), Member.status.in_(CURRENT_STATUSES)
        )
        out.update((n, i) for n, i in db.session.execute(stmt))
    return out


def _norm(value):
    if hasattr(value, "value"):
        return value.value
    return value


def _latest_consents(member_ids: list[int]) -> dict[int, bool]:
    out: dict[int, bool] = {}
    for chunk in _chunks(member_ids):
        stmt = (
            select(MemberConsent.member_id, MemberConsent.granted)
            .where(MemberConsent.member_id.in_(chunk), MemberConsent.purpose == "location")
            .order_by(MemberConsent.id)
        )
        for member_id, granted in db.session.execute(stmt):
            out[member_id] = bool(granted)
    return out


def _location_columns(location: dict | None, now) -> dict:
    if not location:
        return {}
    return {
        "province_code": location["province_code"],
        "city_code": location["city_code"],
        "district_code": location.get("district_code") or None,
        "location_reported_at": now,
    }


def _write(actor: Actor, rows: list[Row]) -> None:
    """Bulk statements in the caller's transaction (the caller commits or rolls back); the
    members' rows in a savepoint, so that a clash on an ID number is a 409."""
    now = now_utc()
    this_month = months.of(today_local())
    creates = [r for r in rows if r.action == "create"]
    updates = [r for r in rows if r.action == "update"]
    empty_location = dict.fromkeys((*LOCATION_KEYS, "location_reported_at"))
    insert_rows = []
    for r in creates:
        values = {k: r.values.get(k) for k in MEMBER_FIELDS}
        values["retired"] = bool(values["retired"])
        if values["tracked_since_month"] is None:  # tracked from the import (and audited so)
            values["tracked_since_month"] = r.values["tracked_since_month"] = this_month
        values.update(
            entered_month=this_month,
            status=r.values["status"],
            status_since=values["joined_on"],
            flag_lapse_risk=False,
            flag_unreachable=False,
            created_at=now,
            updated_at=now,
            **{**empty_location, **_location_columns(r.location, now)},
        )
        insert_rows.append(values)
    try:
        with db.session.begin_nested():
            # Core executemany (no RETURNING: SQLite would fall back to one statement per row).
            if insert_rows:
                _insert_many(Member.__table__, insert_rows)
                new_ids = _current_ids([r.values["id_number"] for r in creates])
                for r in creates:
                    r.member_id = new_ids[r.values["id_number"]]
            update_rows = []
            for r in updates:
                values = {"id": r.member_id, **r.values["_changes"], "updated_at": now}
                values.update(_location_columns(r.location, now))
                update_rows.append(values)
            if update_rows:
                db.session.execute(update(Member), update_rows)
    except IntegrityError as exc:
        raise Conflict(
            "Another import or entry added one of these ID numbers meanwhile; nothing was imported."
        ) from exc
    carried_ids = [
        r.member_id for r in creates if any(r.values.get(c) is not None for c in CARRIED_COLUMNS)
    ] + [r.member_id for r in updates if CARRIED_COLUMNS & set(r.values["_changes"])]
    for chunk in _chunks(carried_ids):
        refresh_carried_summaries(chunk)
    located = [r for r in creates + updates if r.location]
    consent_rows = [
        {
            "member_id": r.member_id,
            "purpose": "location",
            "granted": True,
            "text_version": consent_texts.PAPER_TEXT_VERSION,
            "at": now,
            "ip": client_ip(),
        }
        for r in located
        if r.action == "create" or r.values.get("_needs_consent")
    ]
    if consent_rows:
        _insert_many(MemberConsent.__table__, consent_rows)
    if located:
        _insert_many(
            MemberLocation.__table__,
            [
                {
                    "member_id": r.member_id,
                    "province_code": r.location["province_code"],
                    "city_code": r.location["city_code"],
                    "district_code": r.location.get("district_code") or None,
                    "source": "import",
                    "reported_at": now,
                }
                for r in located
            ],
        )
    _audit(actor, creates, updates, now)


def _audit(actor: Actor, creates: list[Row], updates: list[Row], now) -> None:
    entries = []
    base = {
        "at": now,
        "actor_id": getattr(actor, "id", None),
        "actor_name": getattr(actor, "username", None) or getattr(actor, "name", "system"),
        "entity_type": "members",
        "reason": "import",
        "ip": client_ip(),
    }
    for r in creates:
        after = {k: r.values.get(k) for k in MEMBER_FIELDS}
        after["id_number"] = mask_id_number(after["id_number"])
        entries.append(
            {
                **base,
                "action": "member.create",
                "entity_id": r.member_id,
                "org_id": r.values["org_id"],
                "before": None,
                "after": audit._jsonable(after),
            }
        )
    for r in updates:
        after = dict(r.values["_changes"])
        if "id_number" in after:
            after["id_number"] = mask_id_number(after["id_number"])
        if r.location:
            after["location"] = r.location
        entries.append(
            {
                **base,
                "action": "member.update",
                "entity_id": r.member_id,
                "org_id": r.values.get("org_id"),
                "before": None,
                "after": audit._jsonable(after),
            }
        )
    _insert_many(audit.AuditEntry.__table__, entries)


# --- files --------------------------------------------------------------------------------------


def rejected_path_for(path: Path) -> Path:
    suffix = ".csv" if path.suffix.lower() == ".csv" else ".xlsx"
    return path.with_name(f"{path.stem}.rejected{suffix}")


def write_rejected(path: Path, header: list, rows: list[Row], target: Path | None = None) -> Path:
    """The rejected rows as read, with an errors column, beside the input."""
    target = target or rejected_path_for(path)
    out_header = [*(h if h is not None else "" for h in header), ERRORS_HEADER]
    if target.suffix == ".csv":
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(sheets.row(out_header))
            for r in rows:
                cells = list(r.raw) + [""] * (len(header) - len(r.raw))
                writer.writerow(sheets.row([*cells[: len(header)], r.error_text()]))
        return target
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("rejected")
    ws.append(sheets.row(out_header))
    for r in rows:
        cells = list(r.raw) + [None] * (len(header) - len(r.raw))
        ws.append(sheets.row([*cells[: len(header)], r.error_text()]))
    wb.save(target)
    return target


def export_rows(actor: Actor) -> Iterator[list]:
    """The current members in the actor's subtree as spreadsheet rows (full ID numbers).

    The counting-start columns carry what an old ledger vouched for: the carried dues paid
    through and last org life, and the tracking start only where it is earlier than the month
    the record entered FlowMember (it is empty otherwise: re-imported here nothing changes,
    imported into another ledger tracking starts there)."""
    codes = dict(db.session.execute(select(Org.id, Org.code)).all())
    stmt = (
        select(Member)
        .where(scope_clause(Member, actor), Member.status.in_(CURRENT_STATUSES))
        .order_by(Member.id)
        .execution_options(yield_per=1000)
    )
    for m in db.session.scalars(stmt):
        values = {k: getattr(m, k) for k in KEYS if hasattr(Member, k)}
        values["org"] = codes.get(m.org_id) or str(m.org_id)
        values["home_org"] = (
            (codes.get(m.home_org_id) or str(m.home_org_id)) if m.home_org_id else None
        )
        for key in ("gender", "category", "stage", "status"):
            values[key] = _norm(values[key])
        for key, column in COUNTING_FIELDS.items():
            values[key] = months.to_str(getattr(m, column))
        if m.tracked_since_month >= m.entered_month:
            # Tracked since it entered FlowMember: the history behind that start stays here, so
            # the file vouches for no earlier start (imported elsewhere, tracking starts then).
            values["tracked_since"] = None
        yield [values.get(k) for k in KEYS]


def export_members(actor: Actor, path: str | Path) -> int:
    """Write the ledger to ``path`` (.xlsx, same columns as the import); audited."""
    path = Path(path)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("members")
    ws.append(header_row())
    count = 0
    for cells in export_rows(actor):
        ws.append(sheets.row(cells))
        count += 1
    wb.save(path)
    audit.record(
        actor,
        "member.export",
        entity_type="members",
        org_id=getattr(actor, "org_id", None),
        after={"count": count, "file": path.name},
    )
    return count


def write_template(path: str | Path) -> Path:
    """An empty import sheet with the header, text-formatted ID and phone columns and a second
    sheet explaining each column."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "members"
    ws.append(header_row())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    # Text cells: long numbers, codes and months (YYYY-MM) stay as typed.
    for key in ("id_number", "phone", "org", "home_org", *COUNTING_FIELDS):
        letter = ws.cell(row=1, column=KEYS.index(key) + 1).column_letter
        ws.column_dimensions[letter].width = 22
        for n in range(2, 1002):
            ws[f"{letter}{n}"].number_format = "@"
    notes = wb.create_sheet("说明 notes")
    notes.append(["列 column", "说明 notes"])
    for key, text in TEMPLATE_NOTES.items():
        notes.append([key, text])
    wb.save(path)
    return path


TEMPLATE_NOTES = {
    "name": "必填 required",
    "gender": "male / female（男 / 女）",
    "id_number": "必填，18位居民身份证号 (text)",
    "phone": "必填；11位手机号按+86；座机带区号；境外号码带+国家码",
    "category": "graduate / migrant / inflow / other（高校毕业生 / 外出务工 / 流入 / 其他）",
    "stage": "full / probationary（正式党员 / 预备党员）",
    "status": "active / suspended；已有党员的状态不能通过导入修改",
    "joined_on": "必填 YYYY-MM-DD",
    "org": "组织代码或编号；为空时使用 --org-id",
    "home_org": "流出地组织（本系统内）的代码或编号",
    "home_org_name": "流出地组织名称（系统外）",
    "retired": "true / false（是 / 否）",
    "away_paper": "certificate_letter / activity_certificate",
    "province_code": "GB/T 2260 六位代码，如 420000；市 420100；区县可空",
    "tracked_since": (
        "YYYY-MM，可空：纳入管理（开始按六个月规则计算）的月份，默认导入当月；"
        "早于本月时须同时填写党费交至和最近参加组织生活月份（原台账可证明的记录），"
        "否则导入后满六个纳入管理的月份前不会产生自行脱党提醒；早于入党月份的按入党月份；"
        "对已有党员只能提前，不能推后"
    ),
    "dues_paid_through": (
        "YYYY-MM，可空：原台账或组织关系介绍信上的“党费交至”，不晚于本月、不早于入党月份"
    ),
    "last_org_life": (
        "YYYY-MM，可空：原台账上最近一次参加组织生活的月份，不晚于本月、不早于入党月份"
    ),
}
