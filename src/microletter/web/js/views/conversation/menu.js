// @ts-check
/**
 * The message menu: how it opens (a long press that stays open after the finger lifts, a
 * right click that opens a menu at the pointer, the keyboard), what it offers for a
 * message (copy, translate, quote, forward, favourite, select, convert a voice note to
 * text, delete for me, recall), and doing it.
 * The pieces it drives (the quote bar, multi-select, the forward picker) live in their own
 * modules; this one only decides and dispatches.
 */

import { actionSheet, confirmDialog, giveFocusBack, h, isKeyboardFocus, toast } from "../../dom.js";
import { locale, t } from "../../i18n.js";
import { forwardMessages } from "../forward.js";
import { convertToText } from "./transcript.js";

/** How long the sender may recall a message (the server's limit). */
export const RECALL_MS = 120000;
/** How long a touch is held before it opens the menu. */
const LONG_PRESS_MS = 550;
/** A finger that moves farther than this (px) is scrolling, not pressing. */
const PRESS_SLOP = 10;

/**
 * Texts this device recalled, by "cid:seq", for "Re-edit": the server erases a recalled
 * message's text, so only the recalling device still has it (for this visit).
 * @type {Map<string, string>}
 */
export const recalledTexts = new Map();

/**
 * Translations this device asked for, by "cid:seq", shown under their bubbles (rows.js)
 * for this visit: only the asker sees one, and the server keeps none with the message.
 * @type {Map<string, {text: string, target: string}>}
 */
export const translations = new Map();

/**
 * @typedef {import("./rows.js").Chat} Chat
 * @typedef {import("./rows.js").Shown} Shown
 * @typedef {import("./rows.js").Pending} Pending
 * @typedef {{label: string, value: string, danger?: boolean}} Choice
 * @typedef {{x: number, y: number}|null} Where the pointer (a mouse's right click), or null for a sheet
 */

/**
 * Open a bubble's menu on a right click (at the pointer), a long press (a sheet), the
 * context-menu key, Shift+F10, or Enter on a text bubble (which is focusable for that).
 * @param {HTMLElement} bubbleEl
 * @param {(where: Where) => void} open
 */
export function openMenuOn(bubbleEl, open) {
  if (!bubbleEl.matches("button, a")) bubbleEl.tabIndex = 0;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let press;
  let pressed = false; // the long press fired: its touchend and click must not reach the sheet
  let touching = false;
  let startX = 0;
  let startY = 0;
  bubbleEl.addEventListener("contextmenu", (e) => {
    e.preventDefault();
    // A touch's long press also fires contextmenu; the timer below opens the sheet once.
    if (touching || pressed || /** @type {PointerEvent} */ (e).pointerType === "touch") return;
    const fromKeyboard = e.button !== 2 && e.clientX === 0 && e.clientY === 0;
    open(fromKeyboard ? anchorOf(bubbleEl) : { x: e.clientX, y: e.clientY });
  });
  bubbleEl.addEventListener("keydown", (e) => {
    if (
      e.key === "ContextMenu" ||
      (e.key === "F10" && e.shiftKey) ||
      (e.key === "Enter" && bubbleEl.classList.contains("bubble-text"))
    ) {
      e.preventDefault();
      open(window.matchMedia("(pointer: fine)").matches ? anchorOf(bubbleEl) : null);
    }
  });
  bubbleEl.addEventListener(
    "touchstart",
    (e) => {
      touching = true;
      pressed = false;
      startX = e.touches[0]?.clientX ?? 0;
      startY = e.touches[0]?.clientY ?? 0;
      clearTimeout(press);
      press = setTimeout(() => {
        pressed = true;
        open(null);
      }, LONG_PRESS_MS);
    },
    { passive: true },
  );
  bubbleEl.addEventListener(
    "touchmove",
    (e) => {
      const touch = e.touches[0];
      if (touch && Math.hypot(touch.clientX - startX, touch.clientY - startY) > PRESS_SLOP) clearTimeout(press);
    },
    { passive: true },
  );
  // Not passive: after a long press, cancelling the touchend stops the browser from making
  // a click out of the lifted finger, which would land on the sheet's backdrop and close it.
  bubbleEl.addEventListener("touchend", (e) => {
    clearTimeout(press);
    touching = false;
    if (pressed) {
      e.preventDefault();
      setTimeout(() => (pressed = false), 400);
    }
  });
  bubbleEl.addEventListener("touchcancel", () => {
    clearTimeout(press);
    touching = false;
  });
  bubbleEl.addEventListener(
    "click",
    (e) => {
      if (!pressed) return;
      pressed = false;
      e.preventDefault();
      e.stopPropagation();
    },
    true,
  );
}

