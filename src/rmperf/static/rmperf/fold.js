// Long evidence tables are folded (<details data-open-on-target>) so a page stays short;
// the ones inside the element the URL's #fragment names open by themselves: a bone
// clicked in the fishbone diagram, or a link shared to one section. Without this file
// the tables still open with a click.
(function () {
  "use strict";
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    target.querySelectorAll("details[data-open-on-target]").forEach(function (d) {
      d.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", openTarget);
  window.addEventListener("hashchange", openTarget);
})();
