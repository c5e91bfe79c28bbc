"""Statistics: API."""

from flowmember.core.api import Blueprint
from flowmember.core.auth import current_actor
from flowmember.stats import services
from flowmember.stats.schemas import OverviewArgs, OverviewSchema

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Statistics")


@blp.route("/stats/overview")
@blp.arguments(OverviewArgs, location="query")
@blp.response(200, OverviewSchema)
def overview(args):
    """Members by category, status and province, dues collection for the month, open lapse
    cases, unreachable members and overdue transfers for an org subtree (default: your own)"""
    return services.overview(current_actor(), args.get("org_id"), args.get("as_of"))
