"""Vega-Lite chart specs built from the indicators document (shared with the dashboard).

Every function takes a part of the JSON contract and returns a Vega-Lite spec
(a dict). Charts only select and reshape what the document already holds; they
compute no figures. Tooltips carry the source row (``ref``) of each point so a
reader can trace it.
"""

from __future__ import annotations

from typing import Any

import altair as alt

BLOC_COLOURS = {
    "China": "#d62728",
    "United States": "#1f77b4",
    "Europe": "#2ca02c",
    "Rest of world": "#9467bd",
    "Unknown": "#7f7f7f",
    "Own base (from scratch or domestic)": "#bcbd22",
}
GROUP_COLOURS = ["#d62728", "#1f77b4", "#ff7f0e", "#17becf"]
WIDTH = "container"
# d3's month (30 days) in ms. Over a few months the default time ticks fall weekly or twice a month and a
# "%b %Y" label repeats on each (seen in a browser: "Sep 2024 Sep 2024 ..."); a minimum step of a month
# keeps one tick per label while longer spans still thin out to quarters or years.
MONTH_MS = 30 * 24 * 3600 * 1000


def month_axis(**kwargs: Any) -> alt.Axis:
    """A date axis labelled "%b %Y" with at most one tick per month."""
    return alt.Axis(format="%b %Y", tickMinStep=MONTH_MS, **kwargs)


# A legend for a dash pattern must draw a line. On a line with points (mark_line(point=True)) it draws
# the point, a filled circle on which every pattern looks the same (seen in a browser: raw, robust and
# leave-one-out alike), so dashed lines and their points are two layers and only the lines carry the dash.
DASH_LEGEND = alt.Legend(orient="top", symbolSize=400, symbolStrokeWidth=2)


def _colour(domain: list[str]) -> alt.Scale:
    rng = [BLOC_COLOURS.get(d, GROUP_COLOURS[i % len(GROUP_COLOURS)]) for i, d in enumerate(domain)]
    return alt.Scale(domain=domain, range=rng)


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=12).to_dict()


def frontier_chart(points: list[dict[str, Any]], *, key: str, unit: str, title: str) -> dict[str, Any]:
    """Step line of each group's frontier by month, with the frontier model in the tooltip."""
    domain = list(dict.fromkeys(p[key] for p in points))
    chart = (
        alt.Chart(alt.Data(values=points), title=title)
        .mark_line(interpolate="step-after", point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("month:T", title="month (frontier as of month end)", axis=month_axis()),
            y=alt.Y("score:Q", title=unit, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{key}:N", title=None, scale=_colour(domain), legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("month:T", format="%Y-%m"),
                alt.Tooltip(f"{key}:N"),
                alt.Tooltip("score:Q", format=",.2f"),
                alt.Tooltip("model:N", title="frontier model"),
                alt.Tooltip("release_date:N", title="released"),
                alt.Tooltip("n_models:Q", title="models so far"),
                alt.Tooltip("ref:N", title="source row"),
            ],
        )
        .properties(width=WIDTH, height=260)
    )
    return _spec(chart)


