// The dashboard page: reads the JSON API and lays it out. It computes no figure: filters are sent to
// the API, which trims or recomputes through the library. Data is inserted as text, never as HTML.
// One closure: the Vega bundle declares globals of its own (e.g. `$`).
(function () {
"use strict";

const state = { chartIds: [], extraCharts: [], table: { name: "scores", page: 1, sort: null, order: null, pages: 1 }, filters: {} };
const byId = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

// Only http(s) URLs become links; anything else stays text.
function safeHref(url) {
  if (typeof url !== "string") return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch (e) {
    return null;
  }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

async function api(path, params = {}) {
  const response = await fetch("/api" + path + query(params), { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    throw new Error(response.status + ": " + detail);
  }
  return body;
}

function say(text) { byId("status").textContent = text; }

function readFilters() {
  const f = {};
  for (const name of ["blocs", "benchmark", "scores", "population", "relation", "date_from", "date_to"]) {
    const input = document.querySelector(`#filters [name="${name}"]`);
    f[name] = input.value || null;
  }
  state.filters = f;
  return f;
}

function fillSelect(select, values, keep) {
  for (const v of values) select.append(el("option", { value: v }, v.replaceAll("_", " ")));
  if (keep !== undefined) select.value = keep;
}

async function loadFilterChoices() {
  const f = await api("/filters");
  fillSelect(byId("f-blocs"), f.bloc_maps, "default");
  fillSelect(byId("f-benchmark"), f.benchmarks, f.benchmarks.includes("eci") ? "eci" : "");
  fillSelect(byId("f-population"), f.populations);
  fillSelect(byId("f-relation"), f.relations);
  fillSelect(byId("t-name"), Object.keys(f.tables), "scores");
  state.tables = f.tables;
}

// --- verdict ---------------------------------------------------------------------------------

function cardText(obj, key) { return obj && obj[key] != null ? String(obj[key]) : ""; }

async function loadVerdict() {
  const box = byId("verdict-cards");
  box.replaceChildren();
  byId("verdict-overall").textContent = "";
  let verdict;
  try {
    verdict = await api("/verdict", { blocs: state.filters.blocs });
  } catch (e) {
    box.append(el("p", { class: "note" }, "No verdict cards: " + e.message));
    return;
  }
  for (const card of verdict.cards || []) {
    const section = el("article", { class: "verdict-card", "data-indicator": card.indicator, "data-points-to": card.points_to });
    section.append(el("h3", {}, card.title || card.indicator));
    if (card.headline) section.append(el("p", {}, el("strong", {}, cardText(card.headline, "name") + ": "), cardText(card.headline, "display")));
    if (card.trend) section.append(el("p", {}, "Trend: " + cardText(card.trend, "display")));
    if (card.window) section.append(el("p", { class: "note" }, `Data ${cardText(card.window, "first")} to ${cardText(card.window, "last")}, as of ${card.as_of || "?"}${card.stale ? " (stale)" : ""}`));
    section.append(el("p", {}, card.finding || ""));
    section.append(el("p", {}, el("strong", {}, "Points to: "), String(card.points_to || "").replaceAll("_", " "), card.evidence ? ` (evidence ${card.evidence.strength})` : ""));
    if (card.flip) section.append(el("p", { class: "note" }, "Would flip if: " + cardText(card.flip, "statement")));
    section.append(el("p", {}, el("a", { href: "/api/indicators/" + encodeURIComponent(card.indicator) + query({ blocs: state.filters.blocs }) }, "the figures behind it (JSON)")));
    box.append(section);
  }
  if (verdict.overall) byId("verdict-overall").textContent = verdict.overall.statement || "";
}

// --- charts ----------------------------------------------------------------------------------

function chartParams() {
  const f = state.filters;
  return { blocs: f.blocs, date_from: f.date_from, date_to: f.date_to, population: f.population };
}

async function renderPane(id, title) {
  const pane = el("figure", { class: "pane", "data-chart": id });
  const heading = el("h3", { id: "pane-h-" + id }, title);
  const chart = el("div", { class: "chart", id: "chart-" + id, role: "img", "aria-label": title });
  const rowsBox = el("div", { class: "rows", id: "rows-" + id, hidden: "" });
  const toggle = el("button", { type: "button", "aria-expanded": "false", "aria-controls": "rows-" + id }, "Show rows");
  toggle.addEventListener("click", () => toggleRows(id, toggle, rowsBox));
  pane.append(heading, chart, toggle, rowsBox);
  byId("panes").append(pane);
  try {
    const spec = await api("/charts/" + encodeURIComponent(id), chartParams());
    const values = spec.data && spec.data.values ? spec.data.values.length : null;
    pane.setAttribute("data-rows", values === null ? "" : String(values));
    // ast: true: Vega evaluates expressions with its bundled interpreter, so the CSP needs no unsafe-eval.
    await vegaEmbed(chart, spec, { actions: false, renderer: "svg", ast: true });
    const svg = chart.querySelector("svg");
    if (svg) { svg.setAttribute("role", "img"); svg.setAttribute("aria-label", title); }
  } catch (e) {
    chart.textContent = "chart failed: " + e.message;
  }
}

async function toggleRows(id, button, box) {
  const open = button.getAttribute("aria-expanded") === "true";
  if (open) {
    box.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.textContent = "Show rows";
    return;
  }
  const data = await api("/charts/" + encodeURIComponent(id) + "/rows", { ...chartParams(), per_page: 500 });
  const table = el("table", {}, el("caption", {}, `${data.total} rows behind "${data.title}"` + (data.total > data.rows.length ? ` (first ${data.rows.length})` : "")));
  table.append(el("thead", {}, el("tr", {}, ...data.columns.map((c) => el("th", { scope: "col" }, c)))));
  const body = el("tbody");
  for (const r of data.rows) body.append(el("tr", {}, ...data.columns.map((c) => el("td", {}, r[c] == null ? "" : typeof r[c] === "object" ? JSON.stringify(r[c]) : r[c]))));
  table.append(body);
  box.replaceChildren(el("div", { class: "scroll" }, table));
  box.hidden = false;
  button.setAttribute("aria-expanded", "true");
  button.textContent = "Hide rows";
}

async function loadCharts() {
  const f = state.filters;
  const list = await api("/charts", { blocs: f.blocs, benchmark: f.benchmark, scores: f.scores });
  const pick = byId("chart-pick");
  pick.replaceChildren(el("option", { value: "" }, "choose a chart"));
  for (const c of list.charts) pick.append(el("option", { value: c.id }, c.title || c.id));
  // With a benchmark chosen: its own capability-gap charts. Otherwise the first few. Plus any the reader added.
  const prefix = f.benchmark ? f.benchmark.replaceAll(".", "-") + "-" : null;
  const own = prefix ? list.charts.filter((c) => c.id.startsWith(prefix)) : [];
  const shown = own.length ? own : list.charts.slice(0, 4);
  const ids = new Set(shown.map((c) => c.id));
  const titles = Object.fromEntries(list.charts.map((c) => [c.id, c.title]));
  byId("panes").replaceChildren();
  const jobs = shown.map((c) => renderPane(c.id, c.title || c.id));
  for (const id of state.extraCharts) if (!ids.has(id) && titles[id] !== undefined) jobs.push(renderPane(id, titles[id] || id));
  await Promise.all(jobs);
}

// --- tables ----------------------------------------------------------------------------------

function tableParams() {
  const t = state.table, f = state.filters, spec = state.tables[t.name];
  const params = { q: byId("t-q").value || null, sort: t.sort, order: t.order, page: t.page, per_page: byId("t-per-page").value };
  // Only the filters this table has (the API refuses the others with a 400).
  const wanted = { benchmark: f.benchmark, independent: f.scores ? String(f.scores === "independent") : null, relation: f.relation };
  for (const [k, v] of Object.entries(wanted)) if (v && spec.filters.includes(k)) params[k] = v;
  if (spec.dates || t.name === "download_histories") { params.date_from = f.date_from; params.date_to = f.date_to; }
  return params;
}

function cell(column, value, row) {
  if (value == null) return "";
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? Object.values(v).join(" ") : v)).join("; ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

async function loadTable() {
  const t = state.table;
  let data;
  try {
    data = await api("/tables/" + encodeURIComponent(t.name), tableParams());
  } catch (e) {
    byId("t-info").textContent = e.message;
    return;
  }
  t.pages = data.pages;
  const table = byId("t-table");
  table.setAttribute("data-total", String(data.total));
  byId("t-caption").textContent = data.title;
  const head = el("tr");
  for (const c of data.columns) {
    const sortable = data.sortable.includes(c);
    const sorted = data.sort === c ? (data.order === "asc" ? "ascending" : "descending") : null;
    const th = el("th", { scope: "col", "aria-sort": sorted });
    if (sortable) {
      const b = el("button", { type: "button" }, c + (sorted ? (sorted === "ascending" ? " ▲" : " ▼") : ""));
      b.addEventListener("click", () => { t.order = data.sort === c && data.order === "desc" ? "asc" : "desc"; t.sort = c; t.page = 1; loadTable(); });
      th.append(b);
    } else {
      th.append(c);
    }
    head.append(th);
  }
  head.append(el("th", { scope: "col" }, "source"));
  table.tHead.replaceChildren(head);
  const body = el("tbody");
  for (const r of data.rows) {
    const tr = el("tr");
    for (const c of data.columns) tr.append(el("td", {}, cell(c, r[c], r)));
    const href = safeHref(r.source_url);
    tr.append(el("td", {}, href ? el("a", { href, rel: "noopener noreferrer" }, r.source_ref || "source") : r.source_ref || ""));
    body.append(tr);
  }
  table.tBodies[0].replaceWith(body);
  byId("t-info").textContent = `${data.total.toLocaleString("en")} rows; page ${data.page} of ${data.pages}, sorted by ${data.sort} (${data.order}). ${data.note || ""}`;
  byId("t-prev").disabled = data.page <= 1;
  byId("t-next").disabled = data.page >= data.pages;
}

// --- wiring ----------------------------------------------------------------------------------

async function refresh() {
  readFilters();
  say("Loading…");
  try {
    await Promise.all([loadVerdict(), loadCharts(), loadTable()]);
    say("Up to date.");
  } catch (e) {
    say("Error: " + e.message);
  }
  // Lets a test (or a reader's script) know that the page has caught up with the filters.
  document.body.setAttribute("data-refreshes", String(Number(document.body.getAttribute("data-refreshes") || 0) + 1));
}

window.addEventListener("DOMContentLoaded", async () => {
  try {
    await loadFilterChoices();
  } catch (e) {
    say("Error: " + e.message);
    return;
  }
  byId("filters").addEventListener("submit", (ev) => { ev.preventDefault(); state.table.page = 1; refresh(); });
  byId("table-controls").addEventListener("submit", (ev) => { ev.preventDefault(); state.table.page = 1; loadTable(); });
  byId("t-name").addEventListener("change", () => { state.table = { name: byId("t-name").value, page: 1, sort: null, order: null, pages: 1 }; loadTable(); });
  byId("t-per-page").addEventListener("change", () => { state.table.page = 1; loadTable(); });
  byId("t-prev").addEventListener("click", () => { if (state.table.page > 1) { state.table.page -= 1; loadTable(); } });
  byId("t-next").addEventListener("click", () => { if (state.table.page < state.table.pages) { state.table.page += 1; loadTable(); } });
  byId("chart-pick").addEventListener("change", () => {
    const id = byId("chart-pick").value;
    if (id && !state.extraCharts.includes(id)) { state.extraCharts.push(id); renderPane(id, byId("chart-pick").selectedOptions[0].textContent); }
  });
  await refresh();
});
})();