/** @param {HTMLElement} el @returns {{x: number, y: number}} a point under the element */
function anchorOf(el) {
  const r = el.getBoundingClientRect();
  return { x: r.left + Math.min(24, r.width / 2), y: r.bottom };
}

/**
 * A menu at a point (a desktop's context menu): arrow keys move, Enter picks, Escape or a
 * click elsewhere closes; resolves with the chosen value (undefined when closed).
 * @param {Choice[]} choices
 * @param {string} label
 * @param {{x: number, y: number}} at
 * @returns {Promise<string|undefined>}
 */
export function popupMenu(choices, label, at) {
  return new Promise((resolve) => {
    const returnTo = document.activeElement;
    const keyboard = isKeyboardFocus(returnTo);
    const items = choices.map((c) =>
      h(
        `button.popup-item${c.danger ? ".danger" : ""}`,
        { type: "button", role: "menuitem", tabindex: "-1", onclick: () => close(c.value) },
        c.label,
      ),
    );
    const menu = h("div.popup-menu", { role: "menu", "aria-label": label }, items);
    const layer = h("div.popup-layer", menu);
    let done = false;
    /** @param {string} [value] */
    function close(value) {
      if (done) return;
      done = true;
      layer.remove();
      giveFocusBack(returnTo, keyboard);
      resolve(value);
    }
    layer.addEventListener("mousedown", (e) => {
      if (e.target === layer) close();
    });
    layer.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      if (e.target === layer) close();
    });
    layer.addEventListener("keydown", (e) => {
      const i = items.indexOf(/** @type {any} */ (document.activeElement));
      if (e.key === "Escape" || e.key === "Tab") {
        e.preventDefault();
        e.stopPropagation();
        close();
      } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const step = e.key === "ArrowDown" ? 1 : -1;
        items[(i + step + items.length) % items.length].focus();
      }
    });
    document.body.append(layer);
    const box = menu.getBoundingClientRect();
    menu.style.left = `${Math.max(4, Math.min(at.x, innerWidth - box.width - 4))}px`;
    menu.style.top = `${Math.max(4, Math.min(at.y, innerHeight - box.height - 4))}px`;
    items[0]?.focus();
  });
}

/**
 * What the menu offers for a message.
 * @param {Chat} chat
 * @param {Shown} message
 * @param {Pending} [pending]
 * @returns {Choice[]}
 */
export function choicesFor(chat, message, pending) {
  /** @type {Choice[]} */
  const choices = [];
  if (message.kind === "text" && message.text) choices.push({ label: t("msg.copy"), value: "copy" });
  if (pending) {
    choices.push({ label: t("msg.delete_unsent"), value: "discard", danger: true });
    return choices;
  }
  if (message.seq == null) return choices; // a broadcast: nothing of ours to act on
  if (message.kind === "text" && message.text) {
    const shown = translations.has(`${chat.cid}:${message.seq}`);
    choices.push({
      label: t(shown ? "msg.hide_translation" : "msg.translate"),
      value: shown ? "untranslate" : "translate",
    });
  }
  if (!chat.official) choices.push({ label: t("msg.quote"), value: "quote" });
  choices.push(
    { label: t("msg.forward"), value: "forward" },
    { label: t("msg.favourite"), value: "favourite" },
    { label: t("msg.select"), value: "select" },
  );
  if (message.kind === "voice") choices.push({ label: t("msg.to_text"), value: "transcript" });
  if (message.sender_id === chat.me && Date.now() - message.created_at < RECALL_MS) {
    choices.push({ label: t("msg.recall"), value: "recall", danger: true });
  }
  choices.push({ label: t("msg.delete_for_me"), value: "delete", danger: true });
  return choices;
}

