// The staff search view: a query, facets (document type, category, article, country) filled from the API and
// counted over the query's results, results with the words the server found marked, chips that add a filter,
// "Show more" pages, and the URL kept in step (/search?q=…&type=…&category=…&article=…&country=…&mode=…&top_k=…)
// so a search can be shared. "Exact words only" (mode=lexical) asks the server for the words as typed (`exact`).

import * as api from "./api.js";
import { announce, h, srOnly } from "./dom.js";
import { t } from "./i18n.js";
import { openArticlePanel } from "./panel.js";
import { compactRefs, compareRefs, parseRef, refLabel } from "./refs.js";

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
const MAX_OFFSET = 200; // the API's deepest page starts here (DESIGN §4)
const FEW_ARTICLES = 4; // more article chips than this are shown compactly

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

/** UTF-16 index (JavaScript's) of each code point offset (the server's), up to and including the text's end. */
function utf16Index(text) {
  const index = [];
  let i = 0;
  for (const ch of text) {
    index.push(i);
    i += ch.length;
  }
  index.push(i);
  return index;
}

/** A boolean per UTF-16 unit of `text`: inside one of the server's highlight spans. */
function markedUnits(text, highlights) {
  const marked = new Uint8Array(text.length);
  if (!highlights?.length) return marked;
  const index = utf16Index(text);
  for (const [start, end] of highlights) {
    const from = index[Math.max(0, Math.min(start, index.length - 1))];
    const to = index[Math.max(0, Math.min(end, index.length - 1))];
    marked.fill(1, from, to);
  }
  return marked;
}

// Corpus passages are Markdown: their emphasis markers are hidden, the words they wrap shown. Each pass finds the
// marker characters in the text left by the passes before it.
const EMPHASIS = [
  {
    re: /\*\*(\S[^*]*?)\*\*/g,
    markers: (m) => [m.index, m.index + 1, m.index + m[0].length - 2, m.index + m[0].length - 1],
  },
  {
    re: /(^|[\s(])[*_](\S[^*_]*?)[*_](?=[\s).,;:!?]|$)/g,
    markers: (m) => [m.index + m[1].length, m.index + m[0].length - 1],
  },
];

/** The passage as shown: characters without the emphasis markers, each with its index in the original text. */
function visibleChars(text) {
  let chars = [...Array(text.length).keys()];
  let shown = text;
  for (const { re, markers } of EMPHASIS) {
    const hidden = new Set();
    for (const m of shown.matchAll(re)) for (const i of markers(m)) hidden.add(i);
    if (!hidden.size) continue;
    chars = chars.filter((_, i) => !hidden.has(i));
    shown = chars.map((i) => text[i]).join("");
  }
  return { shown, chars };
}

/**
 * The passage as paragraphs of text nodes and <mark> elements: the server's highlight offsets (code points into
 * `text`) mark the words, Markdown emphasis markers are dropped, and blank lines separate paragraphs.
 */
export function highlightedParagraphs(text, highlights) {
  const source = String(text || "");
  const marked = markedUnits(source, highlights);
  const { shown, chars } = visibleChars(source);
  const out = [];
  const breaks = [...shown.matchAll(/\n\s*\n/g)].map((m) => [m.index, m.index + m[0].length]);
  let from = 0;
  for (const [stop, next] of [...breaks, [shown.length, shown.length]]) {
    let a = from;
    let b = stop;
    while (a < b && /\s/.test(shown[a])) a += 1;
    while (b > a && /\s/.test(shown[b - 1])) b -= 1;
    if (a < b) out.push(h("p", {}, runs(shown, chars, marked, a, b)));
    from = next;
  }
  return out;
}

function runs(shown, chars, marked, a, b) {
  const nodes = [];
  let start = a;
  for (let i = a + 1; i <= b; i += 1) {
    if (i < b && marked[chars[i]] === marked[chars[start]]) continue;
    const piece = shown.slice(start, i);
    nodes.push(marked[chars[start]] ? h("mark", { text: piece }) : piece);
    start = i;
  }
  return nodes;
}

// The coverage page marks a category's words in its evidence passages, which come without server highlights: a
// prefix match on rough stems, in the browser.
const STOPWORDS = new Set(
  (
    "a an and are as at be by can do does for from has have how in into is it its of on or should that the " +
    "their there these this to under was what when where which who why will with"
  ).split(" "),
);
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

