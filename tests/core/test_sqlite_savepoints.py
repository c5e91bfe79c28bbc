"""On SQLite a savepoint taken before any write stays inside the transaction: rolling the
transaction back undoes what the savepoint released."""

from sqlalchemy import func, select

from flowmember.extensions import db
from flowmember.orgs.models import Org


def test_a_released_first_savepoint_is_rolled_back_with_its_transaction(app):
    before = db.session.scalar(select(func.count()).select_from(Org))
    db.session.rollback()
    with db.session.begin_nested():
        db.session.add(Org(name="kept only by the savepoint", kind="committee", path="/x/"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Org)) == before
