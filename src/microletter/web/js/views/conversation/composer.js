// @ts-check
/**
 * The composer under a conversation: a growing text field (Enter sends on a desktop,
 * pasted files are sent), a switch to hold-to-talk voice, @mentions in groups
 * (mentions.js), and under the row (panels.js) the emoji and stickers panel or the "+"
 * panel (plus.js: photo, camera, file, location, contact card, favourites), and the typing
 * notice to the other members (at most one per 4 seconds). What it sends goes into the
 * outbox, which sends it exactly once. `setReplyTo` is the door for quoting a message
 * (the message menu calls it); the composer only shows the quote and sends `reply_to`.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { canRecord } from "../../voice.js";
import { sendFile } from "./attachments.js";
import { holdToTalk } from "./holdtotalk.js";
import { mentionPicker } from "./mentions.js";
import { composerPanels } from "./panels.js";
import { takeReply } from "./quote.js";

/** The typing notice repeats at most this often while the user types. */
const TYPING_EVERY_MS = 4000;

/**
 * @typedef {object} Composer
 * @property {HTMLElement} el the footer
 * @property {HTMLElement} overlay the recording overlay, for the screen to place
 * @property {(files: File[], forced?: "image"|"file"|"video") => void} sendFiles
 * @property {() => void} focus
 * @property {(seq: number|null, quote?: string) => void} setReplyTo quote message `seq` (shown
 *   with the text `quote`) in the next text sent; null drops the quote
 * @property {(text: string) => void} setText put text in the field (recall and re-edit)
 * @property {() => void} destroy ends a recording in progress without sending it
 */

/**
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {() => void} onSend called whenever something was queued (the list follows it down)
 * @returns {Composer}
 */
export function composer(app, cid, onSend) {
  const { outbox } = app;
  /** @type {number|null} */
  let replyTo = null;
  const typing = typingNotice(app.socket, cid);
  const input = textInput({
    oninput: () => {
      changed();
      typing(input.value);
      mentions.update();
    },
    onfocus: () => panels.show(null),
    onkey: (e) => mentions.onKey(e),
    sendText,
    sendFiles,
  });
  const voice = holdToTalk((note) => {
    outbox.add(cid, { kind: "voice", ...note });
    onSend();
  });
  const hold = voice.button;
  const mode = voiceSwitch(input, hold, () => updateSend());
  const sendBtn = h(
    "button.btn.btn-primary.send-btn",
    { type: "button", hidden: true, onclick: () => sendText() },
    t("chat.send"),
  );
  const mentions = mentionPicker(app, cid, input);
  const panels = composerPanels(app, cid, {
    insertText,
    send,
    sendFiles,
    onSend,
    onShow: (which) => which && mentions.close(),
  });
  const quote = quoteBar(() => setReplyTo(null));
  const el = h(
    "footer.composer",
    mentions.el,
    quote.el,
    mode.button,
    h("div.composer-field", input, hold),
    panels.emojiBtn,
    panels.plusBtn,
    sendBtn,
    ...panels.pickers,
    panels.el,
  );

  /** The text changed: fit the field to it, and show Send or "+". */
  function changed() {
    autoGrow(input);
    updateSend();
  }

  /** With text to send, the send button takes the "+" button's place. */
  function updateSend() {
    const hasText = !mode.voice() && input.value.trim().length > 0;
    sendBtn.hidden = !hasText;
    panels.plusBtn.hidden = hasText;
  }

  /** Insert text at the caret (an emoji), keeping the panel open. @param {string} text */
  function insertText(text) {
    if (mode.voice()) mode.toggle();
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    input.setRangeText(text, start, end, "end");
    changed();
  }

  /**
   * Queue a message that is not typed text (a sticker, place, card or favourite).
   * @param {import("../../outbox.js").Draft} draft
   */
  function send(draft) {
    outbox.add(cid, draft);
    panels.show(null);
    onSend();
  }

  /** @param {number|null} seq @param {string} [text] */
  function setReplyTo(seq, text = "") {
    replyTo = seq;
    quote.show(seq == null ? null : text);
    if (seq != null) input.focus();
  }

  function sendText() {
    const text = input.value.trim();
    if (!text) return;
    const named = mentions.take(text);
    outbox.add(cid, {
      kind: "text",
      text,
      ...named,
      reply_to: replyTo ?? undefined,
      ...takeReply(cid), // replying from the message menu: the quote goes with it
    });
    setReplyTo(null);
    input.value = "";
    changed();
    onSend();
    input.focus();
  }

  /**
   * @param {File[]} files
   * @param {"image"|"file"|"video"} [forced]
   */
  function sendFiles(files, forced) {
    for (const file of files) {
      sendFile(outbox, cid, file, forced).then((queued) => queued && onSend());
    }
  }

  return {
    el,
    overlay: voice.overlay,
    sendFiles,
    focus: () => input.focus(),
    setReplyTo,
    setText(text) {
      if (mode.voice()) mode.toggle();
      input.value = text;
      changed();
      input.focus();
    },
    destroy() {
      voice.cancel();
      panels.destroy();
    },
  };
}

