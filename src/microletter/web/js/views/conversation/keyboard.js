// @ts-check
/**
 * A bot's keyboards (docs/platform.md, "Keyboards and callbacks"):
 * - `inlineKeyboard`: the buttons of `data.reply_markup.inline_keyboard` under a bot's
 *   message. A callback button asks the server (POST /telegram/callbacks), which tells
 *   the bot and waits for its answerCallbackQuery: its text shows as a toast, or as an
 *   alert with `show_alert`; its `url` opens. A URL button opens its page.
 * - `replyKeyboard`: the buttons of the newest `keyboard` a bot sent in the chat, above
 *   the composer, until a `remove_keyboard` (or, one-time, until pressed); a press sends
 *   its text as my message.
 * - `commandList`: typing "/" first in the composer lists the commands of the chat's
 *   bots (setMyCommands; fetched once per chat); picking one sends it.
 */

import { h, icon, toast, dialog } from "../../dom.js";
import { t } from "../../i18n.js";
import { openPage } from "../bubbles.js";

/** Reply keyboards put away on this device ("cid:seq"): one-time ones once pressed. */
const putAway = new Set();

/**
 * @param {import("./rows.js").Chat} chat
 * @param {any} message
 * @returns {HTMLElement|null}
 */
export function inlineKeyboard(chat, message) {
  const rows = message.data?.reply_markup?.inline_keyboard;
  if (!Array.isArray(rows) || message.seq == null || message.sender_id === chat.me) return null;
  return h(
    "div.inline-kb",
    { role: "group", "aria-label": t("bot.buttons") },
    rows.filter(Array.isArray).map((row) =>
      h(
        "div.inline-kb-row",
        row.map((/** @type {any} */ button) => inlineButton(chat, message, button)),
      ),
    ),
  );
}

/**
 * @param {import("./rows.js").Chat} chat
 * @param {any} message
 * @param {any} button
 */
function inlineButton(chat, message, button) {
  const text = String(button?.text ?? "");
  if (typeof button?.url === "string") {
    return h(
      "button.inline-kb-btn.url",
      { type: "button", title: button.url, onclick: () => openPage(button.url) },
      text,
      icon("chevron"),
    );
  }
  if (typeof button?.callback_data !== "string") {
    return h("button.inline-kb-btn", { type: "button", disabled: true }, text);
  }
  const el = h("button.inline-kb-btn", {
    type: "button",
    onclick: () => press(chat, message, button.callback_data, el),
  });
  el.append(text);
  return el;
}

/**
 * @param {import("./rows.js").Chat} chat
 * @param {any} message
 * @param {string} data
 * @param {HTMLButtonElement} el
 */
async function press(chat, message, data, el) {
  if (el.classList.contains("busy")) return;
  el.classList.add("busy");
  el.setAttribute("aria-busy", "true");
  try {
    const answer = await chat.app.api.request("POST", "/telegram/callbacks", {
      json: { conversation_id: chat.cid, seq: message.seq, data },
    });
    if (answer?.text && answer.show_alert) await alertBox(answer.text);
    else if (answer?.text) toast(answer.text);
    if (answer?.url) openPage(answer.url);
  } catch (err) {
    const code = /** @type {{code?: string}} */ (err)?.code;
    toast(t(code === "telegram.button_not_found" ? "error.telegram.button_not_found" : "bot.press_failed"), {
      kind: "error",
    });
  } finally {
    el.classList.remove("busy");
    el.removeAttribute("aria-busy");
  }
}

/**
 * A bot's alert: its text and OK.
 * @param {string} text
 */
function alertBox(text) {
  return dialog(
    (close) =>
      h(
        "div.dialog-body",
        h("p.dialog-text.bot-alert", text),
        h(
          "div.dialog-actions",
          h("button.btn.btn-primary", { type: "button", autofocus: true, onclick: () => close() }, t("common.ok")),
        ),
      ),
    { label: text },
  );
}

