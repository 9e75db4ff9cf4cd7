// Article references in canonical form (DESIGN §3): `6`, `6(3)(b)`, or with an instrument prefix `untoc:18(13)`.

import { t } from "./i18n.js";

const INSTRUMENTS = { untoc: "Convention", coe: "Council of Europe Convention" };

export function parseRef(ref) {
  const text = String(ref);
  const colon = text.indexOf(":");
  const instrument = colon < 0 ? "protocol" : text.slice(0, colon);
  const local = colon < 0 ? text : text.slice(colon + 1);
  const number = Number.parseInt(local, 10);
  const levels = [...local.matchAll(/\(([^)]+)\)/g)].map((m) => m[1]);
  return { instrument, local, number, levels, article: colon < 0 ? String(number) : `${instrument}:${number}` };
}

/** The whole article a (sub)paragraph belongs to: `6(3)(b)` → `6`. */
export const articleOf = (ref) => parseRef(ref).article;

export const isSubParagraph = (ref) => parseRef(ref).levels.length > 0;

/** "Article 6(3)(b)", or "Convention article 18(13)" for another instrument; `lang` for another language. */
export function refLabel(ref, { short = false, lang = "en" } = {}) {
  const { instrument, local } = parseRef(ref);
  if (lang && lang !== "en") {
    if (instrument === "protocol") return t(short ? "refArticleShort" : "refArticle", lang, { ref: local });
    const name = INSTRUMENTS[instrument] ? t(`instrument.${instrument}`, lang) : instrument.toUpperCase();
    return t(short ? "refInstrumentShort" : "refInstrument", lang, { instrument: name, ref: local });
  }
  if (instrument === "protocol") return `${short ? "Art." : "Article"} ${local}`;
  return `${INSTRUMENTS[instrument] || instrument.toUpperCase()} ${short ? "art." : "article"} ${local}`;
}

export function compareRefs(a, b) {
  const pa = parseRef(a);
  const pb = parseRef(b);
  if (pa.instrument !== pb.instrument) {
    if (pa.instrument === "protocol" || pb.instrument === "protocol") return pa.instrument === "protocol" ? -1 : 1;
    return pa.instrument < pb.instrument ? -1 : 1;
  }
  if (pa.number !== pb.number) return pa.number - pb.number;
  return pa.local < pb.local ? -1 : pa.local > pb.local ? 1 : 0;
}

/** Drop references whose ancestor is listed too: [1, 6, 6(1), 6(3)(b), 10(2)] → [1, 6, 10(2)]. */
export function compactRefs(refs) {
  const set = new Set(refs);
  const ancestors = (ref) => {
    const { instrument, number, levels } = parseRef(ref);
    const prefix = instrument === "protocol" ? "" : `${instrument}:`;
    const out = [];
    for (let i = 0; i < levels.length; i += 1) {
      out.push(`${prefix}${number}${levels.slice(0, i).map((l) => `(${l})`).join("")}`);
    }
    return out;
  };
  return [...set].filter((ref) => !ancestors(ref).some((a) => set.has(a))).sort(compareRefs);
}

/** The short name of a project: "India Project: Strengthening …" → "India Project". */
export function shortTitle(title) {
  const text = String(title || "");
  const colon = text.indexOf(": ");
  return colon > 0 && colon < 60 ? text.slice(0, colon) : text;
}

export function subtitle(title) {
  const text = String(title || "");
  const colon = text.indexOf(": ");
  return colon > 0 && colon < 60 ? text.slice(colon + 2) : "";
}
