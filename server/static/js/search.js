// The staff search view: a query, facets (document type, category, article, country) filled from the API,
// results with the query's words highlighted, chips that add a filter, and the URL kept in step
// (/search?q=…&type=…&category=…&article=…&country=…&mode=…&top_k=…) so a search can be shared.

import * as api from "./api.js";
import { announce, h, plural, srOnly } from "./dom.js";
import { openArticlePanel } from "./panel.js";
import { compactRefs, compareRefs, refLabel } from "./refs.js";

const FACETS = [
  { key: "doc_type", param: "type", legend: "Document type" },
  { key: "category", param: "category", legend: "Category of assistance" },
  { key: "article", param: "article", legend: "Protocol article" },
  { key: "country", param: "country", legend: "Country or region" },
];
const DOC_TYPES = {
  protocol: "Protocol",
  instrument: "Other instruments",
  project: "Projects",
  practice: "Practice",
  event: "Events",
};
const MODES = ["hybrid", "dense", "lexical"];
const TOP_KS = ["10", "20", "50"];
const STOPWORDS = new Set(
  (
    "a an and are as at be by can do does for from has have how in into is it its of on or should that the " +
    "their there these this to under was what when where which who why will with"
  ).split(" "),
);

// -- state <-> URL ------------------------------------------------------------------------------------------

function emptyFilters() {
  return { doc_type: [], category: [], article: [], country: [] };
}

export function stateFromUrl(search = window.location.search) {
  const params = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const facet of FACETS) {
    filters[facet.key] = [...new Set(params.getAll(facet.param).map((v) => v.trim()).filter(Boolean))];
  }
  const mode = params.get("mode");
  const topK = params.get("top_k");
  return {
    q: (params.get("q") || "").trim(),
    mode: MODES.includes(mode) ? mode : "hybrid",
    top_k: TOP_KS.includes(topK) ? topK : "10",
    filters,
  };
}

export function urlFromState(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const facet of FACETS) for (const value of state.filters[facet.key]) params.append(facet.param, value);
  if (state.mode !== "hybrid") params.set("mode", state.mode);
  if (state.top_k !== "10") params.set("top_k", state.top_k);
  const query = params.toString();
  return `/search${query ? `?${query}` : ""}`;
}

// -- highlighting ---------------------------------------------------------------------------------------------

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

function stem(word) {
  let w = word.toLowerCase().replace(/['’]s$/, "");
  for (const suffix of ["ations", "ation", "ings", "ing", "ions", "ion", "ies", "ied", "es", "ed", "s"]) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) return w.slice(0, -suffix.length);
  }
  return w;
}

export function queryStems(query) {
  const words = String(query).match(WORD) || [];
  return [...new Set(words.filter((w) => w.length >= 3 && !STOPWORDS.has(w.toLowerCase())).map(stem))];
}

