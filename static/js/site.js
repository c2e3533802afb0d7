/*
 * Small progressive enhancements shared by every page.
 * - <details data-open-on-wide>: open on wide screens (filters beside the grid),
 *   collapsed on phones until the shopper opens them.
 */
(function () {
  "use strict";

  var wide = window.matchMedia("(min-width: 56em)");

  function syncDetails() {
    document.querySelectorAll("details[data-open-on-wide]").forEach(function (details) {
      if (wide.matches) details.open = true;
    });
  }

  syncDetails();
  if (wide.addEventListener) wide.addEventListener("change", syncDetails);

  // Close the account menu when focus or a click leaves it.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
})();
