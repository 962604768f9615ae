"""Every page that names a recipient, tried by people who must not see or change that recipient.

Routes are read from the app's own URL map, so a page added later is covered without editing this file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from skill.domain.models import Contact, Recipient, new_id
from tests.functional.web_fixtures import NOW, World, client, login, world

__all__ = ["client", "world"]


def recipient_routes(world: World, target: Recipient) -> Iterator[tuple[str, str]]:
    """(method, url) of every route with a recipient in its path, filled in with the target's own records."""
    med = world.store.list_medications(target.id)[0]
    contact = Contact(id=new_id("con"), recipient_id=target.id, name="Kim", channel="email",
                      address="kim@example.org", created_at=NOW)
    world.store.put_contact(contact)
    values = {"recipient_id": target.id, "medication_id": med.id, "contact_id": contact.id,
              "dose_id": f"{med.id}@20261125T0900"}
    adapter = world.app.url_map.bind("localhost")
    for rule in world.app.url_map.iter_rules():
        if "recipient_id" not in rule.arguments or rule.rule.startswith("/api/"):
            continue
        url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            yield method, url


def call(client: FlaskClient, method: str, url: str, csrf: str) -> int:
    if method == "GET":
        return client.get(url).status_code
    return client.post(url, data={"csrf_token": csrf, "action": "taken", "dose_id": "x"}).status_code


def test_the_routes_checked_here_include_every_recipient_page(world: World) -> None:
    urls = {url.split("/")[-1] for _, url in recipient_routes(world, world.bert)}
    assert {"history", "medications", "contacts", "link-code", "settings", "invite", "log", "stop", "take",
            "delete", "remove", "undo", "correct", "test", "export", "feed", "revoke", "nickname", "dismiss"} <= urls


@pytest.mark.parametrize("who", ["ann", "sue"])
def test_a_stranger_gets_404_on_every_route_of_someone_elses_recipient(client: FlaskClient, world: World,
                                                                       who: str) -> None:
    # GIVEN ann (carer of Edith only, north) or sue (coordinator of the south organisation)
    csrf = login(client, f"{who}@example.org")
    targets = [world.bert, world.sam] if who == "ann" else [world.edith, world.bert]
    for target in targets:
        for method, url in recipient_routes(world, target):
            # THEN every page and every change is "not found"
            assert call(client, method, url, csrf) == 404, (method, url)
    # AND nothing was changed for anyone
    assert world.store.list_audit(world.bert.id) == []
    assert world.store.list_audit(world.edith.id) == []


def test_a_coordinator_reads_their_organisation_but_changes_nothing(client: FlaskClient, world: World) -> None:
    csrf = login(client, "cora@example.org")
    for method, url in recipient_routes(world, world.bert):
        code = call(client, method, url, csrf)
        edit_only = any(part in url for part in ("/medications/", "/remove", "/correct"))
        expected = 403 if method == "POST" or edit_only else 422 if url.endswith("/export") else 200
        assert code == expected, (method, url)  # (an export without a range is a 422, never a 500)
    for method, url in recipient_routes(world, world.sam):
        assert call(client, method, url, csrf) == 404, (method, url)
    assert world.store.list_audit(world.bert.id) == []


def test_a_carer_has_no_coordinator_or_admin_pages(client: FlaskClient, world: World) -> None:
    login(client, "ann@example.org")
    assert client.get("/coordinator").status_code == 404
    assert client.get("/admin/users").status_code == 404


def test_the_cohort_lists_only_the_coordinators_organisation(client: FlaskClient, world: World) -> None:
    login(client, "cora@example.org")
    page = client.get("/coordinator").text
    assert "Edith" in page and "Bert" in page and "Sam" not in page


def test_todays_json_holds_only_linked_recipients(client: FlaskClient, world: World) -> None:
    login(client, "ann@example.org")
    data = client.get("/today.json").get_json()
    assert [r["id"] for r in data["recipients"]] == [world.edith.id]


def test_an_admin_links_carers_only_within_their_organisation(client: FlaskClient, world: World) -> None:
    # GIVEN the north admin
    csrf = login(client, "ada@example.org")
    # WHEN they link bob to Edith, bob can see Edith
    response = client.post("/admin/users/link", data={"csrf_token": csrf, "email": "bob@example.org",
                                                      "recipient_id": world.edith.id, "action": "link"})
    assert response.status_code == 303
    assert world.edith.id in world.store.get_user(world.users["bob"].id).recipient_ids  # type: ignore[union-attr]
    # BUT a south account or a south recipient is out of reach
    assert client.post("/admin/users/link", data={"csrf_token": csrf, "email": "sue@example.org",
                                                  "recipient_id": world.edith.id}).status_code == 404
    assert client.post("/admin/users/link", data={"csrf_token": csrf, "email": "bob@example.org",
                                                  "recipient_id": world.sam.id}).status_code == 404
    assert "sue@example.org" not in client.get("/admin/users").text
