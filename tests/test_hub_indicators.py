"""Adoption, derivative share and collaboration on a hand-made lineage graph with known answers.

The graph (downloads in brackets):

    Qwen/Qwen2.5-7B (CN, curated) [1000]            meta-llama/Llama-3.1-8B (US, curated) [800]
      |- NousResearch/Hermes-Qwen  finetune, US org   [100] 2025-01-10
      |    '- mistralai/Mistral-on-Hermes finetune, FR org [3] 2025-02-15 (chain; below 5 downloads)
      |- alice/qwen-ko              finetune, individual, lang ko [50] 2025-01-20
      |- unsloth/Qwen2.5-7B-GGUF    quantized, redistributor [1000] 2025-01-05
      '- allenai/merge-x            merge of Qwen + Llama, US org [10] 2025-02-01
    meta-llama/Llama-3.1-8B
      '- deepseek-ai/Distill-Llama  finetune, CN org [500] 2025-03-01
    mistralai/Mistral-Small-24B-Base-2501 (FR, curated) [200]
    bob/selfie  -> bob/selfie (self-reference only)  [7]
    carol/a <-> carol/b (two-node cycle)             [5, 5]
    dan/orphan -> THUDM/missing (dangling; THUDM is Zhipu, CN) [20] 2025-03-10
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from weightatlas.attribution import load_attribution
from weightatlas.hub.schema import ensure_schema
from weightatlas.indicators import Context, build_document, regional
from weightatlas.indicators.adoption import gini
from weightatlas.snapshot import build_snapshot
from weightatlas.store import Store

from conftest import FIXTURE_DATA

REPOS = [
    # id, downloads, created, languages, tags, library
    ("Qwen/Qwen2.5-7B", 1000, "2024-09-19", None, [], "transformers"),
    ("meta-llama/Llama-3.1-8B", 800, "2024-07-23", None, [], "transformers"),
    ("mistralai/Mistral-Small-24B-Base-2501", 200, "2025-01-30", None, [], "transformers"),
    ("NousResearch/Hermes-Qwen", 100, "2025-01-10", None, [], "transformers"),
    ("mistralai/Mistral-on-Hermes", 3, "2025-02-15", None, [], "transformers"),
    ("alice/qwen-ko", 50, "2025-01-20", ["ko"], [], "transformers"),
    ("unsloth/Qwen2.5-7B-GGUF", 1000, "2025-01-05", None, ["gguf"], "gguf"),
    ("allenai/merge-x", 10, "2025-02-01", None, [], "transformers"),
    ("deepseek-ai/Distill-Llama", 500, "2025-03-01", None, [], "transformers"),
    ("bob/selfie", 7, "2025-02-02", None, [], "transformers"),
    ("carol/a", 5, "2025-02-03", None, [], "transformers"),
    ("carol/b", 5, "2025-02-04", None, [], "transformers"),
    ("dan/orphan", 20, "2025-03-10", None, [], "transformers"),
]
EDGES = [
    ("NousResearch/Hermes-Qwen", "Qwen/Qwen2.5-7B", "finetune"),
    ("mistralai/Mistral-on-Hermes", "NousResearch/Hermes-Qwen", "finetune"),
    ("alice/qwen-ko", "Qwen/Qwen2.5-7B", "finetune"),
    ("unsloth/Qwen2.5-7B-GGUF", "Qwen/Qwen2.5-7B", "quantized"),
    ("allenai/merge-x", "Qwen/Qwen2.5-7B", "merge"),
    ("allenai/merge-x", "meta-llama/Llama-3.1-8B", "merge"),
    ("deepseek-ai/Distill-Llama", "meta-llama/Llama-3.1-8B", "finetune"),
    ("bob/selfie", "bob/selfie", "finetune"),
    ("carol/a", "carol/b", "finetune"),
    ("carol/b", "carol/a", "finetune"),
    ("dan/orphan", "THUDM/missing", "finetune"),
]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hubgraph")
    build_snapshot(FIXTURE_DATA, root / "snap")
    db = root / "crawl.duckdb"
    con = duckdb.connect(str(db))
    ensure_schema(con)
    con.execute(
        "INSERT INTO crawl_snapshots (snapshot_id, started_at, endpoint, query, mode, status, source) "
        "VALUES (1, TIMESTAMP '2025-04-01', 'http://fake', '{}', 'full', 'complete', 'hub-crawl')"
    )
    for repo, downloads, created, langs, tags, library in REPOS:
        con.execute(
            "INSERT INTO hub_models BY NAME SELECT ? AS id, split_part(?, '/', 1) AS author, ?::TIMESTAMP AS created_at, ? AS downloads, "
            "?::VARCHAR[] AS languages, ?::VARCHAR[] AS tags, ? AS library_name, ? = 'gguf' AS is_gguf, 1 AS first_seen_snapshot, 1 AS last_seen_snapshot",
            [repo, repo, created, downloads, langs, tags, library, library],
        )
        con.execute("INSERT INTO hub_downloads VALUES (1, ?, ?, NULL, NULL)", [repo, downloads])
    for child, parent, relation in EDGES:
        con.execute("INSERT INTO hub_edges VALUES (?, ?, ?, ?, 'tag', 1)", [child, parent, relation, relation])
    con.close()
    with Store.open(root / "snap", db=db) as store:
        doc = build_document(store, load_attribution(), only=["adoption", "collaboration"])
        ctx = Context(store=store, attribution=load_attribution())
        doc["indicators"]["regional"] = {"language_proxy": regional.language_proxy(ctx)}
        return doc


def test_lineage_edge_cases_are_counted(document: dict) -> None:
    lineage = document["indicators"]["collaboration"]["lineage"]
    assert lineage["self_references"] == 1
    assert lineage["cycles"] == 2  # carol/a and carol/b each walk back to themselves
    assert lineage["dangling_parents"] == 1  # THUDM/missing
    assert lineage["merges"] == 1 and lineage["max_parents"] == 2
    assert lineage["max_depth"] == 2  # Mistral-on-Hermes -> Hermes-Qwen -> Qwen (stops at the curated base)


def test_derivative_share_by_root_bloc(document: dict) -> None:
    share = document["indicators"]["adoption"]["hub_sample"]["derivative_share"]
    overall = share["variants"]["all_relations"]["overall"]
    # Counted (> 5 downloads): Hermes 1 CN, qwen-ko 1 CN, GGUF 1 CN, merge .5 CN + .5 US, Distill 1 US, orphan 1 CN (THUDM = Zhipu).
    assert overall["China"]["derivatives"] == 4.5 and overall["United States"]["derivatives"] == 1.5
    assert overall["China"]["share"] == 0.75 and overall["United States"]["share"] == 0.25
    without = share["variants"]["without_quantized"]["overall"]
    assert without["China"]["share"] == 0.7 and without["United States"]["share"] == 0.3
    monthly = {(m["month"], m["bloc"]): m["share"] for m in share["variants"]["all_relations"]["monthly"]}
    assert monthly[("2025-01", "China")] == 1.0
    assert monthly[("2025-02", "China")] == 0.5 and monthly[("2025-02", "United States")] == 0.5
    assert monthly[("2025-03", "China")] == 0.5 and monthly[("2025-03", "United States")] == 0.5
    assert share["population"]["below_threshold"] == 3  # Mistral-on-Hermes (3), carol/a, carol/b (5 each)
    families = {f["family"]: f["derivatives"] for f in share["variants"]["all_relations"]["top_families"]}
    assert families["Qwen"] == 3.5


def test_authentic_collaboration_index(document: dict) -> None:
    index = document["indicators"]["collaboration"]["authentic_index"]
    # Known organisations made 4 derivatives (Nous, AllenAI, Mistral, DeepSeek); 3.5 of them are
    # substantive and cross-border (AllenAI's merge is half on a US base).
    assert (index["all_by_known_orgs"], index["substantive_cross_border"], index["overall"]) == (4.0, 3.5, 0.875)
    pairs = {(p["maker_bloc"], p["root_bloc"]): p["index"] for p in index["by_pair"]}
    assert pairs == {("United States", "China"): 0.75, ("Europe", "China"): 1.0, ("China", "United States"): 1.0}
    notable = [n["repo"] for n in document["indicators"]["collaboration"]["notable_cross_border"]]
    assert notable[0] == "deepseek-ai/Distill-Llama" and "alice/qwen-ko" not in notable


def test_superficial_flows_are_kept_apart(document: dict) -> None:
    flows = document["indicators"]["collaboration"]["flow_matrix"]
    superficial = flows["superficial"]
    assert [(f["maker_country"], f["root_country"], f["derivatives"]) for f in superficial] == [("unknown", "CN", 1.0)]
    assert all(f["maker_country"] != "unknown" or f["maker_bloc"] == "Unknown" for f in flows["substantive"])
    population = document["indicators"]["collaboration"]["population"]
    assert population["by_redistributors"] == 1 and population["by_known_organizations"] == 4


def test_download_shares_per_population(document: dict) -> None:
    pops = document["indicators"]["adoption"]["hub_sample"]["populations"]
    dev = pops["p_developer"]["share_30d"]
    # Known developers, repacks out: CN 1000 + 500, US 800 + 100 + 10, Europe 200 + 3.
    assert dev["total"] == 2613
    assert dev["by_bloc"]["China"]["downloads"] == 1500 and dev["by_bloc"]["China"]["share"] == round(1500 / 2613, 4)
    curated = pops["p_curated"]
    assert curated["models"] == 3 and curated["share_30d"]["by_bloc"]["China"]["share"] == 0.5
    assert pops["p_hub"]["repacks"]["models"] == 1 and pops["p_hub"]["repacks"]["share_30d"]["total"] == 1000
    assert pops["p_hub"]["share_30d"]["by_bloc"]["Unknown"]["downloads"] == 50 + 7 + 5 + 5 + 20
    conc = pops["p_developer"]["concentration"]["by_organization"]
    values = [1000, 800, 203, 100, 10, 500]
    assert conc["units"] == 6
    assert conc["hhi"] == round(sum((100 * v / sum(values)) ** 2 for v in values), 1)
    assert conc["gini"] == round(gini([float(v) for v in values]), 4)
    assert document["indicators"]["adoption"]["hub_sample"]["series"][0]["share_30d"]["China"] == round(1500 / 2613, 4)


def test_root_population_attributes_to_bases(document: dict) -> None:
    root = document["indicators"]["adoption"]["hub_sample"]["populations"]["p_root"]["share_30d"]["by_bloc"]
    # Bases count for themselves; derivatives for their roots; cycles are left out.
    cn = 1000 + 100 + 3 + 50 + 5 + 20  # Qwen, Hermes, Mistral-on-Hermes, qwen-ko, half the merge, dan/orphan
    us = 800 + 5 + 500
    assert root["China"]["downloads"] == cn and root["United States"]["downloads"] == us


def test_gini_known_values() -> None:
    assert gini([1.0, 1.0, 1.0, 1.0]) == 0.0
    assert gini([0.0, 0.0, 0.0, 10.0]) == pytest.approx(0.75)
    assert gini([]) == 0.0


def test_language_proxy(document: dict) -> None:
    proxy = document["indicators"]["regional"]["language_proxy"]
    by_language = {x["key"]: x for x in proxy["by_language"]}
    assert by_language["ko"]["share"] == {"China": 1.0} and by_language["ko"]["derivatives"] == 1
    assert {x["key"]: x["share"] for x in proxy["by_region"]}["East Asia"] == {"China": 1.0}


def test_store_db_must_exist(tmp_path: Path) -> None:
    from weightatlas.errors import WeightatlasError

    with pytest.raises(WeightatlasError, match="no crawl database"):
        Store.open(db=tmp_path / "missing.duckdb")
