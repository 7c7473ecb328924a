// @ts-check
/**
 * The message list of a conversation: the messages the store has (with an official
 * account's broadcasts among them by time, and the outbox's pending ones last), a time
 * separator before a message that comes more than 5 minutes after the one before it (or on
 * another day), as WeChat shows them, kept at the bottom while the user is there, and older history
 * fetched when they scroll near the top. Rows are rebuilt only when what they show changed
 * (each has a key and a signature), so a new message adds one row and keeps the others.
 */

import { h, toast } from "../../dom.js";
import { formatFull, formatStamp, t } from "../../i18n.js";
import { systemText } from "../../common.js";
import { recalledTexts, translations } from "./menu.js";
import { messageRow, stateOf } from "./rows.js";
import { packetState } from "../redpacket.js";
import { noteRow, noteText } from "./notes.js";
import { learnTransfers, transferState } from "../wallet.js";

/** Messages per page of history. */
const PAGE = 50;
/** Within this many px of the end counts as "at the bottom" (new messages scroll into view). */
const BOTTOM_SLACK = 80;
/** Closer than this many px to the top fetches an older page. */
const TOP_SLACK = 200;
/** A pause longer than this between two messages shows the time between them. */
const STAMP_GAP_MS = 5 * 60 * 1000;

/**
 * @typedef {import("./rows.js").Chat} Chat
 * @typedef {import("./rows.js").Shown} Shown
 * @typedef {import("../../store.js").Message} Message
 * @typedef {{key: string, sig: string, build: () => HTMLElement}} Wanted one row to show
 * @typedef {object} MessageList
 * @property {HTMLElement} el
 * @property {() => void} render brings the rows up to date with the store and the outbox
 * @property {() => boolean} atBottom whether the user is looking at the newest messages
 * @property {() => void} follow stay at (or go back to) the bottom on the next render
 * @property {() => Promise<void>} loadLatest fetch the newest page of history
 * @property {(seq: number) => Promise<void>} jumpTo scroll to a message (loading older pages
 *   until it is there) and mark it for a moment
 * @property {(after: number, test: (m: Message) => boolean) => Promise<void>} jumpToFirst
 *   jump to the earliest message after `after` that passes `test`, loading older pages
 */