def gap_chart(gaps: list[dict[str, Any]], *, reference: str, challenger: str, unit: str) -> dict[str, Any]:
    """Signed gap (reference minus challenger) by month; below zero the challenger leads."""
    base = alt.Chart(alt.Data(values=gaps), title=f"Gap: {reference} minus {challenger} ({unit})")
    bars = base.mark_bar(opacity=0.8).encode(
        x=alt.X("month:T", title=None, axis=month_axis()),
        y=alt.Y("reference_minus_challenger:Q", title=f"{reference} − {challenger}"),
        color=alt.condition("datum.reference_minus_challenger >= 0", alt.value(BLOC_COLOURS.get(reference, "#1f77b4")), alt.value(BLOC_COLOURS.get(challenger, "#d62728"))),
        tooltip=[
            alt.Tooltip("month:N"),
            alt.Tooltip("leader:N"),
            alt.Tooltip("points:Q", format=",.2f"),
            alt.Tooltip("percent:Q", format=",.2f", title="% of trailing"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="#444").encode(y="y:Q")
    return _spec((bars + zero).properties(width=WIDTH, height=180))


def months_behind_chart(series: list[dict[str, Any]], *, challenger: str, reference: str) -> dict[str, Any]:
    values = [r for r in series if r.get("months_behind") is not None]
    chart = (
        alt.Chart(alt.Data(values=values), title=f"Months behind: {challenger}'s best so far vs first {reference} model reaching it")
        .mark_area(line=True, opacity=0.25, interpolate="step-after")
        .encode(
            x=alt.X("month:T", title=None, axis=month_axis()),
            y=alt.Y("months_behind:Q", title="months behind (negative = ahead)"),
            tooltip=[
                alt.Tooltip("month:N"),
                alt.Tooltip("model:N", title=f"{challenger} best"),
                alt.Tooltip("score:Q", format=",.2f"),
                alt.Tooltip("matched_model:N", title=f"first {reference} match"),
                alt.Tooltip("first_match_date:N", title="matched on"),
                alt.Tooltip("months_behind:Q", format=".1f"),
            ],
        )
        .properties(width=WIDTH, height=180)
    )
    return _spec(chart)


def catch_up_chart(events: list[dict[str, Any]], *, challenger: str, reference: str) -> dict[str, Any]:
    values = [
        {**{k: e[k] for k in ("model", "release_date", "score", "lag_months", "status", "ref")}, "matched_model": (e.get("matched_by") or {}).get("model")}
        for e in events
    ]
    chart = (
        alt.Chart(alt.Data(values=values), title=f"Lag of each new {challenger} record behind {reference}")
        .mark_circle(size=80)
        .encode(
            x=alt.X("release_date:T", title=f"{challenger} record released", axis=month_axis()),
            y=alt.Y("lag_months:Q", title="lag (months; negative = first)"),
            color=alt.Color("status:N", scale=alt.Scale(domain=["behind", "lead"], range=["#1f77b4", "#d62728"]), legend=alt.Legend(orient="top")),
            tooltip=["model:N", "release_date:N", alt.Tooltip("score:Q", format=",.2f"), "matched_model:N", alt.Tooltip("lag_months:Q", format=".2f"), alt.Tooltip("ref:N", title="source row")],
        )
        .properties(width=WIDTH, height=200)
    )
    return _spec(chart)


def snapshot_chart(snapshots: list[dict[str, Any]], *, groups: list[str], unit: str, title: str) -> dict[str, Any]:
    """Top rating of each group per leaderboard snapshot, with 95% CIs where given."""
    values = []
    for snap in snapshots:
        for g in groups:
            top = snap["top"].get(g)
            if top:
                values.append({"date": snap["date"], "group": g, "rating": top["rating"], "ci_low": top.get("ci_low"), "ci_high": top.get("ci_high"), "model": top["model"], "source": snap["source"], "ref": top["ref"]})
    base = alt.Chart(alt.Data(values=values), title=title)
    colour = alt.Color("group:N", title=None, scale=_colour(groups), legend=alt.Legend(orient="top"))
    points = base.mark_line(point=True).encode(
        x=alt.X("date:T", title="leaderboard snapshot", axis=month_axis()),
        y=alt.Y("rating:Q", title=unit, scale=alt.Scale(zero=False)),
        color=colour,
        tooltip=["date:N", "group:N", "model:N", alt.Tooltip("rating:Q", format=",.1f"), "ci_low:Q", "ci_high:Q", "source:N", alt.Tooltip("ref:N", title="source row")],
    )
    if not any(v["ci_low"] is not None for v in values):
        # No CIs (LiveBench): an empty error-bar layer makes Vega warn about an infinite extent.
        return _spec(points.properties(width=WIDTH, height=260))
    bars = base.transform_filter("isValid(datum.ci_low)").mark_errorbar().encode(x="date:T", y="ci_low:Q", y2="ci_high:Q", color=colour)
    return _spec((bars + points).properties(width=WIDTH, height=260))


def gap_small_multiples(rows: list[dict[str, Any]], *, columns: int = 4) -> dict[str, Any]:
    """The signed gap of every series over time, one small panel per series (US ahead above zero).

    Each panel has its own y scale: a gap is compared within one benchmark, never across units. The
    panels have a fixed width, so the chart renders at its size wherever it sits.
    """
    sign = alt.Scale(domain=["US ahead", "China ahead"], range=[BLOC_COLOURS["United States"], BLOC_COLOURS["China"]])
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar().encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y", tickCount="year", labelFontSize=9)),
        y=alt.Y("signed_percent:Q", title="% of trailing", axis=alt.Axis(labelFontSize=9, tickCount=3)),
        color=alt.Color("ahead:N", title=None, scale=sign, legend=alt.Legend(orient="top")),
        tooltip=["series:N", "month:N", "leader:N", alt.Tooltip("points:Q", format=",.2f", title="gap (points)"), alt.Tooltip("percent:Q", format=",.1f", title="gap (%)"), "kind:N"],
    )
    chart = (
        bars.properties(width=190, height=70)
        .facet(facet=alt.Facet("series:N", title=None, sort=alt.EncodingSortField(field="order", op="min"), header=alt.Header(labelFontSize=11, labelLimit=230)), columns=columns)
        .resolve_scale(y="independent")
        .properties(title="Gap by month, United States minus China, % of the trailing bloc's frontier (each panel its own scale)")
    )
    return chart.configure_view(stroke=None).to_dict()


def share_bars(rows: list[dict[str, Any]], *, y: str, title: str, domain: list[str], height_per_row: int = 26) -> dict[str, Any]:
    """Horizontal 100% bars: ``rows`` of {y, bloc, share, value} (already computed shares)."""
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{y}:N", sort=None, title=None),
            x=alt.X("share:Q", stack="normalize", title="share", axis=alt.Axis(format="%")),
            color=alt.Color("bloc:N", title=None, scale=_colour(domain), legend=alt.Legend(orient="top")),
            order=alt.Order("order:Q"),
            tooltip=[f"{y}:N", "bloc:N", alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("value:Q", format=",.1f", title="weight")],
        )
        .properties(width=WIDTH, height=max(80, height_per_row * len({r[y] for r in rows})))
    )
    return _spec(chart)


