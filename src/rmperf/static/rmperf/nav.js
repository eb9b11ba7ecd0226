// The nav's groups are <details> and open without this file. With it: one group open at
// a time, and Escape or a click elsewhere closes it (focus goes back to its summary).
(function () {
  "use strict";
  function groups() {
    return Array.prototype.slice.call(document.querySelectorAll(".nav-group"));
  }
  function closeAll(except) {
    groups().forEach(function (g) {
      if (g !== except) g.open = false;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    groups().forEach(function (g) {
      g.addEventListener("toggle", function () {
        if (g.open) closeAll(g);
      });
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".nav-group")) closeAll(null);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var open = document.querySelector(".nav-group[open]");
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
  });
})();
