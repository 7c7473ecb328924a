// @ts-check
/**
 * The composer under a conversation: a growing text field (Enter sends on a desktop,
 * pasted files are sent), a switch to hold-to-talk voice, @mentions in groups
 * (mentions.js), the emoji and stickers panel (emoji.js, stickerpanel.js), the "+" panel
 * (plus.js: photo, camera, file, location, contact card, favourites), and the typing
 * notice to the other members (at most one per 4 seconds). What it sends goes into the
 * outbox, which sends it exactly once. `setReplyTo` is the door for quoting a message
 * (the message menu calls it); the composer only shows the quote and sends `reply_to`.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { canRecord } from "../../voice.js";
import { sendFile, sendVideo } from "./attachments.js";
import { emojiPanel } from "./emoji.js";
import { holdToTalk } from "./holdtotalk.js";
import { mentionPicker } from "./mentions.js";
import { plusPanel } from "./plus.js";
import { sendTransfer } from "../wallet.js";
import { sendRedPacket } from "../redpacket.js";
import { stickerPanel } from "./stickerpanel.js";
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
  const { outbox, socket } = app;
  let voiceMode = false;
  let lastTyping = 0;

  const input = /** @type {HTMLTextAreaElement} */ (
    h("textarea.composer-input", {
      rows: 1,
      "aria-label": t("chat.message_input"),
      placeholder: "",
      maxLength: 16000,
      enterKeyHint: "send",
      oninput: () => {
        autoGrow();
        updateSend();
        typing();
        mentions.update();
      },
      onfocus: () => showPanel(null),
      /** @param {KeyboardEvent} e */
      onkeydown: (e) => {
        if (mentions.onKey(e)) return;
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing && window.matchMedia("(pointer: fine)").matches) {
          e.preventDefault();
          sendText();
        }
      },
      /** @param {ClipboardEvent} e */
      onpaste: (e) => {
        const files = [...(e.clipboardData?.files || [])];
        if (files.length) {
          e.preventDefault();
          sendFiles(files);
        }
      },
    })
  );
  const voice = holdToTalk((note) => {
    outbox.add(cid, { kind: "voice", ...note });
    onSend();
  });
  const hold = voice.button;
  const toggle = h(
    "button.icon-btn.composer-toggle",
    { type: "button", "aria-label": t("voice.switch_to_voice"), onclick: toggleVoice },
    icon("mic"),
  );
  const sendBtn = h(
    "button.btn.btn-primary.send-btn",
    { type: "button", hidden: true, onclick: () => sendText() },
    t("chat.send"),
  );
  const mentions = mentionPicker(app, cid, input);
  const imageInput = filePicker("image/*", (files) => sendFiles(files));
  const fileInput = filePicker(null, (files) => sendFiles(files, "file"));
  const videoInput = filePicker("video/*", (files) => sendFiles(files, "video"));
  // Kept out of the page (a detached input still opens): the page's picture input stays the only one.
  const cameraInput = filePicker("image/*", (files) => sendFiles(files), "environment");

  /** What is shown under the row: nothing, the emoji and stickers, or the "+" panel. */
  /** @type {"emoji"|"stickers"|"plus"|null} */
  let panelShown = null;
  const emoji = emojiPanel(insertText);
  const stickers = stickerPanel(app, (sticker) => {
    send({ kind: "sticker", media: sticker });
  });
  // Whatever the "+" panel starts, the panel closes: the list shows what was sent.
  const plus = plusPanel(app, {
    photo: () => {
      showPanel(null);
      imageInput.click();
    },
    file: () => {
      showPanel(null);
      fileInput.click();
    },
    captureInput: () => {
      showPanel(null);
      cameraInput.click();
    },
    videoInput: () => {
      showPanel(null);
      videoInput.click();
    },
    sendVideo: (blob) => {
      showPanel(null);
      sendVideo(outbox, cid, blob).then((queued) => queued && onSend());
    },
    sendFiles: (files) => {
      showPanel(null);
      sendFiles(files);
    },
    send: (draft) => send(draft),
    transfer:
      app.store.conversations.get(cid)?.conversation.kind === "direct"
        ? () => {
            showPanel(null);
            sendTransfer(app, cid);
          }
        : null,
    redPacket: ["group", "direct"].includes(app.store.conversations.get(cid)?.conversation.kind ?? "")
      ? () => {
          showPanel(null);
          sendRedPacket(app, cid);
        }
      : undefined,
  });
  const emojiTab = panelTab("emoji", t("composer.emoji"));
  const stickersTab = panelTab("stickers", t("sticker.title"));
  const faces = h(
    "div.faces-panel",
    h("div.panel-tabs", { role: "tablist", "aria-label": t("composer.emoji") }, emojiTab, stickersTab),
    emoji.el,
    stickers.el,
  );
  const panel = h("div.composer-panel", { hidden: true }, faces, plus.el);
  const emojiBtn = h(
    "button.icon-btn.composer-emoji",
    {
      type: "button",
      "aria-label": t("composer.emoji"),
      "aria-expanded": "false",
      onclick: () => showPanel(panelShown === "emoji" || panelShown === "stickers" ? null : "emoji"),
    },
    icon("smile"),
  );
  const plusBtn = h(
    "button.icon-btn.composer-plus",
    {
      type: "button",
      "aria-label": t("composer.more"),
      "aria-expanded": "false",
      onclick: () => showPanel(panelShown === "plus" ? null : "plus"),
    },
    icon("plus-circle"),
  );
  /** @type {number|null} */
  let replyTo = null;
  const quoteText = h("span.composer-quote-text");
  const quote = h(
    "div.composer-quote",
    { hidden: true },
    quoteText,
    h(
      "button.icon-btn.composer-quote-clear",
      { type: "button", "aria-label": t("composer.quote_clear"), onclick: () => setReplyTo(null) },
      icon("close"),
    ),
  );
  const el = h(
    "footer.composer",
    mentions.el,
    quote,
    toggle,
    h("div.composer-field", input, hold),
    emojiBtn,
    plusBtn,
    sendBtn,
    imageInput,
    fileInput,
    videoInput,
    panel,
  );

  /**
   * @param {"emoji"|"stickers"} which
   * @param {string} label
   */
  function panelTab(which, label) {
    return h(
      `button.panel-tab.tab-${which}`,
      { type: "button", role: "tab", "aria-selected": "false", onclick: () => showPanel(which) },
      label,
    );
  }

  /** @param {"emoji"|"stickers"|"plus"|null} which */
  function showPanel(which) {
    panelShown = which;
    panel.hidden = !which;
    faces.hidden = which !== "emoji" && which !== "stickers";
    emoji.el.hidden = which !== "emoji";
    stickers.el.hidden = which !== "stickers";
    plus.el.hidden = which !== "plus";
    emojiTab.setAttribute("aria-selected", String(which === "emoji"));
    stickersTab.setAttribute("aria-selected", String(which === "stickers"));
    emojiBtn.setAttribute("aria-expanded", String(which === "emoji" || which === "stickers"));
    plusBtn.setAttribute("aria-expanded", String(which === "plus"));
    if (which === "emoji") emoji.render();
    if (which === "stickers") stickers.open();
    if (which) mentions.close();
  }

  /** Insert text at the caret (an emoji), keeping the panel open. @param {string} text */
  function insertText(text) {
    if (voiceMode) toggleVoice();
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    input.setRangeText(text, start, end, "end");
    autoGrow();
    updateSend();
  }

  /**
   * Queue a message that is not typed text (a sticker, place, card or favourite).
   * @param {import("../../outbox.js").Draft} draft
   */
  function send(draft) {
    outbox.add(cid, draft);
    showPanel(null);
    onSend();
  }

  /** @param {number|null} seq @param {string} [text] */
  function setReplyTo(seq, text = "") {
    replyTo = seq;
    quote.hidden = seq == null;
    quoteText.textContent = seq == null ? "" : text;
    if (seq != null) input.focus();
  }

  function toggleVoice() {
    if (!voiceMode && !canRecord()) {
      toast(t("voice.unsupported"), { kind: "error" });
      return;
    }
    voiceMode = !voiceMode;
    hold.hidden = !voiceMode;
    input.hidden = voiceMode;
    toggle.replaceChildren(icon(voiceMode ? "keyboard" : "mic"));
    toggle.setAttribute("aria-label", t(voiceMode ? "voice.switch_to_keyboard" : "voice.switch_to_voice"));
    updateSend();
    (voiceMode ? hold : input).focus();
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(140, input.scrollHeight)}px`;
  }

  /** With text to send, the send button takes the "+" button's place. */
  function updateSend() {
    const hasText = !voiceMode && input.value.trim().length > 0;
    sendBtn.hidden = !hasText;
    plusBtn.hidden = hasText;
  }

  function typing() {
    const now = Date.now();
    if (now - lastTyping > TYPING_EVERY_MS && input.value) {
      lastTyping = now;
      socket.notify({ t: "typing", conversation_id: cid });
    }
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
    autoGrow();
    updateSend();
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
      if (voiceMode) toggleVoice();
      input.value = text;
      autoGrow();
      updateSend();
      input.focus();
    },
    destroy() {
      voice.cancel();
      stickers.destroy();
    },
  };
}

/**
 * A hidden file input; `onFiles` gets what was picked, and the input is emptied so the
 * same file can be picked again.
 * @param {string|null} accept
 * @param {(files: File[]) => void} onFiles
 * @param {string} [capture] "environment": the system camera, where there is one
 */
function filePicker(accept, onFiles, capture) {
  const picker = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "file",
      accept,
      capture,
      multiple: !capture,
      hidden: true,
      "aria-hidden": "true",
      tabindex: "-1",
      onchange: () => {
        onFiles([...(picker.files || [])]);
        picker.value = "";
      },
    })
  );
  return picker;
}
