/* Storedesk's small behaviours. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";

  // What only makes sense with JavaScript (a spinner beside a panel that htmx loads)
  // shows only with it: `html.js .js-only` in storedesk.css.
  document.documentElement.classList.add("js");

  // A request that repeats by itself in the background (the presence line,
  // [data-quiet]) shows no progress, says nothing when it fails (its next try may
  // work, and a box every few seconds would bury the page) and leaves the focus alone.
  function quiet(event) {
    const elt = event.detail && event.detail.elt;
    return Boolean(elt && elt.closest && elt.closest("[data-quiet]"));
  }

  // A thin progress bar while any htmx request is running. A panel loading itself
  // (templates/includes/lazy_panel.html) is marked busy meanwhile, and only then:
  // without JavaScript nothing loads, so nothing may say it is loading.
  let pending = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (quiet(event)) return;
    pending += 1;
    document.body.classList.add("htmx-busy");
    const elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-panel]")) elt.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (quiet(event)) return;
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
    if (quiet(event)) return;
    const elt = event.detail.elt;
    const active = document.activeElement;
    refocusId = elt && elt.hasAttribute && elt.hasAttribute("hx-disabled-elt") && active && active.id && elt.contains(active)
      ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!refocusId || quiet(event)) return;
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
    if (quiet(event)) {
      event.detail.shouldSwap = false;  // it asks again by itself
      return;
    }
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
  document.addEventListener("htmx:sendError", function (event) {
    if (quiet(event)) return;
    showRequestError("Storedesk could not be reached. Check your connection and try again.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    if (quiet(event)) return;
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

  // --- Who else is on this ticket (templates/dashboard/tickets/presence.html) -----------------
  // The line asks every 5 seconds, but not while the tab is hidden (at once when it shows
  // again), and right away when the operator starts typing a reply (at most every 3 s).
  function presenceLine() {
    return document.querySelector("[data-presence]");
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-presence]") && document.hidden) event.preventDefault();
  });
  document.addEventListener("visibilitychange", function () {
    const line = presenceLine();
    if (line && !document.hidden && window.htmx) window.htmx.trigger(line, "presence:refresh");
  });
  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-presence]")) return;
    const trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "presence:typing") event.detail.parameters.typing = "1";
    if (trigger && trigger.type === "presence:sent") event.detail.parameters.typing = "0";
  });
  let typingSaid = 0;
  // A reply or note that went (not one held because the thread changed): colleagues stop
  // seeing "is typing" at once.
  document.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    const line = presenceLine();
    if (!line || !window.htmx || !event.detail.successful || !elt || elt.id !== "ticket-reply-form") return;
    if (event.detail.xhr.responseText.indexOf('id="ticket-thread-changed"') < 0) {
      typingSaid = 0;
      window.htmx.trigger(line, "presence:sent");
    }
  });
  // The same answer again is not swapped: the live region would read it out every 5 s.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-presence]") || !event.detail.xhr) return;
    const text = event.detail.xhr.responseText;
    if (event.detail.xhr.status === 200 && text === elt.presenceAnswer) event.detail.shouldSwap = false;
    elt.presenceAnswer = text;
  });
  document.addEventListener("input", function (event) {
    if (!event.target.closest || !event.target.closest("#ticket-reply-form textarea")) return;
    const line = presenceLine();
    const now = Date.now();
    if (!line || !window.htmx || now - typingSaid < 3000) return;
    typingSaid = now;
    window.htmx.trigger(line, "presence:typing");
  });
  // Leaving the page drops the mark at once (otherwise it runs out by itself).
  window.addEventListener("pagehide", function () {
    const line = presenceLine();
    const url = line && line.getAttribute("hx-post");
    if (!url || !navigator.sendBeacon) return;
    let token = "";
    try {
      token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return;
    }
    const data = new FormData();
    data.append("leave", "1");
    data.append("csrfmiddlewaretoken", token);
    navigator.sendBeacon(url, data);
  });

  // --- Who else has each row's ticket open, on the inbox ([data-inbox-presence]) -------------
  // Asked for the rows the page shows now ("Load more" adds some), not while the tab is
  // hidden (at once when it shows again). A mark that did not change is not swapped: the
  // results are a live region, and it would be read out again every 15 s.
  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-inbox-presence]")) return;
    event.detail.parameters.t = Array.prototype.map.call(
      document.querySelectorAll("tr.ticket-row[data-store][data-ticket-id]"),
      function (row) { return row.getAttribute("data-store") + ":" + row.getAttribute("data-ticket-id"); }
    );
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-inbox-presence]")) return;
    if (document.hidden || !document.querySelector("tr.ticket-row")) event.preventDefault();
  });
  document.addEventListener("visibilitychange", function () {
    const poller = document.querySelector("[data-inbox-presence]");
    if (poller && !document.hidden && window.htmx) window.htmx.trigger(poller, "presence:refresh");
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    const target = event.detail.target;
    const fresh = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!target || !target.classList || !target.classList.contains("presence-slot") || !fresh) return;
    if (fresh.innerHTML === target.innerHTML) event.detail.shouldSwap = false;
  });

  // --- Keyboard shortcuts (templates/includes/shortcuts.html lists them) ----------------------
  // j/k move through the rows of a list (drawn by dashboard/templatetags/list_tables.py),
  // o or Enter opens the selected one, / goes to the page's search, r and n write a reply
  // or an internal note on a ticket, e marks it solved, ? lists them. Never while typing
  // in a field, never with Ctrl, Alt or Meta (the browser's and the screen reader's own).
  const ROWS = "table.list-table > tbody > tr[data-href]";
  let selectedRow = null;

  function say(text) {
    const status = document.getElementById("shortcut-status");
    if (!status) return;
    status.textContent = "";
    // A new text node a moment later: screen readers read a repeated message again.
    setTimeout(function () { status.textContent = text; }, 50);
  }

  function typingIn(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.isContentEditable || target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  function rowLabel(row) {
    const cell = row.querySelector(".cell-primary") || row;
    const copy = cell.cloneNode(true);
    copy.querySelectorAll("[aria-hidden=true]").forEach(function (hidden) { hidden.remove(); });
    const text = copy.textContent.replace(/\s+/g, " ").trim();
    if (row.hasAttribute("data-ticket-id")) return "ticket " + text;
    if (row.hasAttribute("data-order-number")) return "order " + text;
    return text;
  }

  function moveSelection(step) {
    const rows = Array.prototype.slice.call(document.querySelectorAll(ROWS));
    if (!rows.length) return false;
    let index = selectedRow ? rows.indexOf(selectedRow) : -1;  // -1: none, or swapped away
    index = index < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, index + step));
    if (selectedRow) {
      selectedRow.classList.remove("row-selected");
      selectedRow.removeAttribute("aria-current");
    }
    selectedRow = rows[index];
    selectedRow.classList.add("row-selected");
    selectedRow.setAttribute("aria-current", "true");
    // Its link takes the focus: Enter then opens it as any link, and Tab goes on from it.
    const link = selectedRow.querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
    selectedRow.scrollIntoView({ block: "nearest" });
    say("Row " + (index + 1) + " of " + rows.length + ": " + rowLabel(selectedRow));
    return true;
  }

  function openSelection() {
    if (!selectedRow || !document.contains(selectedRow)) return false;
    const link = selectedRow.querySelector("a[href]");
    say("Opening " + rowLabel(selectedRow));
    window.location.assign(link ? link.getAttribute("href") : selectedRow.getAttribute("data-href"));
    return true;
  }

  function visible(element) {
    return Boolean(element && element.getClientRects().length);
  }

  function focusSearch() {
    // The page's own search first (a list's filter bar, the search page), then the top bar's.
    const candidates = ["#main .filter-search input", "#main input[type=search]", "#topbar-q"]
      .map(function (selector) { return document.querySelector(selector); });
    for (let i = 0; i < candidates.length; i += 1) {
      const box = candidates[i];
      if (!box) continue;
      const fold = box.closest("details");
      if (fold && !fold.open) fold.open = true;  // a phone folds the filters away
      if (visible(box) && !box.disabled) {
        box.focus();
        box.select();
        return true;
      }
    }
    return false;
  }

  function writeReply(mode) {
    // A macro's preview, while open, is the reply box (the plain one is hidden).
    const macroBody = document.getElementById("macro-body");
    if (macroBody) {
      macroBody.scrollIntoView({ block: "center" });
      macroBody.focus();
      say("The macro's reply: edit it, then send it with the macro's button, or Cancel for the plain reply box.");
      return true;
    }
    const form = document.getElementById("ticket-reply-form");
    const box = form && form.querySelector("textarea");
    if (!box) return false;
    form.setAttribute("data-reply-mode", mode);
    box.scrollIntoView({ block: "center" });
    box.focus();
    say(mode === "internal"
      ? "Internal note: only the store's staff will see it. Send it with Add internal note."
      : "Public reply: the customer will see it. Send it with Send public reply.");
    return true;
  }

  function solveTicket() {
    const status = document.querySelector("#ticket-properties select[name=status]");
    if (!status) {
      if (document.getElementById("ticket-reply-form") || document.getElementById("ticket-properties")) {
        say("Your role does not allow changing this ticket.");
      }
      return false;
    }
    if (status.disabled || status.closest("fieldset:disabled")) return true;  // a save is running
    if (status.value === "solved" || status.value === "closed") {
      say("This ticket is already " + status.value + ".");
      return true;
    }
    if (!status.querySelector("option[value=solved]")) return false;
    status.value = "solved";
    status.dispatchEvent(new Event("change", { bubbles: true }));  // the form saves on change
    say("Marking the ticket solved.");
    return true;
  }

  function showShortcuts() {
    const dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || !window.bootstrap) return false;
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (typingIn(event.target)) return;
    if (document.querySelector(".modal.show")) return;  // the dialog has the keyboard (Esc closes it)
    const key = event.key;
    let done = false;
    if (key === "j") done = moveSelection(1);
    else if (key === "k") done = moveSelection(-1);
    else if (key === "o") done = openSelection();
    else if (key === "Enter") {
      // Enter on a link or a button is theirs; on the page, it opens the selected row.
      if (event.target.closest && event.target.closest("a, button, summary, [role=button], [tabindex]:not(body)")) return;
      done = openSelection();
    } else if (key === "/") done = focusSearch();
    else if (key === "r") done = writeReply("public");
    else if (key === "n") done = writeReply("internal");
    else if (key === "e") done = solveTicket();
    else if (key === "?") done = showShortcuts();
    if (done) event.preventDefault();
  });

  // A field that means something for one choice of another only (a schedule's weekday:
  // weekly schedules) is hidden for the other choices. Without JavaScript it shows.
  function showDependentFields() {
    document.querySelectorAll("[data-shown-when]").forEach(function (element) {
      const rule = element.getAttribute("data-shown-when").split("=");
      const control = document.getElementById(rule[0]);
      if (control) element.hidden = control.value !== rule[1];
    });
  }
  document.addEventListener("DOMContentLoaded", showDependentFields);
  document.addEventListener("change", function (event) {
    if (event.target.id && document.querySelector('[data-shown-when^="' + event.target.id + '="]')) {
      showDependentFields();
    }
  });

  // A row clicked with the mouse is the selection j/k carry on from.
  document.addEventListener("focusin", function (event) {
    const row = event.target.closest && event.target.closest(ROWS);
    if (!row || row === selectedRow) return;
    if (selectedRow) {
      selectedRow.classList.remove("row-selected");
      selectedRow.removeAttribute("aria-current");
    }
    selectedRow = row;
    row.classList.add("row-selected");
    row.setAttribute("aria-current", "true");
  });
})();
