/*
 * Card payment: mounts Stripe's Payment Element in #card-payment and confirms the
 * PaymentIntent the server created. On success Stripe sends the shopper to data-return-url,
 * whose page shows what the server knows: only Stripe's signed webhook marks orders paid.
 *
 * Everything comes from the section's data attributes: data-publishable-key,
 * data-client-secret, data-return-url, data-locale, and the translated texts
 * data-text-processing, data-text-error and data-text-unavailable.
 */
(function () {
  "use strict";

  var root = document.getElementById("card-payment");
  if (!root) return;
  var form = root.querySelector("form");
  var button = form.querySelector("button[type=submit]");
  var message = root.querySelector("[data-payment-message]");
  var label = button.textContent;

  function show(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  if (typeof window.Stripe !== "function") {
    show(root.dataset.textUnavailable);
    return;
  }

  var stripe = window.Stripe(root.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: root.dataset.clientSecret, locale: root.dataset.locale || "auto" });
  var paymentElement = elements.create("payment");
  paymentElement.on("ready", function () {
    button.disabled = false;
  });
  paymentElement.mount(root.querySelector("[data-payment-element]"));

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    button.textContent = root.dataset.textProcessing;
    show("");
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: root.dataset.returnUrl } })
      .then(function (result) {
        // Reached only when the payment could not be confirmed; success leaves the page.
        var error = result.error || {};
        var isCardProblem = error.type === "card_error" || error.type === "validation_error";
        show(isCardProblem && error.message ? error.message : root.dataset.textError);
      })
      .catch(function () {
        show(root.dataset.textError);
      })
      .then(function () {
        button.disabled = false;
        button.textContent = label;
      });
  });
})();
