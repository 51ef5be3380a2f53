/* Storedesk's small behaviours. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";

  // What only makes sense with JavaScript (a spinner beside a panel that htmx loads)
  // shows only with it: `html.js .js-only` in storedesk.css.
  document.documentElement.classList.add("js");

  // A thin progress bar while any htmx request is running. A panel loading itself
  // (templates/includes/lazy_panel.html) is marked busy meanwhile, and only then:
  // without JavaScript nothing loads, so nothing may say it is loading.
  let pending = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    pending += 1;
    document.body.classList.add("htmx-busy");
    const elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-panel]")) elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    pending = Math.max(0, pending - 1);
    if (pending === 0) document.body.classList.remove("htmx-busy");
    const elt = event.detail.elt;
    if (elt && elt.removeAttribute) elt.removeAttribute("aria-busy");
  });

  // After a swap, move focus to the element the server marked, so keyboard users
  // land on the new content (a form error, the new note, the refreshed table).
  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.elt && event.detail.elt.querySelector
      ? event.detail.elt.querySelector("[data-autofocus]") : null;
    if (target) target.focus();
  });

  // A form that saves on every change waits while it saves (hx-disabled-elt: the
  // ticket's properties), so that a quick second change neither aborts the first nor
  // is lost. Disabling the field takes the focus from it: give it back to the same
  // field of the redrawn form, so that a keyboard user carries on where they were.
  let refocusId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    const active = document.activeElement;
    refocusId = elt && elt.hasAttribute && elt.hasAttribute("hx-disabled-elt") && active && active.id && elt.contains(active)
      ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refocusId) return;
    const field = document.getElementById(refocusId);
    refocusId = null;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (field && lost) field.focus();
  });

  // Show a readable message when an htmx request fails at the network level or
  // the server answers an error without a partial of its own.
  function showRequestError(text) {
    const box = document.getElementById("messages");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "alert alert-danger alert-dismissible fade show";
    div.setAttribute("role", "alert");
    div.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Close");
    div.appendChild(close);
    box.appendChild(div);
  }
  // Redis or the database not answering: the server's 503 says which, and that nothing
  // was lost (dashboard/views/errors.py). A read shows it in the part of the page that
  // asked; after a POST it goes above the page, so that the form keeps what was typed.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const xhr = event.detail.xhr;
    if (!xhr || xhr.status !== 503 || !xhr.getResponseHeader("X-Storedesk-Unavailable")) return;
    event.detail.isError = false;
    const verb = event.detail.requestConfig ? String(event.detail.requestConfig.verb).toLowerCase() : "get";
    if (verb === "get") {
      event.detail.shouldSwap = true;
      return;
    }
    event.detail.shouldSwap = false;
    const box = document.getElementById("messages");
    if (!box) return;
    const holder = document.createElement("div");
    holder.innerHTML = xhr.responseText;
    const alert = holder.querySelector("[data-unavailable]");
    if (alert) box.appendChild(alert);
  });
  document.addEventListener("htmx:sendError", function () {
    showRequestError("Storedesk could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) showRequestError("Your role does not allow this.");
    else if (status === 404) showRequestError("Not found, or you no longer have access.");
    else showRequestError("Something went wrong (" + status + "). Please try again.");
  });

  // Filter forms (data-drop-empty) leave empty fields out of the URL they push, so a
  // bookmarked or shared filtered view reads like the filters it applies.
  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.closest || !elt.closest("[data-drop-empty]")) return;
    if (String(event.detail.verb).toLowerCase() !== "get") return;
    const params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      const value = params[key];
      if (value === "" || (Array.isArray(value) && value.every(function (v) { return v === ""; }))) {
        delete params[key];
      }
    });
  });

  // "Keep the order", "Do not refund", ...: close the confirmation box in place
  // instead of leaving the page (without JavaScript the link goes back).
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-dismiss-panel]");
    if (!link) return;
    const box = link.closest("[data-dismissible]");
    if (!box || !box.closest("[data-action-slot]")) return;
    event.preventDefault();
    box.remove();
  });

  // Table rows that open a page: a click anywhere on the row follows its link.
  document.addEventListener("click", function (event) {
    const row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, label, select")) return;
    window.location.assign(row.getAttribute("data-href"));
  });

  // Copy buttons: <button data-copy="#element-id">.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.value || source.textContent.trim()).then(function () {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // Bulk selection on list pages: a header checkbox [data-select-all="#table"] ticks the
  // rows' `ids` checkboxes; [data-selected-count] in the row checkboxes' form shows how
  // many are ticked. Without JavaScript the boxes still submit as they are.
  document.addEventListener("change", function (event) {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll(all.getAttribute("data-select-all") + " input[name=ids]").forEach(function (box) {
        box.checked = all.checked;
      });
    }
    const form = event.target.form;
    if (!form) return;
    const count = form.querySelector("[data-selected-count]");
    if (!count) return;
    // Hidden `ids` are ticked rows not shown now (kept from a refused bulk form).
    const ticked = Array.prototype.filter.call(form.elements, function (e) {
      return e.name === "ids" && (e.checked || e.type === "hidden");
    });
    count.textContent = String(ticked.length);
  });
  // The macro picker of a ticket's reply box (templates/dashboard/macros/picker.html),
  // a combobox: the search field keeps the focus, ↑/↓ move through the list htmx
  // loaded (aria-activedescendant names the active one), Enter previews it, Escape
  // closes the list. Without JavaScript, "Find" and the macros' links load pages.
  function macroParts() {
    const picker = document.querySelector("[data-macro-picker]");
    if (!picker) return null;
    return {
      picker: picker,
      input: picker.querySelector("#macro-search"),
      list: picker.querySelector("#macro-options"),
      options: Array.prototype.slice.call(picker.querySelectorAll("[data-macro-option]")),
    };
  }
  function macroActivate(parts, index) {
    parts.options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("active", i === index);
    });
    const active = parts.options[index];
    if (active) {
      parts.input.setAttribute("aria-activedescendant", active.id);
      active.scrollIntoView({ block: "nearest" });
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }
  function macroListShown(parts, shown) {
    if (parts.list) parts.list.hidden = !shown;
    parts.input.setAttribute("aria-expanded", shown ? "true" : "false");
    if (!shown) macroActivate(parts, -1);
  }
  document.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("#macro-search")) return;
    const parts = macroParts();
    if (!parts) return;
    const open = parts.list && !parts.list.hidden;
    let index = parts.options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!parts.options.length) return;
      if (!open) macroListShown(parts, true);
      index = event.key === "ArrowDown" ? Math.min(index + 1, parts.options.length - 1) : Math.max(index - 1, 0);
      macroActivate(parts, index);
    } else if (event.key === "Enter") {
      // Enter previews the active macro; with none, it opens the list (the page stays).
      event.preventDefault();
      if (open && index >= 0) {
        parts.options[index].querySelector("a").click();
      } else if (parts.options.length) {
        macroListShown(parts, true);
        macroActivate(parts, 0);
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      macroListShown(parts, false);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    const parts = macroParts();
    if (!target || !parts) return;
    if (target.id === "macro-options") {
      // A fresh list while typing: open, its first macro active (Enter takes it).
      const typing = document.activeElement === parts.input;
      macroListShown(parts, typing);
      if (typing) macroActivate(parts, parts.options.length ? 0 : -1);
    } else if (target.id === "macro-preview") {
      macroListShown(parts, false);
    }
  });
  document.addEventListener("click", function (event) {
    const cancel = event.target.closest("[data-macro-cancel]");
    const parts = macroParts();
    if (!parts) return;
    if (cancel) {
      event.preventDefault();
      const preview = document.getElementById("macro-preview");
      if (preview) preview.replaceChildren();
      parts.input.focus();
    } else if (!event.target.closest("[data-macro-picker]")) {
      macroListShown(parts, false);
    }
  });
})();
