// acx inspect: live rows over server-sent events. Everything else works without this script.
"use strict";
(function () {
  const rows = document.getElementById("rows");
  if (!rows || !rows.dataset.live || !window.EventSource) return; // a page of older deliveries does not grow
  const filters = rows.dataset.filters;
  const url = "/live?" + (filters ? filters + "&" : "") + "after=" + encodeURIComponent(rows.dataset.live);
  const source = new EventSource(url);
  source.addEventListener("row", (e) => {
    // The row is HTML the server escaped; it goes in as the server wrote it.
    const template = document.createElement("template");
    template.innerHTML = e.data.trim();
    const tr = template.content.firstElementChild;
    if (!tr || document.getElementById(tr.id)) return;
    tr.classList.add("new");
    rows.prepend(tr);
    const empty = document.querySelector(".empty");
    if (empty) empty.remove();
  });
})();
