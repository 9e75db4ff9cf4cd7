// The chat view: a question box, the conversation (kept for the browser tab's session), answers streamed from
// POST /api/ask/stream with a fallback to POST /api/ask, [n] markers that open the source panel, project
// cards, a distinct look for abstentions, and plain-language errors.

import * as api from "./api.js";
import { announce, h, nextFrame, plural, srOnly } from "./dom.js";
import { renderMarkdown } from "./markdown.js";
import { openArticlePanel, openCitationPanel } from "./panel.js";
import { compactRefs, refLabel, shortTitle, subtitle } from "./refs.js";

const STORAGE_KEY = "tipkb.conversation.v1";
const MAX_KEPT_TURNS = 30;
const SUGGESTIONS = [
  "Which projects address victim protection?",
  "What must countries do to help trafficked people go back home?",
  "How does the Protocol define trafficking in persons?",
  "Which articles are not addressed by any project?",
];
const INTENTS = {
  project_finder: "Projects",
  protocol_question: "Protocol",
  taxonomy: "Categories of assistance",
  coverage: "Coverage",
  passage_search: "Passages",
};

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

function citationButton(citation) {
  const button = h(
    "button",
    {
      type: "button",
      class: "cite",
      title: `Source ${citation.n}: ${citation.doc_title}`,
      "aria-haspopup": "dialog",
      dataset: { n: String(citation.n) },
      on: { click: () => openCitationPanel(citation) },
    },
    srOnly("Source "),
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

function projectCard(project) {
  const refs = compactRefs(project.articles || []);
  const places = [...(project.countries || [])];
  const regions = (project.regions || []).filter((r) => !places.includes(r));
  return h(
    "article",
    { class: "project-card", dataset: { projectId: project.id } },
    h("h4", { class: "project-card__title", text: shortTitle(project.title) }),
    subtitle(project.title) ? h("p", { class: "project-card__subtitle", text: subtitle(project.title) }) : null,
    h(
      "dl",
      { class: "project-card__facts" },
      project.office ? [h("dt", { text: "Office" }), h("dd", { text: project.office })] : null,
      h("dt", { text: "Categories" }),
      h(
        "dd",
        {},
        h(
          "ul",
          { class: "tags" },
          (project.categories || []).map((id) =>
            h("li", {
              class: "tag tag--category",
              dataset: { category: id },
              text: categoryLabels.get(id) || api.humanise(id),
            }),
          ),
        ),
      ),
      h("dt", { text: "Articles" }),
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
                      title: `Read ${refLabel(ref)}`,
                      on: { click: () => openArticlePanel(ref) },
                    },
                    refLabel(ref, { short: true }),
                  ),
                ),
              ),
            )
          : "—",
      ),
      h("dt", { text: "Countries" }),
      h(
        "dd",
        { class: "project-card__countries" },
        places.length ? places.join(", ") : "—",
        regions.length ? ` (${regions.join(", ")})` : "",
      ),
    ),
  );
}

