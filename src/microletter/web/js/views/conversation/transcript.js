// @ts-check
/**
 * "Convert to text" of a voice message: the server hears it once and keeps the text
 * (docs/api.md); this shows it under the bubble, for this visit. A row drawn again (a new
 * message, a scroll) draws the text again from what this module remembers.
 */

import { h, toast } from "../../dom.js";
import { t } from "../../i18n.js";

/**
 * What this device asked for, by "cid:seq": the text, or null while the server hears it.
 * @type {Map<string, string|null>}
 */
const asked = new Map();

/**
 * The text under a voice bubble, if it was asked for (else null).
 * @param {number} cid
 * @param {number} seq
 * @returns {HTMLElement|null}
 */
export function transcriptBlock(cid, seq) {
  const key = `${cid}:${seq}`;
  if (!asked.has(key)) return null;
  const text = asked.get(key);
  return h(
    "div.voice-transcript",
    { dataset: { transcript: key }, "aria-live": "polite", "aria-busy": text == null ? "true" : "false" },
    text == null ? t("msg.to_text_working") : text || t("msg.to_text_nothing"),
  );
}

/**
 * Ask the server for a voice message's text and show it under its bubble.
 * @param {import("../../app.js").App} app
 * @param {number} cid
 * @param {number} seq
 */
export async function convertToText(app, cid, seq) {
  const key = `${cid}:${seq}`;
  if (asked.get(key)) return; // shown already
  asked.set(key, null);
  redraw(cid, seq);
  try {
    const { transcript } = await app.api.transcribe(cid, seq);
    asked.set(key, transcript.text);
  } catch (caught) {
    asked.delete(key);
    const code = /** @type {import("../../api.js").ApiError} */ (caught)?.code;
    const message = `error.${code}`;
    toast(t(message) === message ? t("msg.to_text_failed") : t(message), { kind: "error" });
  }
  redraw(cid, seq);
}

/**
 * Put the block of a message's row in place (or take it away), if the row is on screen.
 * @param {number} cid
 * @param {number} seq
 */
function redraw(cid, seq) {
  const row = document.querySelector(`.msg-row[data-seq="${seq}"][data-kind="voice"]`);
  const body = row?.querySelector(".msg-body");
  if (!body) return;
  const block = transcriptBlock(cid, seq);
  const old = body.querySelector(".voice-transcript");
  if (old && block) old.replaceWith(block);
  else if (old) old.remove();
  else if (block) body.querySelector(".msg-line")?.after(block);
}
