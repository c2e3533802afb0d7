/*
 * Variant picker: the option radios choose a variant; the price, compare-at price,
 * stock text and the hidden "variant" input follow, without a page reload.
 *
 * The variants come from {{ variant_choices|json_script:"variant-data" }}:
 *   {"axes": [{"name": "Size", "values": ["S", "M"]}],
 *    "variants": [{"id": 1, "options": {"Size": "S"}, "price": "IDR 150,000",
 *                  "compare_at_price": "", "stock": 5}]}
 * Prices arrive already formatted by the server, in the shopper's language.
 * Translated texts come from the buy box's data-text-* attributes.
 *
 * A box may name its own data with data-variant-data="<json_script id>" (the product
 * sheet a post's tag opens does), and boxes that htmx brings in later start by themselves.
 */
(function () {
  "use strict";

  function readData(box) {
    var node = document.getElementById(box.dataset.variantData || "variant-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function selectedOptions(box) {
    var chosen = {};
    box.querySelectorAll("[data-option-axis]").forEach(function (fieldset) {
      var checked = fieldset.querySelector("input[type=radio]:checked");
      if (checked) chosen[fieldset.dataset.optionAxis] = checked.value;
    });
    return chosen;
  }

  function findVariant(variants, chosen) {
    var names = Object.keys(chosen);
    for (var i = 0; i < variants.length; i++) {
      var options = variants[i].options || {};
      var matches = names.every(function (name) {
        return options[name] === chosen[name];
      });
      if (matches && Object.keys(options).length === names.length) return variants[i];
    }
    return null;
  }

  function render(box, variant) {
    var price = box.querySelector("[data-variant-price]");
    var compare = box.querySelector("[data-variant-compare]");
    var stock = box.querySelector("[data-variant-stock]");
    var input = box.querySelector("[data-variant-id]");

    if (!variant) {
      if (price) price.textContent = "";
      if (compare) compare.hidden = true;
      if (stock) {
        stock.textContent = box.dataset.textUnavailable;
        stock.classList.remove("is-in-stock");
        stock.classList.add("is-sold-out");
      }
      if (input) input.value = "";
      box.dataset.variantAvailable = "false";
      return;
    }

    if (price) price.textContent = variant.price;
    if (compare) {
      compare.textContent = variant.compare_at_price || "";
      compare.hidden = !variant.compare_at_price;
    }
    var inStock = variant.stock > 0;
    if (stock) {
      stock.textContent = inStock
        ? box.dataset.textInStock.replace("%(count)s", String(variant.stock))
        : box.dataset.textSoldOut;
      stock.classList.toggle("is-in-stock", inStock);
      stock.classList.toggle("is-sold-out", !inStock);
    }
    if (input) input.value = String(variant.id);
    box.dataset.variantAvailable = inStock ? "true" : "false";
    box.dispatchEvent(new CustomEvent("variant:change", { bubbles: true, detail: variant }));
  }

  function init(box) {
    if (box.dataset.variantPickerReady) return;
    var data = readData(box);
    if (!data || !data.variants || !data.variants.length) return;
    box.dataset.variantPickerReady = "true";
    var variants = data.variants;

    function update() {
      var chosen = selectedOptions(box);
      var variant;
      if (Object.keys(chosen).length) {
        variant = findVariant(variants, chosen);
      } else {
        // No options to choose from: keep the variant the server picked.
        var input = box.querySelector("[data-variant-id]");
        var initialId = input ? Number(input.value) : NaN;
        variant = variants.filter(function (v) { return v.id === initialId; })[0] || variants[0];
      }
      render(box, variant);
    }

    box.addEventListener("change", function (event) {
      if (event.target.matches("input[type=radio]")) update();
    });
    update();
  }

  function initWithin(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-variant-picker]")) init(root);
    root.querySelectorAll("[data-variant-picker]").forEach(init);
  }

  initWithin(document);
  // Content swapped in by htmx (the product sheet): htmx:load fires on each new element.
  document.addEventListener("htmx:load", function (event) {
    initWithin(event.detail && event.detail.elt);
  });
})();
