/*
 * The Print button of the back office's packing slip and invoice
 * (templates/admin/checkout/order/document.html). Without JavaScript the page
 * keeps its hint to use the browser's own Print command.
 */
(function () {
  "use strict";

  var button = document.querySelector("[data-print]");
  if (!button || typeof window.print !== "function") return;
  var hint = document.querySelector("[data-print-hint]");
  if (hint) hint.hidden = true;
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
