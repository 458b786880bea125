"""download_history.compute_from reads repos in blocks: same result for any block size, bounded blocks."""

from __future__ import annotations

from datetime import date

import pytest
from history_fixtures import FIRST_DAY, history_con, repo

from weightatlas.indicators import download_history as dh
from weightatlas.store import Store

BLOCK_SIZES = (1, 2, 7, None)  # None: the default size


def _fixture():
    """Gaps, decreases, a burst, stalls, a counter that never starts, an excluded repo and a repack."""
    repos = [
        repo("a/burst", "China", org_id="a"),
        repo("b/stall", "United States", org_id="b"),
        repo("c/decrease", "Europe", org_id="c"),
        repo("d/gaps", "United States", org_id="d"),
        repo("e/never", "China", org_id="e"),
        repo("f/late", "Rest of world", org_id="f"),
        repo("g/excluded", "Unknown", role="excluded", reason="CI test dummy"),
        repo("h/repack", "Unknown", org_id=None, role="repack", root_bloc="China"),
        repo("i/speech", "China", org_id="a", modality="speech"),
        repo("j/burst2", "Europe", org_id="j"),
    ]
    daily = {
        "a/burst": [1_000_000] + [1_000] * 40 + [9_000_000] * 10 + [1_000] * 41,
        "b/stall": [5_000] + [3_000] * 20 + [0] * 12 + [3_000] * 30 + [0] * 8 + [3_000] * 21,
        "c/decrease": [70] + [1_000] * 30 + [-5_000] + [1_000] * 20 + [-1] + [2_000] * 39,
        "d/gaps": [9] + [700] * 91,
        "e/never": [0] * 92,
        "f/late": [0] * 60 + [4] + [2_000] * 31,
        "g/excluded": [1] + [50_000_000] * 91,
        "h/repack": [3] + [500] * 50 + [0] * 9 + [500] * 32,
        "i/speech": [4] + [1_000] * 91,
        "j/burst2": [10] + [2_000] * 20 + [8_000_000] * 5 + [2_000] * 30 + [0] * 7 + [7_000_000] * 3 + [2_000] * 26,
    }
    con = history_con(repos, daily)
    # Gaps: missing days are carried forward (a gap at the start is 0).
    con.execute(
        "DELETE FROM download_history WHERE (repo_id = 'd/gaps' AND (day BETWEEN ? AND ? OR day = ?)) OR (repo_id = 'f/late' AND day < ?)",
        [date(2024, 7, 10), date(2024, 7, 20), date(2024, 9, 1), date(2024, 8, 1)],
    )
    assert con.execute("SELECT min(day) FROM download_history").fetchone()[0] == FIRST_DAY
    return con


@pytest.fixture(scope="module")
def fixture_results():
    con = _fixture()
    return {k: dh.compute_from(con, panel_start=date(2024, 8, 1), block_rows=k, resamples=200) for k in BLOCK_SIZES}


def test_fixture_covers_every_rule(fixture_results):
    q = fixture_results[None]["quality"]
    assert {r["repo_id"] for r in q["flagged_runs"]} == {"a/burst", "j/burst2"}
    assert len(q["flagged_runs"]) == 3
    assert q["stalls"]["count"] >= 3 and q["stalls"]["repos"] >= 2
    assert [d["repo_id"] for d in q["decreases"]] == ["c/decrease", "c/decrease"]
    assert q["counter_not_started"] == ["e/never"]


@pytest.mark.parametrize("k", [1, 2, 7])
def test_fixture_same_result_for_any_block_size(fixture_results, k):
    assert fixture_results[k] == fixture_results[None]


@pytest.fixture(scope="module")
def snapshot_results():
    with Store.open() as store:
        return {k: dh.compute_from(store.con, block_rows=k, resamples=100) for k in BLOCK_SIZES}


@pytest.mark.parametrize("k", [1, 2, 7])
def test_embedded_snapshot_same_result_for_any_block_size(snapshot_results, k):
    assert snapshot_results[None]["available"] is True
    assert snapshot_results[k] == snapshot_results[None]


def test_embedded_snapshot_default_resamples_unchanged_by_blocks():
    with Store.open() as store:
        assert dh.compute_from(store.con, block_rows=7) == dh.compute_from(store.con)


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_a_block_matrix_is_bounded(monkeypatch, k):
    seen: list[tuple[int, int]] = []
    real = dh._block_matrix

    def spy(con, lo, hi, first, span):
        cum = real(con, lo, hi, first, span)
        seen.append(cum.shape)
        return cum

    monkeypatch.setattr(dh, "_block_matrix", spy)
    out = dh.compute_from(_fixture(), panel_start=date(2024, 8, 1), block_rows=k, resamples=0)
    repos = out["quality"]["repos"]
    assert repos == 9
    assert max(rows for rows, _ in seen) <= k
    assert sum(rows for rows, _ in seen) == repos and len(seen) == -(-repos // k)
    assert {days for _, days in seen} == {92}


def test_default_block_size_follows_the_cell_budget(monkeypatch):
    seen: list[int] = []
    real = dh._block_matrix
    monkeypatch.setattr(dh, "_block_matrix", lambda con, lo, hi, first, span: seen.append(hi - lo) or real(con, lo, hi, first, span))
    monkeypatch.setattr(dh, "BLOCK_CELLS", 92 * 4)  # 4 repos of 92 days per block
    dh.compute_from(_fixture(), panel_start=date(2024, 8, 1), resamples=0)
    assert seen == [4, 4, 1]


def _many_flags():
    """More than 200 decreases and 200 stalls, spread over many repos (the lists are cut at 200)."""
    repos = [repo(f"r{i:02d}/m", "China" if i % 2 else "Europe") for i in range(40)]
    pattern = ([5, -1] * 4 + [0] * 7) * 6  # 90 days: 4 decreases and 1 stall per 15 days
    daily = {r["repo_id"]: [100 + i] + pattern + [3] for i, r in enumerate(repos)}
    return history_con(repos, daily)


def test_lists_cut_at_200_are_cut_the_same_way_in_blocks():
    outs = {k: dh.compute_from(_many_flags(), panel_start=date(2024, 8, 1), block_rows=k, resamples=0) for k in (1, 7, None)}
    q = outs[None]["quality"]
    assert q["stalls"]["count"] == 40 * 6 and q["stalls"]["repos"] == 40 and len(q["stalls"]["runs"]) == 200
    assert len(q["decreases"]) == 200 and q["decreases"][-1]["repo_id"] == "r08/m"
    assert outs[1] == outs[None] and outs[7] == outs[None]
