/*
 * Product gallery: the thumbnail buttons show their picture in the main image.
 * Without JavaScript the first picture stays; every picture is still reachable.
 */
(function () {
  "use strict";

  function show(gallery, button) {
    var picture = gallery.querySelector(".gallery__main picture");
    var image = gallery.querySelector("[data-gallery-image]");
    if (!picture || !image) return;

    var source = picture.querySelector("source");
    var webp = button.dataset.webp;
    if (webp) {
      if (!source) {
        source = document.createElement("source");
        source.type = "image/webp";
        picture.insertBefore(source, image);
      }
      source.srcset = webp;
    } else if (source) {
      source.remove();
    }

    image.src = button.dataset.display;
    image.alt = button.dataset.alt || "";
    if (button.dataset.width && button.dataset.height && button.dataset.width !== "0") {
      image.width = Number(button.dataset.width);
      image.height = Number(button.dataset.height);
    } else {
      image.removeAttribute("width");
      image.removeAttribute("height");
    }

    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  }

  function init(gallery) {
    gallery.querySelectorAll("[data-gallery-thumb]").forEach(function (button) {
      button.addEventListener("click", function () {
        show(gallery, button);
      });
    });
  }

  document.querySelectorAll("[data-gallery]").forEach(init);
})();
