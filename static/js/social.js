/*
 * The social pages' small enhancements. htmx does the requests and swaps; this file does
 * what htmx cannot:
 * - [data-js-only] elements show, [data-no-js-only] ones hide (the no-script fallbacks);
 * - refused requests (403, 400, 429...) show their message in the #toast live region;
 *   a 400 that carries a form with its errors (X-Swap-Errors) is swapped in like a 200;
 * - the product sheet: the #product-sheet <dialog> opens when a tag dot's htmx request
 *   fills it, takes focus to its title, closes with Escape, the close button or a tap
 *   outside, and gives focus back to the dot;
 * - share buttons (the phone's share sheet, else copy the link);
 * - carousel previous/next buttons and the current-picture dots.
 */
(function () {
  "use strict";

  // ---- Progressive enhancement switches ----------------------------------------------
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) found.unshift(root);
    return found;
  }

  function enhance(root) {
    if (!root || !root.querySelectorAll) return;
    within(root, "[data-js-only][hidden]").forEach(function (node) {
      node.hidden = false;
    });
    within(root, "[data-no-js-only]").forEach(function (node) {
      node.hidden = true;
    });
    within(root, "[data-carousel]").forEach(initCarousel);
  }

  // ---- Toast -------------------------------------------------------------------------
  var toastTimer = null;

  function toast(message) {
    var node = document.getElementById("toast");
    if (!node) {
      window.alert(message);
      return;
    }
    node.textContent = message;
    node.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () {
      node.hidden = true;
    }, 6000);
  }

  function messageOf(xhr) {
    var type = (xhr && xhr.getResponseHeader("Content-Type")) || "";
    if (type.indexOf("text/plain") === 0 && xhr.responseText) return xhr.responseText;
    var node = document.getElementById("toast");
    return node ? node.dataset.textError : "Error";
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("X-Swap-Errors") === "true") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    toast(messageOf(event.detail.xhr));
  });

  document.addEventListener("htmx:sendError", function () {
    var node = document.getElementById("toast");
    toast(node ? node.dataset.textOffline : "Offline");
  });

  // ---- Product sheet -----------------------------------------------------------------
  var opener = null;

  function sheet() {
    return document.getElementById("product-sheet");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-sheet-opener]")) opener = elt;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = sheet();
    if (!dialog || event.detail.target.id !== "product-sheet-content") return;
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    var title = dialog.querySelector("#product-sheet-title");
    if (title) title.focus();
  });

  document.addEventListener("click", function (event) {
    var dialog = sheet();
    // A tap on the backdrop (the dialog box itself, outside its content) closes the sheet.
    if (dialog && dialog.open && event.target === dialog) dialog.close();
  });

  function initSheet() {
    var dialog = sheet();
    if (!dialog || dialog.dataset.ready) return;
    dialog.dataset.ready = "true";
    dialog.addEventListener("close", function () {
      if (opener && document.contains(opener)) opener.focus();
      opener = null;
    });
  }

  // ---- Share -------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-share]");
    if (!button) return;
    var url = new URL(button.dataset.share, window.location.href).href;
    if (navigator.share) {
      navigator.share({ title: button.dataset.shareTitle || document.title, url: url }).catch(function () {});
    } else if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(
        function () {
          toast(button.dataset.textCopied);
        },
        function () {
          window.prompt("", url);
        }
      );
    } else {
      window.prompt("", url);
    }
  });

  // ---- Carousel ----------------------------------------------------------------------
  function initCarousel(carousel) {
    if (carousel.dataset.ready) return;
    carousel.dataset.ready = "true";
    var track = carousel.querySelector("[data-carousel-track]");
    var slides = carousel.querySelectorAll("[data-carousel-slide]");
    var dots = carousel.querySelectorAll(".post-media__dot");
    var prev = carousel.querySelector("[data-carousel-prev]");
    var next = carousel.querySelector("[data-carousel-next]");
    if (!track || slides.length < 2) return;

    function current() {
      return Math.round(track.scrollLeft / Math.max(track.clientWidth, 1));
    }

    function update() {
      var index = current();
      dots.forEach(function (dot, i) {
        dot.classList.toggle("is-current", i === index);
      });
      if (prev) prev.disabled = index <= 0;
      if (next) next.disabled = index >= slides.length - 1;
    }

    function go(step) {
      var index = Math.min(Math.max(current() + step, 0), slides.length - 1);
      track.scrollTo({ left: index * track.clientWidth, behavior: "smooth" });
    }

    if (prev) prev.addEventListener("click", function () { go(-1); });
    if (next) next.addEventListener("click", function () { go(1); });
    track.addEventListener("scroll", function () {
      window.requestAnimationFrame(update);
    }, { passive: true });
    track.addEventListener("keydown", function (event) {
      if (event.target !== track) return;
      if (event.key === "ArrowRight") { go(1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { go(-1); event.preventDefault(); }
    });
    update();
  }

  // ---- Start -------------------------------------------------------------------------
  function start() {
    enhance(document);
    initSheet();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail && event.detail.elt);
  });

  window.EtalaseToast = toast;
})();
