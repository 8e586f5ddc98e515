"""In a real browser: ITD turns a project red; the member of its space finds the notice in the
notification centre and in the mail outbox. ITD requests a budget report, is notified, downloads
the XLSX and the PDF, and the XLSX's totals are the cockpit's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from pypdf import PdfReader

from contacts.models import Authority
from core import pdf
from core.money import format_euro
from spaces.models import Membership, Space

from .conftest import TEST_TOTP_SECRET, enrol_mfa
from .factories import MembershipFactory, PersonFactory, ProjectFactory, budget_line
from .pages import table_rows
from .test_e2e_browser import CHROMIUM, FLAGS, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


def _cockpit_2026(page, base: str) -> dict[str, str]:
    page.goto(f"{base}/dashboard/")
    html = page.content()
    tables = html.count("<table")
    for index in range(tables):
        rows = table_rows(html, index)
        if rows and "Haushaltsjahr" in rows[0]:
            return next(r for r in rows if r["Haushaltsjahr"] == "2026")
    raise AssertionError("the cockpit has no table per fiscal year")


@pytest.mark.django_db(transaction=True)
def test_itd_turns_a_project_red_the_member_is_told_and_the_report_matches_the_cockpit(
    reference_data, live_server, tmp_path, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")  # the browser of test_e2e_browser
    base = live_server.url
    space = Space.objects.get(slug="mobilitaet-energie")
    itd = PersonFactory.create(
        user__email="browser.itd@example.org",
        user__last_name="Itdbrowser",
        user__is_itd_staff=True,
        authority=Authority.objects.get(code="ITD"),
    ).user
    enrol_mfa(itd)
    member = PersonFactory.create(
        user__email="browser.member@example.org",
        user__last_name="Mitgliedbrowser",
        authority=Authority.objects.get(code="BUKEA"),
    ).user
    MembershipFactory(person=member.person, space=space, role=Membership.Role.MEMBER)
    project = ProjectFactory.create(
        slug="ladenetz",
        title="Ladenetz Hamburg",
        primary_space=space,
        lead_authority=Authority.objects.get(code="BVM"),
        start=dt.date(2025, 1, 1),
        end=dt.date(2027, 12, 31),
    )
    budget_line(
        project,
        2026,
        "sach",
        "itd",
        planned=Decimal("120000.10"),
        revised=Decimal("125000.20"),
        actual=Decimal("99999.99"),
    )
    budget_line(
        project,
        2026,
        "invest",
        "bund",
        planned=Decimal("0.30"),
        revised=Decimal("0.30"),
        committed=Decimal("7.05"),
    )

    # ITD turns the project red, with the reason.
    _sign_in(page, base, itd.email, totp_secret=TEST_TOTP_SECRET)
    page.goto(f"{base}/projects/{project.slug}/edit/")
    page.select_option("#id_health", value="red")
    page.fill("#id_health_reason", "Lieferverzug der Ladesäulen")
    with page.expect_navigation(url=f"{base}/projects/{project.slug}/"):
        page.get_by_role("button", name="Speichern").click()

    # The member of the space sees the notice in the centre and has the mail.
    member_page = page.context.browser.new_context(locale="de-DE").new_page()
    _sign_in(member_page, base, member.email)
    assert "1 ungelesen" in member_page.locator("header").inner_text().replace("\n", " ")
    member_page.goto(f"{base}/notifications/")
    notice = member_page.get_by_role("link", name="Ladenetz Hamburg: Ampel rot")
    assert notice.is_visible()
    notice.click()
    member_page.wait_for_url(f"{base}/projects/{project.slug}/")
    sent = [m for m in mail.outbox if member.email in m.to]
    assert len(sent) == 1 and "Lieferverzug der Ladesäulen" in sent[0].body

    # ITD requests the budget report of 2026 and is told when it is ready.
    page.goto(f"{base}/reports/")
    page.select_option("#id_kind", value="budget")
    page.select_option("#id_format", value="xlsx")
    page.select_option("#id_scope", value="programme")
    page.select_option("#id_fiscal_year", value="2026")
    with page.expect_navigation(url=f"{base}/reports/*/"):
        page.get_by_role("button", name="Bericht anfordern").click()
    assert "fertig" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Herunterladen").first.click()
    xlsx = tmp_path / "bericht.xlsx"
    download.value.save_as(xlsx)
    page.goto(f"{base}/notifications/")
    assert (
        page.get_by_role(
            "link", name="Bericht fertig: Budgetbericht eines Haushaltsjahres 2026"
        ).count()
        == 1
    )

    overview = {
        r[0]: r for r in openpyxl.load_workbook(xlsx)["Übersicht"].iter_rows(values_only=True)
    }
    total = overview["Summe des Umfangs"]
    cockpit = _cockpit_2026(page, base)
    columns = ("Plan", "fortgeschriebener Plan", "gebunden", "Ist", "verfügbar")
    for offset, column in enumerate(columns):
        amount = Decimal(str(total[2 + offset])).quantize(Decimal("0.01"))
        # innerText gives the no-break space between amount and euro sign as a plain space.
        assert format_euro(amount).replace("\u00a0", " ") == cockpit[column], column

    if pdf.missing():
        pytest.skip(pdf.missing())
    page.goto(f"{base}/reports/")
    page.select_option("#id_kind", value="budget")
    page.select_option("#id_format", value="pdf")
    page.select_option("#id_scope", value="programme")
    page.select_option("#id_fiscal_year", value="2026")
    with page.expect_navigation(url=f"{base}/reports/*/"):
        page.get_by_role("button", name="Bericht anfordern").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Herunterladen").first.click()
    target = tmp_path / "bericht.pdf"
    download.value.save_as(target)
    text = "\n".join(p.extract_text() for p in PdfReader(target).pages).replace("\u00a0", " ")
    assert cockpit["Ist"] in text and "Ladenetz Hamburg" in text