/** @param {number} ms @returns {string} one key per local day */
function dayKey(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/**
 * What a message row shows, so that it is rebuilt when (and only when) that changes.
 * @param {Chat} chat
 * @param {Message} message
 */
function sigOf(chat, message) {
  const { store } = chat.app;
  if (message.kind === "system") return `s|${systemText(store, message)}`;
  const state = stateOf(chat, message);
  const chosen = chat.tools?.selection.chosen;
  const selected = chosen ? (chosen.has(message.seq) ? "x" : "o") : "";
  const kept = message.recalled && recalledTexts.has(`${chat.cid}:${message.seq}`);
  const translated = translations.get(`${chat.cid}:${message.seq}`)?.text.length ?? "";
  return `${message.recalled}|${state}|${translated}|${message.text?.length}|${store.nameOf(message.sender_id)}|${message.data?.media?.id ?? ""}|${selected}|${kept}|${packetState(message)}|${transferState(message)}|${message.data?.edited_at ?? ""}`;
}

/**
 * The rows to show, oldest first, with a day separator before each new day.
 * @param {Chat} chat
 * @returns {Wanted[]}
 */
function wantedRows(chat) {
  const { app, cid, me, official, accountId } = chat;
  const { store, outbox } = app;
  /** @type {Wanted[]} */
  const wanted = [];
  /** @type {string|null} */
  let lastDay = null;
  let lastMs = -Infinity;
  /** @param {number} ms */
  const addDay = (ms) => {
    const key = dayKey(ms);
    if (key !== lastDay || ms - lastMs > STAMP_GAP_MS) {
      lastDay = key;
      const label = formatStamp(ms);
      wanted.push({
        key: `d${ms}`,
        sig: label,
        build: () => h("div.day-sep.time-sep", { role: "separator", title: formatFull(ms) }, h("span", label)),
      });
    }
    lastMs = Math.max(lastMs, ms);
  };
  const all = store.messagesOf(cid);
  app.learnPeople(all);
  learnTransfers(all); // before the signatures: a settling note comes after its card
  const posts = official ? store.postsOf(cid) : [];
  let p = 0;
  /** @param {any} post a broadcast, shown as a message of the account */
  const addPost = (post) => {
    addDay(post.created_at);
    /** @type {Shown} */
    const shaped = {
      ...post,
      conversation_id: cid,
      sender_id: accountId,
      client_msg_id: `b${post.seq}`,
      recalled: false,
      seq: null,
    };
    wanted.push({
      key: `b${post.seq}`,
      sig: `post|${store.nameOf(accountId)}`,
      build: () => messageRow(chat, shaped, { post }),
    });
  };
  // Notes for me sit after the message of their after_seq (they take no seq of their own).
  const notes = store.notesOf(cid);
  app.learnPeople(notes); // a join request's note names someone not yet known here
  let n = 0;
  const addNotes = (/** @type {number} */ upTo) => {
    while (n < notes.length && notes[n].after_seq <= upTo) {
      const note = notes[n++];
      wanted.push({ key: `n${note.id}`, sig: `note|${noteText(store, note)}`, build: () => noteRow(app, note) });
    }
  };
  if (all.length) addNotes(all[0].seq - 1); // before the oldest message we have: at the top
  for (const m of all) {
    while (p < posts.length && posts[p].created_at <= m.created_at) addPost(posts[p++]);
    addDay(m.created_at);
    wanted.push({ key: `m${m.seq}`, sig: sigOf(chat, m), build: () => messageRow(chat, m) });
    addNotes(m.seq);
  }
  addNotes(Infinity);
  while (p < posts.length) addPost(posts[p++]);
  for (const pending of outbox.of(cid)) {
    addDay(pending.created_at);
    /** @type {Shown} */
    const shaped = { ...pending, client_msg_id: pending.id, sender_id: me, seq: null, data: null, recalled: false };
    wanted.push({
      key: `p${pending.id}`,
      sig: `${pending.state}|${pending.media?.id ?? ""}`,
      build: () => messageRow(chat, shaped, { pending }),
    });
  }
  return wanted;
}

/**
 * @param {Chat} chat
 * @param {() => void} onSeen called after each render and whenever the user reaches the
 *   bottom (to mark what they see as read)
 * @returns {MessageList}
 */
export function messageList(chat, onSeen) {
  const { app, cid } = chat;
  const { store, api } = app;
  /** @type {Map<string, {sig: string, el: HTMLElement}>} */
  const rendered = new Map();
  let noMore = false;
  let loadingOlder = false;
  let atBottom = true;

  const log = h("div.messages", { role: "log", "aria-label": t("chat.messages"), tabindex: "0" });
  const older = h("div.older", { "aria-hidden": "true" });
  const items = h("div.items");
  log.append(older, items);
  log.addEventListener(
    "scroll",
    () => {
      atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < BOTTOM_SLACK;
      if (log.scrollTop < TOP_SLACK) loadOlder();
      if (atBottom) onSeen();
    },
    { passive: true },
  );

  function render() {
    const wanted = wantedRows(chat);
    /** @type {Set<string>} */
    const keep = new Set();
    let index = 0;
    for (const item of wanted) {
      keep.add(item.key);
      let entry = rendered.get(item.key);
      if (!entry || entry.sig !== item.sig) {
        const el = item.build();
        if (entry) entry.el.replaceWith(el);
        entry = { sig: item.sig, el };
        rendered.set(item.key, entry);
      }
      const at = items.children[index];
      if (at !== entry.el) items.insertBefore(entry.el, at || null);
      index += 1;
    }
    for (const [key, entry] of rendered) {
      if (!keep.has(key)) {
        entry.el.remove();
        rendered.delete(key);
      }
    }
    if (!wanted.length) items.replaceChildren(h("div.msg-system.hello", h("span", t("chat.say_hello"))));
    else items.querySelector(".hello")?.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
    onSeen();
  }

  async function loadLatest() {
    try {
      const { messages, notes } = await api.history(cid, { limit: PAGE });
      if (messages.length < PAGE) noMore = true;
      store.putHistory(cid, messages);
      store.putNotes(cid, notes || []);
    } catch {
      /* offline: show what we have */
    }
  }

  /** @param {number} seq */
  async function jumpTo(seq) {
    const find = () => items.querySelector(`.msg-row[data-seq="${seq}"], .msg-system[data-seq="${seq}"]`);
    // Older pages until the message is there (each page is one request; history is finite).
    while (!find() && !noMore && (store.messagesOf(cid)[0]?.seq ?? 0) > seq) {
      if (loadingOlder) {
        await new Promise((resolve) => setTimeout(resolve, 50)); // a scroll's page is on its way
        continue;
      }
      const before = store.messagesOf(cid).length;
      await loadOlder();
      if (store.messagesOf(cid).length === before && !noMore) break; // offline, or a page failed
    }
    const el = find();
    if (!(el instanceof HTMLElement)) {
      toast(t("quote.not_found"));
      return;
    }
    el.scrollIntoView({ block: "center" });
    el.classList.remove("flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("flash");
  }

  /**
   * Scroll to the earliest loaded message after `after` that passes `test`, loading older
   * pages until one is there or history goes back to `after` (the mention banner: the
   * first unread message that mentions me, which may be pages above the newest one).
   * @param {number} after
   * @param {(message: import("../../store.js").Message) => boolean} test
   */
  async function jumpToFirst(after, test) {
    for (;;) {
      const have = store.messagesOf(cid);
      const hit = have.find((m) => m.seq > after && test(m));
      if (hit) return jumpTo(hit.seq);
      if (noMore || !have.length || have[0].seq <= after + 1) break;
      if (loadingOlder) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      await loadOlder();
      if (store.messagesOf(cid).length === have.length && !noMore) break; // offline
    }
    toast(t("quote.not_found"));
  }

  /** Fetch the page before the oldest message we have, keeping the view where it was. */
  async function loadOlder() {
    if (noMore || loadingOlder) return;
    const have = store.messagesOf(cid);
    if (!have.length) return;
    loadingOlder = true;
    try {
      const { messages, notes } = await api.history(cid, { before: have[0].seq, limit: PAGE });
      if (messages.length < PAGE) noMore = true;
      const height = log.scrollHeight;
      const top = log.scrollTop;
      store.putHistory(cid, messages);
      store.putNotes(cid, notes || []);
      await Promise.resolve();
      render();
      log.scrollTop = top + (log.scrollHeight - height);
    } catch {
      /* try again on the next scroll */
    } finally {
      loadingOlder = false;
    }
  }

  return {
    el: log,
    render,
    atBottom: () => atBottom,
    follow() {
      atBottom = true;
    },
    loadLatest,
    jumpTo,
    jumpToFirst,
  };
}
