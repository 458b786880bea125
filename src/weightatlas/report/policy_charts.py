"""Vega-Lite specs for the regulation section: event timeline, restrictiveness index, event studies.

Like :mod:`weightatlas.report.charts`, these only select and reshape what the
indicators document holds.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from weightatlas.report.charts import WIDTH, _spec, month_axis

DIRECTION_COLOURS = {"restrict": "#d62728", "enable": "#2ca02c", "mixed": "#ff7f0e", "neutral": "#9e9e9e"}
# Fixed colours for the jurisdictions readers compare most, so China and the US never share one.
JURISDICTION_COLOURS = {
    "United States": "#1f77b4",
    "US states": "#9ecae9",
    "China": "#d62728",
    "European Union": "#2ca02c",
    "United Kingdom": "#9467bd",
    "India": "#ff7f0e",
    "South Korea": "#8c564b",
    "Japan": "#e377c2",
    "Taiwan": "#17becf",
    "Australia": "#bcbd22",
    "Italy": "#98df8a",
    "International": "#7f7f7f",
}
OTHER_COLOURS = ["#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#c5b0d5", "#ffbb78"]


def _direction_scale() -> alt.Scale:
    return alt.Scale(domain=list(DIRECTION_COLOURS), range=list(DIRECTION_COLOURS.values()))


def policy_timeline(events: list[dict[str, Any]], *, order: list[str]) -> dict[str, Any]:
    """One dot per event on a time axis, a row per jurisdiction; a click opens the source."""
    chart = (
        alt.Chart(alt.Data(values=events), title="Policy events by jurisdiction (colour: direction for open-weight AI; filled: binding instrument)")
        .mark_point(size=80, opacity=0.85)
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")),
            y=alt.Y("row:N", sort=order, title=None),
            # color and fill share one legend; legend=None on fill made Vega warn ("conflicting legend property").
            color=alt.Color("direction:N", scale=_direction_scale(), legend=alt.Legend(orient="top", title=None)),
            fill=alt.condition("datum.binding", alt.Color("direction:N", scale=_direction_scale(), legend=alt.Legend(orient="top", title=None)), alt.value("white")),
            shape=alt.value("circle"),
            href="link:N",  # source_url when it is http(s) (see report.links), else no link
            tooltip=[
                "date:N",
                "jurisdiction_label:N",
                "actor:N",
                "instrument_type:N",
                "targets:N",
                "direction:N",
                "description:N",
                alt.Tooltip("source_row:N", title="source row"),
                alt.Tooltip("source_url:N", title="source"),
            ],
        )
        .properties(width=WIDTH, height=max(200, 22 * len(order)))
    )
    return _spec(chart)


def _jurisdiction_scale(rows: list[dict[str, Any]]) -> alt.Scale:
    labels = list(dict.fromkeys(r["label"] for r in rows))
    others = iter(OTHER_COLOURS * (1 + len(labels) // len(OTHER_COLOURS)))
    return alt.Scale(domain=labels, range=[JURISDICTION_COLOURS.get(label) or next(others) for label in labels])


def restrictiveness_lines(rows: list[dict[str, Any]], *, measure: str, title: str) -> dict[str, Any]:
    chart = (
        alt.Chart(alt.Data(values=rows), title=title)
        .mark_line(interpolate="step-after", point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("quarter:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=True)),
            y=alt.Y(f"{measure}:Q", title=measure.replace("_", " ")),
            color=alt.Color("label:N", scale=_jurisdiction_scale(rows), legend=alt.Legend(orient="top", title=None)),
            tooltip=["label:N", "quarter:N", "events:Q", "restrict:Q", "enable:Q", "mixed:Q", "neutral:Q", "net:Q", "net_binding:Q", alt.Tooltip("balance:Q", format=".2f")],
        )
        .properties(width=WIDTH, height=240)
    )
    return _spec(chart)


def event_study_chart(observed: list[dict[str, Any]], fitted: list[dict[str, Any]], *, event_date: str, title: str) -> dict[str, Any]:
    """Observed shares, the fitted segments, the pre-trend carried on, and the event date."""
    dots = (
        alt.Chart(alt.Data(values=observed))
        .mark_circle(color="#444", opacity=0.8)
        .encode(
            x=alt.X("date:T", title=None, axis=month_axis()),
            y=alt.Y("value:Q", title="China's share", axis=alt.Axis(format="%")),
            size=alt.Size("count:Q", legend=None, scale=alt.Scale(range=[15, 120])),
            tooltip=[alt.Tooltip("period_start:N", title="period"), alt.Tooltip("value:Q", format=".1%"), alt.Tooltip("count:Q", title="count behind it")],
        )
    )
    lines = (
        alt.Chart(alt.Data(values=fitted))
        .mark_line()
        .encode(
            x="date:T",
            y="value:Q",
            strokeDash=alt.StrokeDash("line:N", scale=alt.Scale(domain=["fitted", "counterfactual"], range=[[1, 0], [4, 3]]), legend=alt.Legend(orient="top", title=None)),
            detail="segment:N",
            color=alt.value("#1f77b4"),
        )
    )
    rule = alt.Chart(alt.Data(values=[{"date": event_date}])).mark_rule(color="#d62728").encode(x="date:T")
    return _spec((dots + lines + rule).properties(width=WIDTH, height=200, title=title))


def compound_window_daily(daily: list[dict[str, Any]], *, groups: dict[str, str], window_start: str) -> dict[str, Any]:
    """Each treated group's daily share of the balanced panel's downloads, pre and post, with the window start."""
    rows = [{"day": d["day"], "period": d["period"], "group": groups[g], "share": d[g]} for d in daily for g in ("deepseek", "china_other") if d[g] is not None]
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("share:Q", title="share of the panel's daily downloads", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", legend=alt.Legend(orient="top", title=None)),
            detail="period:N",
            tooltip=["day:N", "group:N", "period:N", alt.Tooltip("share:Q", format=".2%")],
        )
    )
    rule = alt.Chart(alt.Data(values=[{"day": window_start}])).mark_rule(color="#d62728").encode(x="day:T")
    return _spec((lines + rule).properties(width=WIDTH, height=200, title="Daily download shares on the balanced panel around DeepSeek-R1 and the bans"))


def compound_window_placebo(placebo: dict[str, Any], real: dict[str, Any], *, groups: dict[str, str]) -> dict[str, Any]:
    """Placebo estimates (one tick per window start) and the real estimate (a red mark), per group and figure."""
    rows, marks = [], []
    for kind in ("raw", "robust"):
        for g in ("deepseek", "china_other"):
            row = f"{groups[g]}, {kind}"
            rows += [{"row": row, "value": e["value"], "window_start": e["window_start"]} for e in placebo[kind][g]["estimates"]]
            if real[kind][g] is not None:
                marks.append({"row": row, "value": real[kind][g]})
    ticks = (
        alt.Chart(alt.Data(values=rows))
        .mark_tick(color="#888", opacity=0.6)
        .encode(
            x=alt.X("value:Q", title="change in share, post minus pre (placebo window starts in grey, the real window in red)", axis=alt.Axis(format="%")),
            # The rows differ only at the end ("..., raw" / "..., robust"): the default 180 px cuts that off.
            y=alt.Y("row:N", title=None, axis=alt.Axis(labelLimit=400)),
            tooltip=["window_start:N", alt.Tooltip("value:Q", format=".2%")],
        )
    )
    real_marks = alt.Chart(alt.Data(values=marks)).mark_tick(color="#d62728", thickness=3).encode(x="value:Q", y="row:N", tooltip=[alt.Tooltip("value:Q", format=".2%")])
    title = "Placebo test: the R1/bans window's change in share against the same window started on other dates"
    return _spec((ticks + real_marks).properties(width=WIDTH, height=160, title=title))
