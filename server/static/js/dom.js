// Building DOM nodes safely: text always goes in as text nodes (never parsed as HTML), so nothing that comes
// from a question, an answer or the corpus can inject markup or script.

/**
 * Create an element. `attrs`: `class`, `text`, `dataset` (object), `on` (object of event listeners), boolean
 * properties (`hidden`, `disabled`, `open`), anything else as an attribute. Children: nodes, strings (as text),
 * arrays, and null/undefined/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === "hidden" || key === "disabled" || key === "open" || key === "checked") el[key] = Boolean(value);
    else if (key === "href") el.setAttribute("href", safeHref(value));
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Only same-origin paths and fragments: a link can never become `javascript:` or point elsewhere. */
export function safeHref(value) {
  const href = String(value);
  return href.startsWith("/") && !href.startsWith("//") ? href : href.startsWith("#") ? href : "#";
}

/** Visually hidden text for screen readers (e.g. the start of a button's accessible name). */
export function srOnly(text) {
  return h("span", { class: "sr-only", text });
}

/** Announce a short status message to assistive technology. */
export function announce(message) {
  const el = document.getElementById("announcer");
  if (!el) return;
  el.textContent = "";
  // A fresh text node after a tick makes screen readers announce even a repeated message.
  window.setTimeout(() => {
    el.textContent = message;
  }, 30);
}

/** Resolve after the browser had a chance to paint (used to show streamed parts one after another). */
export function nextFrame() {
  return new Promise((resolve) => {
    if (document.hidden) resolve();
    else requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

/** Render text with blank-line separated paragraphs as <p> elements. */
export function paragraphs(text, className = "") {
  return String(text || "")
    .split(/\n\s*\n/)
    .map((para) => para.trim())
    .filter(Boolean)
    .map((para) => h("p", { class: className || null, text: para }));
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
