// Agent console. Live calls from the server-sent events of /api/events; every text from a caller or the
// analysis is set with textContent (never innerHTML), so a transcript cannot inject markup.
(function () {
  "use strict";
  const INTENT = { consultation: "咨询", complaint: "投诉", appointment: "预约", suggestion: "建议" };
  const LEVEL = { banner: "旗级", town: "镇级", village: "嘎查村级" };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // "采用" on the case page: take a routing suggestion into the department field.
  document.querySelectorAll(".use-route").forEach((button) => {
    button.addEventListener("click", () => {
      const select = button.closest("form").querySelector('select[name="department_id"]');
      select.value = button.dataset.department;
      select.classList.add("changed");
    });
  });

  // "填入" on the case page: take a suggestion from the conversation into its form field.
  document.querySelectorAll(".use-draft").forEach((button) => {
    button.addEventListener("click", () => {
      const field = button.closest("form").querySelector('[name="' + button.dataset.field + '"]');
      if (!field) return;
      field.value = button.dataset.value;
      field.classList.add("changed");
    });
  });

  const list = document.getElementById("live-calls");
  if (!list) return;

  function card(callId) {
    let node = list.querySelector('[data-call-id="' + CSS.escape(callId) + '"]');
    if (node) return node;
    const empty = document.getElementById("no-live-calls");
    if (empty) empty.remove();
    node = el("article", "live-call");
    node.dataset.callId = callId;
    const head = el("header");
    head.append(el("strong", "caller", "未知号码"), " ", el("span", "lang", "汉语"));
    const transcript = el("p", "transcript");
    transcript.append(el("span", "finals"), el("span", "partial"));
    const suggestion = el("div", "suggestion");
    suggestion.append(el("div", "intent"), el("div", "route"), el("ul", "kb"));
    node.append(head, transcript, suggestion, el("div", "caller-history"), el("div", "case-link"));
    list.appendChild(node);
    return node;
  }
  // The count and "当前没有通话" follow the calls still up; an ended card may linger with its case link.
  function count() {
    const live = list.querySelectorAll(".live-call:not(.ended)").length;
    document.getElementById("live-count").textContent = live;
    let empty = document.getElementById("no-live-calls");
    if (live && empty) empty.remove();
    if (!live && !empty) {
      empty = el("p", "empty", "当前没有通话");
      empty.id = "no-live-calls";
      list.prepend(empty);
    }
  }
  function showAnalysis(node, d) {
    const intent = node.querySelector(".intent");
    intent.textContent = d.intent ? "诉求类型：" + (INTENT[d.intent] || d.intent) +
      (d.intent_confidence != null ? "（" + Math.round(d.intent_confidence * 100) + "%）" : "") : "诉求类型：待识别";
    if (d.needs_triage) intent.append(" ", el("span", "badge warn", "待人工分拣"));
    const route = node.querySelector(".route");
    route.textContent = "";
    (d.routing || []).slice(0, 2).forEach((r, i) => {
      const line = el("div", i === 0 ? "top-route" : "alt-route",
        (i === 0 ? "建议承办：" : "备选：") + (r.department_name || r.department || "") + " " +
        (LEVEL[r.level] || "") + (r.town ? " " + r.town : ""));
      if (r.reasons && r.reasons.length) line.append(el("span", "muted", "（" + r.reasons.join("；") + "）"));
      route.appendChild(line);
    });
    const kb = node.querySelector(".kb");
    kb.textContent = "";
    (d.kb_matches || []).slice(0, 3).forEach((m) => {
      const li = el("li");
      const a = el("a", "", m.name);
      a.href = "/guide/items/" + encodeURIComponent(m.code);
      a.target = "_blank";
      li.appendChild(a);
      kb.appendChild(li);
    });
  }

  // Calls already in progress when the page loaded.
  const snapshot = document.getElementById("live-snapshot");
  if (snapshot) {
    JSON.parse(snapshot.textContent || "[]").forEach((c) => {
      if (c.agent_state) card(c.call_id).dataset.agent = c.agent_state;
      if (c.suggestion && Object.keys(c.suggestion).length) showAnalysis(card(c.call_id), c.suggestion);
    });
  }

  const state = document.getElementById("sse-state");
  const source = new EventSource("/api/events");
  source.onopen = () => { state.textContent = "实时"; state.className = "sse-state ok"; };
  source.onerror = () => { state.textContent = "连接中断，正在重连…"; state.className = "sse-state bad"; };
  // 来电弹屏 · 历史工单: the caller's earlier cases under the card.
  function showHistory(slot, caller) {
    fetch("/api/callers/" + encodeURIComponent(caller) + "/history", { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((h) => {
        if (!h) return;
        slot.textContent = "";
        if (!h.total) { slot.append(el("span", "muted", "首次来电")); return; }
        slot.append(el("strong", "", "历史工单 " + h.total + " 件" + (h.open_total ? "（" + h.open_total + " 件在办）" : "")));
        const ul = el("ul");
        h.cases.forEach((c) => {
          const li = el("li");
          const a = el("a", "", c.tracking_code);
          a.href = "/cases/" + encodeURIComponent(c.id);
          a.target = "_blank";
          li.append(a, " ", el("span", "", c.title), " ", el("span", "muted", c.status + " · " + c.created));
          ul.appendChild(li);
        });
        slot.appendChild(ul);
      })
      .catch(() => {});
  }

  function on(kind, handler) {
    source.addEventListener(kind, (e) => handler(JSON.parse(e.data)));
  }
  // 热点突增: new spikes were stored (sent to supervisors only); show the notice every page has atop.
  on("topic.spikes", () => {
    fetch("/api/topic-spikes", { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => { if (data) showSpikes(data.notices); })
      .catch(() => {});
  });
  function showSpikes(notices) {
    const old = document.getElementById("topic-spikes");
    if (!notices.length) { if (old) old.remove(); return; }
    const csrf = document.querySelector('input[name="csrf_token"]');
    const box = el("div", "notice warn");
    box.id = "topic-spikes";
    box.setAttribute("role", "status");
    box.append(el("strong", "", "热点突增"));
    notices.forEach((s) => {
      const span = el("span", "topic-spike");
      const a = el("a", "", s.term);
      a.href = s.url;
      span.append(" " + s.where + "「", a, "」本周 " + s.cases + " 件（往常约 " + s.baseline + " 件）");
      const form = el("form", "inline");
      form.method = "post";
      form.action = "/analytics/spikes/" + encodeURIComponent(s.id) + "/seen";
      const token = el("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = csrf ? csrf.value : "";
      const button = el("button", "", "知道了");
      button.type = "submit";
      form.append(token, button);
      span.append(" ", form);
      box.append(span);
    });
    const main = document.querySelector("main");
    if (old) old.replaceWith(box);
    else main.insertBefore(box, document.getElementById("notice") ? document.getElementById("notice").nextSibling : main.firstChild);
  }
  on("call.started", (d) => {
    const node = card(d.call_id);
    node.querySelector(".caller").textContent = d.caller || "未知号码";
    count();
    if (d.caller) showHistory(node.querySelector(".caller-history"), d.caller);
  });
  on("call.language", (d) => {
    card(d.call_id).querySelector(".lang").textContent = d.language === "mn" ? "蒙古语" : "汉语";
    if (d.language === "mn") {  // not transcribed: the model speaks Chinese only
      card(d.call_id).querySelector(".partial").textContent = "蒙古语来电：需人工听取（不做自动转写和分类）";
    }
  });
  const OTHER_SIDE = { agent: "坐席", department: "部门" };  // the caller's words are unmarked
  on("call.partial", (d) => {
    if (OTHER_SIDE[d.speaker]) { return; }  // the agent's / department's side shows when final, marked
    card(d.call_id).querySelector(".partial").textContent = d.text;
  });
  on("call.final", (d) => {
    const node = card(d.call_id);
    const side = OTHER_SIDE[d.speaker];
    node.querySelector(".finals").textContent += side ? `（${side}：${d.text}）` : d.text;
    if (!side) { node.querySelector(".partial").textContent = ""; }
  });
  on("call.analysis", (d) => showAnalysis(card(d.call_id), d));
  const CHANNEL = { phone: "电话", web: "网站", forum: "百姓论坛", kiosk: "自助终端", walk_in: "窗口来访",
    letter: "来信", desk_phone: "座机来电" };
  on("case.created", (d) => {  // a new case from any channel appears at the top of the recent list
    const body = document.querySelector("#recent-cases tbody");
    if (!body) return;
    const empty = body.querySelector(".empty");
    if (empty) empty.closest("tr").remove();
    const row = el("tr", "new-case");
    const link = el("a", "", d.tracking_code);
    link.href = "/cases/" + encodeURIComponent(d.case_id);
    const first = el("td");
    first.appendChild(link);
    row.append(first, el("td", "", "刚刚"), el("td", "", CHANNEL[d.channel] || d.channel),
      el("td", "", "—"), el("td", "muted", "新工单，点击编号查看"), el("td", "", "—"), el("td", "", "已受理"));
    body.prepend(row);
  });
  on("call.agent_connected", (d) => { card(d.call_id).dataset.agent = "connected"; });
  on("call.ended", (d) => {
    const known = list.querySelector('[data-call-id="' + CSS.escape(d.call_id) + '"]');
    if (!known || known.dataset.agent) {  // an agent took it: their desk shows the case; the card goes
      if (known) known.remove();
      count();
      return;
    }
    const node = known;
    node.classList.add("ended");
    const slot = node.querySelector(".case-link");
    slot.textContent = "";
    if (d.case_id != null) {
      const link = el("a", "confirm-case", "通话结束，确认工单 →");
      link.href = "/cases/" + encodeURIComponent(d.case_id);
      slot.appendChild(link);
    } else {
      slot.textContent = "通话结束";
    }
    count();
    setTimeout(() => { node.remove(); count(); }, 120000);
  });
})();
