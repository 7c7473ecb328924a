// @ts-check
/**
 * Notes in a conversation: lines that only some of its members see (docs/protocol.md,
 * "Notes"), each written by a feature: a red packet's openings and refunds, a join request
 * for the group's managers. Each row links to where its feature acts on it.
 */

import { h } from "../../dom.js";
import { t } from "../../i18n.js";
import { packetNoteText, showDetails } from "../redpacket.js";

/**
 * What a note says to me.
 * @param {import("../../store.js").Store} store
 * @param {any} note
 * @returns {string}
 */
export function noteText(store, note) {
  const d = note.data || {};
  if (d.action === "group.join_requested") return t("note.join_requested", { name: store.nameOf(d.actor) });
  return packetNoteText(store, d) ?? t("msg.unsupported");
}

/**
 * A note's row in the message list, in the style of a system note, with its link: a red
 * packet's details, or the group's join requests.
 * @param {import("../../app.js").App} app
 * @param {any} note
 */
export function noteRow(app, note) {
  const d = note.data || {};
  /** @type {[string, () => void] | null} */
  let link = null;
  if (d.action === "group.join_requested") {
    link = [t("note.review"), () => app.go(`chat/${note.conversation_id}/requests`)];
  } else if (d.packet_id) {
    link = [t("redpacket.label"), () => showDetails(app, d.packet_id)];
  }
  return h(
    "div.msg-system.msg-note",
    { dataset: { note: String(note.id), kind: "note" } },
    h(
      "span",
      noteText(app.store, note),
      link ? [" ", h("button.link-btn.note-link", { type: "button", onclick: link[1] }, link[0])] : null,
    ),
  );
}
