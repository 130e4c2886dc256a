// 督办 list: the header checkbox picks or clears every row for 批量催办.
(function () {
  "use strict";
  const all = document.getElementById("bulk-all");
  if (!all) return;
  all.addEventListener("change", () => {
    document.querySelectorAll(".bulk-pick").forEach((box) => { box.checked = all.checked; });
  });
})();
