// What a delegate can take away from an answer, and tell us about it: "Copy with sources" (plain text: the question,
// the answer, numbered full citations), "Share link" (a URL that asks the conversation's questions again: stateless,
// nothing is stored on the server), "Export" (the conversation up to this answer as a DOCX briefing note or
// Markdown, built by the server from the same answers: POST /api/export) and 👍/👎 feedback with an optional
// comment (POST /api/feedback, sent only when the delegate clicks "Send").

import * as api from "./api.js";
import { announce, h } from "./dom.js";
import { t } from "./i18n.js";

/** The share URL's parameter: one `q` per question, oldest first (also read by the export's GET form). */
export const SHARE_PARAM = "q";
const SHARED_TURNS_MAX = 6; // the question and the conversation's 5 earlier turns (DESIGN §4's limit)
const EXPORT_TURNS_MAX = 20;

/** A citation as a reader finds it again: document, section (article), page. */
export function citationLine(citation, lang) {
  const where = [citation.doc_title || citation.doc_id, citation.section].filter(Boolean).join(", ");
  const page = citation.page ? `, ${t("page", lang, { n: citation.page })}` : "";
  return `[${citation.n}] ${where}${page}: “${citation.quote}”`;
}

/** The plain text "Copy with sources" puts on the clipboard; no timing, no interface labels beyond headings. */
export function plainText(question, response, lang) {
  const lines = [`${t("youAsked", lang)}: ${question}`, "", response.answer || ""];
  const citations = response.citations || [];
  if (citations.length) {
    lines.push("", `${t(response.abstained ? "closestPassages" : "sources", lang)}:`);
    for (const citation of citations) lines.push(citationLine(citation, lang));
  }
  return lines.join("\n");
}

/** The share URL of a conversation: its questions, oldest first, the last one being the answer shared. */
export function shareUrl(questions) {
  const params = new URLSearchParams();
  for (const question of questions.slice(-SHARED_TURNS_MAX)) params.append(SHARE_PARAM, question);
  return `/?${params}`;
}

/** The questions a share URL carries (none when it is not a share URL). */
export function sharedQuestions(search) {
  return new URLSearchParams(search)
    .getAll(SHARE_PARAM)
    .map((q) => q.trim())
    .filter(Boolean)
    .slice(0, SHARED_TURNS_MAX);
}

/** A turn as DESIGN §4's `conversation` and `/api/export` take it: the question and what its answer named. */
export function turnRecord(question, response) {
  return {
    question,
    projects: (response.projects || []).map((p) => p.id),
    articles: (response.articles || []).map((a) => a.ref),
    doc_ids: [...new Set((response.citations || []).map((c) => c.doc_id))],
  };
}

async function writeClipboard(text) {
  if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
  await navigator.clipboard.writeText(text);
}

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a"); // not dom.h: its href guard allows same-origin paths only
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The tools under one finished answer. `conversation()` gives the turns up to and including this one, oldest first,
 * as `{question, response}`.
 */