// -- article chips --------------------------------------------------------------------------------------------

/** "1–20" when the refs are whole Protocol articles with no gap, else null. */
export function articleRun(refs) {
  const parsed = refs.map(parseRef);
  if (parsed.some((r) => r.instrument !== "protocol" || r.levels.length)) return null;
  const numbers = parsed.map((r) => r.number).sort((x, y) => x - y);
  const contiguous = numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
  return contiguous ? { first: numbers[0], last: numbers[numbers.length - 1] } : null;
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
  const moreButton = h("button", {
    type: "button",
    class: "button search-more",
    hidden: true,
    on: { click: () => showMore() },
  });
  resultsEl.after(moreButton);

  let state = stateFromUrl();
  let options = null; // facet options: {doc_type: [{value, label}], ...}
  let labels = new Map(); // `${key}:${value}` → label
  let controller = null;
  let lastResponse = null; // the first page's response: query, total, facets
  let shown = []; // every result shown so far, over all pages
  let optionsError = "";
  let articleListId = 0;

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
    const present = new Set(documents.map((d) => d.type));
    const types = Object.keys(DOC_TYPES).filter((t) => present.has(t) || !documents.length);
    const places = new Set();
    for (const p of projects) for (const place of [...(p.countries || []), ...(p.regions || [])]) places.add(place);
    options = {
      doc_type: types.map((t) => ({ value: t, label: DOC_TYPES[t] })),
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

  /** " (12)": how many of the current query's results carry the value; nothing before a query has run. */
  function countText(key, value) {
    const counts = lastResponse?.facets?.[key];
    return counts ? ` (${counts[value] || 0})` : "";
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
            h("span", {
              class: "facet__count",
              dataset: { facet: facet.key, value: option.value },
              text: countText(facet.key, option.value),
            }),
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

  /** New counts in place: a re-render would take the focus away from a checkbox just ticked. */
  function updateFacetCounts() {
    for (const span of facetsBody.querySelectorAll(".facet__count")) {
      span.textContent = countText(span.dataset.facet, span.dataset.value);
    }
  }

  function activeFilterNames() {
    return FACETS.filter((facet) => state.filters[facet.key].length).map(
      (facet) => `${facet.legend}: ${state.filters[facet.key].map((v) => labelOf(facet.key, v)).join(", ")}`,
    );
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

  /**
   * A few article chips as they are; many as "Art. 1–20" (whole articles without a gap) or the first three and
   * "+17": a toggle (aria-expanded) that shows every chip.
   */
  function articleChips(refs) {
    const chips = refs.map((r) => chip("article", r, refLabel(r, { short: true })));
    if (refs.length <= FEW_ARTICLES) return chips;
    const run = articleRun(refs);
    const visible = run ? [] : chips.slice(0, 3);
    const rest = chips.slice(visible.length);
    for (const item of rest) item.hidden = true;
    const label = (open) => {
      if (run) return [t("search.articleRun", "en", run), srOnly(t("search.articleRunSr", "en"))];
      if (open) return [t("search.fewerArticles", "en"), srOnly(t("search.fewerArticlesSr", "en"))];
      return [t("search.moreArticles", "en", { n: rest.length }), srOnly(t("search.moreArticlesSr", "en", { n: rest.length }))];
    };
    const toggle = h(
      "button",
      {
        type: "button",
        class: "chip chip--more",
        "aria-expanded": "false",
        on: {
          click: () => {
            const open = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", String(open));
            for (const item of rest) item.hidden = !open;
            toggle.replaceChildren(...label(open));
          },
        },
      },
      label(false),
    );
    const item = h("li", { class: "chips__toggle" }, toggle);
    return run ? [item, ...rest] : [...visible, ...rest, item];
  }

  function resultItem(result) {
    const refs = compactRefs(result.articles || []);
    const chips = [
      chip("doc_type", result.doc_type, DOC_TYPES[result.doc_type] || result.doc_type),
      ...(result.categories || []).map((c) => chip("category", c, labelOf("category", c))),
      ...articleChips(refs),
      ...(result.countries || []).map((c) => chip("country", c, c)),
    ];
    return h(
      "li",
      { class: "result", dataset: { chunkId: result.chunk_id, docType: result.doc_type, rank: String(result.rank) } },
      h(
        "article",
        { tabindex: "-1" },
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
        h("div", { class: "result__text" }, highlightedParagraphs(result.text, result.highlights)),
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

  function statusText(response) {
    const n = shown.length;
    const vars = { n: response.total, shown: n, query: response.query };
    const count = n < response.total ? t("search.countOf", "en", vars) : t("search.count", "en", { ...vars, n });
    return `${count} · ${Math.round(response.took_ms)} ms`;
  }

  /** The next page can be asked for: more results exist and the API pages that deep. */
  function updateMoreButton() {
    const more = lastResponse && shown.length < lastResponse.total && shown.length <= MAX_OFFSET;
    moreButton.hidden = !more;
    moreButton.disabled = false;
    moreButton.textContent = t("search.showMore", "en");
  }

  function renderResults(response) {
    lastResponse = response;
    shown = response.results || [];
    updateFacetCounts();
    resultsEl.replaceChildren(...shown.map((r) => resultItem(r)));
    if (shown.length) {
      statusEl.textContent = statusText(response);
    } else {
      const names = activeFilterNames();
      statusEl.textContent = names.length
        ? t("search.noMatchFilters", "en", { query: response.query, filters: names.join("; ") })
        : t("search.noMatch", "en", { query: response.query });
      const hint = names.length
        ? t("search.hintFilters", "en")
        : state.mode === "lexical"
          ? t("search.hintExact", "en")
          : t("search.hintWords", "en");
      resultsEl.append(h("li", { class: "result result--empty" }, h("p", { text: hint })));
    }
    updateMoreButton();
    announce(statusEl.textContent);
  }

  function searchBody(offset = 0) {
    const filters = {};
    for (const facet of FACETS) if (state.filters[facet.key].length) filters[facet.key] = state.filters[facet.key];
    const body = { query: state.q, top_k: Number(state.top_k), mode: state.mode, filters };
    if (state.mode === "lexical") body.exact = true; // "Exact words only": the words as typed, as a phrase
    if (offset) body.offset = offset;
    return body;
  }

  async function runSearch() {
    controller?.abort();
    errorEl.textContent = "";
    lastResponse = null;
    shown = [];
    updateMoreButton();
    if (!state.q) {
      controller = null;
      resultsEl.replaceChildren();
      resultsEl.removeAttribute("aria-busy");
      updateFacetCounts();
      statusEl.textContent = "Type a query to search the knowledge base.";
      return;
    }
    controller = new AbortController();
    const mine = controller;
    resultsEl.setAttribute("aria-busy", "true");
    statusEl.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), "Searching…");
    try {
      const response = await api.search(searchBody(), { signal: mine.signal });
      if (mine !== controller) return;
      renderResults(response);
    } catch (error) {
      if (error?.name === "AbortError" || mine !== controller) return;
      resultsEl.replaceChildren();
      statusEl.textContent = "";
      updateFacetCounts();
      errorEl.textContent = api.plainMessage(error, "search");
    } finally {
      if (mine === controller) resultsEl.removeAttribute("aria-busy");
    }
  }

  /** The next page, appended; the focus moves to its first result so the keyboard carries on reading there. */
  async function showMore() {
    if (!lastResponse) return;
    const mine = controller;
    const offset = shown.length;
    moreButton.disabled = true;
    moreButton.textContent = t("search.loadingMore", "en");
    resultsEl.setAttribute("aria-busy", "true");
    try {
      const response = await api.search(searchBody(offset), { signal: mine?.signal });
      if (mine !== controller) return;
      const known = new Set(shown.map((r) => r.chunk_id));
      const added = (response.results || []).filter((r) => !known.has(r.chunk_id));
      shown = [...shown, ...added];
      lastResponse = { ...lastResponse, total: response.total };
      const items = added.map((r) => resultItem(r));
      resultsEl.append(...items);
      statusEl.textContent = statusText(lastResponse);
      updateMoreButton();
      items[0]?.querySelector("article")?.focus();
      announce(t("search.moreShown", "en", { n: added.length }));
    } catch (error) {
      if (error?.name === "AbortError" || mine !== controller) return;
      updateMoreButton();
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
