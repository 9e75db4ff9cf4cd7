// The side panel (a modal <dialog>): a citation's source, an article's text, coverage evidence.
// Esc or "Close" closes it and focus returns to the control that opened it. A citation or article opened from an
// answer shows its labels in that answer's language; the passages and article texts stay English (`lang="en"`).

import * as api from "./api.js";
import { h, paragraphs } from "./dom.js";
import { direction, pickLanguage, t } from "./i18n.js";
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
export function openPanel(title, fill, { onClose = null, kind = "", lang = "en" } = {}) {
  const panel = dialog();
  if (!panel.open) returnFocus = document.activeElement;
  onCloseCallback = onClose;
  panel.dataset.kind = kind;
  const code = pickLanguage(lang);
  panel.setAttribute("lang", code);
  panel.setAttribute("dir", direction(code));
  const close = document.getElementById("panel-close");
  close.textContent = t("close", code);
  close.setAttribute("aria-label", t("closePanel", code));
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

/** An article's verbatim text (English): paragraphs, with "(a)" sub-paragraphs indented. */
export function articleText(text) {
  return h(
    "div",
    { class: "article-text", lang: "en", dir: "ltr" },
    paragraphs(text).map((p) => {
      if (/^\([a-z]+\)\s/.test(p.textContent)) p.classList.add("article-text__sub");
      return p;
    }),
  );
}

/**
 * A collapsible block with the verbatim text of `ref`, loaded from /api/articles/{ref}. A sub-paragraph also
 * offers the whole article. `lang`: the language of its labels (the article's title and text stay English).
 */
export function articleBlock(ref, { open = true, headingLevel = "h3", lang = "en" } = {}) {
  const heading = h(headingLevel, { class: "article-block__title" }, refLabel(ref, { lang }));
  const loading = h("p", { class: "loading", text: t("loadingArticle", lang) });
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
      if (detail.title) {
        heading.append(
          h(
            "span",
            { class: "article-block__name" },
            " · ",
            lang === "en" ? detail.title : h("span", { lang: "en", dir: "ltr", text: detail.title }),
          ),
        );
      }
      const parts = [articleText(detail.text)];
      // the part's title is English: isolated (FSI … PDI) inside a label in another language
      const part = lang === "en" ? detail.part : `\u2068${detail.part}\u2069`;
      if (detail.part) parts.unshift(h("p", { class: "meta", text: t("part", lang, { part }) }));
      if (isSubParagraph(ref)) {
        const whole = articleOf(ref);
        parts.push(articleBlock(whole, { open: false, headingLevel: "h4", lang }));
      }
      body.replaceChildren(...parts);
    } catch (error) {
      loaded = false;
      body.replaceChildren(
        h("p", {
          class: "notice notice--error",
          text:
            lang === "en"
              ? `The text of ${refLabel(ref)} could not be loaded. ${api.plainMessage(error, "article")}`
              : t("articleFailed", lang, {
                  ref: refLabel(ref, { lang }),
                  message: api.plainMessage(error, "article", lang),
                }),
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
export function openArticlePanel(ref, { lang = "en" } = {}) {
  openPanel(
    refLabel(ref, { lang }),
    (body) => body.append(articleBlock(ref, { open: true, headingLevel: "h3", lang })),
    { kind: "article", lang },
  );
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

/** English text from the sources inside labels in another language: isolated, left to right. */
function sourceText(text, lang) {
  return lang === "en" ? text : h("span", { lang: "en", dir: "ltr", text });
}

/** The source panel of citation [n]; its labels in `lang`, the answer's language; the quote stays English. */
export function openCitationPanel(citation, { lang = "en" } = {}) {
  const code = pickLanguage(lang);
  openPanel(
    t("sourcePanelTitle", code, { n: citation.n }),
    (body) => {
      const quote = citation.quote
        ? h("blockquote", { class: "source-quote", lang: "en", dir: "ltr" }, h("p", { text: citation.quote }))
        : h("blockquote", { class: "source-quote" }, h("p", { text: t("noQuote", code) }));
      body.append(
        h("p", { class: "panel__label", text: t("quotedPassage", code) }),
        quote,
        h(
          "dl",
          { class: "source-meta" },
          h("dt", { text: t("document", code) }),
          h("dd", { class: "source-meta__doc" }, sourceText(citation.doc_title || citation.doc_id, code)),
          h("dt", { text: t("section", code) }),
          h("dd", { class: "source-meta__section" }, citation.section ? sourceText(citation.section, code) : "—"),
          citation.page ? h("dt", { text: t("pageLabel", code) }) : null,
          citation.page ? h("dd", { class: "source-meta__page", text: t("page", code, { n: citation.page }) }) : null,
        ),
      );
      const refs = citedRefs(citation);
      if (!refs.length) {
        body.append(h("p", { class: "muted", text: t("noArticle", code) }));
        return;
      }
      body.append(
        h("h3", { class: "panel__subhead", text: t(refs.length === 1 ? "citedArticle" : "citedArticles", code) }),
      );
      refs.forEach((ref, i) => {
        body.append(articleBlock(ref, { open: refs.length <= 3 || i === 0, headingLevel: "h4", lang: code }));
      });
    },
    { kind: "citation", lang: code },
  );
}
