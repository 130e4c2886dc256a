// Live calls on the agent console: server-sent events from /api/events. Text is set with textContent only.
(function () {
  "use strict";
  const list = document.getElementById("live-calls");
  if (!list) return;
  const INTENT = { consultation: "咨询", complaint: "投诉", appointment: "预约", suggestion: "建议" };
  const LEVEL = { banner: "旗级", town: "镇级", village: "嘎查村级" };

  function card(callId) {
    let el = list.querySelector('[data-call-id="' + CSS.escape(callId) + '"]');
    if (el) return el;
    const empty = document.getElementById("no-live-calls");
    if (empty) empty.remove();
    el = document.createElement("article");
    el.className = "live-call";
    el.dataset.callId = callId;
    el.innerHTML = '<header><strong class="caller"></strong> <span class="lang"></span></header>' +
      '<p class="transcript"><span class="finals"></span><span class="partial"></span></p>' +
      '<div class="suggestion"></div>';
    list.appendChild(el);
    return el;
  }
  function count() {
    document.getElementById("live-count").textContent = list.querySelectorAll(".live-call").length;
  }
  const source = new EventSource("/api/events");
  source.addEventListener("call.started", (e) => {
    const d = JSON.parse(e.data);
    card(d.call_id).querySelector(".caller").textContent = d.caller || "未知号码";
    count();
  });
  source.addEventListener("call.language", (e) => {
    const d = JSON.parse(e.data);
    card(d.call_id).querySelector(".lang").textContent = d.language === "mn" ? "蒙古语" : "汉语";
  });
  source.addEventListener("call.partial", (e) => {
    const d = JSON.parse(e.data);
    card(d.call_id).querySelector(".partial").textContent = d.text;
  });
  source.addEventListener("call.final", (e) => {
    const d = JSON.parse(e.data);
    const el = card(d.call_id);
    el.querySelector(".finals").textContent += d.text;
    el.querySelector(".partial").textContent = "";
  });
  source.addEventListener("call.analysis", (e) => {
    const d = JSON.parse(e.data);
    const parts = [];
    if (d.intent) parts.push("诉求：" + (INTENT[d.intent] || d.intent));
    const route = (d.routing || [])[0];
    if (route) parts.push("建议承办：" + (route.department_name || route.department) + " " + (LEVEL[route.level] || ""));
    const items = (d.kb_matches || []).slice(0, 3).map((m) => m.name);
    if (items.length) parts.push("相关事项：" + items.join("、"));
    card(d.call_id).querySelector(".suggestion").textContent = parts.join(" · ");
  });
  source.addEventListener("call.ended", (e) => {
    const d = JSON.parse(e.data);
    const el = card(d.call_id);
    el.classList.add("ended");
    const link = document.createElement("a");
    link.href = "/cases/" + encodeURIComponent(d.case_id);
    link.textContent = "已生成工单 →";
    el.appendChild(link);
    setTimeout(() => { el.remove(); count(); }, 30000);
  });
})();
