// @ts-check
/**
 * One conversation: its header (title, typing or member count, announcement, muted), the
 * message list (conversation/messages.js, rows in conversation/rows.js), and the composer
 * (conversation/composer.js: text, hold-to-talk voice in conversation/holdtotalk.js,
 * pictures and files from conversation/attachments.js, also pasted or dropped). The
 * message menu (conversation/menu.js) drives the quote bar (conversation/quote.js) and
 * multi-select (conversation/select.js). Marks what is shown as read (conversation/reading.js).
 * A bot's reply keyboard and "/" command list are conversation/keyboard.js. With an
 * official account its custom menu (views/oamenu.js) stands in place of the composer. This module puts the pieces together
 * and re-renders them when the store says their part changed.
 */

import { h, icon, toast } from "../dom.js";
import { t, tn } from "../i18n.js";
import { conversationTitle, topbar } from "../common.js";
import { player } from "./bubbles.js";
import { officialMenu } from "./oamenu.js";
import { dropZone } from "./conversation/attachments.js";
import { composer as makeComposer } from "./conversation/composer.js";
import { messageList } from "./conversation/messages.js";
import { reading } from "./conversation/reading.js";
import { commandList, replyKeyboard } from "./conversation/keyboard.js";
import { replyBar, setReply } from "./conversation/quote.js";
import { selection } from "./conversation/select.js";

/**
 * @typedef {import("./conversation/rows.js").Chat} Chat
 * @typedef {import("../store.js").ConversationView} ConversationView
 */

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} cidText
 * @param {string} [seqText] a message to open the conversation at (from a search)
 * @returns {{destroy: () => void}|null}
 */
export function mount(app, root, cidText, seqText) {
  const { store, socket } = app;
  const cid = Number(cidText);
  let view = store.conversations.get(cid);
  if (!view || !store.me) {
    root.append(
      topbar({ title: t("chat.not_found"), back: () => app.go("chats") }),
      h("div.empty-state", h("p", t("chat.not_found"))),
    );
    return null;
  }
  const first = view;
  /** @type {Chat} */
  const chat = {
    app,
    cid,
    me: store.me.id,
    official: first.conversation.kind === "official",
    service: first.conversation.kind === "service",
    accountId: first.conversation.owner_id,
    isGroup: () => (view ?? first).conversation.kind === "group",
  };

  const header = conversationHeader(app, cid);
  const reader = reading(chat);
  const list = messageList(chat, () => reader.markRead(list.atBottom()));
  const composer = makeComposer(app, cid, () => list.follow());
  const selecting = selection(chat, () => render());
  chat.tools = {
    selection: selecting,
    quote(seq) {
      setReply(app, cid, seq);
      composer.focus();
    },
    select: (seq) => selecting.start(seq),
    refresh: () => render(),
    jumpTo: (seq) => list.jumpTo(seq),
    putText(text) {
      const input = composer.el.querySelector("textarea");
      if (!(input instanceof HTMLTextAreaElement)) return;
      input.value = input.value ? `${input.value} ${text}` : text;
      input.dispatchEvent(new Event("input", { bubbles: true })); // the composer grows and shows Send
      input.focus();
    },
  };
  const reply = replyBar(chat);
  const sendText = (/** @type {string} */ text) => {
    app.outbox.add(cid, { kind: "text", text });
    list.follow();
  };
  const keyboard = replyKeyboard(chat, sendText);
  commandList(app, cid, composer.el, sendText);
  const oa = chat.official ? officialMenu(app, chat.accountId, composer.el) : null;
  const screen = h(
    `div.conversation${chat.official ? ".official" : ""}${chat.service ? ".service" : ""}`,
    header.el,
    header.announcement,
    list.el,
    // Nobody writes in service notifications: a line saying what they are stands in.
    chat.service ? h("p.service-note", t("service.note")) : [reply.el, keyboard.el, composer.el],
    selecting.bar,
    oa?.bar,
    chat.service ? null : composer.overlay,
  );
  if (!chat.service) screen.append(dropZone(screen, (files) => composer.sendFiles(files)));
  root.append(screen);

  function render() {
    view = store.conversations.get(cid);
    if (!view) {
      toast(t("chat.left"));
      app.go("chats");
      return;
    }
    header.render(view, chat.isGroup());
    selecting.render();
    screen.classList.toggle("selecting", Boolean(selecting.chosen)); // the bar stands in for the composer
    reply.render();
    keyboard.render();
    list.render();
  }

  render();
  const readBefore = first.last_read_seq;
  const mentionedBefore = Boolean(first.mentioned);
  list.loadLatest().then(() => {
    // After the store's change notice has drawn the page's rows.
    if (seqText) setTimeout(() => list.jumpTo(Number(seqText)), 0);
    else if (mentionedBefore) showMentionBanner(app, screen, list, readBefore);
  });
  reader.loadPeople();
  const topics = [
    "all",
    `messages:${cid}`,
    `conversation:${cid}`,
    "outbox",
    `typing:${cid}`,
    "users",
    "contacts",
    `account:${chat.accountId}`,
    `reply:${cid}`,
  ];
  const stop = store.subscribe((changed) => {
    if (topics.some((topic) => changed.has(topic))) render();
  });
  const onVisible = () => reader.markRead(list.atBottom());
  document.addEventListener("visibilitychange", onVisible);
  const onSynced = () => {
    reader.markRead(list.atBottom());
    reader.loadPeople();
  };
  socket.addEventListener("synced", onSynced);
  if (window.matchMedia("(pointer: fine)").matches && !oa?.menuShown()) composer.focus();
  return {
    destroy() {
      stop();
      oa?.destroy();
      document.removeEventListener("visibilitychange", onVisible);
      socket.removeEventListener("synced", onSynced);
      composer.destroy();
      player.stop();
    },
  };
}

