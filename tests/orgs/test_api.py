import pytest

from flowmember.extensions import db
from flowmember.orgs.models import Org


@pytest.fixture
def tree(make_org):
    """committee > (branch A, branch B > group)."""
    top = make_org("committee", name="Town committee")
    a = make_org("branch", parent=top, name="Branch A")
    b = make_org("branch", parent=top, name="Branch B")
    group = make_org("group", parent=b, name="Group B1")
    return {"top": top, "a": a, "b": b, "group": group}


def test_admin_creates_org_below_own_subtree(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    response = api.as_(admin).post(
        "/orgs", json={"name": "Branch C", "kind": "branch", "parent_id": tree["top"].id}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("name", "kind", "parent_id", "code")} == {
        "name": "Branch C",
        "kind": "branch",
        "parent_id": tree["top"].id,
        "code": None,
    }
    org = db.session.get(Org, body["id"])
    assert org.path == f"{tree['top'].path}{org.id}/"


def test_secretary_of_branch_a_gets_404_for_branch_b(api, make_user, tree):
    secretary = make_user("secretary", tree["a"])
    client = api.as_(secretary)
    assert client.get(f"/orgs/{tree['a'].id}").status_code == 200
    response = client.get(f"/orgs/{tree['b'].id}")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404
    assert client.get(f"/orgs/{tree['group'].id}").status_code == 404
    ids = [o["id"] for o in client.get("/orgs").get_json()]
    assert ids == [tree["a"].id]


def test_org_list_is_the_subtree_with_pagination_header(api, make_user, tree):
    admin = make_user("admin", tree["b"])
    response = api.as_(admin).get("/orgs?page_size=1")
    assert response.status_code == 200
    assert len(response.get_json()) == 1
    assert '"total": 2' in response.headers["X-Pagination"]


def test_page_size_over_200_is_rejected(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    response = api.as_(admin).get("/orgs?page_size=201")
    assert response.status_code == 422
    assert "page_size" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("kind", "parent_key", "status"),
    [
        ("group", "b", 201),
        ("group", "top", 422),  # a group sits under a branch only
        ("general_branch", "top", 201),
        ("branch", "group", 422),
        ("centre", "top", 201),
    ],
)
def test_kind_must_fit_the_parent(api, make_user, tree, kind, parent_key, status):
    admin = make_user("admin", tree["top"])
    response = api.as_(admin).post(
        "/orgs", json={"name": "New", "kind": kind, "parent_id": tree[parent_key].id}
    )
    assert response.status_code == status
    if status == 422:
        assert "kind" in response.get_json()["errors"]


def test_admin_cannot_create_outside_subtree(api, make_user, tree):
    admin = make_user("admin", tree["a"])
    response = api.as_(admin).post(
        "/orgs", json={"name": "Sneaky", "kind": "group", "parent_id": tree["b"].id}
    )
    assert response.status_code == 404
    assert db.session.query(Org).filter_by(name="Sneaky").count() == 0


def test_secretary_may_not_create_orgs(api, make_user, tree):
    secretary = make_user("secretary", tree["a"])
    response = api.as_(secretary).post(
        "/orgs", json={"name": "X", "kind": "group", "parent_id": tree["a"].id}
    )
    assert response.status_code == 403


def test_moving_an_org_moves_its_subtree(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    response = api.as_(admin).patch(f"/orgs/{tree['b'].id}", json={"parent_id": tree["a"].id})
    # a branch cannot sit below a branch
    assert response.status_code == 422
    gb = (
        api.as_(admin)
        .post("/orgs", json={"name": "GB", "kind": "general_branch", "parent_id": tree["top"].id})
        .get_json()
    )
    response = api.as_(admin).patch(f"/orgs/{tree['b'].id}", json={"parent_id": gb["id"]})
    assert response.status_code == 200
    db.session.expire_all()
    group = db.session.get(Org, tree["group"].id)
    assert group.path == f"{tree['top'].path}{gb['id']}/{tree['b'].id}/{group.id}/"
    assert group.depth == 3


def test_cannot_move_org_below_itself(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    gb = (
        api.as_(admin)
        .post("/orgs", json={"name": "GB", "kind": "general_branch", "parent_id": tree["top"].id})
        .get_json()
    )
    committee = (
        api.as_(admin)
        .post("/orgs", json={"name": "Sub", "kind": "committee", "parent_id": tree["top"].id})
        .get_json()
    )
    api.as_(admin).patch(f"/orgs/{gb['id']}", json={"parent_id": committee["id"]})
    response = api.as_(admin).patch(f"/orgs/{committee['id']}", json={"parent_id": gb["id"]})
    assert response.status_code == 422


def test_duplicate_code_is_409(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    first = {"name": "One", "kind": "branch", "parent_id": tree["top"].id, "code": "X01"}
    assert api.as_(admin).post("/orgs", json=first).status_code == 201
    response = api.as_(admin).post("/orgs", json={**first, "name": "Two", "code": "x01"})
    assert response.status_code == 409
    assert "code" in response.get_json()["errors"]


def test_tree_endpoint_nests_children(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    body = api.as_(admin).get("/orgs/tree").get_json()
    assert len(body) == 1 and body[0]["org"]["id"] == tree["top"].id
    names = sorted(c["org"]["name"] for c in body[0]["children"])
    assert names == ["Branch A", "Branch B"]
    b = next(c for c in body[0]["children"] if c["org"]["name"] == "Branch B")
    assert [c["org"]["name"] for c in b["children"]] == ["Group B1"]


def test_org_changes_are_audited(api, make_user, tree):
    admin = make_user("admin", tree["top"])
    api.as_(admin).patch(f"/orgs/{tree['a'].id}", json={"name": "Branch A renamed"})
    entries = api.as_(admin).get(f"/audit?entity_type=orgs&entity_id={tree['a'].id}").get_json()
    update = next(e for e in entries if e["action"] == "org.update")
    assert update["before"] == {"name": "Branch A"}
    assert update["after"] == {"name": "Branch A renamed"}
    assert update["actor_id"] == admin.id
