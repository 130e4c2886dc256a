/* The agent's desk on the console: presence, my call (ringing / connected) with the live 市民/坐席 lines,
   notes kept per call in sessionStorage and carried into the 当场答复 text at hang-up, the 回拨请求 list.
   State comes from /api/agent/desk, refreshed on the server's events. */
(function () {
  "use strict";
  var root = document.getElementById("agent-desk");
  if (!root) { return; }
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var SPEAKER = { citizen: "市民", agent: "坐席", department: "部门" };
  var CALL_STATE = { ringing: "振铃中", connected: "通话中", gone: "已挂机" };
  var LANG = { zh: "汉语", mn: "蒙古语" };
  var currentCall = null;
  function $(id) { return document.getElementById(id); }
  function text(id, value) { $(id).textContent = value == null ? "" : value; }

  function post(url, data) {
    var body = new URLSearchParams(data);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                        headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" } })
      .then(function (r) { return r.json(); })
      .then(function (res) { if (!res.ok) { alert(res.error); } refresh(); });
  }

  function show(d) {
    text("desk-state", d.state_label);
    text("desk-reason", d.reason);
    $("desk-phone-uri").value = $("desk-phone-uri").value || d.phone_uri;
    $("desk-lang-mn").checked = d.languages.indexOf("mn") >= 0;
    $("desk-lang-zh").checked = d.languages.indexOf("zh") >= 0;
    var call = d.call;
    $("desk-call").hidden = !call;
    // the queue's agent leg comes from the hotline's number: the softphone shows the caller's instead
    var softphone = window.hotlineSoftphone;
    if (softphone) {
      softphone.deskCaller = call && call.agent_state !== "gone" ? (call.caller || "") : "";
      if (softphone.session && softphone.deskCaller) { text("softphone-peer", softphone.deskCaller); }
    }
    if (call) {
      currentCall = call.call_id;
      text("desk-call-state", CALL_STATE[call.agent_state] || "");
      text("desk-caller", call.caller || "未知号码");
      var lines = $("desk-lines");
      lines.innerHTML = "";
      (call.lines || []).forEach(function (l) {
        var li = document.createElement("li");
        li.className = "speaker-" + l.speaker;
        li.textContent = (SPEAKER[l.speaker] || l.speaker) + "：" + l.text;
        lines.appendChild(li);
      });
      var s = call.suggestion || {};
      text("desk-suggestion", (s.kb_matches || []).map(function (m) { return m.title || m.name || ""; })
        .filter(Boolean).slice(0, 3).join("；"));
      $("desk-notes").value = sessionStorage.getItem("notes:" + call.call_id) || $("desk-notes").value;
    }
    var to = $("desk-transfer-to");
    if (!to.options.length) {
      (d.transfer_to || []).forEach(function (dep) {
        var o = document.createElement("option");
        o.value = dep.id; o.textContent = dep.name + " " + dep.phone; to.appendChild(o);
      });
    }
    var pass = $("desk-pass-to"), chosen = pass.value;
    pass.innerHTML = "";
    (d.pass_to || []).forEach(function (t) {
      var o = document.createElement("option");
      o.value = t.value; o.textContent = t.label; pass.appendChild(o);
    });
    if (chosen) { pass.value = chosen; }
    var last = d.last_call;
    $("desk-last").hidden = !last || !last.case_id;
    if (last && last.case_id) {
      text("desk-last-caller", last.caller);
      var link = $("desk-last-case");
      link.textContent = last.tracking_code;
      link.href = "/cases/" + last.case_id;
      $("desk-open-case").href = "/cases/" + last.case_id;
      $("desk-answer-form").action = "/cases/" + last.case_id + "/answer";
      text("desk-last-content", last.content);
      var notes = sessionStorage.getItem("notes:" + last.call_id);
      if (notes && !$("desk-answer").value) { $("desk-answer").value = notes; }
    }
    var body = $("desk-ring-backs").tBodies[0];
    body.innerHTML = "";
    text("desk-ring-back-count", d.ring_backs.length);
    d.ring_backs.forEach(function (r) {
      var tr = document.createElement("tr");
      [r.phone, LANG[r.language] || r.language, new Date(r.requested_at).toLocaleString("zh-CN"), r.attempts]
        .forEach(function (v) { var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
      var td = document.createElement("td");
      function button(label, fn) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = label; b.addEventListener("click", fn); td.appendChild(b);
      }
      if (r.state === "open") {
        button("认领", function () { post("/agent/ring-backs/" + r.id + "/claim", {}); });
      } else if (r.mine) {
        button("已接通", function () { post("/agent/ring-backs/" + r.id + "/result", { connected: "1" }); });
        button("未接通", function () { post("/agent/ring-backs/" + r.id + "/result", { connected: "0" }); });
      } else { td.textContent = "他人处理中"; }
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  // 置闲/示忙/签出 without reloading the page: a reload would drop the softphone's registration just as
  // the queue may ring it
  root.querySelector(".desk-presence").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = ev.submitter;
    post("/agent/presence", { state: button ? button.value : "", reason: $("desk-reason-choice").value });
  });
  root.querySelectorAll("[data-command]").forEach(function (b) {
    b.addEventListener("click", function () {
      post("/agent/call/" + b.getAttribute("data-command"), { department_id: $("desk-transfer-to").value });
    });
  });
  root.querySelectorAll("[data-pass]").forEach(function (b) {
    b.addEventListener("click", function () {
      post("/agent/pass", { target: $("desk-pass-to").value, mode: b.getAttribute("data-pass") });
    });
  });
  root.querySelectorAll("[data-step]").forEach(function (b) {
    b.addEventListener("click", function () { post("/agent/consult/" + b.getAttribute("data-step"), {}); });
  });
  $("desk-notes").addEventListener("input", function () {
    if (currentCall) { sessionStorage.setItem("notes:" + currentCall, $("desk-notes").value); }
  });
  var pending = null;
  function refresh() {
    if (pending) { return; }
    pending = setTimeout(function () {
      pending = null;
      fetch("/api/agent/desk", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) { if (d) { show(d); } });
    }, 150);
  }
  if (window.EventSource) {
    var es = new EventSource("/api/events");
    ["call.agent_ringing", "call.agent_connected", "call.agent_gone", "call.final", "call.analysis",
     "call.ended", "case.created", "agent.presence", "queue.changed"].forEach(function (k) {
      es.addEventListener(k, refresh);
    });
  }
  setInterval(refresh, 5000);  // wrap-up ends by time
  refresh();
})();
