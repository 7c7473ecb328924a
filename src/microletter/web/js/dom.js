// @ts-check
/**
 * Small DOM helpers shared by the views: element building, icons, avatars, toasts,
 * dialogs and action sheets. No state and no network.
 */

import { t } from "./i18n.js";

/**
 * The tag of an h() spec: "input.field#name" → "input" ("" for a div).
 * @template {string} S
 * @typedef {S extends `${infer T}.${string}` ? TagOf<T> : S extends `${infer T}#${string}` ? T : S} TagOf
 */
/**
 * The element h() builds for a spec: h("input.field") is an HTMLInputElement.
 * @template {string} S
 * @typedef {TagOf<S> extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[TagOf<S>] : HTMLElement} ElementOf
 */
/**
 * What h() takes as children: nodes, text, nothing (null, false, undefined), or lists of them.
 * @typedef {Node|string|number|null|false|undefined|Child[]} Child
 */

/**
 * Build an element: h("button.primary", {onclick, "aria-label": "..."}, "text", child).
 * Attributes starting with "on" become listeners; `false`/null attributes are left out.
 * @template {string} S
 * @param {S} spec tag with optional .classes and #id
 * @param {Record<string, any>|Child} [attrs]
 * @param {...Child} children
 * @returns {ElementOf<S>}
 */
export function h(spec, attrs, ...children) {
  const [, tag = "div", rest = ""] = spec.match(/^([a-z0-9-]*)(.*)$/i) || [];
  const el = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs instanceof Node || typeof attrs === "string" || Array.isArray(attrs)) {
    children.unshift(attrs);
  } else if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === false || value == null) continue;
      if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "text") el.textContent = value;
      else if (key in el && typeof value !== "string") el[key] = value;
      else el.setAttribute(key, value === true ? "" : value);
    }
  }
  append(el, children);
  return /** @type {ElementOf<S>} */ (el);
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

const SVG = "http://www.w3.org/2000/svg";
const ICONS = {
  chats:
    "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4A2.5 2.5 0 0 1 3 13.5v-8Z|M8 8.5h8M8 12h5",
  contacts: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Z|M4 20c.8-3.6 4-6 8-6s7.2 2.4 8 6",
  discover: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|m15.5 8.5-2 5-5 2 2-5 5-2Z",
  me: "M12 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Z|M5 20v-.5C5 16.5 8 14 12 14s7 2.5 7 5.5v.5",
  back: "m15 5-7 7 7 7",
  plus: "M12 5v14M5 12h14",
  "plus-circle": "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M12 8v8M8 12h8",
  more: "M5 12h.01M12 12h.01M19 12h.01",
  mic: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3Z|M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21",
  keyboard:
    "M3 7a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7Z|M7 9h.01M11 9h.01M15 9h.01M17 13h.01M7 13h.01M8 16h8",
  image: "M4 5h16v14H4z|m4 16 5-5 4 4 2-2 5 5|M15.5 9.5a1.5 1.5 0 1 0 0-.01",
  file: "M7 3h7l5 5v13H7z|M14 3v5h5",
  send: "m4 12 16-8-6 16-3-7-7-1Z",
  check: "m5 12.5 4.5 4.5L19 7.5",
  checks: "m2.5 12.5 4.5 4.5L16 8|m11 16 1 1 9.5-9.5",
  clock: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M12 7v5l3 2",
  alert: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M12 7.5v5.5M12 16.5h.01",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14Z|m20 20-4-4",
  qr: "M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4z|M14 14h2v2h-2zM18 18h2v2h-2zM14 18h2M18 14h2",
  scan: "M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3|M4 12h16",
  camera: "M4 8h3l2-3h6l2 3h3v11H4z|M12 16.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Z",
  mute: "M6 9H3v6h3l5 4V5L6 9Z|m16 9 5 6M21 9l-5 6",
  close: "M6 6l12 12M18 6 6 18",
  play: "M8 5v14l11-7-11-7Z",
  pause: "M8 5h3v14H8zM13 5h3v14h-3z",
  download: "M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14",
  group:
    "M9 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Z|M2.5 20c.6-3.4 3.2-5.5 6.5-5.5s5.9 2.1 6.5 5.5|M16 4.5a3.3 3.3 0 0 1 0 6.3M18 14.8c2 .7 3.2 2.5 3.5 5.2",
  "user-plus":
    "M10 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Z|M3 20c.6-3.4 3.5-5.5 7-5.5 1.6 0 3 .4 4.2 1.2M19 14v6M16 17h6",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15L6 16Z|M10 20.5a2 2 0 0 0 4 0",
  globe:
    "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M3 12h18M12 3c2.5 2.7 3.7 5.7 3.7 9s-1.2 6.3-3.7 9c-2.5-2.7-3.7-5.7-3.7-9S9.5 5.7 12 3Z",
  devices: "M3 5h13v10H3z|M1 18h17M18 9h5v11h-5z",
  logout: "M15 4h4v16h-4|M10 8l-4 4 4 4M6 12h10",
  edit: "M4 20h4L19 9l-4-4L4 16v4Z|m13.5 6.5 4 4",
  moments: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M12 3v9l6.5 6.2M12 12 3.5 9.5M12 12l-3 8.5M12 12l8.5-3",
  sparkle: "M12 3v4M12 17v4M3 12h4M17 12h4|m6 6 2.5 2.5M15.5 15.5 18 18M18 6l-2.5 2.5M8.5 15.5 6 18",
  shop: "M4 9h16l-1 11H5L4 9Z|M8 9V7a4 4 0 0 1 8 0v2",
  game: "M6 9h12a3 3 0 0 1 3 3v2a3 3 0 0 1-5 2.2L14.5 15h-5L8 16.2A3 3 0 0 1 3 14v-2a3 3 0 0 1 3-3Z|M8 11v3M6.5 12.5h3M15.5 12h.01M17.5 13.5h.01",
  chevron: "m9 5 7 7-7 7",
  trash: "M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13",
  announce: "M4 10v4h3l6 4V6L7 10H4Z|M17 9a4 4 0 0 1 0 6",
  leave: "M14 4h5v16h-5|M9 8l-4 4 4 4M5 12h10",
  wifi: "M2 8.5a15 15 0 0 1 20 0M5.5 12a10 10 0 0 1 13 0M9 15.5a5 5 0 0 1 6 0M12 19h.01",
  paste: "M9 4h6v3H9z|M7 5.5H5V21h14V5.5h-2",
  menu: "M4 6.5h16M4 12h16M4 17.5h16",
  list: "M8 7h11M8 12h11M8 17h11M4.5 7h.01M4.5 12h.01M4.5 17h.01",
  code: "m8 8-4 4 4 4M16 8l4 4-4 4M13.5 5l-3 14",
  official: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M8 14.5V10l4 2.5 4-2.5v4.5",
  smile: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z|M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01",
  pin: "M12 21s-6.5-6.2-6.5-11a6.5 6.5 0 0 1 13 0c0 4.8-6.5 11-6.5 11Z|M12 12a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z",
  wallet: "M4 7h15a1 1 0 0 1 1 1v11H4z|M4 7V6a2 2 0 0 1 2-2h10v3|M16 13h.01",
  gift: "M4 10h16v10H4z|M3 7h18v3H3z|M12 7v13|M12 7S10.5 3.5 8.5 4 8 7 12 7Zm0 0s1.5-3.5 3.5-3 .5 3-3.5 3Z",
  star: "m12 3.5 2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.3-4.1 5.9-.9L12 3.5Z",
  idcard:
    "M3 6h18v12H3z|M8.5 12a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z|M5.5 16c.4-1.6 1.6-2.5 3-2.5s2.6.9 3 2.5M14 10h4M14 13.5h3",
  video: "M3 7h12v10H3z|m15 10.5 6-3.5v10l-6-3.5",
  up: "m6 15 6-6 6 6",
  lock: "M5 11h14v10H5z|M8 11V7a4 4 0 0 1 8 0v4",
  shield: "M12 3 4.5 6v5.5c0 4.6 3.2 8.2 7.5 9.5 4.3-1.3 7.5-4.9 7.5-9.5V6L12 3Z",
  settings:
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6Z|M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1Z",
};

