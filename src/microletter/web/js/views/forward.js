// @ts-check
/**
 * Forwarding: a picker of chats (one or more, up to the server's nine; every chat I am
 * in, groups and official accounts I follow included, newest first, searched by name),
 * "one by one" or "merged" into one chat-history card when several messages go, then one request
 * (POST /conversations/{cid}/forward). The copies arrive as `message` events like any
 * other; this module only asks and reports what failed.
 */

import { dialog, h, toast } from "../dom.js";
import { t } from "../i18n.js";
import { conversationAvatar, conversationTitle } from "../common.js";

/** The server forwards to at most this many chats at once. */
const MAX_TARGETS = 9;

/** @returns {string} an id that makes a retried forward return the copies already made (≤ 32 chars) */
function forwardId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `f-${Date.now().toString(36)}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The title of a merged forward: "Chat history of Alice and Bob", or of a group by its name.
 * @param {import("../app.js").App} app
 * @param {number} cid
 */
function historyTitle(app, cid) {
  const { store } = app;
  const view = store.conversations.get(cid);
  if (view?.conversation.kind === "group") return t("forward.group_history", { name: conversationTitle(store, view) });
  const me = store.me ? store.nameOf(store.me.id) : "";
  const peer = view ? conversationTitle(store, view) : "";
  return t("forward.direct_history", { a: me, b: peer });
}

/**
 * Ask where (and, for several messages, how) to forward, then forward.
 * @param {import("../app.js").App} app
 * @param {number} cid the conversation the messages are in
 * @param {number[]} seqs
 * @returns {Promise<boolean>} whether anything was sent
 */
export async function forwardMessages(app, cid, seqs) {
  const choice = await pickTargets(app, seqs.length);
  if (!choice) return false;
  const body = {
    seqs: [...seqs].sort((a, b) => a - b),
    to: choice.to,
    merged: choice.merged,
    title: choice.merged ? historyTitle(app, cid).slice(0, 100) : "",
    client_msg_id: forwardId(),
  };
  try {
    const { results } = await app.api.forward(cid, body);
    for (const result of results) for (const m of result.messages) app.store.putMessage(m, false);
    const failed = results.filter((r) => r.error);
    if (failed.length) toast(t("forward.some_failed", { count: failed.length }), { kind: "error" });
    else toast(t("forward.sent"));
    return failed.length < results.length;
  } catch {
    toast(t("forward.failed"), { kind: "error" });
    return false;
  }
}

/**
 * What a search in the picker matches a chat by: its title (a remark, a display name, a
 * group's or an account's name) and, for a direct chat, the person's username.
 * @param {import("../store.js").Store} store
 * @param {import("../store.js").ConversationView} view
 */
function searchText(store, view) {
  return `${conversationTitle(store, view)} ${view.peer?.username || ""}`.toLowerCase();
}

/**
 * The chat picker: every chat, newest first; a search narrows the list by name (what is
 * chosen stays chosen while hidden).
 * @param {import("../app.js").App} app
 * @param {number} count how many messages go (merging is offered for more than one)
 * @returns {Promise<{to: number[], merged: boolean}|undefined>}
 */
function pickTargets(app, count) {
  const { store } = app;
  const views = store.chatList().filter((v) => v.conversation.kind !== "service"); // nobody writes there
  /** @type {Set<number>} */
  const chosen = new Set();
  return dialog(
    (close) => {
      const send = h("button.btn.btn-primary", { type: "submit", disabled: true }, t("forward.send"));
      const merged = /** @type {HTMLInputElement} */ (
        h("input", { type: "radio", name: "forward-mode", value: "merged" })
      );
      const oneByOne = /** @type {HTMLInputElement} */ (
        h("input", { type: "radio", name: "forward-mode", value: "one", checked: true })
      );
      const update = () => {
        send.disabled = chosen.size === 0;
        send.textContent = chosen.size ? `${t("forward.send")} (${chosen.size})` : t("forward.send");
      };
      const rows = views.map((view) => {
        const id = view.conversation.id;
        const box = /** @type {HTMLInputElement} */ (
          h("input", {
            type: "checkbox",
            value: String(id),
            onchange: () => {
              if (box.checked && chosen.size >= MAX_TARGETS) {
                box.checked = false;
                toast(t("forward.too_many", { count: MAX_TARGETS }), { kind: "error" });
              } else if (box.checked) chosen.add(id);
              else chosen.delete(id);
              update();
            },
          })
        );
        return h(
          "li",
          { dataset: { search: searchText(store, view) } },
          h(
            "label.pick-row",
            box,
            conversationAvatar(store, view, 36),
            h("span.pick-name", conversationTitle(store, view)),
          ),
        );
      });
      const none = h("p.pick-none", { hidden: true }, t("forward.no_match"));
      const search = h("input.field.picker-search", {
        type: "search",
        "aria-label": t("forward.search"),
        placeholder: t("forward.search"),
        oninput: (/** @type {Event} */ e) => {
          const q = /** @type {HTMLInputElement} */ (e.target).value.trim().toLowerCase();
          for (const row of rows) row.hidden = Boolean(q) && !(row.dataset.search || "").includes(q);
          none.hidden = rows.some((row) => !row.hidden);
        },
        onkeydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.key === "Enter") e.preventDefault(); // Enter searches; it does not send
        },
      });
      return h(
        "form.dialog-body.forward-picker",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            if (chosen.size) close({ to: [...chosen], merged: count > 1 && merged.checked });
          },
        },
        h("h2.dialog-title", t("forward.title", { count })),
        count > 1
          ? h(
              "fieldset.forward-mode",
              h("legend.sr-only", t("forward.mode")),
              h("label.radio-row", oneByOne, h("span", t("forward.one_by_one"))),
              h("label.radio-row", merged, h("span", t("forward.merged"))),
            )
          : null,
        search,
        h("ul.pick-list.forward-list", { "aria-label": t("forward.choose_chats") }, rows),
        none,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          send,
        ),
      );
    },
    { label: t("forward.choose_chats") },
  );
}
