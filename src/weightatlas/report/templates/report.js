(function () {
  "use strict";
  // The page's only script besides the Vega libraries. It lays out and downloads what the page holds;
  // it computes no figure. Its sha256 is in the Content-Security-Policy, so edit it only here.
  var specs = JSON.parse(document.getElementById("specs").textContent);
  var views = {};
  // ast: true makes vega-embed use the Vega expression interpreter it bundles, so Vega never compiles
  // expressions with new Function and the policy needs no 'unsafe-eval'.
  var options = { actions: false, renderer: "svg", ast: true };

  function folded(el) {
    for (var d = el.closest("details"); d; d = d.parentElement ? d.parentElement.closest("details") : null) {
      if (!d.open) { return true; }
    }
    return false;
  }

  // A chart in a closed <details> has no width yet (width "container"): it is drawn when its fold opens.
  function render(el) {
    var id = el.id.slice("chart-".length);
    if (el.getAttribute("data-state") || !specs[id]) { return; }
    el.setAttribute("data-state", "rendering");
    vegaEmbed(el, specs[id], options).then(function (result) {
      views[id] = result.view;
      el.setAttribute("data-state", "rendered");
    }).catch(function (e) {
      el.setAttribute("data-state", "failed");
      el.textContent = "chart failed: " + e;
    });
  }

  function renderUnfolded() {
    document.querySelectorAll(".chart").forEach(function (el) { if (!folded(el)) { render(el); } });
  }

  function save(name, url) {
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    if (url.slice(0, 5) === "blob:") { setTimeout(function () { URL.revokeObjectURL(url); }, 10000); }
  }

  function download(id, format) {
    if (format === "csv") {
      var text = document.getElementById("csv-" + id).textContent;
      save(id + ".csv", URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" })));
      return;
    }
    var view = views[id];
    if (!view) { return; }
    if (format === "svg") {
      view.toSVG().then(function (svg) { save(id + ".svg", URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }))); });
    } else if (format === "png") {
      view.toImageURL("png", 2).then(function (url) { save(id + ".png", url); });
    }
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-format]");
    if (button) { download(button.getAttribute("data-chart"), button.getAttribute("data-format")); }
  });
  // toggle does not bubble; a capturing listener on the document still sees every fold open.
  document.addEventListener("toggle", function (e) { if (e.target.open) { renderUnfolded(); } }, true);
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    renderUnfolded();
  });
  renderUnfolded();
})();
