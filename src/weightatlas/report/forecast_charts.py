"""The forecasts section's one chart: a measured capability gap and its forecast, marked as a forecast.

Like :mod:`weightatlas.report.charts`, this only reshapes what the document holds: the measured gap
from ``indicators.capability_gap.<id>.gap`` and the forecast path from ``forecasts.series``.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from weightatlas.report.charts import BLOC_COLOURS, DASH_LEGEND, WIDTH, _spec, month_axis

PREFERRED = ("eci", "lmarena_text", "gpqa_diamond")
MEASURED, FITTED, FORECAST = "measured", "fitted trend (fit window)", "forecast (not a measurement)"


def _chosen(document: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    series = (document.get("forecasts") or {}).get("series", {})
    gap = document.get("indicators", {}).get("capability_gap", {})
    ready = [
        sid for sid in gap
        if series.get(f"capability_gap.{sid}.points", {}).get("status") == "forecast" and gap[sid].get("gap")
    ]
    ready.sort(key=lambda sid: PREFERRED.index(sid) if sid in PREFERRED else len(PREFERRED))
    return (ready[0], series[f"capability_gap.{ready[0]}.points"]) if ready else None


def gap_forecast_chart(measured: list[dict[str, Any]], entry: dict[str, Any], *, name: str, unit: str) -> dict[str, Any]:
    """Measured gap (solid) and the forecast (dashed) with its 80% and 95% prediction bands."""
    rows = [{"month": f"{g['month']}-01", "series": MEASURED, "value": g["reference_minus_challenger"]} for g in measured if g.get("reference_minus_challenger") is not None]
    rows += [{"month": f"{f['month']}-01", "series": FITTED, "value": f["value"]} for f in entry.get("fitted", [])]
    rows += [
        {"month": f"{p['month']}-01", "series": FORECAST, "value": p["point"], "lo80": p["lo80"], "hi80": p["hi80"], "lo95": p["lo95"], "hi95": p["hi95"]}
        for p in entry["path"]
    ]
    title = alt.TitleParams(
        f"FORECAST: {name} gap, US minus China ({unit})",
        subtitle=f"{entry['model']} trend fitted on {entry['fit_window']['first']} to {entry['fit_window']['last']}; shaded: 80% and 95% prediction intervals. An extrapolation, not a measurement.",
    )
    base = alt.Chart(alt.Data(values=rows), title=title)
    x = alt.X("month:T", title=None, axis=month_axis())
    is_forecast = alt.datum.series == FORECAST
    band95 = base.transform_filter(is_forecast).mark_area(opacity=0.15, color="#7f7f7f").encode(x=x, y=alt.Y("lo95:Q", title="United States − China"), y2="hi95:Q")
    band80 = base.transform_filter(is_forecast).mark_area(opacity=0.3, color="#7f7f7f").encode(x=x, y=alt.Y("lo80:Q", title="United States − China"), y2="hi80:Q")
    lines = base.mark_line().encode(
        x=x,
        y=alt.Y("value:Q", title="United States − China"),
        # One legend for both channels (the same settings on each, or Vega warns of a conflict): dashed = forecast.
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[MEASURED, FITTED, FORECAST], range=[BLOC_COLOURS["United States"], "#444444", "#444444"]), legend=DASH_LEGEND),
        strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[MEASURED, FITTED, FORECAST], range=[[1, 0], [2, 2], [6, 4]]), legend=DASH_LEGEND),
        tooltip=[
            alt.Tooltip("month:T", format="%b %Y"),
            alt.Tooltip("series:N"),
            alt.Tooltip("value:Q", format=",.2f"),
            alt.Tooltip("lo95:Q", format=",.2f", title="95% low"),
            alt.Tooltip("hi95:Q", format=",.2f", title="95% high"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"y": 0}])).mark_rule(color="#444").encode(y="y:Q")
    return _spec((band95 + band80 + lines + zero).properties(width=WIDTH, height=220))


def add_specs(document: dict[str, Any], specs: dict[str, dict[str, Any]]) -> str | None:
    """Add the summary chart (``<series anchor>-forecast``, so it carries its series' sources); its id, or None."""
    chosen = _chosen(document)
    if chosen is None:
        return None
    sid, entry = chosen
    s = document["indicators"]["capability_gap"][sid]
    cid = sid.replace(".", "-") + "-forecast"
    specs[cid] = gap_forecast_chart(s["gap"], entry, name=s.get("name", sid), unit=s.get("unit", ""))
    return cid
