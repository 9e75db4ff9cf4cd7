// The side panel (a modal <dialog>): a citation's source, an article's text, coverage evidence.
// Esc or "Close" closes it and focus returns to the control that opened it.

import * as api from "./api.js";
import { h, paragraphs } from "./dom.js";
import { articleOf, isSubParagraph, parseRef, refLabel } from "./refs.js";

const dialog = () => document.getElementById("panel");
let returnFocus = null;
let onCloseCallback = null;

export function initPanel() {
  const panel = dialog();
  document.getElementById("panel-close").addEventListener("click", () => panel.close());
  // A click on the backdrop (outside the panel's content) closes it too.
  panel.addEventListener("click", (event) => {
    if (event.target === panel) panel.close();
  });
  panel.addEventListener("close", () => {
    const callback = onCloseCallback;
    onCloseCallback = null;
    if (returnFocus?.isConnected) returnFocus.focus();
    returnFocus = null;
    callback?.();
  });
}

/** Open the panel with `title`; `fill(body)` adds its content (it may add more later, e.g. after a fetch). */
export function openPanel(title, fill, { onClose = null, kind = "" } = {}) {
  const panel = dialog();
  if (!panel.open) returnFocus = document.activeElement;
  onCloseCallback = onClose;
  panel.dataset.kind = kind;
  document.getElementById("panel-title").textContent = title;
  const body = document.getElementById("panel-body");
  body.replaceChildren();
  body.scrollTop = 0;
  fill(body);
  if (!panel.open) panel.showModal();
  document.getElementById("panel-title").focus();
}

export function closePanel() {
  const panel = dialog();
  if (panel.open) panel.close();
}

export function isPanelOpen() {
  return dialog().open;
}

// -- article texts ---------------------------------------------------------------------------------------

/** An article's verbatim text: paragraphs, with "(a)" sub-paragraphs indented. */
export function articleText(text) {
  return h(
    "div",
    { class: "article-text" },
    paragraphs(text).map((p) => {
      if (/^\([a-z]+\)\s/.test(p.textContent)) p.classList.add("article-text__sub");
      return p;
    }),
  );
}

/**
 * A collapsible block with the verbatim text of `ref`, loaded from /api/articles/{ref}. A sub-paragraph also
 * offers the whole article.
 */
export function articleBlock(ref, { open = true, headingLevel = "h3" } = {}) {
  const heading = h(headingLevel, { class: "article-block__title" }, refLabel(ref));
  const loading = h("p", { class: "loading", text: "Loading the article text…" });
  const body = h("div", { class: "article-block__body" }, loading);
  const block = h(
    "details",
    { class: "article-block", open, dataset: { ref } },
    h("summary", {}, heading),
    body,
  );
  let loaded = false;
  const load = async () => {
    if (loaded) return;
    loaded = true;
    try {
      const detail = await api.article(ref);
      if (detail.title) heading.append(h("span", { class: "article-block__name" }, ` · ${detail.title}`));
      const parts = [articleText(detail.text)];
      if (detail.part) parts.unshift(h("p", { class: "meta", text: `Part ${detail.part}` }));
      if (isSubParagraph(ref)) {
        const whole = articleOf(ref);
        parts.push(articleBlock(whole, { open: false, headingLevel: "h4" }));
      }
      body.replaceChildren(...parts);
    } catch (error) {
      loaded = false;
      body.replaceChildren(
        h("p", {
          class: "notice notice--error",
          text: `The text of ${refLabel(ref)} could not be loaded. ${api.plainMessage(error, "article")}`,
        }),
      );
    }
  };
  if (open) load();
  block.addEventListener("toggle", () => {
    if (block.open) load();
  });
  return block;
}

/** The panel for one article (from a project card, a result chip, the coverage table). */
export function openArticlePanel(ref) {
  openPanel(refLabel(ref), (body) => body.append(articleBlock(ref, { open: true, headingLevel: "h3" })), {
    kind: "article",
  });
}

// -- citations --------------------------------------------------------------------------------------------

/** The Protocol refs a citation points to; a Protocol chunk (`protocol:6(3)(b)`) also cites its own ref. */
export function citedRefs(citation) {
  const refs = [...(citation.articles || [])];
  const locator = /^protocol:(.+)$/.exec(citation.chunk_id || "");
  if (locator && !refs.includes(locator[1]) && !refs.some((r) => articleOf(r) === articleOf(locator[1]))) {
    refs.unshift(locator[1]);
  }
  return refs.filter((ref) => Number.isFinite(parseRef(ref).number));
}

export function openCitationPanel(citation) {
  openPanel(
    `Source [${citation.n}]`,
    (body) => {
      body.append(
        h("p", { class: "panel__label", text: "Quoted passage" }),
        h("blockquote", { class: "source-quote" }, h("p", { text: citation.quote || "(no quote)" })),
        h(
          "dl",
          { class: "source-meta" },
          h("dt", { text: "Document" }),
          h("dd", { class: "source-meta__doc", text: citation.doc_title || citation.doc_id }),
          h("dt", { text: "Section" }),
          h("dd", { class: "source-meta__section", text: citation.section || "—" }),
          citation.page ? h("dt", { text: "Page" }) : null,
          citation.page ? h("dd", { class: "source-meta__page", text: `p. ${citation.page}` }) : null,
        ),
      );
      const refs = citedRefs(citation);
      if (!refs.length) {
        body.append(h("p", { class: "muted", text: "This passage cites no Protocol article." }));
        return;
      }
      body.append(h("h3", { class: "panel__subhead", text: refs.length === 1 ? "Cited article" : "Cited articles" }));
      refs.forEach((ref, i) => {
        body.append(articleBlock(ref, { open: refs.length <= 3 || i === 0, headingLevel: "h4" }));
      });
    },
    { kind: "citation" },
  );
}
