"""The Hub-history data-quality rules on hand-made series with known answers (issue 10, item 3)."""

from __future__ import annotations

import numpy as np

from weightatlas.indicators import history_quality as hq


def test_counter_start_jump_is_not_a_days_downloads():
    inc, start, decreases = hq.increments([0, 0, 0, 5_000_000, 5_000_100, 5_000_300])
    assert start == 3
    assert inc.tolist() == [0, 0, 0, 0, 100, 200]  # the 5M jump is the counter's start
    assert decreases == []


def test_counter_never_started():
    inc, start, _ = hq.increments([0, 0, 0])
    assert start is None and inc.tolist() == [0, 0, 0]
    assert hq.stalls(inc, start) == [] and hq.burst_runs(inc, start) == []


def test_decrease_is_flagged_and_counted_as_zero():
    inc, start, decreases = hq.increments([0, 10, 20, 15, 30])
    assert inc.tolist() == [0, 0, 10, 0, 15]
    assert decreases == [hq.Run(3, 3, 5)]


def test_stall_runs_after_the_start_only():
    cum = [0] * 10 + [100] + [100] * 8 + [150, 150, 150, 200]
    inc, start, _ = hq.increments(cum)
    runs = hq.stalls(inc, start)
    assert runs == [hq.Run(11, 18, 0)]  # 8 zero days; the 3-day one is too short; the 10 zeros before the start are not a stall
    assert runs[0].days == 8


def test_single_day_spike_is_a_one_day_run():
    inc = [0] + [2_000] * 40 + [2_000_000] + [2_000] * 10
    runs = hq.burst_runs(inc, 0)
    assert [(r.start, r.end, r.total) for r in runs] == [(41, 41, 2_000_000)]
    assert runs[0].baseline == 2_000


def test_a_run_must_clear_the_materiality_floor():
    # 10 x max(2,000, 50,000) = 500,000 a day: a month of that is ~0.4% of a cohort month (2.7-4.0B).
    below = [0] + [2_000] * 40 + [400_000] * 30 + [2_000] * 10
    above = [0] + [2_000] * 40 + [600_000] * 30 + [2_000] * 10
    assert hq.burst_runs(below, 0) == []
    assert [(r.start, r.end) for r in hq.burst_runs(above, 0)] == [(41, 70)]


def test_release_ramp_is_growth_not_a_burst():
    # Like Qwen2.5-3B-Instruct: ~3,000 a day in the counter's first week, then a four-week ramp to 250,000.
    ramp = [int(3_000 * 1.2**d) for d in range(25)]  # 3,000 -> ~238,000
    inc = [0] + [3_000] * 8 + ramp + [250_000] * 60
    assert hq.burst_runs(inc, 0) == []


def test_second_plateau_is_judged_against_the_baseline_before_the_first():
    # Flagged days never become baseline: after a five-week plateau and a one-week dip below the
    # threshold, a second plateau is still judged against the 30,000 a day from before the first.
    inc = [0] + [30_000] * 12 + [50_000_000] * 35 + [300_000] * 7 + [43_000_000] * 35 + [350_000] * 50
    runs = hq.burst_runs(inc, 0)
    assert [(r.start, r.end, r.baseline) for r in runs] == [(13, 47, 30_000), (55, 89, 30_000)]


def test_days_after_a_run_that_fall_below_its_threshold_end_it_and_become_the_new_baseline():
    # Like Qwen2.5-1.5B-Instruct: the plateau starts 13 days after the counter, decays to ~350,000
    # a day (organic) and later grows slowly to ~700,000; only the plateau is flagged.
    tail = [350_000 + 6_000 * d for d in range(60)]  # 350,000 -> 704,000
    inc = [0] + [30_000] * 12 + [50_000_000] * 30 + [4_000_000, 1_800_000, 600_000] + tail
    runs = hq.burst_runs(inc, 0)
    assert [(r.start, r.end) for r in runs] == [(13, 45)]


def test_four_week_plateau_of_10m_a_day_is_flagged_whole():
    inc = [0] + [50_000] * 60 + [10_000_000] * 28 + [50_000] * 30
    runs = hq.burst_runs(inc, 0)
    assert len(runs) == 1
    assert (runs[0].start, runs[0].end, runs[0].days, runs[0].total) == (61, 88, 28, 280_000_000)


def test_rolling_window_would_stop_flagging_the_plateau():
    # Why the baseline is frozen: a rolling 28-day median is back above threshold/k within 15 days.
    inc = np.array([50_000] * 60 + [10_000_000] * 28, dtype=float)
    rolling_flags = [inc[i] > 10 * np.median(inc[i - 28 : i]) for i in range(60, 88)]
    assert rolling_flags[0] and not all(rolling_flags)


def test_small_repo_growth_below_the_floor_is_not_a_burst():
    inc = [0] + [10] * 30 + [5_000] * 20
    assert hq.burst_runs(inc, 0) == []  # 5,000 < 10 x max(10, 1,000)


def test_first_days_after_the_counter_start_are_not_judged():
    inc = [0, 0] + [10_000_000] * 5
    assert hq.burst_runs(inc, 1) == []


def test_screen_keeps_every_row_with_a_possible_run():
    m = np.array([[0, 5, 5, 5], [0, 5, 600_000, 5], [600_000, 0, 0, 0]])
    starts = np.array([0, 0, 0])
    assert hq.screen_burst_candidates(m, starts).tolist() == [1]


def test_concentration_guard():
    assert hq.concentration([90, 5, 5]) == {"repos": 3, "largest_repo_share": 0.9}
    assert hq.concentration([]) == {"repos": 0, "largest_repo_share": None}


def test_leave_one_out_drops_the_repo_that_moves_the_share_most():
    in_bloc = np.array([True, True, False, False])
    totals = np.array([80.0, 10.0, 5.0, 5.0])
    loo, idx = hq.leave_one_out(in_bloc, totals)
    assert idx == 0 and loo == round(10 / 20, 4)


def test_bootstrap_is_seeded_and_brackets_the_share():
    in_bloc = np.array([True] * 5 + [False] * 5)
    totals = np.arange(1, 11, dtype=float)
    a = hq.bootstrap_share(in_bloc, totals)
    assert a == hq.bootstrap_share(in_bloc, totals)
    assert a[0] <= 15 / 55 <= a[1]


def test_hhi():
    assert hq.hhi([50, 50]) == 5000.0
    assert hq.hhi([0, 0]) is None


def test_matrix_rules_agree_with_the_row_rules():
    rows = [
        [0, 0, 0, 5_000_000, 5_000_100, 5_000_300] + [5_000_300] * 8 + [5_000_400],
        [0, 10, 20, 15, 30] + [30 + i for i in range(10)],
        [0] * 15,
    ]
    inc, starts, dec = hq.increments_matrix(np.array(rows))
    for r, row in enumerate(rows):
        inc_r, start_r, dec_r = hq.increments(row)
        assert inc[r].tolist() == inc_r.tolist()
        assert (starts[r] if starts[r] >= 0 else None) == start_r
        assert [i for i in np.flatnonzero(dec[r])] == [d.start for d in dec_r]
        assert [run for rr, run in hq.stall_runs_matrix(inc, starts) if rr == r] == hq.stalls(inc_r, start_r)


def test_stall_boundary_is_seven_days():
    # Seven zero increments make a stall, six do not (STALL_MIN_DAYS = 7).
    seven = [0, 100] + [100] * 7 + [150]
    six = [0, 100] + [100] * 6 + [150]
    assert [r.days for r in hq.stalls(*hq.increments(seven)[:2])] == [7]
    assert hq.stalls(*hq.increments(six)[:2]) == []
