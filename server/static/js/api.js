// The HTTP API client (DESIGN §4): JSON requests, errors turned into plain language, the Server-Sent Events
// answer stream, and cached catalogue look-ups (categories, articles, projects, documents).

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail || "";
  }
}

/** The stream endpoint could not be used (missing, not an event stream, cut short): fall back to /api/ask. */
export class StreamUnavailable extends Error {
  constructor(reason) {
    super(reason);
    this.name = "StreamUnavailable";
  }
}

async function errorFrom(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = typeof body?.detail === "string" ? body.detail : "";
  } catch {
    // not JSON: a proxy page or an empty body; the status alone will do
  }
  return new ApiError(response.status, detail);
}

async function request(method, path, body, { signal } = {}) {
  const init = { method, headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** A message a delegate can act on, for any error thrown by this module or by fetch; `lang` for its language. */
export function plainMessage(error, what = "request", lang = "en") {
  if (lang && lang !== "en") return localisedMessage(error, what, lang);
  if (error?.name === "AbortError") return "Cancelled.";
  if (!(error instanceof ApiError)) {
    return "Could not reach the server. Check your connection and try again.";
  }
  const detail = error.detail ? ` (${error.detail})` : "";
  switch (error.status) {
    case 400:
    case 422:
      return `The ${what} could not be processed${detail}. Please rephrase it and try again.`;
    case 404:
      return `Not found${detail}.`;
    case 413:
      return `The ${what} is too long. Please shorten it (at most 1000 characters).`;
    case 429:
      return "Too many requests in a short time. Please wait a minute and try again.";
    case 503:
      return (
        "The knowledge base is not available right now (it may be starting or being rebuilt). " +
        "Please try again in a moment."
      );
    default:
      if (error.status >= 500) {
        return (
          "Something went wrong on the server. Please try again; " +
          "if it keeps happening, tell the site administrators."
        );
      }
      return `The ${what} failed (HTTP ${error.status})${detail}.`;
  }
}

function localisedMessage(error, what, lang) {
  if (error?.name === "AbortError") return t("err.cancelled", lang);
  if (!(error instanceof ApiError)) return t("err.network", lang);
  // the server's own detail stays in English, in parentheses
  const detail = error.detail ? ` (${error.detail})` : "";
  const kind = what === "question" ? "question" : "other";
  switch (error.status) {
    case 400:
    case 422:
      return t(`err.invalid.${kind}`, lang, { detail });
    case 404:
      return t("err.notFound", lang, { detail });
    case 413:
      return t(`err.tooLong.${kind}`, lang);
    case 429:
      return t("err.rateLimit", lang);
    case 503:
      return t("err.unavailable", lang);
    default:
      if (error.status >= 500) return t("err.server", lang);
      return t("err.failed", lang, { status: error.status, detail });
  }
}

/** Client errors the fallback would only repeat: show them instead of retrying through /api/ask. */
export function isClientError(error) {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && ![404, 405].includes(error.status);
}

export const ask = (payload, options) => request("POST", "/api/ask", payload, options);
export const search = (payload, options) => request("POST", "/api/search", payload, options);
export const coverage = (options) => request("GET", "/api/coverage", undefined, options);
export const feedback = (payload) => request("POST", "/api/feedback", payload);

/** POST /api/export: the conversation as a file; its name from Content-Disposition. */
export async function exportConversation(payload) {
  const response = await fetch("/api/export", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  if (!response.ok) throw await errorFrom(response);
  const disposition = response.headers.get("Content-Disposition") || "";
  const named = /filename="?([^";]+)"?/i.exec(disposition);
  const fallback = payload.format === "docx" ? "tipkb-briefing.docx" : "tipkb-briefing.md";
  return { blob: await response.blob(), filename: named ? named[1] : fallback };
}

// -- Server-Sent Events ------------------------------------------------------------------------------

/** Parse an event stream (the WHATWG format: `event:`/`data:` lines, a blank line ends an event). */
export async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let eventType = "";
  let data = [];
  const lineBreak = /\r\n|\r|\n/;

  function* line(text) {
    if (text === "") {
      if (data.length) yield { event: eventType || "message", data: data.join("\n") };
      eventType = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return; // a comment (keep-alive)
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventType = value;
    else if (field === "data") data.push(value);
  }

  for (;;) {
    const { value, done } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    for (;;) {
      const match = lineBreak.exec(buffer);
      if (!match) break;
      // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
      if (!done && match[0] === "\r" && match.index === buffer.length - 1) break;
      const text = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield* line(text);
    }
    if (done) break;
  }
  if (buffer) yield* line(buffer);
  yield* line("");
}

/**
 * POST /api/ask/stream. Calls `onCitations(head)` when the `citations` event arrives, `onDraft(text)` as a language
 * model's unverified draft grows (`token` events, generative answers only), `onAnswer(text)` for the final answer,
 * and resolves with the whole response (the /api/ask shape) after `done`.
 */
export async function askStream(payload, { onCitations, onDraft, onAnswer, signal } = {}) {
  if (typeof ReadableStream === "undefined" || typeof TextDecoder === "undefined") {
    throw new StreamUnavailable("this browser cannot read streams");
  }
  const response = await fetch("/api/ask/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(payload),
    signal,
  });
  if (!response.ok) throw await errorFrom(response);
  const type = response.headers.get("content-type") || "";
  if (!type.includes("text/event-stream") || !response.body) throw new StreamUnavailable(`unexpected ${type}`);

  let head = null;
  let draft = "";
  let answer = null;
  let done = null;
  for await (const { event, data } of readEvents(response.body)) {
    if (event === "citations") {
      head = JSON.parse(data);
      await onCitations?.(head);
    } else if (event === "token") {
      draft += JSON.parse(data);
      await onDraft?.(draft);
    } else if (event === "answer") {
      answer = answer === null ? data : `${answer}${data}`;
      await onAnswer?.(answer);
    } else if (event === "done") {
      done = JSON.parse(data);
    } else if (event === "error") {
      let detail = data;
      try {
        detail = JSON.parse(data).detail || data;
      } catch {
        // plain-text error data
      }
      throw new ApiError(500, detail);
    }
  }
  if (!head || answer === null || !done) throw new StreamUnavailable("the stream ended before the answer was complete");
  return { question: payload.question, ...head, answer, ...done, streamed: true };
}

// -- cached catalogue -----------------------------------------------------------------------------------

const cache = new Map();

function cached(key, load) {
  if (!cache.has(key)) {
    const promise = load().catch((error) => {
      cache.delete(key); // let a later call retry
      throw error;
    });
    cache.set(key, promise);
  }
  return cache.get(key);
}

export const categories = () => cached("categories", () => request("GET", "/api/categories"));
export const articles = () => cached("articles", () => request("GET", "/api/articles"));
export const projects = () => cached("projects", () => request("GET", "/api/projects"));
export const documents = () => cached("documents", () => request("GET", "/api/documents"));
export const article = (ref) =>
  cached(`article:${ref}`, () => request("GET", `/api/articles/${encodeURIComponent(ref)}`));

/** id → label for the six categories; ids are shown humanised if the taxonomy cannot be loaded. */
export async function categoryLabels() {
  try {
    return new Map((await categories()).map((c) => [c.id, c.label]));
  } catch {
    return new Map();
  }
}

export function humanise(id) {
  const text = String(id).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
