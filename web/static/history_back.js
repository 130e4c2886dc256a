// "← 返回上一页" on error pages: go back in history (the form keeps what was typed); a script file, not a
// javascript: link, so that the Content-Security-Policy can forbid inline scripts.
document.querySelectorAll("a[data-history-back]").forEach((link) => {
  link.addEventListener("click", (event) => {
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
});
