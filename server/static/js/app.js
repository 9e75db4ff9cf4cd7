// The page shell: picks the view from the path (/ chat, /search, /coverage, /documents), switches views without a
// reload (history API, so back/forward and shared links work), and keeps the nav's current page marked.

import { initChat } from "./chat.js";
import { initCoverage } from "./coverage.js";
import { initDocuments } from "./documents.js";
import { closePanel, initPanel } from "./panel.js";
import { initSearch } from "./search.js";

const ROUTES = { "/": "chat", "/search": "search", "/coverage": "coverage", "/documents": "documents" };
const FACTORIES = { chat: initChat, search: initSearch, coverage: initCoverage, documents: initDocuments };
const TITLES = { chat: "Ask", search: "Search", coverage: "Coverage", documents: "Documents" };
const views = {};
let current = null;

function viewFor(pathname) {
  return ROUTES[pathname.replace(/\/+$/, "") || "/"] || "chat";
}

async function route({ focus = false } = {}) {
  const name = viewFor(window.location.pathname);
  if (!views[name]) views[name] = FACTORIES[name]();
  const changed = name !== current;
  current = name;
  // section[…]: <body> carries data-view too (below), and must never be hidden with the views.
  for (const section of document.querySelectorAll("section[data-view]")) section.hidden = section.dataset.view !== name;
  for (const link of document.querySelectorAll("[data-view-link]")) {
    if (link.dataset.viewLink === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${TITLES[name]} · tipkb: Trafficking in Persons Protocol knowledge base`;
  if (changed && focus) document.querySelector(`section[data-view="${name}"] h1`)?.focus();
  document.body.dataset.view = name;
  await views[name].show();
  document.body.dataset.ready = name;
}

/** Same-origin links to one of the views switch view in place; anything else is left to the browser. */
function onLinkClick(event) {
  const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
  if (event.defaultPrevented || event.button !== 0 || modified) return;
  const link = event.target.closest?.("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || !(url.pathname in ROUTES)) return;
  event.preventDefault();
  const switching = viewFor(url.pathname) !== current;
  if (switching) closePanel();
  if (url.pathname + url.search !== window.location.pathname + window.location.search) {
    window.history.pushState({}, "", url.pathname + url.search);
  }
  route({ focus: switching });
}

function start() {
  initPanel();
  document.addEventListener("click", onLinkClick);
  window.addEventListener("popstate", () => route({ focus: true }));
  route().catch((error) => {
    console.error(error);
  });
}

start();
