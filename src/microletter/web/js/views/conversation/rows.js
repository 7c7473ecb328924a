// @ts-check
/**
 * One row of the message list: a system note, a recalled message, or a bubble with the
 * sender's avatar (and name, in a group), its time and delivery state, the quote of what
 * it replies to, and a checkbox while selecting; its menu (conversation/menu.js) opens on a
 * right click, a long press or the keyboard. Rows are built from the store and the
 * outbox; the list decides when to build them.
 */

import { h, icon } from "../../dom.js";
import { t } from "../../i18n.js";
import { accountAvatar, systemText, userAvatar } from "../../common.js";
import { bubble, meta } from "../bubbles.js";
import { messageMenu, openMenuOn, recalledTexts, translations } from "./menu.js";
import { inlineKeyboard } from "./keyboard.js";
import { quoteBlock } from "./quote.js";
import { transcriptBlock } from "./transcript.js";
import { serviceRow } from "./service.js";

/**
 * What the pieces of one conversation screen share.
 * @typedef {object} Chat
 * @property {import("../../app.js").App} app
 * @property {number} cid the conversation's id
 * @property {number} me my user id
 * @property {boolean} official whether it is a conversation with an official account
 * @property {number} accountId the account's id (the conversation's owner), if official
 * @property {boolean} [service] whether it is my service notifications (conversation/service.js)
 * @property {() => boolean} isGroup asked each time: a conversation's kind comes from the store
 * @property {ChatTools} [tools] what the message menu drives on the screen (set by conversation.js)
 */

/**
 * @typedef {object} ChatTools
 * @property {(seq: number) => void} quote reply to a message (the composer shows it)
 * @property {(seq: number) => void} select start multi-select with a message
 * @property {(seq: number) => Promise<void>} jumpTo scroll to a message, loading history if needed
 * @property {(text: string) => void} putText put text into the composer (re-edit)
 * @property {import("./select.js").Selection} selection
 * @property {() => void} refresh draw the screen again (a row's translation came or went)
 */

/**
 * A message as a row shows it: a stored message, a broadcast, or a pending outbox item,
 * shaped alike.
 * @typedef {{conversation_id?: number, seq: number|null, sender_id: number, client_msg_id: string,
 *   kind: string, text?: string|null, created_at: number, recalled: boolean, data?: any,
 *   reply_to?: number|null}} Shown
 * @typedef {import("../../outbox.js").Pending} Pending
 * @typedef {{seq: number, created_at: number}} Post
 */

/**
 * "read" when the peer of a direct conversation has read my message, "sent" for my other
 * messages, null for theirs.
 * @param {Chat} chat
 * @param {Shown} message
 * @returns {"read"|"sent"|null}
 */
export function stateOf(chat, message) {
  if (message.sender_id !== chat.me) return null;
  const peerRead = chat.app.store.peerRead.get(chat.cid) || 0;
  return !chat.isGroup() && message.seq != null && peerRead >= message.seq ? "read" : "sent";
}

/**
 * @param {Chat} chat
 * @param {Shown} message
 * @param {{pending?: Pending, post?: Post}} [o]
 * @returns {HTMLElement}
 */
