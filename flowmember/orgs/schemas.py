from marshmallow import Schema, fields, validate

from flowmember.orgs.models import OrgKind


class OrgArgs(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(OrgKind, by_value=True, required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    code = fields.String(validate=validate.Length(max=32), allow_none=True)


class OrgPatchArgs(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    parent_id = fields.Integer()
    code = fields.String(validate=validate.Length(max=32), allow_none=True)


class OrgQueryArgs(Schema):
    parent_id = fields.Integer()
    kind = fields.Enum(OrgKind, by_value=True)
    q = fields.String(validate=validate.Length(max=100))


class OrgSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    kind = fields.Enum(OrgKind, by_value=True)
    parent_id = fields.Integer(allow_none=True)
    code = fields.String(allow_none=True)
    depth = fields.Integer()


class OrgTreeSchema(Schema):
    org = fields.Nested(OrgSchema)
    children = fields.List(fields.Nested(lambda: OrgTreeSchema()))
