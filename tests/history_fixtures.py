"""Hand-made Hub-history tables (issue 10 shared design schemas) with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

HISTORY_REPOS_DDL = """
CREATE TABLE history_repos (repo_id VARCHAR, ref VARCHAR, cohort_file VARCHAR, org_id VARCHAR, country VARCHAR,
  bloc VARCHAR, role VARCHAR, root_org_id VARCHAR, root_bloc VARCHAR, exclusion_reason VARCHAR, modality VARCHAR,
  modality_rule VARCHAR, created_at DATE, counter_start DATE)"""
DOWNLOAD_HISTORY_DDL = "CREATE TABLE download_history (repo_id VARCHAR, day DATE, cumulative BIGINT)"
FINETUNE_HISTORY_DDL = """
CREATE TABLE finetune_history (base_repo VARCHAR, ref VARCHAR, cohort_file VARCHAR, org_id VARCHAR, bloc VARCHAR,
  family VARCHAR, modality VARCHAR, modality_rule VARCHAR, created_at DATE, months_after INTEGER, cumulative BIGINT)"""
LISTING_2022_DDL = """
CREATE TABLE hub_listing_2022 (repo_id VARCHAR, ref VARCHAR, namespace VARCHAR, org_id VARCHAR, bloc VARCHAR,
  role VARCHAR, downloads_30d BIGINT, pipeline_tag VARCHAR, modality VARCHAR, modality_rule VARCHAR)"""

FIRST_DAY = date(2024, 7, 2)


def repo(repo_id, bloc, *, org_id=None, role="first_party", modality="llm", root_bloc=None, reason=None):
    return {"repo_id": repo_id, "bloc": bloc, "org_id": org_id or repo_id.split("/")[0], "role": role,
            "modality": modality, "root_bloc": root_bloc, "exclusion_reason": reason}


def history_con(repos: list[dict], daily: dict[str, list[int]]) -> duckdb.DuckDBPyConnection:
    """``daily`` gives each repo's daily increments from FIRST_DAY; the cumulative is their running sum."""
    con = duckdb.connect(":memory:")
    con.execute(HISTORY_REPOS_DDL)
    con.execute(DOWNLOAD_HISTORY_DDL)
    for r in repos:
        con.execute(
            "INSERT INTO history_repos VALUES (?, ?, 'X', ?, NULL, ?, ?, NULL, ?, ?, ?, 'test', ?, NULL)",
            [r["repo_id"], f"fixture/{r['repo_id']}.csv:2", r["org_id"], r["bloc"], r["role"], r["root_bloc"],
             r["exclusion_reason"], r["modality"], FIRST_DAY],
        )
    rows = []
    for repo_id, incs in daily.items():
        total = 0
        for i, v in enumerate(incs):
            total += v
            rows.append((repo_id, FIRST_DAY + timedelta(days=i), total))
    if rows:
        con.executemany("INSERT INTO download_history VALUES (?, ?, ?)", rows)
    return con
