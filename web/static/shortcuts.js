// Keyboard shortcuts and reply templates for staff pages (no markup from data: values via textContent/value).
//   Alt+1..9  insert the reply template with that shortcut      Alt+R  focus the reply box (答复)
//   Alt+N     next case to confirm (下一件)                       Alt+D  确认并派单 on the confirm form
//   /         focus the search box (or open 工单查询)
(function () {
  "use strict";

  function visible(node) {
    return node && node.offsetParent !== null;
  }

  function replyBox(near) {
    const active = document.activeElement;
    if (active && active.classList && active.classList.contains("reply-box")) return active;
    const form = near && near.closest("form");
    const own = form && form.querySelector(".reply-box");
    if (own) return own;
    return Array.from(document.querySelectorAll(".reply-box")).find(visible) || null;
  }

  function insert(text, near) {
    const box = replyBox(near);
    if (!box) return;
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n" + text : text;
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll(".use-template").forEach((button) => {
    button.addEventListener("click", () => insert(button.dataset.template, button));
  });

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      const digit = /^Digit([1-9])$/.exec(e.code);
      if (digit) {
        const button = document.querySelector('.use-template[data-shortcut="' + digit[1] + '"]');
        if (button) { e.preventDefault(); insert(button.dataset.template, null); }
        return;
      }
      if (e.code === "KeyN") { e.preventDefault(); window.location.href = "/intake/next"; return; }
      if (e.code === "KeyD") {
        const dispatch = document.getElementById("confirm-dispatch");
        if (dispatch) { e.preventDefault(); dispatch.click(); }
        return;
      }
      if (e.code === "KeyR") {
        const box = replyBox(null);
        if (box) { e.preventDefault(); box.focus(); }
      }
      return;
    }
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !typing(e.target)) {
      const search = document.querySelector('input[name="q"]');
      e.preventDefault();
      if (search) search.focus(); else window.location.href = "/cases";
    }
  });
})();
