// @ts-check
/**
 * Formatted text: a message's `data.entities` (a bot's bold, italic, code, links,
 * spoilers..., docs/platform.md "Formatting") drawn as elements. Offsets and lengths
 * count UTF-16 code units, as JavaScript strings do, so the text is sliced directly.
 * Every piece of text becomes a text node (never HTML); links open only http(s) pages;
 * an entity that overlaps another without nesting in it is drawn as plain text.
 */

import { h } from "../../dom.js";

/**
 * @typedef {{type: string, offset: number, length: number, url?: string, language?: string}} Entity
 * @typedef {Node|string} Piece
 */

/** What each entity type is drawn as (others are plain text). */
const TAGS = {
  bold: "strong",
  italic: "em",
  underline: "u",
  strikethrough: "s",
  code: "code.tg-code",
  spoiler: "span.tg-spoiler",
  blockquote: "blockquote.tg-quote",
  expandable_blockquote: "blockquote.tg-quote",
  mention: "span.mention",
  hashtag: "span.tg-hashtag",
  cashtag: "span.tg-hashtag",
  bot_command: "span.tg-command",
};

/** Entities whose text is shown as it is (no links found inside: they are code, or links). */
const VERBATIM = new Set(["pre", "code", "url", "text_link", "email"]);

/**
 * The text with its entities as elements.
 * @param {string} text
 * @param {unknown} raw the message's `data.entities`
 * @param {(text: string) => Piece[]} plain how unformatted text is drawn (links found in it)
 * @returns {Piece[]}
 */
export function formatted(text, raw, plain) {
  const entities = (Array.isArray(raw) ? raw : [])
    .filter(
      (e) =>
        e && typeof e.type === "string" && Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0,
    )
    .map((/** @type {Entity} */ e) => ({ ...e, end: e.offset + e.length }))
    .filter((e) => e.offset >= 0 && e.end <= text.length)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  return build(text, 0, text.length, entities, plain);
}

/**
 * @param {string} text
 * @param {number} from
 * @param {number} to
 * @param {(Entity & {end: number})[]} entities sorted, all within [from, to)
 * @param {(text: string) => Piece[]} plain
 * @returns {Piece[]}
 */
function build(text, from, to, entities, plain) {
  /** @type {Piece[]} */
  const out = [];
  let at = from;
  let i = 0;
  while (i < entities.length) {
    const e = entities[i];
    if (e.offset < at) {
      i += 1; // overlaps the previous one without nesting: left as plain text
      continue;
    }
    const inner = [];
    let j = i + 1;
    for (; j < entities.length && entities[j].offset < e.end; j += 1) {
      if (entities[j].end <= e.end) inner.push(entities[j]);
    }
    out.push(...plain(text.slice(at, e.offset)));
    out.push(element(e, build(text, e.offset, e.end, inner, VERBATIM.has(e.type) ? raw : plain)));
    at = e.end;
    i = j;
  }
  out.push(...plain(text.slice(at, to)));
  return out;
}

/** @param {string} text */
function raw(text) {
  return [text];
}

/**
 * @param {Entity} e
 * @param {Piece[]} children
 * @returns {HTMLElement}
 */
function element(e, children) {
  if (e.type === "pre") {
    return h("pre.tg-pre", { dataset: { language: e.language || "" } }, h("code", children));
  }
  if (e.type === "text_link" || e.type === "url") {
    const url = e.type === "url" ? children.map((c) => (typeof c === "string" ? c : c.textContent)).join("") : e.url;
    if (typeof url === "string" && /^https?:\/\//i.test(url)) {
      return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: url }, children);
    }
    return h("span", children);
  }
  if (e.type === "email") {
    return h(
      "a",
      { href: `mailto:${children.map((c) => (typeof c === "string" ? c : c.textContent)).join("")}` },
      children,
    );
  }
  if (e.type === "spoiler") {
    const el = h(TAGS.spoiler, { tabIndex: 0, role: "button" }, children);
    const reveal = () => el.classList.add("revealed");
    el.addEventListener("click", reveal);
    el.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") reveal();
    });
    return el;
  }
  const tag = /** @type {Record<string, string>} */ (TAGS)[e.type];
  return tag ? h(tag, children) : h("span", children);
}
