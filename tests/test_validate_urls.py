"""Source URLs must point at the page that states the fact, never a tag, author, search or listing page."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import edit_line

from weightatlas.cli import main
from weightatlas.errors import InputError
from weightatlas.source_urls import URL_COLUMN, url_problem
from weightatlas.validate import TableCheck, validate_all


def url_errors(check: TableCheck) -> list[InputError]:
    """The source-URL problems of a check (other row rules may report through the same list)."""
    return [e for e in check.errors if e.field and URL_COLUMN.search(e.field)]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.chinaiplawyer.com/tag/rules-on-registration-of-ingredients/",
        "https://example.com/tags/ai",
        "https://potomaclocal.com/author/the-center-square",
        "https://example.com/authors/jane-doe/",
        "https://example.com/search?q=deepseek",
        "https://example.com/search",
        "https://example.com/?s=deepseek",
        "https://example.com/news?q=ban",
        "https://example.com/category/policy/",
        "https://example.com/categories/policy",
        "https://example.com/topics/artificial-intelligence",
        "https://gdpr.blog.hu/?page=5&token=7c5434a58a2fb9a1c3fb587eedc43a78",
        "https://example.com/news/page/3/",
        "https://example.blogspot.com/search/label/AI",
    ],
)
def test_tag_author_search_and_listing_pages_are_rejected_everywhere(url: str) -> None:
    assert url_problem(url, dated=True)
    assert url_problem(url, dated=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://reports.nscai.gov",
        "https://www.deepseek.com/",
        "https://huggingface.co/rinna",
        "https://huggingface.co/HackApertus",
        "https://hf.co/upstage",
        "https://github.com/deepseek-ai",
    ],
)
def test_site_roots_and_organisation_pages_cannot_date_a_claim(url: str) -> None:
    assert url_problem(url, dated=True)
    # An organisation's own home or Hub page is where organizations.csv checks who it is.
    assert url_problem(url, dated=False) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://fapa.org/?p=24932",  # a WordPress post permalink, not a search
        "https://www.msit.go.kr/eng/bbs/view.do?sCode=eng&mId=4&mPid=2&pageIndex=&bbsSeqNo=42&nttSeqNo=1071&searchOpt=ALL&searchTxt=",
        "https://huggingface.co/rinna/youri-7b",
        "https://github.com/deepseek-ai/DeepSeek-V3/blob/main/README.md",
        "https://arxiv.org/abs/2411.07854",
        "https://www.lexology.com/library/detail.aspx?g=b5401d0c-073a-4557-bc1b-2fca87b9e395",
        "https://www.researchgate.net/publication/123_Tagging_authors_in_search",
        "https://example.com/blog/how-we-search-for-tags",
    ],
)
def test_pages_that_state_a_fact_are_accepted(url: str) -> None:
    assert url_problem(url, dated=True) is None


def test_validate_names_file_line_and_field_for_every_rejected_url(curated: Path) -> None:
    edit_line(curated / "sovereign_projects.csv", 2, "https://", "https://example.com/tag/x?from=")
    edit_line(curated / "training_budgets.csv", 3, "https://", "https://example.com/author/x?from=")
    edit_line(curated / "training_budgets.csv", 5, "https://", "https://example.com/search?q=x&from=")
    edit_line(curated / "organizations.csv", 2, "https://www.01.ai", "https://www.01.ai/category/about")
    result = CliRunner().invoke(main, ["validate", "--curated", str(curated)])
    assert result.exit_code == 2, result.output
    assert "sovereign_projects.csv, line 2, field 'source_url': " in result.output
    assert "training_budgets.csv, line 3, field 'source_url': " in result.output
    assert "training_budgets.csv, line 5, field 'source_url': " in result.output
    assert "organizations.csv, line 2, field 'source_url': " in result.output
    assert "Traceback" not in result.output
    failed = {r.file for r in validate_all(curated) if url_errors(r)}
    assert failed == {"sovereign_projects.csv", "training_budgets.csv", "organizations.csv + org_aliases.csv + model_families.csv + blocs.csv"}


def test_a_site_root_is_rejected_in_a_dated_table_but_not_for_an_organisation(curated: Path) -> None:
    path = curated / "policy_events.csv"
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1) if text.startswith("P002,"))
    text = path.read_text().splitlines()[line - 1]
    url = next(part for part in text.split(",") if part.startswith("https://"))
    edit_line(path, line, url, "https://www.commerce.gov/")
    results = {r.file: r for r in validate_all(curated)}
    problems = url_errors(results["policy_events.csv"])
    assert [(e.line, e.field) for e in problems] == [(line, "source_url")]
    assert "site root" in problems[0].message
    assert problems[0] in results["policy_events.csv"].errors
    assert not url_errors(results["organizations.csv + org_aliases.csv + model_families.csv + blocs.csv"])


def test_every_shipped_table_passes_the_url_rule() -> None:
    problems = [str(e) for r in validate_all() for e in url_errors(r)]
    assert not problems, problems
