"""Logins, users and the audit log: marshmallow schemas (``*Args`` in, ``*Schema`` out)."""

from marshmallow import Schema, fields, validate

from flowmember.accounts.models import STAFF_ROLES, Role
from flowmember.core.fields import LocalDateTime

STAFF_ROLE_VALUES = sorted(r.value for r in STAFF_ROLES)
LOCALES = ["zh_CN", "en"]


class TokenArgs(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserArgs(Schema):
    username = fields.String(
        required=True,
        validate=[
            validate.Length(min=3, max=80),
            validate.Regexp(r"^[A-Za-z0-9_.@-]+$", error="Letters, digits and _ . @ - only."),
        ],
    )
    password = fields.String(required=True, validate=validate.Length(max=1024))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(STAFF_ROLE_VALUES))
    org_id = fields.Integer(required=True)
    locale = fields.String(validate=validate.OneOf(LOCALES), allow_none=True)


class UserPatchArgs(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=120))
    password = fields.String(validate=validate.Length(max=1024))
    role = fields.String(validate=validate.OneOf(STAFF_ROLE_VALUES))
    org_id = fields.Integer()
    locale = fields.String(validate=validate.OneOf(LOCALES), allow_none=True)
    is_active = fields.Boolean()


class UserQueryArgs(Schema):
    org_id = fields.Integer()
    role = fields.Enum(Role, by_value=True)


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.Enum(Role, by_value=True)
    org_id = fields.Integer()
    member_id = fields.Integer(allow_none=True)
    locale = fields.String(allow_none=True)
    is_active = fields.Boolean()
    created_at = fields.AwareDateTime()
    last_login_at = fields.AwareDateTime(allow_none=True)


class AuditQueryArgs(Schema):
    entity_type = fields.String()
    entity_id = fields.Integer()
    actor_id = fields.Integer()
    action = fields.String()
    since = LocalDateTime()
    until = LocalDateTime()


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    action = fields.String()
    entity_type = fields.String(allow_none=True)
    entity_id = fields.Integer(allow_none=True)
    org_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    ip = fields.String(allow_none=True)


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    version = fields.String()