export function answerTools({ question, response, lang, conversation }) {
  const status = h("p", { class: "answer-tools__status", role: "status" });
  const fallback = h("div", { class: "answer-tools__fallback", hidden: true });
  const say = (message) => {
    status.textContent = message;
    announce(message);
  };

  const showFallback = (label, text) => {
    const id = `copy-${Math.random().toString(36).slice(2)}`;
    const area = h("textarea", { id, class: "answer-tools__text", readonly: true, rows: "6" });
    area.value = text;
    fallback.replaceChildren(h("label", { for: id, text: label }), area);
    fallback.hidden = false;
    area.focus();
    area.select();
  };

  const copy = async () => {
    const text = plainText(question, response, lang);
    try {
      await writeClipboard(text);
      fallback.hidden = true;
      say(t("copied", lang));
    } catch {
      showFallback(t("copyFallback", lang), text);
      say(t("copyFallback", lang));
    }
  };

  const share = async () => {
    const url = new URL(shareUrl(conversation().map((turn) => turn.question)), window.location.origin).href;
    try {
      await writeClipboard(url);
      fallback.hidden = true;
      say(t("linkCopied", lang));
    } catch {
      showFallback(t("linkFallback", lang), url);
      say(t("linkFallback", lang));
    }
  };

  const exportAs = async (format, button) => {
    const turns = conversation()
      .slice(-EXPORT_TURNS_MAX)
      .map((turn) => turnRecord(turn.question, turn.response));
    button.disabled = true;
    say(t("exporting", lang));
    try {
      const { blob, filename } = await api.exportConversation({ format, turns });
      download(blob, filename);
      say(t("exported", lang, { file: filename }));
    } catch (error) {
      say(t("exportFailed", lang, { reason: api.plainMessage(error, "export", lang) }));
    } finally {
      button.disabled = false;
    }
  };

  const docx = h("button", { type: "button", class: "button button--small" }, t("exportDocx", lang));
  const markdown = h("button", { type: "button", class: "button button--small" }, t("exportMarkdown", lang));
  docx.addEventListener("click", () => exportAs("docx", docx));
  markdown.addEventListener("click", () => exportAs("markdown", markdown));

  // A verdict is on an answer's text: an empty one (a failed generation) has nothing to judge.
  const rating = response.answer ? feedback({ question, response, lang, say }) : { buttons: null, form: null };
  return h(
    "div",
    { class: "answer-tools" },
    h(
      "div",
      { class: "answer-tools__row", role: "group", "aria-label": t("answerTools", lang) },
      h("button", { type: "button", class: "button button--small", on: { click: copy } }, t("copy", lang)),
      h("button", { type: "button", class: "button button--small", on: { click: share } }, t("share", lang)),
      h("span", { class: "answer-tools__group", role: "group", "aria-label": t("export", lang) }, docx, markdown),
      rating.buttons,
    ),
    rating.form,
    status,
    fallback,
  );
}

/** Helpful / not helpful, then an optional comment and "Send": nothing leaves the browser before "Send". */
function feedback({ question, response, lang, say }) {
  const form = h("form", { class: "feedback__form", hidden: true });
  const id = `feedback-${Math.random().toString(36).slice(2)}`;
  const comment = h("textarea", { id, name: "comment", rows: "2", maxlength: "2000" });
  const send = h("button", { type: "submit", class: "button button--small button--primary" }, t("feedbackSend", lang));
  const cancel = h("button", { type: "button", class: "button button--small button--quiet" }, t("cancel", lang));
  form.append(h("label", { for: id, text: t("feedbackComment", lang) }), comment, h("div", {}, send, cancel));
  let verdict = null;

  const choose = (value, button) => {
    verdict = value;
    for (const other of [up, down]) other.setAttribute("aria-pressed", String(other === button));
    form.hidden = false;
    comment.focus();
  };
  const up = h(
    "button",
    { type: "button", class: "button button--small feedback__verdict", "aria-pressed": "false" },
    t("helpful", lang),
  );
  const down = h(
    "button",
    { type: "button", class: "button button--small feedback__verdict", "aria-pressed": "false" },
    t("notHelpful", lang),
  );
  up.addEventListener("click", () => choose("up", up));
  down.addEventListener("click", () => choose("down", down));
  cancel.addEventListener("click", () => {
    verdict = null;
    for (const button of [up, down]) button.setAttribute("aria-pressed", "false");
    form.hidden = true;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!verdict) return;
    send.disabled = true;
    const citations = (response.citations || []).map((c) => ({
      n: c.n,
      chunk_id: c.chunk_id,
      doc_id: c.doc_id,
      section: c.section,
      quote: c.quote,
    }));
    const payload = { question, answer: response.answer, citations, verdict };
    if (comment.value.trim()) payload.comment = comment.value.trim();
    try {
      await api.feedback(payload);
      form.hidden = true;
      up.disabled = true;
      down.disabled = true;
      say(t("feedbackThanks", lang));
    } catch (error) {
      say(t("feedbackFailed", lang, { reason: api.plainMessage(error, "feedback", lang) }));
    } finally {
      send.disabled = false;
    }
  });
  return { buttons: h("span", { class: "feedback", role: "group", "aria-label": t("feedback", lang) }, up, down), form };
}
