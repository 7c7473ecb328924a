// @ts-check
/**
 * The chat list: every conversation, newest activity first, with avatar, name, the last
 * message, its time and the unread count (a dot when muted), and "[You were mentioned]"
 * in red while an unread message mentions me (muted or not). Pinned chats come first, on a
 * grey band. A long press or a right click on a chat offers pin, mark unread and delete
 * (keeping or clearing its history): my own view, synced to my other devices by the
 * server's `chat_state` events. The "+" menu starts a group or adds a friend. Typing in
 * the search field shows the global search instead (views/search.js: contacts, groups,
 * official accounts and chat history).
 */

import { actionSheet, h, icon, toast } from "../dom.js";
import { formatListTime, t } from "../i18n.js";
import { conversationAvatar, conversationTitle, preview, topbar } from "../common.js";
import { globalSearch } from "./search.js";
import { errorText } from "./contacts/request.js";

const LONG_PRESS_MS = 500;

/**
 * The actions of a chat in the list: pin, mark unread, delete (history kept or cleared).
 * @param {import("../app.js").App} app
 * @param {import("../store.js").ConversationView} view
 */
export async function chatActions(app, view) {
  const { api, store } = app;
  const cid = view.conversation.id;
  const unread = store.unreadOf(view) > 0 || Boolean(view.marked_unread);
  const choice = await actionSheet(
    [
      { label: t(view.pinned ? "chats.unpin" : "chats.pin"), value: "pin" },
      { label: t(unread ? "chats.mark_read" : "chats.mark_unread"), value: "unread" },
      { label: t("chats.delete"), value: "delete", danger: true },
    ],
    conversationTitle(store, view),
  );
  try {
    if (choice === "pin") store.setChatState((await api.setChat(cid, { pinned: !view.pinned })).state);
    else if (choice === "unread") {
      if (!unread) store.setChatState((await api.setChat(cid, { unread: true })).state);
      else {
        if (view.marked_unread) store.setChatState((await api.setChat(cid, { unread: false })).state);
        const last = view.conversation.last_seq;
        if (last > view.last_read_seq) {
          await api.markRead(cid, last);
          store.readUpTo(view, last);
          store.changed("conversations", `conversation:${cid}`);
        }
      }
    } else if (choice === "delete") {
      const how = await actionSheet(
        [
          { label: t("chats.delete_keep"), value: "keep" },
          { label: t("chats.delete_clear"), value: "clear", danger: true },
        ],
        t("chats.delete_how"),
      );
      if (!how) return;
      store.setChatState((await api.deleteChat(cid, how === "clear")).state);
      if (location.hash === `#/chat/${cid}`) app.go("chats");
    }
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
}

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mount(app, root) {
  const { store } = app;
  /** @type {number|null} the conversation shown in the detail pane */
  let selected = null;
  const list = h("ul.list.chat-list", { "aria-label": t("nav.chats") });
  const found = globalSearch(app);
  const search = h("input.search-field", {
    type: "search",
    placeholder: t("common.search"),
    "aria-label": t("chats.search"),
    oninput: (e) => {
      const filter = e.target.value.trim();
      list.hidden = Boolean(filter);
      found.el.hidden = !filter;
      if (filter) found.show(filter);
    },
  });
  found.el.hidden = true;
  const plus = h(
    "button.icon-btn",
    {
      type: "button",
      "aria-label": t("chats.new_menu"),
      onclick: async () => {
        const choice = await actionSheet(
          [
            { label: t("chats.new_group"), value: "group/new" },
            { label: t("contacts.add"), value: "contacts/new" },
          ],
          t("chats.new_menu"),
        );
        if (choice) app.go(choice);
      },
    },
    icon("plus-circle"),
  );
  const notice = h("div.notice-slot");
  root.append(
    topbar({ title: t("nav.chats"), actions: [plus] }),
    h("div.search-bar", icon("search", "search-icon"), search),
    notice,
    h("div.scroll", list, found.el),
  );

  function renderNotice() {
    notice.replaceChildren();
    if (!app.attention.shouldAsk() || !store.conversations.size) return;
    notice.append(
      h(
        "div.notice",
        icon("bell"),
        h("p", t("notify.pitch")),
        h(
          "button.btn.btn-small.btn-primary",
          {
            type: "button",
            onclick: async () => {
              await app.attention.ask();
              renderNotice();
            },
          },
          t("notify.enable"),
        ),
        h(
          "button.btn.btn-small.btn-plain",
          {
            type: "button",
            onclick: () => {
              app.attention.dismiss();
              renderNotice();
            },
          },
          t("notify.not_now"),
        ),
      ),
    );
  }

  function row(view) {
    const cid = view.conversation.id;
    const title = conversationTitle(store, view);
    const last = store.lastActivity(view);
    const unread = store.unreadOf(view);
    const pending = app.outbox.of(cid);
    const failed = pending.some((p) => p.state === "failed");
    let text = preview(store, last);
    if (
      last &&
      view.conversation.kind === "group" &&
      last.kind !== "system" &&
      !("recalled" in last && last.recalled)
    ) {
      const who = last.sender_id === store.me?.id ? t("msg.you") : store.nameOf(last.sender_id);
      if (who) text = `${who}: ${text}`;
    }
    if (pending.length)
      text =
        pending[pending.length - 1].text ||
        t(`msg.preview_${pending[pending.length - 1].kind}`, { duration: "", name: "" });
    const marked = Boolean(view.marked_unread) && !unread;
    const badge = unread
      ? view.muted
        ? h("span.dot", { "aria-hidden": "true" })
        : h("span.badge", unread > 99 ? "99+" : String(unread))
      : marked
        ? h("span.dot.marked-unread", { "aria-hidden": "true" })
        : null;
    const mentioned = Boolean(view.mentioned && unread);
    const label = [
      title,
      view.pinned ? t("chats.pinned") : null,
      unread ? t("a11y.unread", { count: unread }) : marked ? t("chats.marked_unread") : null,
      mentioned ? t("chats.mentioned") : null,
      text,
    ]
      .filter(Boolean)
      .join(", ");
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    let pressing;
    let pressed = false;
    const cancelPress = () => clearTimeout(pressing);
    return h(
      `li${view.pinned ? ".pinned" : ""}`,
      h(
        `a.chat-row${selected === cid ? ".active" : ""}`,
        {
          href: `#/chat/${cid}`,
          dataset: { cid: String(cid) },
          "aria-label": label,
          "aria-current": selected === cid ? "true" : null,
          "aria-haspopup": "menu",
          oncontextmenu: (/** @type {MouseEvent} */ e) => {
            e.preventDefault();
            cancelPress();
            chatActions(app, view);
          },
          onpointerdown: (/** @type {PointerEvent} */ e) => {
            if (e.pointerType === "mouse") return; // a mouse has its right click
            pressed = false;
            pressing = setTimeout(() => {
              pressed = true;
              chatActions(app, view);
            }, LONG_PRESS_MS);
          },
          onpointerup: cancelPress,
          onpointercancel: cancelPress,
          onpointerleave: cancelPress,
          onclick: (/** @type {MouseEvent} */ e) => {
            if (pressed) e.preventDefault(); // the long press opened the menu, not the chat
            pressed = false;
          },
        },
        h("span.avatar-wrap", conversationAvatar(store, view, 48), badge),
        h(
          "span.chat-main",
          h(
            "span.chat-top",
            h("span.chat-name", title),
            h("time.chat-time", last ? formatListTime(last.created_at) : ""),
          ),
          h(
            "span.chat-bottom",
            failed
              ? h("span.failed-mark", { "aria-label": t("msg.failed") }, icon("alert"))
              : pending.length
                ? icon("clock", "pending-mark")
                : null,
            h("span.chat-preview", mentioned ? h("span.mention-mark", t("chats.mentioned")) : null, text),
            view.muted ? h("span.muted-mark", { title: t("chat.muted") }, icon("mute")) : null,
          ),
        ),
      ),
    );
  }

  function render() {
    const views = store.chatList();
    if (!views.length) {
      list.replaceChildren(
        h(
          "li.empty-state",
          h("p", t("chats.empty")),
          h("a.btn.btn-primary", { href: "#/contacts/new" }, t("contacts.add")),
        ),
      );
    } else {
      list.replaceChildren(...views.map(row));
    }
    renderNotice();
  }

  render();
  const stop = store.subscribe((topics) => {
    if (
      topics.has("all") ||
      topics.has("conversations") ||
      topics.has("outbox") ||
      topics.has("users") ||
      topics.has("contacts") ||
      topics.has("channels")
    )
      render();
  });
  return {
    destroy() {
      stop();
      found.destroy();
    },
    select(path) {
      const m = path.match(/^chat\/(\d+)/);
      selected = m ? Number(m[1]) : null;
      render();
    },
  };
}