/** Text nodes and <mark>s: every word that starts with a stem of the query is marked. */
export function highlight(text, stems) {
  if (!stems.length) return [text];
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(WORD)) {
    const word = match[0].toLowerCase();
    if (!stems.some((s) => word.startsWith(s))) continue;
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(h("mark", { text: match[0] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

/** Corpus passages are Markdown: show them as text without the emphasis markers. */
function plainText(text) {
  return String(text || "")
    .replace(/\*\*(\S[^*]*?)\*\*/g, "$1")
    .replace(/(^|[\s(])[*_](\S[^*_]*?)[*_](?=[\s).,;:!?]|$)/g, "$1$2");
}

// -- the view ------------------------------------------------------------------------------------------------

export function initSearch() {
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-q");
  const modeSelect = document.getElementById("search-mode");
  const topKSelect = document.getElementById("search-top-k");
  const errorEl = document.getElementById("search-error");
  const facetsEl = document.getElementById("facets");
  const facetsBody = document.getElementById("facets-body");
  const facetCount = document.getElementById("facet-count");
  const activeEl = document.getElementById("active-filters");
  const statusEl = document.getElementById("search-status");
  const resultsEl = document.getElementById("results");

  let state = stateFromUrl();
  let options = null; // facet options: {doc_type: [{value, label}], ...}
  let labels = new Map(); // `${key}:${value}` → label
  let controller = null;
  let lastResults = [];
  let optionsError = "";

  if (window.matchMedia("(max-width: 760px)").matches) facetsEl.open = false;

  const labelOf = (key, value) =>
    labels.get(`${key}:${value}`) ||
    (key === "article" ? refLabel(value) : key === "doc_type" ? DOC_TYPES[value] || value : value);

  async function loadOptions() {
    const [documents, categories, articles, projects] = await Promise.all([
      api.documents().catch(() => []),
      api.categories().catch(() => []),
      api.articles().catch(() => []),
      api.projects().catch(() => []),
    ]);
    const docCounts = new Map();
    for (const d of documents) docCounts.set(d.type, (docCounts.get(d.type) || 0) + 1);
    const types = Object.keys(DOC_TYPES).filter((t) => docCounts.has(t) || !documents.length);
    const places = new Set();
    for (const p of projects) for (const place of [...(p.countries || []), ...(p.regions || [])]) places.add(place);
    options = {
      doc_type: types.map((t) => ({ value: t, label: DOC_TYPES[t], count: docCounts.get(t) })),
      category: categories.map((c) => ({ value: c.id, label: c.label })),
      article: articles.map((a) => ({ value: a.ref, label: `${refLabel(a.ref, { short: true })} · ${a.title}` })),
      country: [...places].sort((a, b) => a.localeCompare(b)).map((p) => ({ value: p, label: p })),
    };
    for (const c of categories) labels.set(`category:${c.id}`, c.label);
    for (const t of types) labels.set(`doc_type:${t}`, DOC_TYPES[t]);
    if (!documents.length && !categories.length && !articles.length) {
      throw new Error("no facet could be loaded");
    }
  }

  function facetOptions(key) {
    const base = options?.[key] || [];
    const known = new Set(base.map((o) => o.value));
    // Values chosen from a result chip or a shared URL that the lists do not name (e.g. article 6(3)(b)).
    const extra = state.filters[key].filter((v) => !known.has(v)).map((v) => ({ value: v, label: labelOf(key, v) }));
    const all = [...base, ...extra];
    if (key === "article") all.sort((a, b) => compareRefs(a.value, b.value));
    return all;
  }

  function renderFacets() {
    if (!options) return;
    const groups = FACETS.map((facet) => {
      const chosen = new Set(state.filters[facet.key]);
      const items = facetOptions(facet.key).map((option) => {
        const id = `facet-${facet.param}-${option.value}`.replace(/[^A-Za-z0-9_-]/g, "_");
        return h(
          "li",
          {},
          h("input", {
            type: "checkbox",
            id,
            name: facet.param,
            value: option.value,
            checked: chosen.has(option.value),
            on: { change: (event) => toggleFilter(facet.key, option.value, event.target.checked, { focusFacet: id }) },
          }),
          h(
            "label",
            { for: id },
            option.label,
            option.count ? h("span", { class: "facet__count", text: ` (${option.count})` }) : null,
          ),
        );
      });
      return h(
        "fieldset",
        { class: "facet", dataset: { facet: facet.key } },
        h("legend", { text: facet.legend }),
        items.length ? h("ul", { class: "facet__list" }, items) : h("p", { class: "muted", text: "No values." }),
      );
    });
    const notice = optionsError ? h("p", { class: "notice notice--error", text: optionsError }) : null;
    facetsBody.replaceChildren(...[notice, ...groups].filter(Boolean));
  }

  function renderActiveFilters() {
    const chips = [];
    for (const facet of FACETS) {
      for (const value of state.filters[facet.key]) {
        chips.push(
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "chip chip--active",
                dataset: { facet: facet.key, value },
                on: { click: () => toggleFilter(facet.key, value, false) },
              },
              h("span", { class: "chip__facet", text: `${facet.legend}: ` }),
              labelOf(facet.key, value),
              h("span", { class: "chip__remove", "aria-hidden": "true", text: " ×" }),
              srOnly(" (remove filter)"),
            ),
          ),
        );
      }
    }
    const count = chips.length;
    facetCount.textContent = count ? `(${count} active)` : "";
    if (!count) {
      activeEl.replaceChildren();
      return;
    }
    activeEl.replaceChildren(
      h("span", { class: "active-filters__label", text: "Filters:" }),
      h("ul", { class: "chips" }, chips),
      h("button", { type: "button", class: "button button--quiet", on: { click: clearFilters } }, "Clear all filters"),
    );
  }

  function syncForm() {
    input.value = state.q;
    modeSelect.value = state.mode;
    topKSelect.value = state.top_k;
    renderFacets();
    renderActiveFilters();
  }

  function pushUrl(replace = false) {
    const url = urlFromState(state);
    // The nav link returns to the last search rather than an empty form.
    document.querySelector('a[data-view-link="search"]')?.setAttribute("href", url);
    if (url !== window.location.pathname + window.location.search) {
      window.history[replace ? "replaceState" : "pushState"]({ view: "search" }, "", url);
    }
  }

  function toggleFilter(key, value, on, { focusFacet = null } = {}) {
    const values = new Set(state.filters[key]);
    if (on) values.add(value);
    else values.delete(value);
    state = { ...state, filters: { ...state.filters, [key]: [...values] } };
    renderFacets();
    renderActiveFilters();
    if (focusFacet) document.getElementById(focusFacet)?.focus();
    pushUrl();
    runSearch();
  }

  function clearFilters() {
    state = { ...state, filters: emptyFilters() };
    renderFacets();
    renderActiveFilters();
    pushUrl();
    runSearch();
    input.focus();
  }

  function chip(key, value, text) {
    const active = state.filters[key].includes(value);
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: ["chip", `chip--${key}`, active && "chip--on"],
          "aria-pressed": String(active),
          title: active ? "Remove this filter" : "Add this filter",
          dataset: { facet: key, value },
          on: { click: () => toggleFilter(key, value, !active) },
        },
        srOnly(`${FACETS.find((f) => f.key === key).legend}: `),
        text,
      ),
    );
  }

  function resultItem(result, stems) {
    const refs = compactRefs(result.articles || []);
    const paras = plainText(result.text)
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter(Boolean);
    const chips = [
      chip("doc_type", result.doc_type, DOC_TYPES[result.doc_type] || result.doc_type),
      ...(result.categories || []).map((c) => chip("category", c, labelOf("category", c))),
      ...refs.map((r) => chip("article", r, refLabel(r, { short: true }))),
      ...(result.countries || []).map((c) => chip("country", c, c)),
    ];
    return h(
      "li",
      { class: "result", dataset: { chunkId: result.chunk_id, docType: result.doc_type } },
      h(
        "article",
        {},
        h(
          "header",
          { class: "result__head" },
          h(
            "h2",
            { class: "result__title" },
            h("span", { class: "result__rank", text: `${result.rank}. ` }),
            result.doc_title,
          ),
          h("p", { class: "result__section", text: (result.section || "") + (result.page ? ` · p. ${result.page}` : "") }),
        ),
        h("div", { class: "result__text" }, paras.map((p) => h("p", {}, highlight(p, stems)))),
        h(
          "footer",
          { class: "result__foot" },
          h("span", { class: "result__chips-label", text: "Add a filter:" }),
          h("ul", { class: "chips" }, chips),
          refs.length
            ? h(
                "button",
                {
                  type: "button",
                  class: "button button--quiet result__read",
                  "aria-haspopup": "dialog",
                  on: { click: () => openArticlePanel(refs[0]) },
                },
                `Read ${refLabel(refs[0])}`,
              )
            : null,
        ),
      ),
    );
  }

  function renderResults(response) {
    const stems = queryStems(response.query);
    lastResults = response.results || [];
    const n = lastResults.length;
    statusEl.textContent = n
      ? `${plural(n, "passage")} for “${response.query}” · ${Math.round(response.took_ms)} ms`
      : `No passages match “${response.query}” with these filters.`;
    resultsEl.replaceChildren(...lastResults.map((r) => resultItem(r, stems)));
    if (!n && activeEl.childElementCount) {
      const hint = h("p", { text: "Try removing a filter above, or use fewer words." });
      resultsEl.append(h("li", { class: "result result--empty" }, hint));
    }
    announce(statusEl.textContent);
  }

  async function runSearch() {
    controller?.abort();
    errorEl.textContent = "";
    if (!state.q) {
      controller = null;
      resultsEl.replaceChildren();
      resultsEl.removeAttribute("aria-busy");
      statusEl.textContent = "Type a query to search the knowledge base.";
      return;
    }
    controller = new AbortController();
    const mine = controller;
    resultsEl.setAttribute("aria-busy", "true");
    statusEl.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), "Searching…");
    const filters = {};
    for (const facet of FACETS) if (state.filters[facet.key].length) filters[facet.key] = state.filters[facet.key];
    try {
      const response = await api.search(
        { query: state.q, top_k: Number(state.top_k), mode: state.mode, filters },
        { signal: mine.signal },
      );
      if (mine !== controller) return;
      renderResults(response);
    } catch (error) {
      if (error?.name === "AbortError" || mine !== controller) return;
      resultsEl.replaceChildren();
      statusEl.textContent = "";
      errorEl.textContent = api.plainMessage(error, "search");
    } finally {
      if (mine === controller) resultsEl.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state = { ...state, q: input.value.trim(), mode: modeSelect.value, top_k: topKSelect.value };
    if (!state.q) {
      errorEl.textContent = "Type a query first.";
      input.focus();
      return;
    }
    pushUrl();
    runSearch();
  });
  for (const select of [modeSelect, topKSelect]) {
    select.addEventListener("change", () => {
      state = { ...state, mode: modeSelect.value, top_k: topKSelect.value };
      if (!state.q) return;
      pushUrl();
      runSearch();
    });
  }

  const ready = loadOptions()
    .catch((error) => {
      options = options || { doc_type: [], category: [], article: [], country: [] };
      optionsError = `Filters could not be loaded. ${api.plainMessage(error, "request")}`;
    })
    .finally(() => {
      renderFacets();
      renderActiveFilters();
    });

  return {
    title: "Search",
    /** Called when the view is shown or the URL changed (back/forward, a shared link). */
    async show() {
      state = stateFromUrl();
      syncForm();
      await ready; // the labels of categories and document types, for the result chips
      syncForm();
      await runSearch();
    },
  };
}
