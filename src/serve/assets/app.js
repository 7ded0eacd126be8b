// baimo serve: the little script the pages use. Everything works without it; it only sorts a
// shown table in place and copies a query's link.
"use strict";
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-copy]");
  if (link && navigator.clipboard) {
    event.preventDefault();
    navigator.clipboard.writeText(new URL(link.getAttribute("href"), location.href).href);
    link.textContent = "link copied";
    return;
  }
  const th = event.target.closest("table[data-sortable] th");
  // A header that links sorts on the server (the whole table); the rest sort what is shown.
  if (!th || event.target.closest("a")) return;
  const table = th.closest("table");
  const body = table.tBodies[0];
  const index = Array.from(th.parentNode.children).indexOf(th);
  const descending = th.dataset.order !== "desc";
  th.parentNode.querySelectorAll("th").forEach((h) => delete h.dataset.order);
  th.dataset.order = descending ? "desc" : "asc";
  const key = (row) => {
    const text = row.children[index] ? row.children[index].textContent.trim() : "";
    const number = Number(text.replace(/,/g, ""));
    return text === "" || text === "NULL" ? null : Number.isNaN(number) ? text : number;
  };
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === null) return 1;
    if (y === null) return -1;
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "zh");
    return descending ? -c : c;
  });
  rows.forEach((r) => body.appendChild(r));
});
