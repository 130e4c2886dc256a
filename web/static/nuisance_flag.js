// 标记骚扰来电 on the console's live call cards: a button in each card's header asks for a reason and posts
// the caller's number to /nuisance/flag (a supervisor confirms it on /nuisance). Watches the card list that
// console.js fills, so it needs no hook there.
(function () {
  "use strict";
  const list = document.getElementById("live-calls");
  if (!list) return;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function flag(card, caller, button) {
    const reason = window.prompt("标记原因（督办人员确认后，该号码来电只播放提示音并挂断）：");
    if (!reason) return;
    const body = new URLSearchParams({ phone: caller, reason: reason, call_id: card.dataset.callId || "" });
    fetch("/nuisance/flag", { method: "POST", body: body, credentials: "same-origin",
                              headers: { "X-CSRF-Token": csrf, Accept: "application/json" } })
      .then((r) => r.json().then((j) => ({ ok: r.ok && j.ok, j: j })))
      .then((res) => {
        const note = document.createElement("span");
        note.className = res.ok ? "muted flagged-nuisance" : "form-error";
        note.textContent = res.ok ? "已标记骚扰来电（" + res.j.state + "）" : res.j.error;
        button.replaceWith(note);
      })
      .catch(() => { button.textContent = "标记失败，请重试"; });
  }

  function decorate(card) {
    if (card.dataset.nuisanceButton) return;
    const caller = (card.querySelector(".caller") || {}).textContent || "";
    if (!/\d{3,}/.test(caller)) return;
    card.dataset.nuisanceButton = "1";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small secondary flag-nuisance";
    button.textContent = "标记骚扰来电";
    button.addEventListener("click", () => flag(card, caller.trim(), button));
    card.querySelector("header").append(" ", button);
  }

  const all = () => list.querySelectorAll(".live-call").forEach(decorate);
  new MutationObserver(all).observe(list, { childList: true, subtree: true, characterData: true });
  all();
})();
