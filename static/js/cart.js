/*
 * The cart's small enhancements (htmx does the requests and swaps):
 * - "Add to cart" and "Buy now" follow the variant picker: disabled while the chosen
 *   variant is sold out or the combination does not exist. The form is found through the
 *   picker's hidden "variant" input, which joins it with form="...".
 * - A refused cart change answers 400 with its reason (X-Swap-Errors): it is swapped in
 *   place like a 200 instead of being treated as a failure.
 */
(function () {
  "use strict";

  function follow(box) {
    var input = box.querySelector("[data-variant-id]");
    var form = input && input.form;
    if (!form || !form.hasAttribute("data-add-to-cart")) return;
    var available = box.dataset.variantAvailable !== "false" && input.value !== "";
    form.querySelectorAll("[data-cart-button]").forEach(function (button) {
      button.disabled = !available;
    });
  }

  // The picker announces each variant it selects; an impossible combination it announces
  // only through data-variant-available, so a change of option is followed too (the
  // picker's own listener, on the box, has run by the time the event reaches the document).
  document.addEventListener("variant:change", function (event) {
    follow(event.target);
  });
  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest("[data-variant-picker]");
    if (box) follow(box);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 400 && xhr.getResponseHeader("X-Swap-Errors") === "true") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
