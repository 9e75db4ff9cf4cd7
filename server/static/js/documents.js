// The staff Documents view (/documents): every indexed document from GET /api/documents (corpus files and staff
// uploads) and, when the server has a staff key, uploading (drag-and-drop or the file picker, with the form fields of
// POST /api/documents), replacing an upload (the file sent again under its id) and deleting one after an accessible
// confirmation. Each change is a new index build: the view shows the file being sent, then the build running, then
// the new build's id.
//
// The staff key is asked once per tab and kept in sessionStorage (never localStorage, never in a URL): it goes only
// into the Authorization header of the staff requests. The listing's X-Staff-Changes header says whether the server
// has a key at all; without one the view says how an administrator enables changes. Labels follow the browser's
// language when it is one of the six UN languages (i18n.js), English otherwise.

import * as api from "./api.js";
import { h, srOnly } from "./dom.js";
import { direction, pickLanguage, t } from "./i18n.js";

const KEY_STORAGE = "tipkb.staffKey";
const UPLOAD_TYPES = ["practice", "project", "event", "instrument"];
const ACCEPT = ".pdf,.docx,.html,.htm,.md,.markdown,.txt";
const FORM_FIELDS = ["file", "type", "title", "country", "category", "date"];

// -- the staff key: this tab only ----------------------------------------------------------------------------

let memoryKey = ""; // when sessionStorage is unavailable (a locked-down browser): this page load only

const staffKey = {
  get() {
    try {
      return window.sessionStorage.getItem(KEY_STORAGE) || "";
    } catch {
      return memoryKey;
    }
  },
  set(key) {
    memoryKey = key;
    try {
      window.sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      // kept in memory only
    }
  },
  clear() {
    memoryKey = "";
    try {
      window.sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // nothing stored
    }
  },
};

// -- requests ---------------------------------------------------------------------------------------------------

async function errorOf(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = typeof body?.detail === "string" ? body.detail : "";
  } catch {
    // not JSON: the status alone will do
  }
  return new api.ApiError(response.status, detail);
}

/** The listing, and whether the server accepts staff changes at all (its X-Staff-Changes header). */
async function loadListing() {
  const response = await fetch("/api/documents", { headers: { Accept: "application/json" } });
  if (!response.ok) throw await errorOf(response);
  return { documents: await response.json(), staffChanges: response.headers.get("X-Staff-Changes") === "enabled" };
}

/** The build this server answers from (GET /health), or null while it has none. */
async function loadIndex() {
  try {
    const response = await fetch("/health", { headers: { Accept: "application/json" } });
    return response.ok ? (await response.json()).index : null;
  } catch {
    return null;
  }
}

/**
 * POST /api/documents with XMLHttpRequest, the one browser API that reports upload progress. `onProgress` gets
 * `{phase: "sending", fraction}` while the file goes up and `{phase: "building"}` once it is sent (the server then
 * builds and publishes the new index before answering).
 */
function sendUpload(body, key, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/documents");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Authorization", `Bearer ${key}`);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress({ phase: "sending", fraction: event.loaded / event.total });
    });
    xhr.upload.addEventListener("load", () => onProgress({ phase: "building" }));
    xhr.addEventListener("load", () => {
      let json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        // a proxy's page, not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300 && json) resolve(json);
      else reject(new api.ApiError(xhr.status, typeof json?.detail === "string" ? json.detail : ""));
    });
    xhr.addEventListener("error", () => reject(new TypeError("network error")));
    xhr.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    xhr.send(body);
  });
}

/** DELETE /api/documents/{id}; resolves with the id of the build published without it (X-Index-Build). */
async function sendDelete(docId, key) {
  const response = await fetch(`/api/documents/${encodeURIComponent(docId)}`, {
    method: "DELETE",
    headers: { Accept: "application/json", Authorization: `Bearer ${key}` },
  });
  if (!response.ok) throw await errorOf(response);
  return response.headers.get("X-Index-Build") || "";
}

// -- formatting -------------------------------------------------------------------------------------------------

function formatSize(bytes, lang) {
  const units = [
    [1 << 20, "MB"],
    [1 << 10, "KB"],
  ];
  const format = (n) => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
  for (const [size, unit] of units) if (bytes >= size) return `${format(bytes / size)} ${unit}`;
  return `${format(bytes)} B`;
}

/** The file size limit a 413's detail names ("... over the upload limit of N bytes ..."), or "" (a request over the
 * body limit, which includes the form around the file, says only that it is too large). */