/**
 * The reply keyboard above the composer; `render()` after the chat's messages changed.
 * @param {import("./rows.js").Chat} chat
 * @param {(text: string) => void} send
 */
export function replyKeyboard(chat, send) {
  const el = h("div.reply-kb", { hidden: true, role: "group", "aria-label": t("bot.keyboard") });
  let shown = "";

  function current() {
    const messages = chat.app.store.messages.get(chat.cid);
    if (!messages) return null;
    /** @type {any} */
    let newest = null;
    for (const m of messages.values()) {
      const markup = m.data?.reply_markup;
      if (m.recalled || m.sender_id === chat.me || !markup) continue;
      if (!("keyboard" in markup) && !("remove_keyboard" in markup)) continue;
      if (!newest || m.seq > newest.seq) newest = m;
    }
    return newest && Array.isArray(newest.data.reply_markup.keyboard) ? newest : null;
  }

  function render() {
    const message = current();
    const key = message ? `${chat.cid}:${message.seq}` : "";
    if (key === shown) return;
    shown = key;
    if (!message || putAway.has(key)) {
      el.hidden = true;
      el.replaceChildren();
      return;
    }
    const markup = message.data.reply_markup;
    el.hidden = false;
    el.replaceChildren(
      ...markup.keyboard.filter(Array.isArray).map((/** @type {any[]} */ row) =>
        h(
          "div.reply-kb-row",
          row.map((button) => {
            const text = typeof button === "string" ? button : String(button?.text ?? "");
            return h(
              "button.reply-kb-btn",
              {
                type: "button",
                onclick: () => {
                  send(text);
                  if (markup.one_time_keyboard) hide(key);
                },
              },
              text,
            );
          }),
        ),
      ),
      h(
        "button.icon-btn.reply-kb-hide",
        { type: "button", "aria-label": t("bot.keyboard_hide"), onclick: () => hide(key) },
        icon("close"),
      ),
    );
  }

  /** @param {string} key */
  function hide(key) {
    putAway.add(key);
    shown = "";
    render();
  }

  return { el, render };
}

/**
 * The "/" command list over the composer.
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {HTMLElement} composer the composer's footer (its textarea is watched)
 * @param {(text: string) => void} send
 */
export function commandList(app, cid, composer, send) {
  const input = composer.querySelector("textarea");
  const list = h("ul.cmd-list", { "aria-label": t("bot.commands"), hidden: true });
  /** @type {{command: string, description: string, bot: string}[]|null} */
  let commands = null;
  let loading = false;
  composer.prepend(list);

  async function load() {
    if (commands || loading) return;
    loading = true;
    try {
      const reply = await app.api.request("GET", `/telegram/commands?conversation_id=${cid}`);
      const many = reply.bots.length > 1;
      commands = reply.bots.flatMap((/** @type {any} */ b) =>
        b.commands.map((/** @type {any} */ c) => ({ ...c, bot: many ? `@${b.username}` : "" })),
      );
      update();
    } catch {
      commands = []; // offline, or no bots: no list
    } finally {
      loading = false;
    }
  }

  function update() {
    const value = input?.value ?? "";
    const typed = /^\/(\S*)$/.exec(value);
    if (!typed) {
      list.hidden = true;
      return;
    }
    if (!commands) {
      load();
      return;
    }
    const prefix = typed[1].toLowerCase();
    const matching = commands.filter((c) => c.command.startsWith(prefix)).slice(0, 50);
    list.hidden = !matching.length;
    list.replaceChildren(
      ...matching.map((c) =>
        h(
          "li",
          h(
            "button.cmd-option",
            {
              type: "button",
              onclick: () => {
                list.hidden = true;
                if (input) {
                  input.value = "";
                  input.dispatchEvent(new Event("input", { bubbles: true })); // the composer shrinks
                }
                send(`/${c.command}${c.bot}`);
              },
            },
            h("span.cmd-name", `/${c.command}`),
            h("span.cmd-desc", c.description),
          ),
        ),
      ),
    );
  }

  input?.addEventListener("input", update);
  return { update };
}