/**
 * "You were mentioned": a button that scrolls to the first unread message mentioning me,
 * loading older history until it is there (it may be pages above the newest one).
 * @param {import("../app.js").App} app
 * @param {HTMLElement} screen
 * @param {import("./conversation/messages.js").MessageList} list
 * @param {number} readBefore my read position when the conversation was opened
 */
function showMentionBanner(app, screen, list, readBefore) {
  const { store } = app;
  const banner = h(
    "button.mention-banner",
    {
      type: "button",
      onclick: () => {
        banner.remove();
        list.jumpToFirst(readBefore, (m) => store.mentionsMe(m));
      },
    },
    "@",
    t("chat.mention_banner"),
  );
  screen.append(banner);
}

/**
 * The top bar (title, a line for typing or the member count, the muted mark, the info
 * button) and the group's announcement under it.
 * @param {import("../app.js").App} app
 * @param {number} cid
 */
function conversationHeader(app, cid) {
  const { store } = app;
  const title = h("span.title-text");
  const sub = h("span.topbar-sub-text");
  const toInfo = () => app.go(`chat/${cid}/info`);
  const toSearch = () => app.go(`chat/${cid}/search`);
  const el = topbar({
    title,
    sub,
    back: () => app.go("chats"),
    actions: [
      h(
        "button.icon-btn.chat-search-btn",
        { type: "button", "aria-label": t("search.in_chat"), onclick: toSearch },
        icon("search"),
      ),
      h("button.icon-btn", { type: "button", "aria-label": t("chat.info"), onclick: toInfo }, icon("more")),
    ],
  });
  const announcement = h("button.announcement", { type: "button", hidden: true, onclick: toInfo });

  /**
   * @param {ConversationView} view
   * @param {boolean} isGroup
   */
  function render(view, isGroup) {
    title.textContent = conversationTitle(store, view);
    const typingNow = store.typingIn(cid);
    sub.textContent = typingNow.length
      ? t("chat.typing")
      : isGroup
        ? tn("group.members_count", view.conversation.member_count)
        : "";
    el.classList.toggle("has-sub", Boolean(sub.textContent));
    announcement.hidden = !(isGroup && view.conversation.announcement);
    announcement.replaceChildren(icon("announce"), h("span", view.conversation.announcement || ""));
    el.querySelector(".muted-mark")?.remove();
    if (view.muted) title.after(h("span.muted-mark", { title: t("chat.muted") }, icon("mute")));
  }

  return { el, announcement, render };
}
