/*
 * Placing product tags on pictures, for the new-post form and the edit-tags page.
 *
 * New post ([data-composer]): after pictures are chosen they show as previews; a tap on
 * one marks a spot (a keyboard press marks its centre) and opens the product search
 * (htmx fills #composer-results with [data-pick-product] buttons); picking a product
 * places the tag. Tags are sent as hidden inputs tags-N-image, tags-N-product, tags-N-x,
 * tags-N-y (x and y from 0 to 1); the server checks every one of them. Each picture's
 * alt-text input moves beside its preview. After a refused submit, the tags placed
 * before come back from the json_script "composer-state".
 *
 * Edit tags ([data-tag-editor]): a tap on a picture fills the form's picture choice and
 * its position fields (in percent), which also work typed by hand without JavaScript.
 */
(function () {
  "use strict";

  function format(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function clamp(value) {
    return Math.min(Math.max(value, 0), 1);
  }

  /* Where on the picture the pointer was, from 0 to 1; the centre for a key press. */
  function spot(event, image) {
    var rect = image.getBoundingClientRect();
    if (event.detail === 0 || !rect.width || !rect.height) return { x: 0.5, y: 0.5 };
    return { x: clamp((event.clientX - rect.left) / rect.width), y: clamp((event.clientY - rect.top) / rect.height) };
  }

  function announce(message) {
    if (window.EtalaseToast) window.EtalaseToast(message);
  }

  function readState() {
    var node = document.getElementById("composer-state");
    try {
      return (node && JSON.parse(node.textContent)) || {};
    } catch (error) {
      return {};
    }
  }

  function initComposer(form) {
    var fileInput = form.querySelector("input[type=file][name=images]");
    var pictures = form.querySelector("[data-composer-pictures]");
    var list = form.querySelector("[data-composer-list]");
    var search = form.querySelector("[data-composer-search]");
    var searchInput = search.querySelector("input[type=search]");
    var results = search.querySelector(".product-results");
    var tagInputs = form.querySelector("[data-composer-tag-inputs]");
    var alts = form.querySelector("[data-composer-alts]");
    var warning = form.querySelector("[data-composer-warning]");
    var max = Number(form.dataset.maxPictures) || 10;
    var urls = [];
    var pending = null;
    var tags = (readState().tags || []).map(function (tag) {
      return { image: Number(tag.image), product: String(tag.product), title: tag.title, x: Number(tag.x), y: Number(tag.y) };
    });

    function writeInputs() {
      tagInputs.textContent = "";
      tags.forEach(function (tag, number) {
        ["image", "product", "x", "y"].forEach(function (name) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = "tags-" + number + "-" + name;
          input.value = name === "x" || name === "y" ? tag[name].toFixed(4) : String(tag[name]);
          tagInputs.appendChild(input);
        });
      });
    }

    function dot(frame, x, y, extraClass) {
      var marker = document.createElement("span");
      marker.className = "tag-dot tag-dot--static" + (extraClass ? " " + extraClass : "");
      marker.style.setProperty("--x", String(x));
      marker.style.setProperty("--y", String(y));
      marker.setAttribute("aria-hidden", "true");
      frame.appendChild(marker);
    }

    function render() {
      list.querySelectorAll("[data-picture-index]").forEach(function (item) {
        var index = Number(item.dataset.pictureIndex);
        var frame = item.querySelector(".composer__frame");
        var tagList = item.querySelector("[data-picture-tags]");
        frame.querySelectorAll(".tag-dot").forEach(function (old) {
          old.remove();
        });
        tagList.textContent = "";
        tags.forEach(function (tag) {
          if (tag.image !== index) return;
          dot(frame, tag.x, tag.y);
          var row = document.createElement("li");
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "chip chip--remove";
          remove.textContent = tag.title;
          remove.setAttribute("aria-label", format(form.dataset.textRemove, { title: tag.title }));
          remove.addEventListener("click", function () {
            tags = tags.filter(function (other) {
              return other !== tag;
            });
            render();
            frame.focus();
          });
          row.appendChild(remove);
          tagList.appendChild(row);
        });
        if (pending && pending.image === index) dot(frame, pending.x, pending.y, "tag-dot--pending");
      });
      writeInputs();
    }

    function altFields() {
      return Array.prototype.slice.call(form.querySelectorAll("[data-alt-field]")).sort(function (a, b) {
        return Number(a.dataset.altField) - Number(b.dataset.altField);
      });
    }

    function closeSearch(focusFrame) {
      var frame = pending && pending.frame;
      pending = null;
      search.hidden = true;
      pictures.appendChild(search);
      render();
      if (focusFrame && frame) frame.focus();
    }

    function showFiles() {
      urls.forEach(function (url) {
        URL.revokeObjectURL(url);
      });
      urls = [];
      var files = Array.prototype.slice.call(fileInput.files || []);
      warning.hidden = files.length <= max;
      if (files.length > max) {
        warning.textContent = format(form.dataset.textTooMany, { n: max });
        files = files.slice(0, max);
        try {
          var kept = new DataTransfer();
          files.forEach(function (file) {
            kept.items.add(file);
          });
          fileInput.files = kept.files;
        } catch (error) {
          /* The server refuses more than the maximum with a clear message. */
        }
      }
      closeSearch(false);
      altFields().forEach(function (field) {
        alts.appendChild(field);
      });
      list.textContent = "";
      tags = tags.filter(function (tag) {
        return tag.image < files.length;
      });
      var fields = altFields();
      files.forEach(function (file, index) {
        var url = URL.createObjectURL(file);
        urls.push(url);
        var item = document.createElement("li");
        item.className = "composer__item";
        item.dataset.pictureIndex = String(index);
        var frame = document.createElement("button");
        frame.type = "button";
        frame.className = "composer__frame";
        frame.setAttribute("aria-label", format(form.dataset.textTagOn, { number: index + 1 }));
        frame.setAttribute("aria-describedby", "composer-tag-help");
        var image = document.createElement("img");
        image.src = url;
        image.alt = "";
        frame.appendChild(image);
        var tagList = document.createElement("ul");
        tagList.className = "composer__tags";
        tagList.setAttribute("role", "list");
        tagList.dataset.pictureTags = "";
        item.appendChild(frame);
        item.appendChild(tagList);
        if (fields[index]) item.appendChild(fields[index]);
        list.appendChild(item);
      });
      pictures.hidden = files.length === 0;
      alts.hidden = files.length > 0;
      render();
    }

    fileInput.addEventListener("change", showFiles);

    list.addEventListener("click", function (event) {
      var frame = event.target.closest(".composer__frame");
      if (!frame) return;
      var item = frame.closest("[data-picture-index]");
      var where = spot(event, frame.querySelector("img"));
      pending = { image: Number(item.dataset.pictureIndex), x: where.x, y: where.y, frame: frame };
      render();
      item.appendChild(search);
      search.hidden = false;
      searchInput.value = "";
      results.textContent = "";
      searchInput.focus();
      if (window.htmx) window.htmx.trigger(searchInput, "search");
    });

    search.addEventListener("click", function (event) {
      if (event.target.closest("[data-composer-cancel]")) {
        closeSearch(true);
        return;
      }
      var pick = event.target.closest("[data-pick-product]");
      if (!pick || !pending) return;
      var product = pick.dataset.pickProduct;
      var image = pending.image;
      tags = tags.filter(function (tag) {
        return !(tag.image === image && tag.product === product);
      });
      tags.push({ image: image, product: product, title: pick.dataset.title, x: pending.x, y: pending.y });
      announce(format(form.dataset.textTagged, { title: pick.dataset.title }));
      closeSearch(true);
    });

    searchInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // never submits the post
      if (event.key === "Escape") {
        event.preventDefault();
        closeSearch(true);
      }
    });

    writeInputs();
  }

  // ---- The edit-tags page -------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var frame = event.target.closest && event.target.closest("[data-tag-picture]");
    if (!frame) return;
    var editor = frame.closest("[data-tag-editor]");
    var image = frame.querySelector("img");
    if (!editor || !image) return;
    var where = spot(event, image);
    editor.querySelector("[data-tag-x]").value = (where.x * 100).toFixed(1);
    editor.querySelector("[data-tag-y]").value = (where.y * 100).toFixed(1);
    var choice = editor.querySelector('[data-tag-image="' + frame.dataset.tagPicture + '"]');
    if (choice && choice.type === "radio") choice.checked = true;
    editor.querySelectorAll("[data-tag-marker]").forEach(function (marker) {
      marker.hidden = true;
    });
    var marker = frame.querySelector("[data-tag-marker]");
    if (marker) {
      marker.style.setProperty("--x", String(where.x));
      marker.style.setProperty("--y", String(where.y));
      marker.hidden = false;
    }
    var query = editor.querySelector("#tag-q");
    if (query) query.focus();
  });

  document.querySelectorAll("[data-composer]").forEach(initComposer);
})();
