// The chat view: a question box, the conversation (kept for the browser tab's session), answers streamed from
// POST /api/ask/stream with a fallback to POST /api/ask, [n] markers that open the source panel, project
// cards, a distinct look for abstentions, and plain-language errors. Each answer's labels follow the language the
// server reports for its question (`language`, English when absent); quoted passages stay English.

import { answerTools, sharedQuestions, turnRecord } from "./answer_tools.js";
import * as api from "./api.js";
import { announce, h, nextFrame, srOnly } from "./dom.js";
import { direction, guessLanguage, responseLanguage, t } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";
import { openArticlePanel, openCitationPanel } from "./panel.js";
import { compactRefs, refLabel, shortTitle, subtitle } from "./refs.js";

const STORAGE_KEY = "tipkb.conversation.v1";
const MAX_QUESTION_CHARS = 1000; // the API's limit: a longer question is refused here, never cut
const MAX_CONVERSATION_TURNS = 5; // earlier turns an /api/ask request carries (DESIGN §4)
const MAX_KEPT_TURNS = 30;
const SUGGESTIONS = [
  "Which projects address victim protection?",
  "What must countries do to help trafficked people go back home?",
  "How does the Protocol define trafficking in persons?",
  "Which articles are not addressed by any project?",
];
// The intents shown next to the badge; their labels are the i18n keys `intent.<name>`.
const INTENTS = new Set(["project_finder", "protocol_question", "taxonomy", "coverage", "passage_search"]);

/** English text from the corpus (titles, sections, offices, countries) inside labels in another language. */
function sourceText(text, lang) {
  return lang === "en" ? text : h("span", { lang: "en", dir: "ltr", text });
}

function loadTurns() {
  try {
    const turns = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "[]");
    return Array.isArray(turns) ? turns.filter((t) => t && typeof t.question === "string" && t.response) : [];
  } catch {
    return [];
  }
}

function saveTurns(turns) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(turns.slice(-MAX_KEPT_TURNS)));
  } catch {
    // storage full or disabled: the conversation stays on the page only
  }
}

// -- one answer ------------------------------------------------------------------------------------------

function citationButton(citation, lang) {
  const button = h(
    "button",
    {
      type: "button",
      class: "cite",
      title: t("sourceTitle", lang, { n: citation.n, title: citation.doc_title }),
      "aria-haspopup": "dialog",
      dataset: { n: String(citation.n) },
      on: { click: () => openCitationPanel(citation, { lang }) },
    },
    srOnly(`${t("source", lang)} `),
    `[${citation.n}]`,
  );
  return button;
}

// Category labels from /api/categories; until they arrive (or if they cannot), ids are shown humanised.
let categoryLabels = new Map();
const labelsReady = api.categoryLabels().then((labels) => {
  categoryLabels = labels;
  for (const tag of document.querySelectorAll(".tag--category[data-category]")) {
    tag.textContent = labels.get(tag.dataset.category) || tag.textContent;
  }
});

function projectCard(project, lang) {
  const refs = compactRefs(project.articles || []);
  const places = [...(project.countries || [])];
  const regions = (project.regions || []).filter((r) => !places.includes(r));
  const english = lang === "en" ? {} : { lang: "en", dir: "ltr" }; // project data stays in English
  const where = `${places.length ? places.join(", ") : "—"}${regions.length ? ` (${regions.join(", ")})` : ""}`;
  return h(
    "article",
    { class: "project-card", dataset: { projectId: project.id } },
    h("h4", { class: "project-card__title" }, sourceText(shortTitle(project.title), lang)),
    subtitle(project.title)
      ? h("p", { class: "project-card__subtitle" }, sourceText(subtitle(project.title), lang))
      : null,
    h(
      "dl",
      { class: "project-card__facts" },
      project.office
        ? [h("dt", { text: t("office", lang) }), h("dd", {}, sourceText(project.office, lang))]
        : null,
      h("dt", { text: t("categories", lang) }),
      h(
        "dd",
        {},
        h(
          "ul",
          { class: "tags" },
          (project.categories || []).map((id) =>
            h("li", {
              ...english,
              class: "tag tag--category",
              dataset: { category: id },
              text: categoryLabels.get(id) || api.humanise(id),
            }),
          ),
        ),
      ),
      h("dt", { text: t("articles", lang) }),
      h(
        "dd",
        {},
        refs.length
          ? h(
              "ul",
              { class: "tags" },
              refs.map((ref) =>
                h(
                  "li",
                  {},
                  h(
                    "button",
                    {
                      type: "button",
                      class: "tag tag--article",
                      "aria-haspopup": "dialog",
                      title: t("readRef", lang, { ref: refLabel(ref, { lang }) }),
                      on: { click: () => openArticlePanel(ref, { lang }) },
                    },
                    refLabel(ref, { short: true, lang }),
                  ),
                ),
              ),
            )
          : "—",
      ),
      h("dt", { text: t("countries", lang) }),
      h(
        "dd",
        { class: "project-card__countries" },
        places.length || regions.length ? sourceText(where, lang) : "—",
      ),
    ),
  );
}