def monthly_share_area(rows: list[dict[str, Any]], *, title: str, domain: list[str]) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_area()
        .encode(
            x=alt.X("month:T", title="creation month of the derivative", axis=month_axis()),
            y=alt.Y("share:Q", stack="normalize", title="share of derivatives", axis=alt.Axis(format="%")),
            color=alt.Color("bloc:N", title="root base from", scale=_colour(domain), legend=alt.Legend(orient="top")),
            order=alt.Order("order:Q"),
            tooltip=["month:N", "bloc:N", alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("derivatives:Q", format=",.1f"), alt.Tooltip("month_total:Q", format=",.1f", title="derivatives that month")],
        )
        .properties(width=WIDTH, height=220)
    )
    return _spec(chart)


def heatmap(rows: list[dict[str, Any]], *, x: str, y: str, value: str, title: str) -> dict[str, Any]:
    base = alt.Chart(alt.Data(values=rows), title=title).encode(
        x=alt.X(f"{x}:N", title="root base model from"),
        y=alt.Y(f"{y}:N", title="derivative made in"),
    )
    rects = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title="derivatives", scale=alt.Scale(scheme="blues")), tooltip=[f"{y}:N", f"{x}:N", alt.Tooltip(f"{value}:Q", format=",.1f")])
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q", format=",.1f"))
    return _spec((rects + text).properties(width=WIDTH, height=200))


def index_line(rows: list[dict[str, Any]], *, x: str, y: str, title: str) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:N", title=None),
            y=alt.Y(f"{y}:Q", title="index", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            tooltip=[f"{x}:N", alt.Tooltip(f"{y}:Q", format=".1%"), alt.Tooltip("derivatives:Q", format=",.1f")],
        )
        .properties(width=WIDTH, height=180)
    )
    return _spec(chart)


def diffusion_timeline(rows: list[dict[str, Any]], *, domain: list[str], releases: int) -> dict[str, Any]:
    """One row per feature: the earliest release in the table and each bloc's first adopter on a time axis."""
    # Two lines: on one, the title ran past the chart's edge at the report's width and was clipped.
    title = alt.TitleParams("When each architecture feature first appeared in each bloc", subtitle=f"among the {releases} releases in the table (pretrained by the developer)")
    base = alt.Chart(alt.Data(values=rows), title=title)
    # Feature names run to about 47 characters; the default 180 px label limit cut three of them.
    y = alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=400))
    rule = base.mark_rule(color="#bbb").encode(y=y, x="min(released):T", x2="max(released):T")
    dots = base.mark_point(filled=True, size=110).encode(
        y=y,
        x=alt.X("released:T", title="public release", axis=month_axis()),
        color=alt.Color("bloc:N", scale=_colour(domain), legend=alt.Legend(orient="top", title=None)),
        shape=alt.Shape("role:N", scale=alt.Scale(domain=["earliest in table", "first adopter"], range=["diamond", "circle"]), legend=alt.Legend(orient="top", title=None)),
        tooltip=["label:N", "role:N", "bloc:N", "model:N", "released:N", alt.Tooltip("lag_months:Q", format=".1f", title="lag (months)")],
    )
    return _spec((rule + dots).properties(width=WIDTH, height=max(160, 26 * len({r["label"] for r in rows}))))