/**
 * The growing text field: Enter sends on a desktop (unless the mention list took the key),
 * pasted files are sent.
 * @param {object} on
 * @param {() => void} on.oninput
 * @param {() => void} on.onfocus
 * @param {(e: KeyboardEvent) => boolean} on.onkey true when the key was taken
 * @param {() => void} on.sendText
 * @param {(files: File[]) => void} on.sendFiles
 */
function textInput(on) {
  return /** @type {HTMLTextAreaElement} */ (
    h("textarea.composer-input", {
      rows: 1,
      "aria-label": t("chat.message_input"),
      placeholder: "",
      maxLength: 16000,
      enterKeyHint: "send",
      oninput: on.oninput,
      onfocus: on.onfocus,
      /** @param {KeyboardEvent} e */
      onkeydown: (e) => {
        if (on.onkey(e)) return;
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing && window.matchMedia("(pointer: fine)").matches) {
          e.preventDefault();
          on.sendText();
        }
      },
      /** @param {ClipboardEvent} e */
      onpaste: (e) => {
        const files = [...(e.clipboardData?.files || [])];
        if (files.length) {
          e.preventDefault();
          on.sendFiles(files);
        }
      },
    })
  );
}

/**
 * The button that switches between the text field and hold-to-talk.
 * @param {HTMLElement} input @param {HTMLElement} hold @param {() => void} switched
 * @returns {{button: HTMLElement, voice: () => boolean, toggle: () => void}}
 */
function voiceSwitch(input, hold, switched) {
  let voiceMode = false;
  const toggle = () => {
    if (!voiceMode && !canRecord()) {
      toast(t("voice.unsupported"), { kind: "error" });
      return;
    }
    voiceMode = !voiceMode;
    hold.hidden = !voiceMode;
    input.hidden = voiceMode;
    button.replaceChildren(icon(voiceMode ? "keyboard" : "mic"));
    button.setAttribute("aria-label", t(voiceMode ? "voice.switch_to_keyboard" : "voice.switch_to_voice"));
    switched();
    (voiceMode ? hold : input).focus();
  };
  const button = h(
    "button.icon-btn.composer-toggle",
    { type: "button", "aria-label": t("voice.switch_to_voice"), onclick: toggle },
    icon("mic"),
  );
  return { button, voice: () => voiceMode, toggle };
}

/** @param {HTMLTextAreaElement} input */
function autoGrow(input) {
  input.style.height = "auto";
  input.style.height = `${Math.min(140, input.scrollHeight)}px`;
}

/**
 * Tells the other members that I type, at most once per TYPING_EVERY_MS.
 * @param {import("../../socket.js").Socket} socket @param {number} cid
 * @returns {(text: string) => void} call with the field's text on every input
 */
function typingNotice(socket, cid) {
  let last = 0;
  return (text) => {
    const now = Date.now();
    if (now - last > TYPING_EVERY_MS && text) {
      last = now;
      socket.notify({ t: "typing", conversation_id: cid });
    }
  };
}

/**
 * The quoted message above the row, with a button that drops it.
 * @param {() => void} onClear
 * @returns {{el: HTMLElement, show: (text: string|null) => void}} null hides it
 */
function quoteBar(onClear) {
  const text = h("span.composer-quote-text");
  const el = h(
    "div.composer-quote",
    { hidden: true },
    text,
    h(
      "button.icon-btn.composer-quote-clear",
      { type: "button", "aria-label": t("composer.quote_clear"), onclick: onClear },
      icon("close"),
    ),
  );
  const show = (/** @type {string|null} */ quoted) => {
    el.hidden = quoted == null;
    text.textContent = quoted ?? "";
  };
  return { el, show };
}