function truncate(text, max) {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function sourcesList(citations, abstained) {
  return h(
    "section",
    { class: "sources" },
    h("h3", {
      class: "sources__title",
      text: abstained ? "Closest passages (they do not answer the question)" : "Sources",
    }),
    h(
      "ol",
      { class: "sources__list" },
      citations.map((c) =>
        h(
          "li",
          { class: "sources__item" },
          citationButton(c),
          h("span", { class: "sources__doc", title: c.doc_title, text: truncate(c.doc_title || c.doc_id, 80) }),
          c.section
            ? h("span", { class: "sources__section", title: c.section, text: ` · ${truncate(c.section, 90)}` })
            : null,
          c.page ? h("span", { class: "sources__page", text: ` · p. ${c.page}` }) : null,
        ),
      ),
    ),
  );
}

/** The DOM of one question and its answer; the answer fills in as the stream delivers its parts. */
class Turn {
  constructor(question, { onRetry }) {
    this.question = question;
    this.onRetry = onRetry;
    this.head = null;
    this.answerText = null;
    this.badge = h("span", { class: "message__badge", text: "Answer" });
    this.intent = h("span", { class: "message__intent" });
    this.body = h("div", { class: "message__body" });
    this.projects = h("div", { class: "message__projects" });
    this.sources = h("div", { class: "message__sources" });
    this.foot = h("p", { class: "message__foot" });
    this.answer = h(
      "section",
      { class: "message message--answer", tabindex: "-1", "aria-label": "Answer", dataset: { phase: "waiting" } },
      h("header", { class: "message__head" }, this.badge, this.intent),
      this.body,
      this.projects,
      this.sources,
      this.foot,
    );
    this.el = h(
      "article",
      { class: "turn" },
      h(
        "div",
        { class: "message message--question" },
        h("h2", { class: "sr-only", text: "You asked" }),
        h("p", { text: question }),
      ),
      this.answer,
    );
    this.setLoading("Searching the knowledge base…");
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
    const abstained = Boolean(head.abstained);
    this.answer.classList.toggle("message--abstained", abstained);
    this.answer.dataset.abstained = String(abstained);
    this.badge.textContent = abstained ? "Not in the knowledge base" : "Answer";
    this.intent.textContent = !abstained && INTENTS[head.intent] ? INTENTS[head.intent] : "";
    const citations = head.citations || [];
    this.sources.replaceChildren(citations.length ? sourcesList(citations, abstained) : "");
    const projects = head.projects || [];
    this.projects.replaceChildren(
      projects.length
        ? h(
            "section",
            { class: "projects" },
            h("h3", { class: "projects__title", text: plural(projects.length, "project") }),
            h("div", { class: "project-cards" }, projects.map((p) => projectCard(p))),
          )
        : "",
    );
    this.setLoading("Writing the answer…");
  }

  showAnswer(text) {
    this.answerText = text;
    const byN = new Map((this.head?.citations || []).map((c) => [c.n, c]));
    const cite = (n) => (byN.has(n) ? citationButton(byN.get(n)) : null);
    const blocks = renderMarkdown(text, cite);
    if (this.head?.abstained) {
      blocks.push(
        h(
          "p",
          { class: "abstention-note" },
          "Try rephrasing the question, or ",
          h("a", { href: `/search?${new URLSearchParams({ q: this.question })}` }, "search the passages"),
          " yourself.",
        ),
      );
    }
    this.body.replaceChildren(...blocks);
    this.setPhase("answer");
  }

  complete(response) {
    if (!this.head) this.showHead(response);
    if (this.answerText === null) this.showAnswer(response.answer || "");
    const count = (response.citations || []).length;
    const took = typeof response.took_ms === "number" ? `Answered in ${Math.round(response.took_ms)} ms` : "";
    this.foot.textContent = [took, count ? plural(count, "source") : ""].filter(Boolean).join(" · ");
    this.setPhase("done");
  }

  fail(message) {
    this.answer.classList.add("message--error");
    this.answer.classList.remove("message--abstained");
    this.badge.textContent = "Error";
    this.intent.textContent = "";
    this.projects.replaceChildren();
    this.sources.replaceChildren();
    this.body.replaceChildren(
      h("p", { class: "error-text", role: "alert", text: message }),
      h("button", { type: "button", class: "button", on: { click: () => this.onRetry(this) } }, "Try again"),
    );
    this.foot.textContent = "";
    this.setPhase("error");
  }

  /** Restart the answer part (a fallback after a broken stream, or a retry). */
  reset() {
    this.head = null;
    this.answerText = null;
    this.answer.classList.remove("message--error", "message--abstained");
    this.badge.textContent = "Answer";
    this.intent.textContent = "";
    this.projects.replaceChildren();
    this.sources.replaceChildren();
    this.foot.textContent = "";
    this.setLoading("Searching the knowledge base…");
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

  labelsReady.catch(() => {});

  const refreshChrome = () => {
    empty.hidden = conversation.querySelector(".turn") !== null;
    clearButton.hidden = empty.hidden === false;
    counter.textContent = String(textarea.value.length);
  };

  const setBusy = (value) => {
    busy = value;
    submit.disabled = value;
    clearButton.disabled = value;
    submit.textContent = value ? "Asking…" : "Ask";
    form.setAttribute("aria-busy", String(value));
  };

  async function run(turn) {
    const payload = { question: turn.question };
    setBusy(true);
    announce("Searching the knowledge base…");
    try {
      let response;
      try {
        response = await api.askStream(payload, {
          onCitations: async (head) => {
            await turn.showHead(head);
            await nextFrame(); // let the sources and project cards paint before the answer text
          },
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
      announce(response.abstained ? "The knowledge base does not answer this question." : "Answer ready.");
    } catch (error) {
      turn.fail(api.plainMessage(error, "question"));
      announce("The question could not be answered.");
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
    });
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

  clearButton.addEventListener("click", () => {
    turns = [];
    saveTurns(turns);
    conversation.querySelectorAll(".turn").forEach((el) => el.remove());
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
    const turn = new Turn(saved.question, { onRetry: () => {} });
    turn.showHead(saved.response);
    turn.showAnswer(saved.response.answer || "");
    turn.complete(saved.response);
    conversation.append(turn.el);
  }
  refreshChrome();

  return {
    title: "Ask",
    show() {},
  };
}

function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
