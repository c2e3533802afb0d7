/*
 * Small progressive enhancements shared by every page.
 * - <details data-open-on-wide>: open on wide screens (filters beside the grid),
 *   collapsed on phones until the shopper opens them.
 * - data-vars="--x: 0.42; --y: 0.6": CSS custom properties a page computes (a tag dot's
 *   place, a picture's shape, how full the stars are). The Content-Security-Policy allows no
 *   style="" attribute, but a script may set properties through the CSSOM.
 * - the notification bell's polling (an htmx trigger condition would need eval()).
 */
(function () {
  "use strict";

  // Only custom properties, only plain numbers and percentages: data-vars is not a way to
  // put arbitrary CSS on the page.
  var VAR = /^\s*(--[a-z][a-z0-9-]*)\s*:\s*(-?[0-9.]+%?)\s*$/;

  function applyVars(root) {
    var elements = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("[data-vars]")) : [];
    if (root.matches && root.matches("[data-vars]")) elements.push(root);
    elements.forEach(function (element) {
      element.getAttribute("data-vars").split(";").forEach(function (declaration) {
        var match = VAR.exec(declaration);
        if (match) element.style.setProperty(match[1], match[2]);
      });
    });
  }

  applyVars(document);
  // htmx:load fires for every piece of content htmx swaps in (a feed page, the product sheet).
  document.addEventListener("htmx:load", function (event) {
    applyVars(event.target);
  });

  // The bell asks for its count every few seconds while the page is in view, and at once
  // when the page comes back into view ("notifications-poll" in its hx-trigger).
  function pollNotifications() {
    if (document.visibilityState !== "visible") return;
    document.querySelectorAll("[data-notifications-poll]").forEach(function (element) {
      if (window.htmx) window.htmx.trigger(element, "notifications-poll");
    });
  }

  document.querySelectorAll("[data-notifications-poll]").forEach(function (element) {
    var seconds = parseInt(element.getAttribute("data-notifications-poll"), 10);
    if (seconds > 0) window.setInterval(pollNotifications, seconds * 1000);
  });
  document.addEventListener("visibilitychange", pollNotifications);

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
