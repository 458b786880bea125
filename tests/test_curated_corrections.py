"""Curated rows corrected in the hardening pass (issue 9 §6) stay corrected.

Each assertion pins a fact that was checked against a stored copy of its source; the
rows' notes say which.
"""

from __future__ import annotations

from datetime import date

from weightatlas.curated import POLICY_EVENTS, SOVEREIGN_PROJECTS, load_table
from weightatlas.indicators import regulation

TRACKER = "github.com/delschlangen/ai-legislation-tracker"


def _events() -> dict[str, dict]:
    return {r["id"]: r for r in load_table(POLICY_EVENTS)}


def _projects() -> dict[str, dict]:
    return {r["project"]: r for r in load_table(SOVEREIGN_PROJECTS)}


def test_p013_second_source_is_about_the_generative_ai_measures_not_infant_milk() -> None:
    row = _events()["P013"]
    assert "milk" not in (row["source_url_2"] or "")
    assert "/tag/" not in (row["source_url_2"] or "")
    assert row["source_url_2"]


def test_p094_louisiana_order_says_its_sources_disagree_on_the_date() -> None:
    row = _events()["P094"]
    assert row["date"] == date(2025, 10, 13)  # the announcement, which the reports agree on
    assert row["date_precision"] == "day"
    for text in (row["note"], row["description"]):
        assert "29 Sep" in text and "13 Oct" in text
    assert row["confidence"] == "medium"


def test_no_policy_event_rests_on_the_personal_tracker_alone() -> None:
    for row in _events().values():
        if TRACKER in row["source_url"] or TRACKER in (row["source_url_2"] or ""):
            assert row["source_url_2"], row["id"]
            assert TRACKER not in row["source_url"], f"{row['id']}: the tracker should be the second source"


def test_rows_that_cited_author_or_listing_pages_now_cite_the_story() -> None:
    events = _events()
    assert "potomaclocal.com/author" not in events["P054"]["source_url_2"]
    assert "potomaclocal.com/author" not in events["P058"]["source_url"]
    assert "page=" not in events["P081"]["source_url"]
    assert events["P133"]["source_url_2"] != "https://reports.nscai.gov"


def test_the_corrections_keep_every_event_in_the_figures() -> None:
    rows = load_table(POLICY_EVENTS)
    assert all(regulation.in_figures(r) for r in rows)


def test_tucano_is_german_by_the_tables_developer_rule() -> None:
    row = _projects()["Tucano"]
    assert (row["country"], row["region"]) == ("DE", "Europe")
    assert "Bonn" in row["organization"]
    assert "featherless" not in row["source_url"]


def test_pllum_first_release_is_dated_to_the_february_2025_launch() -> None:
    row = _projects()["PLLuM (2502)"]
    assert (row["release_date"], row["date_precision"]) == (date(2025, 2, 1), "month")
    assert "24 Feb" in row["note"]


def test_krutrim_1_is_dated_by_its_developer_to_january_2024() -> None:
    row = _projects()["Krutrim-1"]
    assert (row["release_date"], row["date_precision"]) == (date(2024, 1, 1), "month")
    assert "olakrutrim.com" in row["source_url"]


def test_no_sovereign_project_is_sourced_to_an_organisation_page() -> None:
    for row in load_table(SOVEREIGN_PROJECTS):
        url = row["source_url"]
        path = [p for p in url.split("//", 1)[1].split("?")[0].split("/")[1:] if p]
        assert not ("huggingface.co" in url and len(path) == 1), (row["project"], url)
