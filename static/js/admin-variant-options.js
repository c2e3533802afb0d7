// The variant option editor of the back office (catalog/admin/variant_forms.py): one row
// per option, a name and a value. Rows are added by copying a row of the same editor, so
// the new inputs carry the names the server reads (also in an inline row added by the
// admin, whose names are renumbered when the row is copied). No inline script: loaded as
// the widget's media.
(function () {
  "use strict";

  function rowsOf(editor) {
    return editor.querySelectorAll(".options-editor-row");
  }

  function clear(row) {
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("id");
    });
  }

  function updateAddButton(editor) {
    var max = parseInt(editor.getAttribute("data-max-options"), 10) || 0;
    var add = editor.querySelector(".options-editor-add");
    if (add) {
      add.disabled = max > 0 && rowsOf(editor).length >= max;
    }
  }

  function addRow(editor) {
    var rows = rowsOf(editor);
    var copy = rows[rows.length - 1].cloneNode(true);
    clear(copy);
    rows[rows.length - 1].parentNode.appendChild(copy);
    copy.querySelector("input").focus();
    updateAddButton(editor);
  }

  function removeRow(editor, row) {
    if (rowsOf(editor).length > 1) {
      row.parentNode.removeChild(row);
    } else {
      clear(row); // the last row stays, empty, so that a new option can be typed in
    }
    var first = editor.querySelector(".options-editor-row input");
    if (first) {
      first.focus();
    }
    updateAddButton(editor);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".options-editor-add, .options-editor-remove");
    if (!button) {
      return;
    }
    var editor = button.closest(".options-editor");
    if (!editor) {
      return;
    }
    event.preventDefault();
    if (button.classList.contains("options-editor-add")) {
      addRow(editor);
    } else {
      removeRow(editor, button.closest(".options-editor-row"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".options-editor").forEach(updateAddButton);
  });
})();
