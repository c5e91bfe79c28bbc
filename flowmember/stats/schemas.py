from marshmallow import Schema, fields

from flowmember.core.money import fmt


class OverviewArgs(Schema):
    org_id = fields.Integer()
    as_of = fields.Date()


class ProvinceCountSchema(Schema):
    code = fields.String()
    name = fields.String()
    count = fields.Integer()


class MemberCountsSchema(Schema):
    total = fields.Integer()
    active = fields.Integer()
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_province = fields.List(fields.Nested(ProvinceCountSchema))


class DuesCollectionSchema(Schema):
    month = fields.String()
    assessed_members = fields.Integer()
    paid_members = fields.Integer()
    assessed = fields.Function(lambda d: fmt(d["assessed_fen"]))
    paid = fields.Function(lambda d: fmt(d["paid_fen"]))
    collection_rate = fields.Float(allow_none=True)


class CheckinCountsSchema(Schema):
    expected = fields.Integer()
    done = fields.Integer()


class OverviewSchema(Schema):
    org_id = fields.Integer()
    as_of = fields.Date()
    month = fields.String()
    members = fields.Nested(MemberCountsSchema)
    dues = fields.Nested(DuesCollectionSchema)
    checkins = fields.Nested(CheckinCountsSchema)
    open_lapse_cases = fields.Integer()
    lapse_risk = fields.Integer()
    unreachable = fields.Integer()
    overdue_transfers = fields.Integer()
