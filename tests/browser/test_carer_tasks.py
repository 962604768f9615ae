"""Issue 12's carer tasks in Debian's Chromium, at desktop 1280x800, phone 390x844 and 200% zoom.

Each task is done through the pages as a carer would: add a person (and see what to say to Alexa), add a
medicine typing "0930"-style times, Taken then Undo on Today, add a contact, send it a test alert, remove it
after the confirmation, stop a medicine after the confirmation, download CSV and FHIR, make and stop the
calendar link. On every page reached, axe-core must report no serious or critical violation and no control
may need sideways scrolling. Phone screenshots go to docs/screenshots/ for the README.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from skill.demo import DemoAccounts, seed_demo
from skill.store.sqlite import SqliteStore
from skill.web.app import WebConfig, create_app
from tests.browser.conftest import accessibility_problems, open_page, serving

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# Zones to put the new person in: the test picks one where it is daytime, so "30 minutes from now" is today.
DAYTIME_ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "America/Los_Angeles", "Asia/Kolkata",
                 "Australia/Sydney", "Pacific/Honolulu")


@dataclass
class Site:
    url: str
    store: SqliteStore
    demo: DemoAccounts


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    store = SqliteStore(tmp_path_factory.mktemp("tasks") / "demo.db")
    store.init()
    demo = seed_demo(store, datetime.now(UTC))
    app = create_app(store, WebConfig(secret_key="browser-tasks", secure_cookies=False, today_refresh_seconds=600,
                                      login_rate_limit="1000 per minute"))
    with serving(app) as url:
        yield Site(url=url, store=store, demo=demo)
    store.close()


def check(page: Page, name: str, size: str) -> None:
    """No serious or critical axe violation; nothing wider than the screen; a phone screenshot for the docs."""
    assert accessibility_problems(page) == [], f"{name} at {size}"
    if size == "phone":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)


def sign_in(page: Page, site: Site, email: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(site.demo.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")


def daytime_zone() -> tuple[str, datetime]:
    for zone in DAYTIME_ZONES:
        local = datetime.now(ZoneInfo(zone))
        if 8 <= local.hour <= 18:
            return zone, local
    raise AssertionError("one of these zones is always between 08:00 and 18:59")


@pytest.mark.parametrize("size", ["desktop", "phone", "zoom200"])
def test_a_carer_does_every_task_of_the_web_app(browser: Browser, site: Site, size: str) -> None:
    page = open_page(browser, size)
    sign_in(page, site, site.demo.carer_email)
    check(page, "today", size)

    # -- add a person, and see exactly what to say to Alexa --
    page.goto(f"{site.url}/people/new")
    check(page, "add-person", size)
    zone, local = daytime_zone()
    page.get_by_label("Their name").fill(f"Mabel {size}")
    page.get_by_label("Their time zone").select_option(zone)
    page.get_by_label("Alexa speaks to them in").select_option("en-GB")
    page.get_by_role("button", name="Add this person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Mabel {size} is added")
    expect(page.get_by_text('"Alexa, open Dose Keeper."')).to_be_visible()
    expect(page.locator("strong.code")).to_have_text(re.compile(r"^\d{6}$"))
    check(page, "person-added", size)
    page.get_by_role("link", name="Add their medicines").click()
    person_url = page.url.split("#")[0]

    # -- add a medicine, typing the time as people do ("0930"), due in 30 minutes --
    due = local + timedelta(minutes=30)
    form = page.locator("form", has=page.get_by_role("button", name="Add medicine"))
    form.get_by_label("Medicine name").fill("Ramipril")
    form.get_by_label("Time 1").fill(due.strftime("%H%M"))
    form.get_by_role("button", name="Add medicine").click()
    expect(page.get_by_text("Ramipril is added.")).to_be_visible()
    check(page, "person", size)

    # -- Taken on Today, then Undo from the message --
    page.goto(f"{site.url}/today")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Ramipril", exact=True))
    row.get_by_role("button", name="Taken").click()
    message = page.locator(".flash-undo")
    expect(message).to_contain_text(f"Ramipril at {due:%H:%M}: taken.")
    check(page, "today-undo", size)
    message.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_contain_text("Undone: Ramipril")
    expect(row.get_by_role("button", name="Taken")).to_be_visible()

    # -- a logged dose corrected from the person page --
    row.get_by_role("button", name="Skip").click()
    page.goto(person_url)
    page.locator("#recent-logs").get_by_role("link", name="Correct").first.click()
    expect(page.get_by_text("Recorded now:")).to_contain_text("Skipped")
    check(page, "correct-dose", size)
    page.get_by_label("It was taken").check()
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("is now recorded as taken")

    # -- a contact: the address is checked, a test alert is sent, removal asks first --
    page.goto(person_url)
    contact_form = page.locator("form", has=page.get_by_role("button", name="Add contact"))
    contact_form.get_by_label("Name", exact=True).fill("Sam")
    contact_form.get_by_label("How to reach them").select_option("email")
    contact_form.get_by_label("Email address, mobile number or https URL").fill("sam@example")
    contact_form.get_by_role("button", name="Add contact").click()
    expect(page.locator("#c-address-error")).to_be_visible()
    check(page, "contact-error", size)
    contact_form = page.locator("form", has=page.get_by_role("button", name="Add contact"))
    contact_form.get_by_label("Email address, mobile number or https URL").fill("sam@example.org")
    contact_form.get_by_role("button", name="Add contact").click()
    expect(page.get_by_role("status")).to_contain_text("they will get alerts by email at sam@example.org")
    page.get_by_role("button", name="Send a test alert to Sam").click()
    expect(page.get_by_role("status")).to_contain_text("A test alert to sam@example.org is on its way")
    page.get_by_role("link", name="Remove Sam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove Sam?")
    check(page, "confirm-remove", size)
    page.get_by_role("button", name="Yes, remove Sam").click()
    expect(page.get_by_role("status")).to_contain_text("Sam will no longer get alerts.")

    # -- exports: CSV and FHIR for a range; the calendar link made and stopped --
    exports = page.locator("#exports")
    with page.expect_download() as csv_download:
        exports.get_by_role("button", name="Download CSV").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as fhir_download:
        exports.get_by_role("button", name="Download FHIR").click()
    assert fhir_download.value.suggested_filename.endswith(".fhir.json")
    exports.get_by_role("button", name="Make a calendar link").click()
    expect(page.get_by_label("Calendar link")).to_be_visible()
    assert "/api/v1/feeds/" in page.get_by_label("Calendar link").input_value()
    check(page, "calendar-link", size)
    page.get_by_role("button", name="Stop the calendar link").click()
    expect(page.get_by_role("status")).to_contain_text("The calendar link is stopped")

    # -- stopping a medicine asks first; the buttons are real targets --
    stop = page.get_by_role("link", name="Stop Ramipril")
    box = stop.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44, box
    stop.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop Ramipril?")
    check(page, "confirm-stop", size)
    page.get_by_role("button", name="Yes, stop Ramipril").click()
    expect(page.get_by_role("status")).to_contain_text("Ramipril is stopped")
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone", "zoom200"])
def test_history_opens_on_the_latest_days_and_every_other_page_passes(browser: Browser, site: Site,
                                                                      size: str) -> None:
    page = open_page(browser, size)
    sign_in(page, site, site.demo.carer_email)
    rid = site.demo.carer_recipient_ids[0]
    page.goto(f"{site.url}/recipients/{rid}/history?days=90")
    heatmap = page.locator(".heatmap")
    # the most recent day (the SVG's right edge) is in view without scrolling
    gap = heatmap.evaluate("box => box.querySelector('svg').getBoundingClientRect().right"
                           " - box.getBoundingClientRect().right")
    assert -20 <= gap <= 0, f"History opens {gap}px away from the most recent days"
    smallest = page.evaluate("Math.min(...[...document.querySelectorAll('.heatmap text')]"
                             ".map(t => t.getBoundingClientRect().height))")
    assert smallest >= 12 * 0.9, f"heatmap labels are {smallest}px tall"
    check(page, "history", size)
    page.goto(f"{site.url}/recipients/{rid}")
    med_link = page.get_by_role("link", name="Edit").first
    med_link.click()
    check(page, "medication-form", size)
    page.goto(f"{site.url}/account")
    check(page, "account", size)
    page.goto(f"{site.url}/recipients/{site.demo.other_recipient_ids[0]}")
    check(page, "not-found", size)
    page.context.close()
    coordinator = open_page(browser, size)
    sign_in(coordinator, site, site.demo.coordinator_email)
    coordinator.goto(f"{site.url}/coordinator")
    rows = coordinator.locator("table.cohort tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 4  # the demo's four, and anyone the task test added
    for label in ("7 days", "30 days", "90 days", "PDC 30 days", "Missed (30 days)", "Trend", "Last activity"):
        expect(rows.first.locator(f'td[data-label="{label}"]')).to_be_visible()
    check(coordinator, "coordinator", size)
    coordinator.context.close()
    admin = open_page(browser, size)
    sign_in(admin, site, site.demo.admin_email)
    admin.goto(f"{site.url}/admin/users")
    check(admin, "users", size)
    admin.goto(f"{site.url}/login")
    admin.context.close()
    anonymous = open_page(browser, size)
    anonymous.goto(f"{site.url}/login")
    check(anonymous, "login", size)
    anonymous.context.close()
