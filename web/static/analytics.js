/* Analytics charts (ECharts, vendored) drawn from the JSON the page embeds; every chart's numbers are also
   in the table beside it. Clicking a bar or point opens the cases behind it. The wallboard refreshes on
   call.started / call.ended / case.created from /api/events. */
(function () {
  "use strict";
  var el = document.getElementById("analytics-data");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.textContent);
  var charts = [];

  function chart(id, option, urls) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    var c = echarts.init(node, null, { renderer: "canvas" });
    option.animation = false;
    c.setOption(option);
    if (urls) {
      c.on("click", function (p) {
        var u = urls(p);
        if (u) { window.location.href = u; }
      });
    }
    node.setAttribute("data-rendered", "1");
    charts.push(c);
    return c;
  }

  function lines(id, trend, stacked) {
    chart(id, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 48 },
      dataZoom: trend.buckets.length > 60 ? [{ type: "slider" }] : [],
      xAxis: { type: "category", data: trend.buckets },
      yAxis: { type: "value", minInterval: 1 },
      series: trend.series.map(function (s) {
        return { name: s.label, type: "line", data: s.values, stack: stacked ? "total" : undefined,
                 areaStyle: stacked ? {} : undefined, showSymbol: trend.buckets.length <= 62 };
      })
    }, function (p) { return trend.series[p.seriesIndex].urls[p.dataIndex]; });
  }

  function bars(id, labels, values, urls, horizontal) {
    var cat = { type: "category", data: labels, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
    var val = { type: "value", minInterval: 1 };
    chart(id, {
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 130 : 48, right: 16, top: 16, bottom: horizontal ? 24 : 40 },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true }) : val,
      series: [{ type: "bar", data: values }]
    }, urls ? function (p) { return urls[p.dataIndex]; } : null);
  }

  if (data.trend) {
    lines("chart-trend", data.trend, false);
    lines("chart-trend-intent", data.trend_by_intent, true);
    bars("chart-hours", data.hours.buckets, data.hours.values, data.hours.urls, false);
    data.breakdowns.forEach(function (b) {
      var rows = b.rows.slice(0, 15);
      bars("chart-by-" + b.dimension, rows.map(function (r) { return r.label; }),
           rows.map(function (r) { return r.count; }), rows.map(function (r) { return r.url; }), true);
    });
  }
  if (data.topics) {
    var top = data.topics.slice(0, 15);
    bars("chart-topics", top.map(function (k) { return k.term; }), top.map(function (k) {
      return { value: k.cases, itemStyle: k.spike ? { color: "#c0392b" } : undefined };
    }), top.map(function (k) { return k.url; }), true);
  }
  if (data.wallboard) { wallboard(data.wallboard); }

  function wallboard(fig) {
    var keys = fig.intent_order;
    var c = chart("chart-today", {
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      xAxis: { type: "category", data: keys.map(function (k) { return fig.intent_labels[k]; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: keys.map(function (k) { return fig.today.by_intent[k] || 0; }) }]
    });
    function show(f) {
      document.getElementById("wb-active").textContent = f.calls_active;
      document.getElementById("wb-waiting").textContent = f.calls_waiting;
      document.getElementById("wb-agents").textContent = f.agents_online;
      document.getElementById("wb-cases").textContent = f.today.cases;
      document.getElementById("wb-calls").textContent = f.today.inbound_calls;
      document.getElementById("wb-at").textContent = f.at;
      document.querySelectorAll("[data-intent]").forEach(function (td) {
        td.textContent = f.today.by_intent[td.getAttribute("data-intent")] || 0;
      });
      if (c) { c.setOption({ series: [{ data: keys.map(function (k) { return f.today.by_intent[k] || 0; }) }] }); }
      var q = f.queue || {};
      document.querySelectorAll("[data-wb]").forEach(function (el) {
        var v = q[el.getAttribute("data-wb")];
        if (v === null || v === undefined) { el.textContent = "—"; return; }
        el.textContent = el.getAttribute("data-format") === "percent" ? Math.round(v * 100) + "%" : v;
      });
      document.querySelectorAll("[data-wb-agents]").forEach(function (el) {
        el.textContent = (q.agents || {})[el.getAttribute("data-wb-agents")] || 0;
      });
    }
    var pending = null;
    function refresh() {
      if (pending) { return; }
      pending = setTimeout(function () {
        pending = null;
        fetch("/api/analytics/wallboard", { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (f) { if (f) { show(f); } });
      }, 300);
    }
    if (window.EventSource) {
      var es = new EventSource("/api/events");
      ["call.started", "call.ended", "case.created", "queue.entered", "queue.changed", "agent.ringing",
       "agent.presence"].forEach(function (k) { es.addEventListener(k, refresh); });
    }
    setInterval(refresh, 60000);  // today's counts also move without events (other channels, midnight)
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