function truncate(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/**
 * A document's short name, so that sources of different documents read differently at a glance: a project's name
 * ("India Project"), a fact sheet's subject, a treaty's name without its long tail. The full title is the tooltip
 * and is in the source panel.
 */
export function shortName(title) {
  const text = String(title || "").trim();
  const colon = text.indexOf(": ");
  if (colon > 0 && colon < 60) {
    const head = text.slice(0, colon);
    if (head !== head.toUpperCase()) return head; // "India Project: Strengthening …"
    const kind = head.charAt(0) + head.slice(1).toLowerCase(); // "FACT SHEET" → "Fact sheet"
    return `${kind}: ${truncate(text.slice(colon + 2), 70)}`;
  }
  const cuts = [" - ", " (", ", "].map((sep) => text.indexOf(sep, 25)).filter((i) => i > 0);
  return truncate(cuts.length ? text.slice(0, Math.min(...cuts)) : text, 80);
}

/** What tells this source apart from the others of its document: its section, or else how its quote begins. */
function sourcePart(citation) {
  const section = String(citation.section || "");
  const name = shortName(citation.doc_title);
  if (section && !section.includes(name) && !String(citation.doc_title || "").includes(section)) {
    return truncate(section, 90);
  }
  return citation.quote ? `“${truncate(citation.quote, 70)}”` : "";
}

function sourcesList(citations, abstained, lang) {
  const list = h(
      "ol",
      { class: "sources__list" },
      citations.map((c) =>
        h(
          "li",
          { class: "sources__item" },
          citationButton(c, lang),
          h(
            "span",
            { class: "sources__doc", title: c.doc_title, lang: "en", dir: lang === "en" ? null : "ltr" },
            shortName(c.doc_title || c.doc_id),
          ),
          sourcePart(c)
            ? h("span", { class: "sources__section", title: c.section }, " · ", sourceText(sourcePart(c), lang))
            : null,
          c.page ? h("span", { class: "sources__page", text: ` · ${t("page", lang, { n: c.page })}` }) : null,
        ),
      ),
    );
  if (abstained) {
    // Passages that do not answer are not presented as if they did: folded away, opened on request.
    return h(
      "details",
      { class: "sources sources--closest" },
      h("summary", { class: "sources__title", text: t("showClosest", lang) }),
      h("p", { class: "sources__caveat", text: t("closestPassages", lang) }),
      list,
    );
  }
  return h("section", { class: "sources" }, h("h3", { class: "sources__title", text: t("sources", lang) }), list);
}

/** The DOM of one question and its answer; the answer fills in as the stream delivers its parts. */
class Turn {
  constructor(question, { onRetry, conversation }) {
    this.question = question;
    this.onRetry = onRetry;
    this.conversation = conversation; // the turns up to and including this one, for share and export
    this.response = null;
    this.head = null;
    this.answerText = null;
    this.lang = guessLanguage(question); // until the server says which language the question is in
    this.badge = h("span", { class: "message__badge" });
    this.intent = h("span", { class: "message__intent" });
    this.body = h("div", { class: "message__body" });
    this.projects = h("div", { class: "message__projects" });
    this.sources = h("div", { class: "message__sources" });
    this.note = h("p", { class: "message__note" });
    this.foot = h("p", { class: "message__foot" }); // timing and counts: not part of the answer, not printed
    this.tools = h("div", { class: "message__tools" });
    this.answer = h(
      "section",
      { class: "message message--answer", tabindex: "-1", dataset: { phase: "waiting" } },
      h("header", { class: "message__head" }, this.badge, this.intent),
      this.body,
      this.projects,
      this.sources,
      this.note,
      this.foot,
      this.tools,
    );
    this.asked = h("h2", { class: "sr-only" });
    this.questionEl = h(
      "div",
      { class: "message message--question" },
      this.asked,
      h("p", { dir: "auto", text: question }),
    );
    this.el = h("article", { class: "turn" }, this.questionEl, this.answer);
    this.setLanguage(this.lang);
    this.badge.textContent = t("answer", this.lang);
    this.setLoading(t("searching", this.lang));
  }

  /** The language of this answer's labels: `lang` on the question and the answer, right to left for Arabic. */
  setLanguage(lang) {
    this.lang = lang;
    for (const el of [this.questionEl, this.answer]) el.setAttribute("lang", lang);
    this.answer.setAttribute("dir", direction(lang));
    this.answer.setAttribute("aria-label", t("answer", lang));
    this.asked.textContent = t("youAsked", lang);
  }

  /** waiting → citations → answer → done (or error); each change is also a bubbling `tipkb:phase` event. */
  setPhase(phase) {
    if (this.answer.dataset.phase === phase) return;
    this.answer.dataset.phase = phase;
    this.answer.setAttribute("aria-busy", phase === "done" || phase === "error" ? "false" : "true");
    this.answer.dispatchEvent(new CustomEvent("tipkb:phase", { bubbles: true, detail: { phase } }));
  }

  setLoading(text) {
    this.setPhase(this.head ? "citations" : "waiting");
    const spinner = h("span", { class: "spinner", "aria-hidden": "true" });
    this.body.replaceChildren(h("p", { class: "loading", role: "status" }, spinner, text));
  }

  showHead(head) {
    this.head = head;
    this.setLanguage(responseLanguage(head));
    const lang = this.lang;
    const abstained = Boolean(head.abstained);
    this.answer.classList.toggle("message--abstained", abstained);
    this.answer.dataset.abstained = String(abstained);
    this.badge.textContent = t(abstained ? "notInKb" : "answer", lang);
    this.intent.textContent = !abstained && INTENTS.has(head.intent) ? t(`intent.${head.intent}`, lang) : "";
    const citations = head.citations || [];
    this.sources.replaceChildren(citations.length ? sourcesList(citations, abstained, lang) : "");
    const projects = head.projects || [];
    this.projects.replaceChildren(
      projects.length
        ? h(
            "section",
            { class: "projects" },
            h("h3", { class: "projects__title", text: t("projects", lang, { n: projects.length }) }),
            h("div", { class: "project-cards" }, projects.map((p) => projectCard(p, lang))),
          )
        : "",
    );
    this.note.textContent = lang === "en" ? "" : t("quotesInEnglish", lang);
    this.setLoading(t("writing", lang));
  }

  /** A language model's unverified draft, as plain text: the verified answer replaces it. */
  showDraft(text) {
    const lang = this.lang;
    this.body.replaceChildren(
      h("p", { class: "loading", role: "status", text: t("drafting", lang) }),
      h("p", { class: "message__draft", text }),
    );
  }

  showAnswer(text) {
    this.answerText = text;
    const lang = this.lang;
    const byN = new Map((this.head?.citations || []).map((c) => [c.n, c]));
    const cite = (n) => (byN.has(n) ? citationButton(byN.get(n), lang) : null);
    const blocks = renderMarkdown(text, cite);
    if (this.head?.abstained) {
      blocks.push(
        h(
          "p",
          { class: "abstention-note" },
          t("rephraseBefore", lang),
          h("a", { href: `/search?${new URLSearchParams({ q: this.question })}` }, t("rephraseLink", lang)),
          t("rephraseAfter", lang),
        ),
      );
    }
    this.body.replaceChildren(...blocks);
    this.setPhase("answer");
  }

  complete(response) {
    if (!this.head) this.showHead(response);
    if (this.answerText === null) this.showAnswer(response.answer || "");
    const lang = this.lang;
    const count = (response.citations || []).length;
    const ms = typeof response.took_ms === "number" ? Math.round(response.took_ms) : null;
    const took = ms === null ? "" : t("answeredIn", lang, { ms });
    const style = response.style === "generative" ? t("generated", lang) : "";
    this.foot.textContent = [style, took, count ? t("sourceCount", lang, { n: count }) : ""]
      .filter(Boolean)
      .join(" · ");
    // Why a generated answer fell back to quotes, or what was removed from it.
    if (response.note) this.note.textContent = [this.note.textContent, response.note].filter(Boolean).join(" ");
    this.response = response;
    this.tools.replaceChildren(
      answerTools({ question: this.question, response, lang, conversation: () => this.conversation(this) }),
    );
    this.setPhase("done");
  }

  fail(message) {
    const lang = this.lang;
    this.answer.classList.add("message--error");
    this.answer.classList.remove("message--abstained");
    this.badge.textContent = t("error", lang);
    this.intent.textContent = "";
    this.projects.replaceChildren();
    this.sources.replaceChildren();
    this.note.textContent = "";
    this.body.replaceChildren(
      h("p", { class: "error-text", role: "alert", text: message }),
      h("button", { type: "button", class: "button", on: { click: () => this.onRetry(this) } }, t("tryAgain", lang)),
    );
    this.foot.textContent = "";
    this.tools.replaceChildren();
    this.setPhase("error");
  }

  /** Restart the answer part (a fallback after a broken stream, or a retry). */
  reset() {
    this.head = null;
    this.answerText = null;
    this.setLanguage(guessLanguage(this.question));
    this.answer.classList.remove("message--error", "message--abstained");
    this.badge.textContent = t("answer", this.lang);
    this.intent.textContent = "";
    this.projects.replaceChildren();
    this.sources.replaceChildren();
    this.note.textContent = "";
    this.foot.textContent = "";
    this.tools.replaceChildren();
    this.response = null;
    this.setLoading(t("searching", this.lang));
  }
}

// -- the view ---------------------------------------------------------------------------------------------

export function initChat() {
  const form = document.getElementById("ask-form");
  const textarea = document.getElementById("question");
  const submit = document.getElementById("ask-submit");
  const conversation = document.getElementById("conversation");
  const empty = document.getElementById("conversation-empty");
  const errorEl = document.getElementById("question-error");
  const counter = document.getElementById("question-count");
  const clearButton = document.getElementById("clear-conversation");
  let turns = loadTurns();
  let busy = false;
  const live = []; // the Turn objects on the page, oldest first
  const conversationUpTo = (turn) =>
    live
      .slice(0, live.indexOf(turn) + 1)
      .filter((t) => t.response)
      .map((t) => ({ question: t.question, response: t.response }));

  labelsReady.catch(() => {});

  const refreshChrome = () => {
    empty.hidden = conversation.querySelector(".turn") !== null;
    clearButton.hidden = empty.hidden === false;
    counter.textContent = String(textarea.value.length);
    counter.parentElement.classList.toggle("ask-form__help--over", textarea.value.length > MAX_QUESTION_CHARS);
  };

  const setBusy = (value) => {
    busy = value;
    submit.disabled = value;
    clearButton.disabled = value;
    submit.textContent = value ? "Asking…" : "Ask";
    form.setAttribute("aria-busy", String(value));
  };

  // DESIGN §4: the earlier answered turns (at most 5, oldest first), so "which of them…" reads against them.
  const earlierTurns = (turn) =>
    live
      .slice(0, live.indexOf(turn))
      .filter((t) => t.response)
      .slice(-MAX_CONVERSATION_TURNS)
      .map((t) => turnRecord(t.question, t.response));

  async function run(turn) {
    const payload = { question: turn.question, conversation: earlierTurns(turn) };
    setBusy(true);
    announce(t("searching", turn.lang));
    try {
      let response;
      try {
        response = await api.askStream(payload, {
          onCitations: async (head) => {
            await turn.showHead(head);
            await nextFrame(); // let the sources and project cards paint before the answer text
          },
          onDraft: (text) => turn.showDraft(text),
          onAnswer: (text) => turn.showAnswer(text),
        });
      } catch (error) {
        if (error?.name === "AbortError" || api.isClientError(error)) throw error;
        turn.reset(); // the stream is unavailable or broke off: ask again without streaming
        response = await api.ask(payload);
      }
      turn.complete(response);
      turns.push({ question: turn.question, response: { ...response, streamed: undefined } });
      saveTurns(turns);
      announce(t(response.abstained ? "abstainedAnnounce" : "answerReady", turn.lang));
    } catch (error) {
      turn.fail(api.plainMessage(error, "question", turn.lang));
      announce(t("failedAnnounce", turn.lang));
    } finally {
      setBusy(false);
      turn.answer.focus({ preventScroll: true });
      turn.answer.scrollIntoView({ block: "start", behavior: prefersReducedMotion() ? "auto" : "smooth" });
    }
  }

  function ask(question) {
    const turn = new Turn(question, {
      onRetry: (t) => {
        if (busy) return;
        t.reset();
        run(t);
      },
      conversation: conversationUpTo,
    });
    live.push(turn);
    conversation.append(turn.el);
    refreshChrome();
    turn.el.scrollIntoView({ block: "end", behavior: prefersReducedMotion() ? "auto" : "smooth" });
    return run(turn);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = textarea.value.trim();
    errorEl.textContent = "";
    if (busy) {
      errorEl.textContent = "Please wait for the current answer.";
      return;
    }
    if (!question) {
      errorEl.textContent = "Type a question first.";
      textarea.focus();
      return;
    }
    if (question.length > MAX_QUESTION_CHARS) {
      // Refused before sending, with the text left as typed: never cut silently mid-word.
      errorEl.textContent = t("questionTooLong", guessLanguage(question), { n: question.length });
      textarea.focus();
      return;
    }
    textarea.value = "";
    refreshChrome();
    ask(question);
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  textarea.addEventListener("input", () => {
    errorEl.textContent = "";
    refreshChrome();
  });

  const clear = () => {
    turns = [];
    live.length = 0;
    saveTurns(turns);
    conversation.querySelectorAll(".turn").forEach((el) => el.remove());
  };

  clearButton.addEventListener("click", () => {
    clear();
    refreshChrome();
    textarea.focus();
    announce("Conversation cleared.");
  });

  const list = document.getElementById("suggestions");
  for (const suggestion of SUGGESTIONS) {
    list.append(
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "suggestion",
            on: {
              click: () => {
                if (busy) return;
                textarea.value = suggestion;
                form.requestSubmit();
              },
            },
          },
          suggestion,
        ),
      ),
    );
  }

  // The conversation of this browser tab survives a reload or a visit to the other views.
  for (const saved of turns) {
    const turn = new Turn(saved.question, { onRetry: () => {}, conversation: conversationUpTo });
    live.push(turn);
    turn.showHead(saved.response);
    turn.showAnswer(saved.response.answer || "");
    turn.complete(saved.response);
    conversation.append(turn.el);
  }
  refreshChrome();

  // A shared link (/?q=…&q=…) asks its questions again, oldest first, as a fresh conversation; the address bar
  // then goes back to "/" so that a reload keeps the conversation instead of asking again.
  const shared = window.location.pathname === "/" ? sharedQuestions(window.location.search) : [];
  if (shared.length) {
    window.history.replaceState({}, "", "/");
    clear();
    refreshChrome();
    (async () => {
      for (const question of shared) await ask(question); // an over-long one gets the server's refusal
    })();
  }

  return {
    title: "Ask",
    show() {},
  };
}

function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
