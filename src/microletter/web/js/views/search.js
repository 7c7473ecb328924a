// @ts-check
/**
 * Search, as WeChat has it. On the Chats tab (`globalSearch`): contacts, group chats and
 * official accounts whose names match (from the store, at once), and "Chat history": the
 * messages the server finds (GET /search, after a pause in typing), each opening its
 * conversation at the message. Inside a conversation (`mountChatSearch`, route
 * chat/<id>/search): its messages with the words typed, and tabs listing its files, images
 * and links. Chinese and Japanese are found by one character or more: the server indexes
 * them by characters and pairs, so the client sends what was typed as it is.
 */

import { h, icon } from "../dom.js";
import { formatListTime, t } from "../i18n.js";
import { conversationAvatar, conversationTitle, topbar, userAvatar } from "../common.js";
import { bubble } from "./bubbles.js";

/** Typing waits this long before the server is asked (a search costs more than a send). */
const SEARCH_DELAY_MS = 250;

/**
 * @typedef {import("../store.js").Message} Message
 * @typedef {{message: Message, snippet: string, highlights: [number, number][], links: string[]}} Hit
 */

/**
 * A snippet with its hits marked. Ranges count code points (not UTF-16 units), as the
 * server sends them, so an emoji before a hit does not shift the mark.
 * @param {string} snippet
 * @param {[number, number][]} highlights
 */
export function highlighted(snippet, highlights) {
  const chars = Array.from(snippet);
  /** @type {(string|HTMLElement)[]} */
  const parts = [];
  let at = 0;
  for (const [start, end] of highlights) {
    if (start > at) parts.push(chars.slice(at, start).join(""));
    parts.push(h("mark", chars.slice(start, end).join("")));
    at = end;
  }
  if (at < chars.length) parts.push(chars.slice(at).join(""));
  return parts;
}

/**
 * The sections the Chats tab shows while its search field has text.
 * @param {import("../app.js").App} app
 */
export function globalSearch(app) {
  const { store, api } = app;
  const el = h("div.global-search", { role: "region", "aria-label": t("search.results") });
  let asked = 0;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  /** @type {AbortController|null} */
  let inflight = null;

  /** @param {string} title @param {HTMLElement[]} rows @param {string} name */
  const section = (title, rows, name) =>
    h(
      `section.search-section.search-${name}`,
      { "aria-label": title },
      h("h2.section-title", title),
      h("ul.list", ...rows),
    );

  /** @param {string} query */
  function localSections(query) {
    const q = query.toLocaleLowerCase();
    const has = (/** @type {(string|null|undefined)[]} */ ...names) =>
      names.some((n) => n && n.toLocaleLowerCase().includes(q));
    const contacts = [...store.contacts.values()].filter((c) => has(c.remark, c.user.display_name, c.user.username));
    const views = store.chatList();
    /** A contact opens our chat, as in WeChat (their profile if we have none yet). @param {number} id */
    const chatWith = (id) => {
      const direct = views.find((v) => v.conversation.kind === "direct" && v.peer?.id === id);
      return direct ? `#/chat/${direct.conversation.id}` : `#/user/${id}`;
    };
    const groups = views.filter((v) => v.conversation.kind === "group" && has(conversationTitle(store, v)));
    const officials = views.filter((v) => v.conversation.kind === "official" && has(conversationTitle(store, v)));
    /** @type {HTMLElement[]} */
    const sections = [];
    if (contacts.length)
      sections.push(
        section(
          t("search.contacts"),
          contacts.map((c) =>
            h(
              "li",
              h(
                "a.chat-row.search-row",
                { href: chatWith(c.user.id) },
                userAvatar(store, c.user.id, 40),
                h("span.chat-main", h("span.chat-name", store.nameOf(c.user.id))),
              ),
            ),
          ),
          "contacts",
        ),
      );
    /** @param {import("../store.js").ConversationView} v */
    const chatRow = (v) =>
      h(
        "li",
        h(
          "a.chat-row.search-row",
          { href: `#/chat/${v.conversation.id}` },
          conversationAvatar(store, v, 40),
          h("span.chat-main", h("span.chat-name", conversationTitle(store, v))),
        ),
      );
    if (groups.length) sections.push(section(t("search.groups"), groups.map(chatRow), "groups"));
    if (officials.length) sections.push(section(t("search.officials"), officials.map(chatRow), "officials"));
    return sections;
  }

  /** @param {Hit} hit */
  function historyRow(hit) {
    const m = hit.message;
    const view = store.conversations.get(m.conversation_id);
    const title = view ? conversationTitle(store, view) : "";
    const who = m.sender_id === store.me?.id ? t("msg.you") : store.nameOf(m.sender_id);
    return h(
      "li",
      h(
        "a.chat-row.search-row.search-hit",
        {
          href: `#/chat/${m.conversation_id}/at/${m.seq}`,
          dataset: { cid: String(m.conversation_id), seq: String(m.seq) },
        },
        view ? conversationAvatar(store, view, 40) : h("span.avatar-wrap"),
        h(
          "span.chat-main",
          h("span.chat-top", h("span.chat-name", title), h("time.chat-time", formatListTime(m.created_at))),
          h(
            "span.chat-bottom",
            h("span.chat-preview", who ? `${who}: ` : "", ...highlighted(hit.snippet, hit.highlights)),
          ),
        ),
      ),
    );
  }

  /**
   * Show what matches `query`: the local sections at once, the chat history when the
   * server answers (answers to older queries are dropped).
   * @param {string} query
   */
  function show(query) {
    clearTimeout(timer);
    inflight?.abort();
    const mine = ++asked;
    const history = h(
      "section.search-section.search-history",
      { "aria-label": t("search.history"), "aria-busy": "true" },
      h("h2.section-title", t("search.history")),
      h("ul.list", h("li.empty-row", t("search.searching"))),
    );
    el.replaceChildren(...localSections(query), history);
    timer = setTimeout(async () => {
      inflight = new AbortController();
      /** @type {HTMLElement[]} */
      let rows;
      try {
        const { results } = await api.searchMessages(query, { signal: inflight.signal });
        rows = results.length ? results.map(historyRow) : [h("li.empty-row", t("search.no_history"))];
      } catch (caught) {
        if (/** @type {Error} */ (caught)?.name === "AbortError") return;
        const code = /** @type {any} */ (caught)?.code;
        rows = [h("li.empty-row", t(code === "search.empty_query" ? "search.no_history" : "search.failed"))];
      }
      if (mine !== asked) return;
      history.setAttribute("aria-busy", "false");
      history.querySelector("ul")?.replaceChildren(...rows);
    }, SEARCH_DELAY_MS);
  }

  return {
    el,
    show,
    destroy() {
      clearTimeout(timer);
      inflight?.abort();
    },
  };
}