/**
 * Open the menu of a message and do what was chosen.
 * @param {Chat} chat
 * @param {Shown} message
 * @param {Pending|undefined} pending
 * @param {Where} where
 */
export async function messageMenu(chat, message, pending, where) {
  const choices = choicesFor(chat, message, pending);
  if (!choices.length) return;
  const label = t("msg.actions");
  const choice = where ? await popupMenu(choices, label, where) : await actionSheet(choices, label);
  if (choice) await act(chat, message, pending, choice);
}

/**
 * @param {Chat} chat
 * @param {Shown} message
 * @param {Pending|undefined} pending
 * @param {string} choice
 */
async function act(chat, message, pending, choice) {
  const { app, cid, tools } = chat;
  const seq = /** @type {number} */ (message.seq);
  switch (choice) {
    case "copy":
      await navigator.clipboard?.writeText(message.text || "").catch(() => {});
      toast(t("msg.copied"));
      return;
    case "discard":
      if (pending) app.outbox.discard(pending.id);
      return;
    case "translate":
      await translate(chat, seq);
      return;
    case "untranslate":
      translations.delete(`${cid}:${seq}`);
      tools?.refresh();
      return;
    case "quote":
      tools?.quote(seq);
      return;
    case "forward":
      await forwardMessages(app, cid, [seq]);
      return;
    case "favourite":
      await favourite(app, cid, [seq]);
      return;
    case "select":
      tools?.select(seq);
      return;
    case "transcript":
      await convertToText(app, cid, seq);
      return;
    case "delete":
      await deleteForMe(app, cid, [seq]);
      return;
    case "recall":
      await recall(chat, message);
  }
}

/**
 * Translate a text message into the language the client shows; the translation appears
 * under its bubble, or a toast says why not (no engine on the server, say).
 * @param {Chat} chat
 * @param {number} seq
 */
async function translate(chat, seq) {
  const { app, cid, tools } = chat;
  try {
    const { translation } = await app.api.translateMessage(cid, seq, locale());
    translations.set(`${cid}:${seq}`, { text: translation.text, target: translation.target });
    tools?.refresh();
  } catch (err) {
    const code = /** @type {{code?: string}} */ (err)?.code || "internal";
    const key = `error.${code}`;
    toast(t(key) === key ? t("msg.translate_failed") : t(key), { kind: "error" });
  }
}

/**
 * Recall my message; a text is kept on this device for "Re-edit".
 * @param {Chat} chat
 * @param {Shown} message
 */
async function recall(chat, message) {
  const { app, cid } = chat;
  if (message.kind === "text" && message.text) recalledTexts.set(`${cid}:${message.seq}`, message.text);
  try {
    await app.socket.request({ t: "recall", conversation_id: cid, seq: message.seq });
  } catch (err) {
    recalledTexts.delete(`${cid}:${message.seq}`);
    const expired = /** @type {{code?: string}} */ (err)?.code === "message.recall_expired";
    toast(t(expired ? "error.message.recall_expired" : "msg.recall_failed"), { kind: "error" });
  }
}

/**
 * Keep messages as my favourites (each its own copy on the server).
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {number[]} seqs
 * @returns {Promise<boolean>} whether all were kept
 */
export async function favourite(app, cid, seqs) {
  let failed = 0;
  for (const seq of seqs) {
    await app.api.addFavourite(cid, seq).catch(() => {
      failed += 1;
    });
  }
  toast(failed ? t("msg.favourite_failed") : t("msg.favourited"), { kind: failed ? "error" : "info" });
  return failed === 0;
}

/**
 * Delete messages for me, after asking: they leave my devices (the `hidden` event), and
 * nobody else's view changes.
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {number[]} seqs
 * @returns {Promise<boolean>} whether they were deleted
 */
export async function deleteForMe(app, cid, seqs) {
  const ok = await confirmDialog(t("msg.delete_for_me_confirm", { count: seqs.length }), {
    ok: t("msg.delete"),
    danger: true,
  });
  if (!ok) return false;
  try {
    await app.api.hideMessages(cid, seqs);
    app.store.hideMessages(cid, seqs); // the `hidden` event follows; this device need not wait
    return true;
  } catch {
    toast(t("msg.delete_failed"), { kind: "error" });
    return false;
  }
}
