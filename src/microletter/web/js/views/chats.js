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

/** @typedef {import("../app.js").App} App */
/** @typedef {import("../store.js").ConversationView} ConversationView */

/** The "+" button: start a group or add a friend. @param {App} app */
function newMenu(app) {
  const open = async () => {
    const choice = await actionSheet(
      [
        { label: t("chats.new_group"), value: "group/new" },
        { label: t("contacts.add"), value: "contacts/new" },
      ],
      t("chats.new_menu"),
    );
    if (choice) app.go(choice);
  };
  return h(
    "button.icon-btn",
    { type: "button", "aria-label": t("chats.new_menu"), onclick: open },
    icon("plus-circle"),
  );
}

/**
 * The banner that asks to turn notifications on, while that is worth asking.
 * @param {App} app @param {HTMLElement} slot
 */
function renderNotice(app, slot) {
  slot.replaceChildren();
  if (!app.attention.shouldAsk() || !app.store.conversations.size) return;
  const again = () => renderNotice(app, slot);
  const enable = async () => {
    await app.attention.ask();
    again();
  };
  const later = () => {
    app.attention.dismiss();
    again();
  };
  slot.append(
    h(
      "div.notice",
      icon("bell"),
      h("p", t("notify.pitch")),
      h("button.btn.btn-small.btn-primary", { type: "button", onclick: enable }, t("notify.enable")),
      h("button.btn.btn-small.btn-plain", { type: "button", onclick: later }, t("notify.not_now")),
    ),
  );
}

/**
 * What the row says under the name: the last message (with its sender in a group), or
 * the newest message still waiting in the outbox.
 * @param {App} app @param {ConversationView} view
 */
function previewText(app, view) {
  const { store } = app;
  const last = store.lastActivity(view);
  const pending = app.outbox.of(view.conversation.id);
  if (pending.length) {
    const newest = pending[pending.length - 1];
    return newest.text || t(`msg.preview_${newest.kind}`, { duration: "", name: "" });
  }
  const text = preview(store, last);
  if (!last || view.conversation.kind !== "group" || last.kind === "system") return text;
  if ("recalled" in last && last.recalled) return text;
  const who = last.sender_id === store.me?.id ? t("msg.you") : store.nameOf(last.sender_id);
  return who ? `${who}: ${text}` : text;
}

/** The unread badge, a dot when muted or marked unread. @param {ConversationView} view @param {number} unread */
function unreadBadge(view, unread) {
  if (unread)
    return view.muted
      ? h("span.dot", { "aria-hidden": "true" })
      : h("span.badge", unread > 99 ? "99+" : String(unread));
  if (view.marked_unread) return h("span.dot.marked-unread", { "aria-hidden": "true" });
  return null;
}

/**
 * Long press on a touch screen, or right click, opens the chat's actions; the click
 * that ends a long press does not open the chat.
 * @param {App} app @param {ConversationView} view
 */
function pressHandlers(app, view) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let pressing;
  let pressed = false;
  const cancelPress = () => clearTimeout(pressing);
  return {
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
  };
}

/**
 * One chat in the list.
 * @param {App} app @param {ConversationView} view @param {boolean} active shown in the detail pane
 */
function chatRow(app, view, active) {
  const { store } = app;
  const cid = view.conversation.id;
  const title = conversationTitle(store, view);
  const last = store.lastActivity(view);
  const unread = store.unreadOf(view);
  const pending = app.outbox.of(cid);
  const failed = pending.some((p) => p.state === "failed");
  const text = previewText(app, view);
  const marked = Boolean(view.marked_unread) && !unread;
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
  const mark = failed
    ? h("span.failed-mark", { "aria-label": t("msg.failed") }, icon("alert"))
    : pending.length
      ? icon("clock", "pending-mark")
      : null;
  return h(
    `li${view.pinned ? ".pinned" : ""}`,
    h(
      `a.chat-row${active ? ".active" : ""}`,
      {
        href: `#/chat/${cid}`,
        dataset: { cid: String(cid) },
        "aria-label": label,
        "aria-current": active ? "true" : null,
        ...pressHandlers(app, view),
      },
      h("span.avatar-wrap", conversationAvatar(store, view, 48), unreadBadge(view, unread)),
      h(
        "span.chat-main",
        h(
          "span.chat-top",
          h("span.chat-name", title),
          h("time.chat-time", last ? formatListTime(last.created_at) : ""),
        ),
        h(
          "span.chat-bottom",
          mark,
          h("span.chat-preview", mentioned ? h("span.mention-mark", t("chats.mentioned")) : null, text),
          view.muted ? h("span.muted-mark", { title: t("chat.muted") }, icon("mute")) : null,
        ),
      ),
    ),
  );
}

/**
 * @param {App} app
 * @param {HTMLElement} root
 */
export function mount(app, root) {
  const { store } = app;
  /** @type {number|null} the conversation shown in the detail pane */
  let selected = null;
  const list = h("ul.list.chat-list", { "aria-label": t("nav.chats") });
  const found = globalSearch(app);
  found.el.hidden = true;
  const search = h("input.search-field", {
    type: "search",
    placeholder: t("common.search"),
    "aria-label": t("chats.search"),
    oninput: (/** @type {Event} */ e) => {
      const filter = /** @type {HTMLInputElement} */ (e.target).value.trim();
      list.hidden = Boolean(filter);
      found.el.hidden = !filter;
      if (filter) found.show(filter);
    },
  });
  const notice = h("div.notice-slot");
  root.append(
    topbar({ title: t("nav.chats"), actions: [newMenu(app)] }),
    h("div.search-bar", icon("search", "search-icon"), search),
    notice,
    h("div.scroll", list, found.el),
  );

  function render() {
    const views = store.chatList();
    if (views.length)
      list.replaceChildren(...views.map((view) => chatRow(app, view, view.conversation.id === selected)));
    else
      list.replaceChildren(
        h(
          "li.empty-state",
          h("p", t("chats.empty")),
          h("a.btn.btn-primary", { href: "#/contacts/new" }, t("contacts.add")),
        ),
      );
    renderNotice(app, notice);
  }

  render();
  const topics = ["all", "conversations", "outbox", "users", "contacts", "channels"];
  const stop = store.subscribe((changed) => {
    if (topics.some((topic) => changed.has(topic))) render();
  });
  return {
    destroy() {
      stop();
      found.destroy();
    },
    /** @param {string} path */
    select(path) {
      const m = path.match(/^chat\/(\d+)/);
      selected = m ? Number(m[1]) : null;
      render();
    },
  };
}