const TABS = /** @type {const} */ (["text", "file", "image", "link"]);

/**
 * Search inside one conversation: its messages, files, images and links.
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} cidText
 */
export function mountChatSearch(app, root, cidText) {
  const { api, store } = app;
  const cid = Number(cidText);
  const view = store.conversations.get(cid);
  /** @type {(typeof TABS)[number]} */
  let tab = "text";
  let asked = 0;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  const list = h("ul.list.chat-search-results", { "aria-label": t("search.results"), "aria-live": "polite" });
  const field = h("input.search-field.chat-search-field", {
    type: "search",
    placeholder: t("search.in_chat"),
    "aria-label": t("search.in_chat"),
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(load, SEARCH_DELAY_MS);
    },
  });
  const tabs = h(
    "div.chat-search-tabs",
    { role: "tablist" },
    ...TABS.map((name) =>
      h(
        "button.chip",
        {
          type: "button",
          role: "tab",
          dataset: { tab: name },
          "aria-selected": String(name === tab),
          onclick: () => {
            tab = name;
            for (const b of tabs.querySelectorAll("button"))
              b.setAttribute("aria-selected", String(b.dataset.tab === tab));
            load();
          },
        },
        t(`search.tab_${name}`),
      ),
    ),
  );
  root.append(
    topbar({
      title: view ? conversationTitle(store, view) : t("search.in_chat"),
      back: () => app.go(`chat/${cid}`),
    }),
    h("div.search-bar", icon("search", "search-icon"), field),
    tabs,
    h("div.scroll.page", list),
  );

  async function load() {
    const mine = ++asked;
    const q = field.value.trim();
    if (tab === "text" && !q) {
      list.replaceChildren(h("li.empty-row", t("search.in_chat_hint")));
      return;
    }
    list.setAttribute("aria-busy", "true");
    try {
      const { results } = await api.searchConversation(cid, { q, kind: tab });
      if (mine !== asked) return;
      list.replaceChildren(...(results.length ? results.map(row) : [h("li.empty-row", t("search.nothing"))]));
    } catch {
      if (mine === asked) list.replaceChildren(h("li.empty-row", t("search.failed")));
    } finally {
      if (mine === asked) list.setAttribute("aria-busy", "false");
    }
  }

  /** @param {Hit} hit */
  function row(hit) {
    const m = hit.message;
    const at = `#/chat/${cid}/at/${m.seq}`;
    const meta = h(
      "span.chat-top",
      h("span.chat-name", m.sender_id === store.me?.id ? t("msg.you") : store.nameOf(m.sender_id)),
      h("time.chat-time", formatListTime(m.created_at)),
    );
    if (tab === "image" || tab === "file") {
      return h(
        `li.chat-search-media.search-${tab}`,
        { dataset: { seq: String(m.seq) } },
        h("div.favourite-body", bubble(app, m, { mine: m.sender_id === store.me?.id })),
        h("a.chat-search-open", { href: at }, meta),
      );
    }
    if (tab === "link") {
      return h(
        "li.search-link",
        { dataset: { seq: String(m.seq) } },
        ...hit.links.map((url) =>
          h(
            "a.link-row",
            { href: /^https?:/i.test(url) ? url : `https://${url}`, target: "_blank", rel: "noopener noreferrer" },
            url,
          ),
        ),
        h("a.chat-search-open", { href: at }, meta),
      );
    }
    return h(
      "li",
      h(
        "a.chat-row.search-row.search-hit",
        { href: at, dataset: { seq: String(m.seq) } },
        userAvatar(store, m.sender_id, 40),
        h(
          "span.chat-main",
          meta,
          h("span.chat-bottom", h("span.chat-preview", ...highlighted(hit.snippet, hit.highlights))),
        ),
      ),
    );
  }

  load();
  if (window.matchMedia("(pointer: fine)").matches) field.focus();
  return {
    destroy() {
      clearTimeout(timer);
    },
  };
}
