// @ts-check
/**
 * Quote/Reply: which message the composer is replying to (one per conversation, until
 * sent or dismissed), the bar above the composer that shows it, and the quote under a
 * bubble that replies to something (a tap jumps to the original). The composer asks
 * takeReply() for the `reply_to` of what it sends; nothing else of it changes.
 */

import { h, icon } from "../../dom.js";
import { t } from "../../i18n.js";
import { preview } from "../../common.js";

/** @type {Map<number, number>} conversation id → the seq being replied to */
const replies = new Map();
/**
 * Quoted messages older than what the store has, fetched for their quote only (putting
 * them in the store would leave a hole in the list's history).
 * @type {Map<string, import("../../store.js").Message|null>}
 */
const fetched = new Map();

/**
 * @typedef {import("./rows.js").Chat} Chat
 * @typedef {import("../../store.js").Message} Message
 */

/**
 * Reply to a message: the composer shows it until it sends or the user dismisses it.
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {number|null} seq null to stop replying
 */
export function setReply(app, cid, seq) {
  if (seq == null) replies.delete(cid);
  else replies.set(cid, seq);
  app.store.changed(`reply:${cid}`);
}

/**
 * What the composer adds to the message it sends now: `{reply_to}` when replying (the
 * reply then ends), else nothing.
 * @param {number} cid
 * @returns {{reply_to?: number}}
 */
export function takeReply(cid) {
  const seq = replies.get(cid);
  if (seq == null) return {};
  replies.delete(cid);
  // The bar hides on the next render: sending changes the outbox, which re-renders.
  return { reply_to: seq };
}

/**
 * The quoted message, from the store or fetched once; null while unknown.
 * @param {Chat} chat
 * @param {number} seq
 * @param {() => void} [onFetched] called when a fetched copy arrives
 * @returns {Message|null}
 */
function quoted(chat, seq, onFetched) {
  const { app, cid } = chat;
  const have = app.store.messages.get(cid)?.get(seq);
  if (have) return have;
  const key = `${cid}:${seq}`;
  if (fetched.has(key)) return fetched.get(key) || null;
  fetched.set(key, null);
  app.api
    .message(cid, seq)
    .then((/** @type {{message: Message}} */ answer) => {
      fetched.set(key, answer.message);
      onFetched?.();
    })
    .catch(() => {});
  return null;
}

/**
 * "Name: preview" of a quoted message.
 * @param {Chat} chat
 * @param {Message|null} message
 */
function quoteText(chat, message) {
  if (!message) return t("quote.unavailable");
  return `${chat.app.store.nameOf(message.sender_id)}: ${preview(chat.app.store, message)}`;
}

/**
 * The quote under a bubble that replies to `seq`; a tap (or Enter) jumps to the original.
 * @param {Chat} chat
 * @param {number} seq
 * @returns {HTMLElement}
 */
export function quoteBlock(chat, seq) {
  const text = h("span.quote-text");
  const block = h(
    "button.msg-quote",
    {
      type: "button",
      dataset: { replyTo: String(seq) },
      onclick: () => chat.tools?.jumpTo(seq),
    },
    text,
  );
  const fill = () => {
    const message = quoted(chat, seq, fill);
    text.textContent = quoteText(chat, message);
    block.setAttribute("aria-label", t("quote.jump", { text: text.textContent }));
  };
  fill();
  return block;
}

/**
 * The bar above the composer while replying: who and what, and a button to stop.
 * @param {Chat} chat
 * @returns {{el: HTMLElement, render: () => void}}
 */
export function replyBar(chat) {
  const { app, cid } = chat;
  const text = h("span.reply-bar-text");
  const el = h(
    "div.reply-bar",
    { hidden: true, role: "status", "aria-label": t("quote.replying") },
    text,
    h(
      "button.icon-btn.reply-cancel",
      { type: "button", "aria-label": t("quote.cancel"), onclick: () => setReply(app, cid, null) },
      icon("close"),
    ),
  );
  function render() {
    const seq = replies.get(cid);
    el.hidden = seq == null;
    if (seq != null) text.textContent = quoteText(chat, quoted(chat, seq, render));
  }
  render();
  return { el, render };
}
