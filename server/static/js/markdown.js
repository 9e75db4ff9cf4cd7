// The small Markdown subset answers use, rendered with DOM calls only (never innerHTML):
// paragraphs (one per line), "- " list items, **bold**, “quotes”, and [n] citation markers as buttons.

import { h } from "./dom.js";

// A quote may hold quotes of its own (“(a) “Trafficking in persons” shall mean …”): one level of nesting is
// matched whole, so the entire passage is one English span; an unbalanced “ falls back to the nearest ”.
const INLINE = /(\*\*(?=\S)[^*]+?\*\*)|(\[\d{1,3}\])|(“(?:[^“”]|“[^“”]*”)*”|“[^”]*”)/g;

/**
 * Inline content: returns nodes. `cite(n)` builds the button for a marker whose citation exists; unknown
 * markers stay plain text.
 */
export function inline(text, cite) {
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const [token, bold, marker, quote] = match;
    if (match.index > last) nodes.push(text.slice(last, match.index));
    if (bold) {
      nodes.push(h("strong", {}, inline(bold.slice(2, -2), cite)));
    } else if (marker) {
      const n = Number(marker.slice(1, -1));
      nodes.push(cite?.(n) || marker);
    } else if (quote) {
      // a quoted passage stays in English, the sources' language, whatever the answer's language
      nodes.push(h("span", { class: "quote", lang: "en", dir: "ltr" }, "“", inline(quote.slice(1, -1), cite), "”"));
    } else {
      nodes.push(token);
    }
    last = match.index + token.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

/** Block structure: consecutive "- " (or "* ") lines form a list, other lines are paragraphs. */
export function renderMarkdown(text, cite) {
  const blocks = [];
  let list = null;
  for (const raw of String(text || "").split(/\r?\n/)) {
    const line = raw.trim();
    const item = /^[-*•]\s+(.*)$/.exec(line);
    if (item) {
      if (!list) {
        list = h("ul", { class: "answer__list" });
        blocks.push(list);
      }
      list.append(h("li", {}, inline(item[1], cite)));
      continue;
    }
    list = null;
    if (line) blocks.push(h("p", {}, inline(line, cite)));
  }
  return blocks;
}