def adoption_curves(rows: list[dict[str, Any]], *, domain: list[str]) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter:N", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("share:Q", title="share of releases", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("bloc:N", scale=_colour(domain), legend=alt.Legend(orient="top", title=None)),
            tooltip=["label:N", "quarter:N", "bloc:N", alt.Tooltip("share:Q", format=".0%"), "with_feature:Q", "releases:Q"],
        )
        .properties(width=260, height=150)
        .facet(facet=alt.Facet("label:N", title=None), columns=3, title="Adoption curves: share of each bloc's notable releases per quarter with the feature")
    )
    return chart.configure_view(stroke=None).to_dict()


def capability_vs_compute(points: list[dict[str, Any]], frontier: list[dict[str, Any]], *, domain: list[str]) -> dict[str, Any]:
    base = alt.Chart(alt.Data(values=points), title="Capability (ECI) against training compute, with each bloc's frontier")
    dots = base.mark_circle(size=60, opacity=0.75).encode(
        x=alt.X("log10_flop:Q", title="training compute (log10 FLOP)", scale=alt.Scale(zero=False)),
        y=alt.Y("eci:Q", title="ECI", scale=alt.Scale(zero=False)),
        color=alt.Color("bloc:N", scale=_colour(domain), legend=alt.Legend(orient="top", title=None)),
        tooltip=["model:N", "bloc:N", "release_date:N", alt.Tooltip("eci:Q", format=".1f"), alt.Tooltip("log10_flop:Q", format=".2f"), alt.Tooltip("ref:N", title="source row")],
    )
    line = (
        alt.Chart(alt.Data(values=frontier))
        .mark_line(interpolate="step-after", strokeDash=[4, 3])
        # The same legend as the dots (they share the scale); legend=None here made Vega warn ("conflicting legend property").
        .encode(x="log10_flop:Q", y="eci:Q", color=alt.Color("bloc:N", scale=_colour(domain), legend=alt.Legend(orient="top", title=None)))
    )
    return _spec((dots + line).properties(width=WIDTH, height=300))


def compute_gap_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=rows), title="Δ(e): log10 compute China needed minus the US, to reach each ECI level")
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("eci:Q", title="capability level (ECI)"),
            y=alt.Y("delta_log10:Q", title="Δ log10 FLOP (negative: China needed less)"),
            tooltip=["eci:Q", alt.Tooltip("delta_log10:Q", format=".2f"), "china_model:N", "us_model:N"],
        )
        .properties(width=WIDTH, height=200)
    )
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="#444").encode(y="y:Q")
    return _spec(chart + zero)


def inference_usage_lines(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Weekly China and open-weight token shares among the listed OpenRouter models, one line per source and measure.

    Lines are grouped by source, so the gap between the two sources stays a gap: they are never joined.
    """
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("week:T", title="ISO week (Monday)", axis=alt.Axis(format="%d %b %Y")),
        y=alt.Y("share:Q", title="share of listed tokens", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, scale=alt.Scale(domain=["China", "open weights"], range=[BLOC_COLOURS["China"], "#ff7f0e"]), legend=alt.Legend(orient="top")),
        tooltip=["source:N", "week:N", "measure:N", alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("n_models:Q", title="N listed models"), alt.Tooltip("match_rate:Q", format=".0%", title="token-weighted match rate")],
    )
    lines = base.mark_line().encode(strokeDash=alt.StrokeDash("source:N", title="source", legend=DASH_LEGEND), detail="source:N")
    points = base.mark_point(filled=True, size=20)
    chart = (lines + points).properties(width=WIDTH, height=220, title="OpenRouter: share of the listed models' weekly tokens (N models per week in the tooltip)")
    return _spec(chart)


def history_share_lines(rows: list[dict[str, Any]], *, title: str, domain: list[str], x_title: str) -> dict[str, Any]:
    """Monthly share by bloc, one line per measure (raw, robust, leave-one-repo-out) side by side (issue 10)."""
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("month:T", title=x_title, axis=month_axis()),
        y=alt.Y("share:Q", title="share", axis=alt.Axis(format="%")),
        color=alt.Color("bloc:N", title="bloc", scale=_colour(domain), legend=alt.Legend(orient="top")),
        tooltip=["month:N", "bloc:N", "measure:N", alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("n:Q", title="repos")],
    )
    # Raw solid, robust long dashes, leave-one-out short dashes: patterns that stay apart at legend size.
    dash = alt.Scale(domain=["raw", "robust", "leave-one-out"], range=[[1, 0], [6, 3], [2, 2]])
    lines = base.mark_line().encode(strokeDash=alt.StrokeDash("measure:N", title="measure", scale=dash, legend=DASH_LEGEND))
    points = base.mark_point(filled=True, size=20)
    return _spec((lines + points).properties(width=WIDTH, height=220, title=title))