function limitOf(detail, lang) {
  const match = /upload limit of (\d+) bytes/.exec(detail || "");
  return match ? formatSize(Number(match[1]), lang) : "";
}

/** The form field a 400's detail starts with ("country: unknown ..."), if it is one of the form's. */
function fieldOf(detail) {
  const name = /^(\w+)/.exec(detail || "")?.[1];
  return FORM_FIELDS.includes(name) ? name : null;
}

const placesOf = (doc) => [...(doc.countries || []), ...(doc.regions || [])];

/** A date as the corpus writes it ("2023-04-20 (snapshot)"): the ISO part never breaks at its hyphens. */
function dateText(date) {
  const [, iso, rest] = /^(\d{4}(?:-\d{2}){0,2})?(.*)$/s.exec(String(date));
  return h("span", { dir: "ltr" }, iso ? h("span", { class: "docs-date", text: iso }) : null, rest);
}

/** A path-like text with a line-break opportunity after each "/", so a narrow column wraps it between folders. */
function breakable(text) {
  return String(text)
    .split(/(?<=\/)/)
    .flatMap((part, i) => (i ? [h("wbr"), part] : [part]));
}

// -- the view ---------------------------------------------------------------------------------------------------

export function initDocuments() {
  const section = document.getElementById("view-documents");
  const root = document.getElementById("documents-body");
  const lang = pickLanguage(window.navigator.language);
  const tr = (key, vars) => t(key, lang, vars);
  section.setAttribute("lang", lang);
  section.setAttribute("dir", direction(lang));
  document.getElementById("documents-title").textContent = tr("docs.title");
  document.getElementById("documents-lead").textContent = tr("docs.lead");

  let documents = [];
  let staffChanges = false;
  let categories = new Map(); // id → label
  let busy = false;
  let replacing = null; // the upload being replaced, or null
  let changedId = null; // the document the last change added or updated: marked in the list
  let loaded = null;

  // -- skeleton: index line, staff area, change status, list --------------------------------------------------
  const indexLine = h("p", { class: "docs-index muted", id: "docs-index" });
  const staffArea = h("div", { class: "docs-staff__body" });
  const staffSection = h(
    "section",
    { class: "docs-staff", "aria-labelledby": "docs-staff-title" },
    h("h2", { id: "docs-staff-title", class: "docs-subhead", text: tr("docs.staffTitle") }),
    staffArea,
  );
  const listHeading = h("h2", {
    id: "docs-list-title",
    class: "docs-subhead",
    tabindex: "-1",
    text: tr("docs.listTitle"),
  });
  const listSummary = h("p", { class: "docs-list__summary muted" });
  const listArea = h("div", { class: "docs-list__body" });
  root.replaceChildren(
    indexLine,
    staffSection,
    h("section", { class: "docs-list", "aria-labelledby": "docs-list-title" }, listHeading, listSummary, listArea),
  );

  // -- the change status (progress, then the outcome) ---------------------------------------------------------
  const statusText = h("span", { class: "docs-status__text", id: "docs-status-text" });
  const statusElapsed = h("span", { class: "docs-status__elapsed", "aria-hidden": "true" });
  const statusBar = h("progress", { class: "docs-status__bar", max: "100", "aria-labelledby": "docs-status-text" });
  const statusBox = h(
    "div",
    { class: "docs-status", id: "docs-status", role: "status", tabindex: "-1", hidden: true },
    h("p", { class: "docs-status__line" }, statusText, statusElapsed),
    statusBar,
  );
  const changeError = h("p", { class: "form-error docs-error", id: "docs-error", role: "alert" });
  let timer = null;

  function stopTimer() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
    statusElapsed.textContent = "";
  }

  function startTimer() {
    stopTimer();
    const started = Date.now();
    const tick = () => {
      statusElapsed.textContent = ` ${tr("docs.elapsed", { n: Math.round((Date.now() - started) / 1000) })}`;
    };
    tick();
    timer = window.setInterval(tick, 1000);
  }

  /** state: "sending" (with fraction), "building", "deleting", "done", or "idle". */
  function showStatus(state, text, fraction = null) {
    statusBox.hidden = state === "idle";
    statusBox.dataset.state = state;
    statusText.textContent = text;
    statusBar.hidden = state === "done" || state === "idle";
    if (fraction === null) statusBar.removeAttribute("value");
    else statusBar.value = Math.round(fraction * 100);
    if (state === "building" || state === "deleting") {
      if (timer === null) startTimer();
    } else if (state !== "sending") {
      stopTimer();
    }
  }

  // -- the staff key ------------------------------------------------------------------------------------------
  const keyInput = h("input", {
    type: "password",
    id: "docs-key",
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "docs-key-help docs-key-error",
  });
  const keyError = h("p", { class: "form-error", id: "docs-key-error", role: "alert" });
  const keyForm = h(
    "form",
    { class: "docs-key", id: "docs-key-form", method: "post", novalidate: true, on: { submit: onKeySubmit } },
    h("label", { for: "docs-key", text: tr("docs.keyLabel") }),
    h(
      "div",
      { class: "docs-key__row" },
      keyInput,
      h("button", { type: "submit", class: "button button--primary" }, tr("docs.keyUse")),
    ),
    h("p", { class: "docs-help", id: "docs-key-help", text: tr("docs.keyHelp") }),
    keyError,
  );
  const keySet = h(
    "div",
    { class: "docs-key docs-key--set", id: "docs-key-set" },
    h("p", { class: "docs-key__state", text: tr("docs.keySet") }),
    h("button", { type: "button", class: "button", on: { click: onForgetKey } }, tr("docs.keyForget")),
  );

  function onKeySubmit(event) {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) {
      keyError.textContent = tr("docs.keyMissing");
      keyInput.setAttribute("aria-invalid", "true");
      keyInput.focus();
      return;
    }
    staffKey.set(key);
    keyInput.value = "";
    keyError.textContent = "";
    keyInput.removeAttribute("aria-invalid");
    renderKey();
    keySet.querySelector("button").focus();
  }

  function onForgetKey() {
    staffKey.clear();
    renderKey();
    keyInput.focus();
  }

  function renderKey() {
    const has = Boolean(staffKey.get());
    keyForm.hidden = has;
    keySet.hidden = !has;
  }

  /** The key for a change; without one, the key field asks for it and null is returned. */
  function keyForChange() {
    const key = staffKey.get();
    if (key) return key;
    renderKey();
    keyError.textContent = tr("docs.keyNeeded");
    keyInput.focus();
    return null;
  }

  /** A 401: the key is forgotten and asked for again, with the server's refusal in plain words. */
  function keyRefused() {
    staffKey.clear();
    renderKey();
    keyError.textContent = tr("docs.err.401");
    keyInput.setAttribute("aria-invalid", "true");
    keyInput.focus();
  }

  // -- the upload form ----------------------------------------------------------------------------------------
  const fileInput = h("input", {
    type: "file",
    id: "docs-file",
    accept: ACCEPT,
    "aria-describedby": "docs-file-help docs-file-chosen",
    on: { change: () => showChosen() },
  });
  const fileChosen = h("p", { class: "docs-help docs-file__chosen", id: "docs-file-chosen" });
  const dropZone = h(
    "div",
    { class: "drop-zone", id: "docs-drop" },
    h("label", { for: "docs-file", class: "drop-zone__label", text: tr("docs.fileLabel") }),
    h("p", { class: "drop-zone__hint", text: tr("docs.dropHint") }),
    fileInput,
    h("p", { class: "docs-help", id: "docs-file-help", text: tr("docs.fileHelp") }),
    fileChosen,
  );
  const typeSelect = h(
    "select",
    { id: "docs-type" },
    UPLOAD_TYPES.map((type) => h("option", { value: type, text: tr(`docs.type.${type}`) })),
  );
  const titleInput = h("input", {
    type: "text",
    id: "docs-title-input",
    maxlength: "300",
    autocomplete: "off",
    "aria-describedby": "docs-title-help",
  });
  const countriesInput = h("textarea", {
    id: "docs-countries",
    rows: "2",
    autocomplete: "off",
    "aria-describedby": "docs-countries-help",
  });
  const dateInput = h("input", {
    type: "text",
    id: "docs-date",
    inputmode: "numeric",
    maxlength: "10",
    autocomplete: "off",
    placeholder: "YYYY-MM-DD",
    "aria-describedby": "docs-date-help",
  });
  const categoryBox = h("div", { class: "docs-categories__list" });
  const categoriesFieldset = h(
    "fieldset",
    { class: "docs-categories", id: "docs-category" },
    h("legend", { text: tr("docs.categoriesLegend") }),
    categoryBox,
  );
  const replacingNote = h("div", { class: "docs-replacing notice", id: "docs-replacing", hidden: true });
  const submitButton = h("button", { type: "submit", class: "button button--primary", id: "docs-submit" });
  const uploadForm = h(
    "form",
    { class: "docs-upload", id: "docs-upload", method: "post", novalidate: true, on: { submit: onUpload } },
    replacingNote,
    dropZone,
    h(
      "div",
      { class: "docs-fields" },
      field("docs-type", tr("docs.typeLabel"), typeSelect),
      field("docs-title-input", tr("docs.titleLabel"), titleInput, "docs-title-help", tr("docs.titleHelp")),
      field(
        "docs-countries",
        tr("docs.countriesLabel"),
        countriesInput,
        "docs-countries-help",
        tr("docs.countriesHelp"),
      ),
      field("docs-date", tr("docs.dateLabel"), dateInput, "docs-date-help", tr("docs.dateHelp")),
    ),
    categoriesFieldset,
    h("div", { class: "docs-upload__actions" }, submitButton),
    changeError,
    statusBox,
  );
  const inputs = { file: fileInput, type: typeSelect, title: titleInput, country: countriesInput, date: dateInput };

  function field(id, label, control, helpId = null, help = null) {
    return h(
      "div",
      { class: "docs-field" },
      h("label", { for: id, text: label }),
      control,
      help ? h("p", { class: "docs-help", id: helpId, text: help }) : null,
    );
  }

  function showChosen() {
    const file = fileInput.files?.[0];
    fileChosen.textContent = file ? tr("docs.fileChosen", { name: file.name, size: formatSize(file.size, lang) }) : "";
    dropZone.classList.toggle("drop-zone--chosen", Boolean(file));
    if (file) clearInvalid();
  }

  // Drag and drop: the dropped file becomes the file input's file, so it shows (and submits) like a chosen one.
  for (const type of ["dragenter", "dragover"]) {
    dropZone.addEventListener(type, (event) => {
      event.preventDefault();
      dropZone.classList.add("drop-zone--over");
    });
  }
  dropZone.addEventListener("dragleave", (event) => {
    if (!dropZone.contains(event.relatedTarget)) dropZone.classList.remove("drop-zone--over");
  });
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropZone.classList.remove("drop-zone--over");
    const files = event.dataTransfer?.files;
    if (!files?.length || busy) return;
    const transfer = new DataTransfer();
    transfer.items.add(files[0]);
    fileInput.files = transfer.files;
    showChosen();
  });

  function renderCategories() {
    const chosen = new Set(checkedCategories());
    categoryBox.replaceChildren(
      ...[...categories].map(([id, label]) =>
        h(
          "div",
          { class: "docs-check" },
          h("input", { type: "checkbox", id: `docs-category-${id}`, value: id, checked: chosen.has(id) }),
          h("label", { for: `docs-category-${id}`, text: label }),
        ),
      ),
    );
    categoriesFieldset.hidden = categories.size === 0;
  }

  function checkedCategories() {
    return [...categoryBox.querySelectorAll("input:checked")].map((input) => input.value);
  }

  function renderReplacing() {
    submitButton.textContent = replacing ? tr("docs.replaceSubmit") : tr("docs.upload");
    replacingNote.hidden = !replacing;
    if (!replacing) {
      replacingNote.replaceChildren();
      return;
    }
    replacingNote.replaceChildren(
      h("p", { text: tr("docs.replacing", { title: replacing.title, id: replacing.id }) }),
      h(
        "button",
        { type: "button", class: "button button--quiet", on: { click: () => cancelReplace() } },
        tr("docs.cancelReplace"),
      ),
    );
  }

  function startReplace(doc) {
    replacing = doc;
    typeSelect.value = UPLOAD_TYPES.includes(doc.type) ? doc.type : "practice";
    titleInput.value = doc.title;
    countriesInput.value = placesOf(doc).join("\n");
    dateInput.value = /^\d{4}(-\d{2}){0,2}$/.test(doc.date) ? doc.date : ""; // kept unless staff change it
    for (const input of categoryBox.querySelectorAll("input")) input.checked = doc.categories.includes(input.value);
    clearMessages();
    renderReplacing();
    staffSection.scrollIntoView({ block: "start" });
    fileInput.focus();
  }

  function cancelReplace() {
    replacing = null;
    resetForm();
    fileInput.focus();
  }

  function resetForm() {
    uploadForm.reset();
    replacing = null;
    renderReplacing();
    showChosen();
    clearInvalid();
  }

  function clearInvalid() {
    for (const el of uploadForm.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  function clearMessages() {
    changeError.textContent = "";
    clearInvalid();
    if (!busy) showStatus("idle", "");
  }

  function formData() {
    const body = new FormData();
    body.append("file", fileInput.files[0]);
    body.append("type", typeSelect.value);
    const title = titleInput.value.trim();
    if (title) body.append("title", title);
    for (const place of countriesInput.value.split(/[;\n]/)) if (place.trim()) body.append("country", place.trim());
    for (const category of checkedCategories()) body.append("category", category);
    const date = dateInput.value.trim();
    if (date) body.append("date", date);
    if (replacing) body.append("id", replacing.id);
    return body;
  }

  async function onUpload(event) {
    event.preventDefault();
    if (busy) return;
    clearMessages();
    const file = fileInput.files?.[0];
    if (!file) {
      changeError.textContent = tr("docs.fileMissing");
      fileInput.setAttribute("aria-invalid", "true");
      fileInput.focus();
      return;
    }
    const key = keyForChange();
    if (!key) return;
    const title = titleInput.value.trim() || file.name;
    setBusy(true);
    showStatus("sending", tr("docs.sending", { percent: 0 }), 0);
    try {
      const change = await sendUpload(formData(), key, (progress) => {
        if (progress.phase === "sending") {
          const percent = Math.round(progress.fraction * 100);
          showStatus("sending", tr("docs.sending", { percent }), progress.fraction);
        } else {
          showStatus("building", tr("docs.building"));
        }
      });
      changedId = change.doc_id;
      resetForm();
      await refresh().catch(() => {}); // the change is made; a failed refresh only leaves the list as it was
      const shown = documents.find((d) => d.id === change.doc_id)?.title || title;
      const vars = { title: shown, n: change.chunks, build: change.build_id };
      showStatus("done", tr(`docs.${change.status}`, vars));
      section.dataset.lastBuild = change.build_id;
    } catch (error) {
      showStatus("idle", "");
      failed(error);
    } finally {
      setBusy(false);
      if (document.activeElement === document.body || !document.activeElement) submitButton.focus();
    }
  }

  async function onDelete(doc, opener) {
    if (busy) return;
    clearMessages();
    const key = keyForChange();
    if (!key) return;
    const confirmed = await confirmDialog({
      title: tr("docs.confirmTitle", { title: doc.title }),
      text: tr("docs.confirmText", { n: doc.chunks }),
      confirm: tr("docs.delete"),
      cancel: tr("docs.cancel"),
      opener,
    });
    if (!confirmed) return;
    setBusy(true);
    showStatus("deleting", tr("docs.deleting"));
    try {
      const build = await sendDelete(doc.id, key);
      if (replacing?.id === doc.id) resetForm();
      changedId = null;
      await refresh().catch(() => {});
      showStatus("done", tr("docs.deleted", { title: doc.title, build }));
      section.dataset.lastBuild = build;
      statusBox.focus();
    } catch (error) {
      showStatus("idle", "");
      failed(error);
      if (error instanceof api.ApiError && error.status === 404) await refresh();
    } finally {
      setBusy(false);
    }
  }

  /** A refused or failed change, in plain words; a 401 asks for the key again, a 403 shows how to enable. */
  function failed(error) {
    const status = error instanceof api.ApiError ? error.status : 0;
    const detail = error?.detail || "";
    if (status === 401) {
      keyRefused();
      return;
    }
    if (status === 403) {
      staffChanges = false;
      renderStaff();
      return;
    }
    const messages = {
      400: () => tr("docs.err.400", { detail }),
      404: () => tr("docs.err.404"),
      409: () => tr("docs.err.409", { detail }),
      413: () => (limitOf(detail, lang) ? tr("docs.err.413", { limit: limitOf(detail, lang) }) : tr("docs.err.413any")),
      415: () => tr("docs.err.415"),
      422: () => tr("docs.err.422", { detail }),
    };
    changeError.textContent = messages[status]?.() || api.plainMessage(error, "request", lang);
    const name = status === 400 ? fieldOf(detail) : status === 413 || status === 415 || status === 422 ? "file" : null;
    const target = name === "category" ? categoryBox.querySelector("input") : name ? inputs[name] : null;
    if (target) {
      target.setAttribute("aria-invalid", "true");
      target.focus();
    }
  }

  function setBusy(value) {
    busy = value;
    section.dataset.busy = value ? "true" : "false";
    submitButton.disabled = value;
    fileInput.disabled = value;
    for (const button of listArea.querySelectorAll("button")) button.disabled = value;
  }

  // -- the confirmation dialog ---------------------------------------------------------------------------------
  const confirmTitle = h("h2", { class: "confirm__title", id: "docs-confirm-title" });
  const confirmText = h("p", { class: "confirm__text", id: "docs-confirm-text" });
  const confirmCancel = h("button", { type: "submit", value: "cancel", class: "button", autofocus: true });
  const confirmOk = h("button", { type: "submit", value: "confirm", class: "button button--danger" });
  const confirm = h(
    "dialog",
    {
      class: "confirm",
      id: "docs-confirm",
      lang,
      dir: direction(lang),
      "aria-labelledby": "docs-confirm-title",
      "aria-describedby": "docs-confirm-text",
    },
    h(
      "form",
      { method: "dialog", class: "confirm__form" },
      confirmTitle,
      confirmText,
      h("div", { class: "confirm__actions" }, confirmCancel, confirmOk),
    ),
  );
  document.body.append(confirm);

  /** Resolves true when the user confirms; Esc, Cancel or a click outside resolve false. */
  function confirmDialog({ title, text, confirm: ok, cancel, opener }) {
    confirmTitle.textContent = title;
    confirmText.textContent = text;
    confirmOk.textContent = ok;
    confirmCancel.textContent = cancel;
    confirm.returnValue = "";
    return new Promise((resolve) => {
      const onClick = (event) => {
        if (event.target === confirm) confirm.close("cancel");
      };
      confirm.addEventListener("click", onClick);
      confirm.addEventListener(
        "close",
        () => {
          confirm.removeEventListener("click", onClick);
          if (opener?.isConnected) opener.focus();
          resolve(confirm.returnValue === "confirm");
        },
        { once: true },
      );
      confirm.showModal();
      confirmCancel.focus();
    });
  }

  // -- rendering -----------------------------------------------------------------------------------------------
  function renderStaff() {
    if (!staffChanges) {
      staffArea.replaceChildren(
        h(
          "div",
          { class: "notice docs-disabled", id: "docs-disabled" },
          h("h3", { class: "docs-disabled__title", text: tr("docs.disabledTitle") }),
          h("p", { text: tr("docs.disabledText") }),
          h("pre", { class: "docs-disabled__example", lang: "en", dir: "ltr" }, tr("docs.disabledExample")),
        ),
      );
      return;
    }
    renderKey();
    renderReplacing();
    staffArea.replaceChildren(keyForm, keySet, uploadForm);
  }

  function builtAt(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
    return `${format.format(date)} UTC`;
  }

  function renderIndex(index) {
    indexLine.textContent = index
      ? tr("docs.indexBuild", { build: index.build_id, built: builtAt(index.built_at) })
      : tr("docs.indexUnavailable");
    if (index) section.dataset.build = index.build_id;
  }

  function typeLabel(type) {
    return tr(`docs.type.${type}`);
  }

  function cell(label, content, className = "") {
    return h(
      "td",
      { class: ["docs-table__cell", className], role: "cell" },
      h("span", { class: "docs-table__label", "aria-hidden": "true", text: label }),
      h("span", { class: "docs-table__value" }, content),
    );
  }

  function list(values) {
    if (!values.length) return [h("span", { "aria-hidden": "true", text: "—" }), srOnly(tr("docs.none"))];
    return h(
      "ul",
      { class: "tags" },
      values.map((value) => h("li", { class: "tag", text: value })),
    );
  }

  function row(doc) {
    const uploaded = doc.origin === "upload";
    const actions = [];
    if (uploaded && staffChanges) {
      actions.push(
        h(
          "button",
          {
            type: "button",
            class: "button docs-replace",
            disabled: busy,
            on: { click: () => startReplace(doc) },
          },
          tr("docs.replace"),
          srOnly(` ${doc.title}`),
        ),
        h(
          "button",
          {
            type: "button",
            class: "button button--danger-outline docs-delete",
            disabled: busy,
            on: { click: (event) => onDelete(doc, event.currentTarget) },
          },
          tr("docs.delete"),
          srOnly(` ${doc.title}`),
        ),
      );
    }
    const cols = columns();
    return h(
      "tr",
      {
        class: ["docs-row", doc.id === changedId ? "docs-row--changed" : ""],
        role: "row",
        dataset: { docId: doc.id, origin: doc.origin },
      },
      h(
        "th",
        { scope: "row", role: "rowheader", class: "docs-table__cell docs-table__title" },
        h("span", { class: "docs-title", text: doc.title }),
        h("span", { class: "docs-id", lang: "en", dir: "ltr", text: doc.id }),
      ),
      cell(cols.type, typeLabel(doc.type)),
      cell(cols.source, [
        h("span", { class: `docs-origin docs-origin--${doc.origin}`, text: tr(`docs.origin.${doc.origin}`) }),
        h("span", { class: "docs-source", lang: "en", dir: "ltr" }, breakable(doc.source)),
      ]),
      cell(cols.date, dateText(doc.date)),
      cell(cols.chunks, String(doc.chunks), "docs-table__number"),
      cell(cols.places, list(placesOf(doc))),
      cell(cols.categories, list(doc.categories.map((id) => categories.get(id) || api.humanise(id)))),
      staffChanges
        ? cell(
            cols.actions,
            actions.length ? h("div", { class: "docs-actions" }, actions) : srOnly(tr("docs.corpusOnly")),
            actions.length ? "docs-table__actions" : "docs-table__actions docs-table__actions--none",
          )
        : null,
    );
  }

  function columns() {
    return {
      title: tr("docs.col.title"),
      type: tr("docs.col.type"),
      source: tr("docs.col.source"),
      date: tr("docs.col.date"),
      chunks: tr("docs.col.chunks"),
      places: tr("docs.col.places"),
      categories: tr("docs.col.categories"),
      actions: tr("docs.col.actions"),
    };
  }

  function renderList() {
    const uploads = documents.filter((d) => d.origin === "upload");
    const corpus = documents.filter((d) => d.origin !== "upload");
    listSummary.textContent = tr("docs.listSummary", {
      n: documents.length,
      corpus: corpus.length,
      uploads: uploads.length,
    });
    const cols = columns();
    const names = ["title", "type", "source", "date", "chunks", "places", "categories"];
    if (staffChanges) names.push("actions");
    // Uploads first, newest first: what staff just changed is at the top; then the corpus in id order.
    const byDate = (a, b) => String(b.date).localeCompare(String(a.date)) || a.id.localeCompare(b.id);
    listArea.replaceChildren(
      h(
        "div",
        // Scrolls sideways where the table is wider than the screen: focusable so the keyboard can scroll it too.
        { class: "docs-table__scroll", role: "region", tabindex: "0", "aria-labelledby": "docs-list-title" },
        h(
          "table",
          { class: "docs-table", id: "docs-table", role: "table", "aria-labelledby": "docs-list-title" },
          h(
            "thead",
            { role: "rowgroup" },
            h(
              "tr",
              { role: "row" },
              names.map((name) => h("th", { scope: "col", role: "columnheader", text: cols[name] })),
            ),
          ),
          h("tbody", { role: "rowgroup" }, [...uploads.sort(byDate), ...corpus].map(row)),
        ),
      ),
    );
  }

  async function refresh() {
    const [listing, index] = await Promise.all([loadListing(), loadIndex()]);
    documents = listing.documents;
    const enabledNow = listing.staffChanges;
    if (enabledNow !== staffChanges) {
      staffChanges = enabledNow;
      renderStaff();
    }
    renderIndex(index);
    renderList();
    section.dataset.staff = staffChanges ? "enabled" : "disabled";
  }

  async function load() {
    root.setAttribute("aria-busy", "true");
    try {
      categories = await api.categoryLabels();
      renderCategories();
      await refresh();
      renderStaff();
    } catch (error) {
      loaded = null; // showing the view again retries
      listArea.replaceChildren(
        h("p", {
          class: "notice notice--error",
          role: "alert",
          text: tr("docs.loadFailed", { message: api.plainMessage(error, "request", lang) }),
        }),
        h("button", { type: "button", class: "button", on: { click: () => show() } }, t("tryAgain", lang)),
      );
    } finally {
      root.removeAttribute("aria-busy");
    }
  }

  async function show() {
    if (!loaded) loaded = load();
    else if (!busy) loaded = refresh().catch(() => {});
    await loaded;
  }

  return { title: tr("docs.title"), show };
}
