"""Organisation tree: API."""

from flask.views import MethodView
from sqlalchemy import select

from flowmember.core.api import Blueprint, QueryPage
from flowmember.core.auth import current_actor, get_scoped, roles, scoped
from flowmember.extensions import db
from flowmember.orgs import services
from flowmember.orgs.models import Org
from flowmember.orgs.schemas import (
    OrgArgs,
    OrgPatchArgs,
    OrgQueryArgs,
    OrgSchema,
    OrgTreeSchema,
)

blp = Blueprint("orgs", __name__, url_prefix="/api/v1/orgs", description="Organisation tree")


@blp.route("")
class Orgs(MethodView):
    @blp.arguments(OrgQueryArgs, location="query")
    @blp.response(200, OrgSchema(many=True))
    @blp.paginate(QueryPage)
    def get(self, args):
        """Organisations in the caller's subtree"""
        stmt = scoped(select(Org), Org, current_actor()).order_by(Org.path)
        if "parent_id" in args:
            stmt = stmt.where(Org.parent_id == args["parent_id"])
        if "kind" in args:
            stmt = stmt.where(Org.kind == args["kind"])
        if args.get("q"):
            stmt = stmt.where(Org.name.contains(args["q"], autoescape=True))
        return stmt

    @roles("admin")
    @blp.arguments(OrgArgs)
    @blp.response(201, OrgSchema)
    def post(self, args):
        """Add an organisation below one in the caller's subtree (admin)"""
        return services.create_org(current_actor(), **args)


@blp.route("/tree")
@blp.response(200, OrgTreeSchema(many=True))
def tree():
    """The caller's subtree, nested"""
    actor = current_actor()
    root = db.session.get(Org, actor.org_id)
    return services.build_tree(services.subtree(root))


@blp.route("/<int:org_id>")
class OrgById(MethodView):
    @blp.response(200, OrgSchema)
    def get(self, org_id):
        """One organisation"""
        return get_scoped(Org, org_id, current_actor(), what="Organisation")

    @roles("admin")
    @blp.arguments(OrgPatchArgs)
    @blp.response(200, OrgSchema)
    def patch(self, args, org_id):
        """Rename, recode or move an organisation (admin)"""
        return services.update_org(current_actor(), org_id, args)
