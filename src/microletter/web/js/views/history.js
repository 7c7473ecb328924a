// @ts-check
/**
 * A merged forward (kind `history`): the chat-history card in the message list, and the
 * read-only view of its items that the card opens. The items are copies made at
 * forwarding time ({sender_id, sender_name, kind, text, data, created_at}); nothing here
 * reaches the original conversation, and nothing can be sent from the view.
 */

import { h, icon } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { preview } from "../common.js";
import { bubble } from "./bubbles.js";

/** Lines of the card's summary (WeChat shows a few, then "Chat history"). */
const SUMMARY_LINES = 4;

/**
 * @typedef {{sender_id: number, sender_name: string, kind: string, text: string|null, data: any,
 *   created_at: number}} Item
 * @typedef {{title?: string, items?: Item[]}} HistoryData
 */

/**
 * The card of a merged forward; a tap opens its items.
 * @param {import("../app.js").App} app
 * @param {{data?: HistoryData|null}} message
 * @returns {HTMLElement}
 */
export function historyBubble(app, message) {
  const data = message.data || {};
  const items = data.items || [];
  const title = data.title || t("history.title");
  return h(
    "button.bubble.bubble-history",
    {
      type: "button",
      "aria-label": t("history.open", { title, count: items.length }),
      onclick: () => openHistory(app, data),
    },
    h("span.history-title", title),
    h(
      "span.history-lines",
      items
        .slice(0, SUMMARY_LINES)
        .map((item) => h("span.history-line", `${item.sender_name}: ${preview(app.store, shaped(item, 0))}`)),
    ),
    h("span.history-foot", t("history.label")),
  );
}

/**
 * An item shaped like a message, so bubbles and previews take it.
 * @param {Item} item
 * @param {number} index
 */
function shaped(item, index) {
  return {
    id: -1 - index,
    seq: null,
    conversation_id: 0,
    client_msg_id: `h${index}`,
    sender_id: item.sender_id,
    kind: item.kind,
    text: item.text,
    data: item.data,
    created_at: item.created_at,
    recalled: false,
  };
}

/**
 * The read-only view of a chat history, over the screen (Escape or Back closes it; a
 * history inside it opens on top).
 * @param {import("../app.js").App} app
 * @param {HistoryData} data
 */
export function openHistory(app, data) {
  const returnTo = document.activeElement;
  const title = data.title || t("history.title");
  const close = () => {
    view.remove();
    if (returnTo instanceof HTMLElement) returnTo.focus();
  };
  const rows = (data.items || []).map((item, i) =>
    h(
      "li.history-item",
      h(
        "div.history-item-head",
        h("span.history-sender", item.sender_name),
        h("time", { datetime: new Date(item.created_at).toISOString() }, formatFull(item.created_at)),
      ),
      h("div.history-item-body", bubble(app, shaped(item, i), { mine: false })),
    ),
  );
  const view = h(
    "div.history-view",
    {
      role: "dialog",
      "aria-modal": "true",
      "aria-label": title,
      tabindex: "-1",
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          close();
        }
      },
    },
    h(
      "header.topbar",
      h("button.icon-btn.back", { type: "button", "aria-label": t("common.back"), onclick: close }, icon("back")),
      h("div.topbar-title", h("h1", title)),
      h("div.topbar-actions"),
    ),
    h("ul.history-items", { "aria-label": title }, rows),
  );
  document.body.append(view);
  view.focus();
}
