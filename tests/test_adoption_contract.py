"""indicators.adoption's shape after issue 10: headline, the three history blocks, hub_sample."""

from __future__ import annotations

from datetime import date, timedelta

from history_fixtures import DOWNLOAD_HISTORY_DDL, FINETUNE_HISTORY_DDL, HISTORY_REPOS_DDL, LISTING_2022_DDL

from weightatlas.attribution import load_attribution
from weightatlas.indicators import build_document
from weightatlas.store import Store

HUB_ONLY = "Hugging Face Hub only"


def _adoption(store):
    return build_document(store, load_attribution(), only=["adoption"])["indicators"]["adoption"]


def test_adoption_keys_and_hub_only_caveats():
    with Store.open() as store:
        a = _adoption(store)
    assert set(a) >= {"headline", "download_history", "finetune_history", "baseline_2022", "hub_sample"}
    assert {"populations", "series", "derivative_share", "source", "caveats"} <= set(a["hub_sample"])
    assert "figure" in a["headline"] and "why" in a["headline"]
    for key in ("download_history", "finetune_history", "baseline_2022", "hub_sample"):
        assert HUB_ONLY in " ".join(a[key]["caveats"]), key


def _ensure(con, name, ddl):
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0]:
        con.execute(f"DROP TABLE {name}")
    con.execute(ddl)


def _store_with_history():
    store = Store.open()
    if True:
        con = store.con
        for name, ddl in (("history_repos", HISTORY_REPOS_DDL), ("download_history", DOWNLOAD_HISTORY_DDL),
                          ("finetune_history", FINETUNE_HISTORY_DDL), ("hub_listing_2022", LISTING_2022_DDL)):
            _ensure(con, name, ddl)
        con.execute("INSERT INTO history_repos VALUES ('Qwen/x', 'f.csv:2', 'Qwen', 'qwen', 'CN', 'China', 'first_party', NULL, NULL, NULL, 'llm', 'r', DATE '2024-07-02', DATE '2024-07-02')")
        for i in range(40):
            con.execute("INSERT INTO download_history VALUES ('Qwen/x', ?, ?)", [date(2024, 7, 2) + timedelta(days=i), 100 * (i + 1)])
        con.execute("INSERT INTO finetune_history VALUES ('Qwen/x', 'f.csv:2', 'Qwen', 'qwen', 'China', 'qwen', 'llm', 'r', DATE '2024-07-02', 0, 3)")
        con.execute("INSERT INTO hub_listing_2022 VALUES ('gpt2', 'l.csv:2', NULL, 'openai', 'United States', 'first_party', 10, NULL, 'llm', 'r')")
    return store


def test_history_tables_feed_the_blocks():
    with _store_with_history() as store:
        a = _adoption(store)
    assert a["download_history"]["available"] and a["finetune_history"]["available"] and a["baseline_2022"]["available"]
    july = a["download_history"]["variants"]["all_modalities"]["cohort"]["monthly"][0]
    assert july["by_bloc"]["China"]["downloads"] == 29 * 100


def test_report_renders_the_history_sections_with_escaped_text():
    from weightatlas.report import build_view, render_html

    with _store_with_history() as store:
        store.con.execute("UPDATE history_repos SET repo_id = 'Qwen/<b>x'")
        store.con.execute("UPDATE download_history SET repo_id = 'Qwen/<b>x'")
        doc = build_document(store, load_attribution())  # the page needs every section
    _, specs = build_view(doc)
    assert "download-history" in specs and "finetune-history" in specs and "baseline-2022" in specs
    page, _ = render_html(doc)
    assert "Daily Hub downloads over time" in page and "balanced panel" in page
    assert "<b>x" not in page
    # The rules and China's bootstrap interval are on the page, not only in the JSON.
    assert "<b>burst</b>: a whole run of days" in page and "bootstrap 95% interval over repos in brackets" in page
    assert "windows end after the data date and are partial" in page
