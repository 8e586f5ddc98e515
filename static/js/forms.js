/* Forms that help, as progressive enhancement: every form works without this script.
   - A long list of checkboxes (spaces, authorities, people) or a long select gets a filter.
   - A slug field previews the address the server makes from the title when it is left empty.
   - A pasted text longer than a field's maxlength is cut by the browser: say so.
   - Budget and milestone editors add an empty row (and remove a new one) without a save; the
     "add a row" button posts to the server without JavaScript.
   The words come from the page ([data-forms-text]), in its language. */
(function () {
  "use strict";
  var words = document.querySelector("[data-forms-text]");
  if (!words) { return; }
  var uid = 0;

  function say(name, values) {
    var text = words.getAttribute("data-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function status(after) {
    var region = document.createElement("p");
    region.className = "kern-hint";
    region.setAttribute("role", "status");
    region.id = "forms-status-" + (uid += 1);
    after.parentNode.insertBefore(region, after.nextSibling);
    return region;
  }

  function filterInput(before, items, labelOf) {
    var wrap = document.createElement("div");
    wrap.className = "kern-form-input portal-picker__filter";
    var id = "forms-filter-" + (uid += 1);
    var label = document.createElement("label");
    label.className = "kern-label";
    label.htmlFor = id;
    label.textContent = say("filter");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "kern-form-input__input";
    input.autocomplete = "off";
    wrap.appendChild(label);
    wrap.appendChild(input);
    before.parentNode.insertBefore(wrap, before);
    var shown = status(wrap);
    input.setAttribute("aria-describedby", shown.id);
    input.addEventListener("input", function () {
      var query = fold(input.value.trim());
      var count = 0;
      items().forEach(function (item) {
        var chosen = item.selected || Boolean(item.querySelector && item.querySelector(":checked"));
        var match = !query || chosen || fold(labelOf(item)).indexOf(query) !== -1;
        item.hidden = !match;
        if (match) { count += 1; }
      });
      shown.textContent = query ? say("shown", { shown: count, all: items().length }) : "";
    });
  }

  // Checkbox groups: one filter above the options.
  document.querySelectorAll("[data-picker-group]").forEach(function (group) {
    var box = group.querySelector("[data-picker-options]");
    var checks = Array.prototype.slice.call(box.querySelectorAll(".kern-form-check"));
    if (checks.length < 8) { return; }
    filterInput(box, function () { return checks; }, function (check) {
      return check.textContent;
    });
  });

  // A long single select (the lead authority): the filter hides the options that do not match.
  document.querySelectorAll("select[data-picker]").forEach(function (select) {
    var options = Array.prototype.slice.call(select.options).filter(function (o) { return o.value; });
    if (options.length < 8) { return; }
    var field = select.closest(".kern-form-input__select-wrapper") || select;
    filterInput(field, function () { return options; }, function (option) { return option.text; });
  });

  // The slug the server makes from the title when the field is left empty (core.text).
  var spelled = { "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss" };
  function slugify(text) {
    var slug = fold(text.toLowerCase().replace(/[äöüß]/g, function (c) { return spelled[c]; }))
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return slug.slice(0, 76).replace(/-+$/, "");
  }
  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    var title = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!title) { return; }
    function preview() { slug.placeholder = slugify(title.value); }
    title.addEventListener("input", preview);
    preview();
  });

  // maxlength cuts a pasted text without a word: say it did.
  document.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(function (field) {
    field.addEventListener("paste", function (event) {
      var pasted = (event.clipboardData || window.clipboardData).getData("text") || "";
      var limit = field.maxLength;
      var selected = (field.selectionEnd || 0) - (field.selectionStart || 0);
      var room = limit - (field.value.length - selected);
      var note = field.parentNode.querySelector(".portal-limit-note");
      if (!note) {
        note = status(field);
        note.className = "kern-error portal-limit-note";
      }
      note.textContent = pasted.length > room ? say("cut", { limit: limit }) : "";
    });
  });

  // Rows without a save: clone the empty row, count it in TOTAL_FORMS; remove a new row again.
  function removable(row, prefix, announce) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "kern-btn kern-btn--tertiary kern-btn--small";
    var label = document.createElement("span");
    label.className = "kern-label";
    label.textContent = say("remove");
    button.appendChild(label);
    button.addEventListener("click", function () {
      // The gap in the numbering is a blank row to the server, and blank rows are ignored.
      row.parentNode.removeChild(row);
      announce.textContent = say("removed");
      document.querySelector("[data-add-row='" + prefix + "']").focus();
    });
    var cells = row.querySelectorAll("td");
    (cells.length ? cells[cells.length - 1] : row).appendChild(button);
  }

  document.querySelectorAll("[data-add-row]").forEach(function (add) {
    var prefix = add.getAttribute("data-add-row");
    var rows = document.querySelector("[data-rows='" + prefix + "']");
    var template = document.querySelector("template[data-empty-row='" + prefix + "']");
    var total = document.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var most = document.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    if (!rows || !template || !total) { return; }
    var announce = status(add);
    rows.querySelectorAll("[data-new-row]").forEach(function (row) {
      removable(row, prefix, announce);
    });
    add.addEventListener("click", function (event) {
      var index = parseInt(total.value, 10);
      if (isNaN(index) || (most && index >= parseInt(most.value, 10))) { return; }
      event.preventDefault();
      var holder = document.createElement(rows.tagName);
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index))
        .replace(/__row__/g, String(index + 1));
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      removable(row, prefix, announce);
      announce.textContent = say("added");
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  });
})();