/**
 * An inline SVG icon (stroke style, 24×24), hidden from screen readers.
 * @param {keyof typeof ICONS} name
 * @param {string} [cls]
 */
export function icon(name, cls = "") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon icon-${name} ${cls}`.trim()); // icon-<name>: e.g. mirrored right to left
  for (const d of (ICONS[name] || "").split("|")) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

const PALETTE = [
  "#f59e0b",
  "#10b981",
  "#3b82f6",
  "#8b5cf6",
  "#ec4899",
  "#ef4444",
  "#14b8a6",
  "#6366f1",
  "#f97316",
  "#0ea5e9",
];

/** @param {string} text @returns {string} a stable colour for a name */
export function colorFor(text) {
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

/** @param {string} name @returns {string} one or two letters for an avatar */
export function initials(name) {
  const clean = (name || "?").trim();
  const first = [...clean][0] || "?";
  if (/[\u3400-\u9fff]/.test(first)) return first;
  const words = clean.split(/\s+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : first).toUpperCase();
}

/**
 * A rounded-square avatar: the picture when there is one, else coloured initials.
 * @param {{name: string, key?: string|number, url?: string|null, size?: number, group?: boolean}} o
 */
export function avatar({ name, key, url, size = 48, group = false }) {
  const el = h("span.avatar", { "aria-hidden": "true" });
  el.style.setProperty("--size", `${size}px`);
  const letters = () => {
    el.style.setProperty("--avatar-bg", colorFor(String(key ?? name)));
    el.textContent = initials(name);
  };
  if (url) {
    el.append(h("img", { src: url, alt: "", loading: "lazy", decoding: "async", onerror: () => letters() }));
  } else if (group) {
    el.classList.add("avatar-group");
    el.append(icon("group"));
  } else {
    letters();
  }
  return el;
}

/**
 * Whether an element has the focus and shows it (it came by keyboard). Checked when a menu
 * or dialog opens, to decide how focus goes back when it closes.
 * @param {Element|null} el
 */
export function isKeyboardFocus(el) {
  return el instanceof HTMLElement && el !== document.body && el.matches(":focus-visible");
}

/**
 * Focus goes back where it was when a menu or dialog opened from the keyboard. Opened with
 * a pointer (a right click or a long press focused a bubble on the way), it is not given
 * back: focusing it after an Escape key would draw the keyboard focus ring on the bubble,
 * where it stuck.
 * @param {Element|null} el
 * @param {boolean} keyboard isKeyboardFocus(el) when it opened
 */
export function giveFocusBack(el, keyboard) {
  if (!(el instanceof HTMLElement) || !el.isConnected) return;
  if (keyboard || el.matches("input, textarea, select, [contenteditable]")) el.focus();
}

/**
 * Show a short message at the bottom of the screen.
 * @param {string} text
 * @param {{kind?: "info"|"error", ms?: number}} [o]
 */
export function toast(text, { kind = "info", ms = 2600 } = {}) {
  const box = document.getElementById("toasts");
  const el = h(`div.toast.toast-${kind}`, text);
  box?.append(el);
  setTimeout(() => el.classList.add("leaving"), ms);
  setTimeout(() => el.remove(), ms + 400);
}

/**
 * A modal dialog; resolves with the value passed to `close` (undefined on Escape).
 * Focus moves into it and returns to where it was.
 * @param {(close: (value?: any) => void) => HTMLElement} build
 * @param {{label: string, sheet?: boolean}} o
 */
export function dialog(build, { label, sheet = false }) {
  return new Promise((resolve) => {
    const returnTo = document.activeElement;
    const keyboard = isKeyboardFocus(returnTo);
    const backdrop = h(`div.backdrop${sheet ? ".sheet-backdrop" : ""}`);
    let done = false;
    const close = (value) => {
      if (done) return;
      done = true;
      backdrop.classList.add("leaving");
      setTimeout(() => backdrop.remove(), 180);
      giveFocusBack(returnTo, keyboard);
      resolve(value);
    };
    const box = h(
      `div.${sheet ? "sheet" : "dialog"}`,
      { role: "dialog", "aria-modal": "true", "aria-label": label },
      build(close),
    );
    backdrop.append(box);
    backdrop.addEventListener("click", (e) => {
      if (e.target === backdrop) close();
    });
    backdrop.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        close();
      } else if (e.key === "Tab") trapFocus(box, e);
    });
    document.body.append(backdrop);
    const first = box.querySelector("[autofocus], input, textarea, button, [tabindex]");
    /** @type {HTMLElement} */ (first || box).focus();
  });
}

function trapFocus(box, e) {
  const items = [
    ...box.querySelectorAll("button, input, textarea, select, a[href], [tabindex]:not([tabindex='-1'])"),
  ].filter((el) => !el.disabled);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Ask a yes/no question.
 * @param {string} text
 * @param {{ok?: string, danger?: boolean}} [o]
 * @returns {Promise<boolean>}
 */
export function confirmDialog(text, { ok = t("common.ok"), danger = false } = {}) {
  return dialog(
    (close) =>
      h(
        "div.dialog-body",
        h("p.dialog-text", text),
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close(false) }, t("common.cancel")),
          h(
            `button.btn.${danger ? "btn-danger" : "btn-primary"}`,
            { type: "button", autofocus: true, onclick: () => close(true) },
            ok,
          ),
        ),
      ),
    { label: text },
  ).then(Boolean);
}

/**
 * Ask for one line of text.
 * @param {{title: string, value?: string|null, placeholder?: string, maxLength?: number, multiline?: boolean}} o
 * @returns {Promise<string|undefined>} undefined when cancelled
 */
export function promptDialog({ title, value = "", placeholder = "", maxLength = 256, multiline = false }) {
  return dialog(
    (close) => {
      const input = h(multiline ? "textarea.field" : "input.field", {
        value,
        placeholder,
        maxLength,
        "aria-label": title,
        autofocus: true,
        rows: multiline ? 4 : undefined,
      });
      input.value = value ?? "";
      const form = h(
        "form.dialog-body",
        {
          onsubmit: (e) => {
            e.preventDefault();
            close(input.value);
          },
        },
        h("h2.dialog-title", title),
        input,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary", { type: "submit" }, t("common.ok")),
        ),
      );
      return form;
    },
    { label: title },
  );
}

/**
 * An action sheet: a list of choices; resolves with the chosen value.
 * @param {{label: string, value: any, danger?: boolean}[]} actions
 * @param {string} label
 */
export function actionSheet(actions, label) {
  return dialog(
    (close) =>
      h(
        "div.sheet-body",
        actions.map((a) =>
          h(
            `button.sheet-item${a.danger ? ".danger" : ""}`,
            { type: "button", onclick: () => close(a.value) },
            a.label,
          ),
        ),
        h("button.sheet-item.sheet-cancel", { type: "button", onclick: () => close() }, t("common.cancel")),
      ),
    { label, sheet: true },
  );
}

/** Remove every child. @param {Element} el */
export function empty(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}