export function messageRow(chat, message, { pending, post } = {}) {
  const { app, me } = chat;
  const { store } = app;
  if (message.kind === "system" || message.recalled) {
    const text = message.recalled
      ? message.sender_id === me
        ? t("msg.you_recalled")
        : t("msg.recalled", { name: store.nameOf(message.sender_id) })
      : systemText(store, message);
    const kept = message.recalled && message.sender_id === me && recalledTexts.get(`${chat.cid}:${message.seq}`);
    return h(
      "div.msg-system",
      { dataset: { seq: String(message.seq ?? ""), kind: message.recalled ? "recalled" : "system" } },
      h("span", text, kept ? [" ", reEdit(chat, kept)] : null),
    );
  }
  if (chat.service) return serviceRow(chat, message);
  const mine = message.sender_id === me;
  const state = pending ? (pending.state === "failed" ? "failed" : "sending") : stateOf(chat, message);
  const bodyWrap = h(
    "div.msg-body",
    chat.isGroup() && !mine ? h("div.msg-sender", store.nameOf(message.sender_id)) : null,
    kfName(chat, message),
    h(
      "div.msg-line",
      pending?.state === "failed" ? retryButton(chat, pending) : null,
      bubble(app, message, { mine, pending }),
    ),
    inlineKeyboard(chat, message),
    message.data?.edited_at ? h("div.msg-edited", t("msg.edited")) : null,
    message.kind === "voice" && message.seq != null ? transcriptBlock(chat.cid, message.seq) : null,
    message.reply_to != null ? quoteBlock(chat, message.reply_to) : null,
    translationOf(chat, message),
    meta(message, state, post ? h("span.broadcast-tag", icon("announce"), t("official.broadcast")) : null),
  );
  const chosen = chat.tools?.selection.chosen;
  const box = chosen && message.seq != null && !pending ? selectBox(chat, message.seq, chosen) : null;
  const row = h(
    `div.msg-row.${mine ? "mine" : "theirs"}`,
    {
      dataset: {
        seq: String(message.seq ?? ""),
        kind: message.kind,
        state: state || "",
        cmid: message.client_msg_id,
        post: post ? String(post.seq) : null,
      },
    },
    box,
    chat.official && !mine ? officialAvatar(chat) : userAvatar(store, message.sender_id, 40),
    bodyWrap,
  );
  const bubbleEl = row.querySelector(".bubble");
  if (bubbleEl instanceof HTMLElement && !chosen) {
    openMenuOn(bubbleEl, (where) => messageMenu(chat, message, pending, where));
  }
  return row;
}

/**
 * The translation this device asked for, under the bubble, in the language's direction.
 * @param {Chat} chat
 * @param {Shown} message
 */
function translationOf(chat, message) {
  const done = message.seq != null && translations.get(`${chat.cid}:${message.seq}`);
  if (!done) return null;
  return h(
    "div.msg-translation",
    { lang: done.target, dir: "auto" },
    h("div.msg-translation-text", done.text),
    h("div.msg-translation-by", t("msg.translated")),
  );
}

/**
 * The checkbox of a row while selecting.
 * @param {Chat} chat
 * @param {number} seq
 * @param {Set<number>} chosen
 */
function selectBox(chat, seq, chosen) {
  return h(
    "label.select-box",
    h("input", {
      type: "checkbox",
      checked: chosen.has(seq),
      "aria-label": t("select.message"),
      onchange: (/** @type {Event} */ e) =>
        chat.tools?.selection.toggle(seq, /** @type {HTMLInputElement} */ (e.target).checked),
    }),
  );
}

/**
 * "Re-edit" after a recall: the text this device kept goes back into the composer.
 * @param {Chat} chat
 * @param {string} text
 */
function reEdit(chat, text) {
  return h("button.link-btn.re-edit", { type: "button", onclick: () => chat.tools?.putText(text) }, t("msg.re_edit"));
}

/**
 * @param {Chat} chat
 * @param {Pending} pending
 */
function retryButton(chat, pending) {
  return h(
    "button.retry",
    {
      type: "button",
      "aria-label": t("msg.retry"),
      title: t("msg.failed_reason", { code: pending.error || "" }),
      onclick: () => chat.app.outbox.retry(pending.id),
    },
    icon("alert"),
  );
}

/** @param {Chat} chat */
function officialAvatar(chat) {
  const { store } = chat.app;
  const account = store.accounts.get(chat.accountId);
  return account ? accountAvatar(account, 40) : userAvatar(store, chat.accountId, 40);
}

/**
 * The name of the customer-service (kf) account an official account's message was sent
 * as (`data.kf`, set by the platform), shown over its bubble. Only on the account's own
 * messages in its conversation: nobody else can lend a message a kf name.
 * @param {Chat} chat
 * @param {any} message
 */
function kfName(chat, message) {
  const nickname = message.data?.kf?.nickname;
  if (!chat.official || message.sender_id !== chat.accountId || typeof nickname !== "string") return null;
  return h("div.msg-sender.msg-kf", nickname);
}
