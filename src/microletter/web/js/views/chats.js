/**
 * The chat list: every conversation, newest activity first, with avatar, name, the last
 * message, its time and the unread count (a dot when muted). The "+" menu starts a group
 * or adds a friend.
 */

import { actionSheet, h, icon } from "../dom.js";
import { formatListTime, t } from "../i18n.js";
import { conversationAvatar, conversationTitle, preview, topbar } from "../common.js";

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 */
export function mount(app, root) {
  const { store } = app;
  let filter = "";
  let selected = null;
  const list = h("ul.list.chat-list", { "aria-label": t("nav.chats") });
  const search = h("input.search-field", {
    type: "search", placeholder: t("common.search"), "aria-label": t("chats.search"),
    oninput: (e) => { filter = e.target.value.trim().toLowerCase(); render(); },
  });
  const plus = h("button.icon-btn", {
    type: "button", "aria-label": t("chats.new_menu"),
    onclick: async () => {
      const choice = await actionSheet([
        { label: t("chats.new_group"), value: "group/new" },
        { label: t("contacts.add"), value: "contacts/new" },
      ], t("chats.new_menu"));
      if (choice) app.go(choice);
    },
  }, icon("plus-circle"));
  const notice = h("div.notice-slot");
  root.append(topbar({ title: t("nav.chats"), actions: [plus] }),
    h("div.search-bar", icon("search", "search-icon"), search), notice,
    h("div.scroll", list));

  function renderNotice() {
    notice.replaceChildren();
    if (!app.attention.shouldAsk() || !store.conversations.size) return;
    notice.append(h("div.notice", icon("bell"),
      h("p", t("notify.pitch")),
      h("button.btn.btn-small.btn-primary", { type: "button", onclick: async () => { await app.attention.ask(); renderNotice(); } }, t("notify.enable")),
      h("button.btn.btn-small.btn-plain", { type: "button", onclick: () => { app.attention.dismiss(); renderNotice(); } }, t("notify.not_now"))));
  }

  function row(view) {
    const cid = view.conversation.id;
    const title = conversationTitle(store, view);
    const last = store.lastActivity(view);
    const unread = store.unreadOf(view);
    const pending = app.outbox.of(cid);
    const failed = pending.some((p) => p.state === "failed");
    let text = preview(store, last);
    if (last && view.conversation.kind === "group" && last.kind !== "system" && !last.recalled) {
      const who = last.sender_id === store.me.id ? t("msg.you") : store.nameOf(last.sender_id);
      if (who) text = `${who}: ${text}`;
    }
    if (pending.length) text = pending[pending.length - 1].text || t(`msg.preview_${pending[pending.length - 1].kind}`, { duration: "", name: "" });
    const badge = unread
      ? view.muted ? h("span.dot", { "aria-hidden": "true" }) : h("span.badge", unread > 99 ? "99+" : String(unread))
      : null;
    const label = [title, unread ? t("a11y.unread", { count: unread }) : null, text].filter(Boolean).join(", ");
    return h("li", h(`a.chat-row${selected === cid ? ".active" : ""}`, {
      href: `#/chat/${cid}`, dataset: { cid: String(cid) }, "aria-label": label, "aria-current": selected === cid ? "true" : null,
    },
    h("span.avatar-wrap", conversationAvatar(store, view, 48), badge),
    h("span.chat-main",
      h("span.chat-top", h("span.chat-name", title), h("time.chat-time", last ? formatListTime(last.created_at) : "")),
      h("span.chat-bottom",
        failed ? h("span.failed-mark", { "aria-label": t("msg.failed") }, icon("alert")) : pending.length ? icon("clock", "pending-mark") : null,
        h("span.chat-preview", text),
        view.muted ? h("span.muted-mark", { title: t("chat.muted") }, icon("mute")) : null))));
  }

  function render() {
    const views = store.chatList().filter((v) => !filter || conversationTitle(store, v).toLowerCase().includes(filter));
    if (!views.length) {
      list.replaceChildren(h("li.empty-state", h("p", t(filter ? "chats.no_match" : "chats.empty")),
        filter ? null : h("a.btn.btn-primary", { href: "#/contacts/new" }, t("contacts.add"))));
    } else {
      list.replaceChildren(...views.map(row));
    }
    renderNotice();
  }

  render();
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has("conversations") || topics.has("outbox") || topics.has("users") || topics.has("contacts")
      || topics.has("channels")) render();
  });
  return {
    destroy: stop,
    select(path) {
      const m = path.match(/^chat\/(\d+)/);
      selected = m ? Number(m[1]) : null;
      render();
    },
  };
}
