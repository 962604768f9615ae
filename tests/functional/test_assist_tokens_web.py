"""A carer makes and revokes the person's Home Assistant token on the web, signed in and with the form's CSRF
token; someone who may not change the person's records cannot."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.functional.web_fixtures import World, client, login, world

__all__ = ["client", "world"]  # pytest fixtures, imported for use here


def test_a_carer_makes_a_token_that_opens_assist_and_revokes_it(world: World, client: FlaskClient) -> None:
    csrf = login(client, "ann@example.org")
    made = client.post(f"/recipients/{world.edith.id}/assist-token", data={"csrf_token": csrf})
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    found = re.search(r"Bearer (dka_[\w-]+)", made.text)
    assert found is not None
    secret = found.group(1)
    ha = world.app.test_client()
    heard = ha.post("/assist", json={"intent": "DoseKeeperNextDose"}, headers={"Authorization": f"Bearer {secret}"})
    assert heard.status_code == 200 and heard.get_json()["speech"]
    # WHEN the carer revokes it  THEN Home Assistant is refused at once
    assert client.post(f"/recipients/{world.edith.id}/assist-token/revoke",
                       data={"csrf_token": csrf}).status_code == 303
    refused = ha.post("/assist", json={"intent": "DoseKeeperNextDose"}, headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


def test_no_token_without_the_form_token_or_for_someone_else(world: World, client: FlaskClient) -> None:
    csrf = login(client, "ann@example.org")
    assert client.post(f"/recipients/{world.edith.id}/assist-token").status_code == 400  # no CSRF token
    assert client.post(f"/recipients/{world.bert.id}/assist-token", data={"csrf_token": csrf}).status_code == 404

