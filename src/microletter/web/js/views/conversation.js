/**
 * One conversation: the messages with day separators, delivery and read state, and the
 * composer (keyboard, or hold-to-talk voice; pictures and files by picking, pasting or
 * dropping). Marks what is shown as read, asks for older history when scrolled to the top.
 * With an official account it also shows the account's broadcasts among the messages (by
 * time) and its custom menu in place of the composer (views/oamenu.js).
 */

import { actionSheet, h, icon, toast } from "../dom.js";
import { formatDay, formatDuration, t, tn } from "../i18n.js";
import { imageSize } from "../media.js";
import { canRecord, MAX_MS, MIN_MS, startRecording, waveformOf } from "../voice.js";
import { accountAvatar, conversationTitle, systemText, topbar, userAvatar } from "../common.js";
import { bubble, meta, player } from "./bubbles.js";
import { officialMenu } from "./oamenu.js";

const PAGE = 50;
const RECALL_MS = 120000;
const MAX_FILE = 100 * 1000 * 1000;
const CANCEL_DISTANCE = 70;

function dayKey(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} cidText
 */
export function mount(app, root, cidText) {
  const { store, outbox, socket, api } = app;
  const cid = Number(cidText);
  let view = store.conversations.get(cid);
  if (!view) {
    root.append(topbar({ title: t("chat.not_found"), back: () => app.go("chats") }),
      h("div.empty-state", h("p", t("chat.not_found"))));
    return null;
  }
  const me = store.me.id;
  const isGroup = () => view.conversation.kind === "group";
  const official = view.conversation.kind === "official";
  const accountId = view.conversation.owner_id;
  const rendered = new Map(); // key → {sig, el}
  let noMore = false;
  let loadingOlder = false;
  let atBottom = true;
  let lastTyping = 0;
  let voiceMode = false;

  // --- header ---
  const title = h("span.title-text");
  const sub = h("span.topbar-sub-text");
  const header = topbar({
    title, sub, back: () => app.go("chats"),
    actions: [h("button.icon-btn", { type: "button", "aria-label": t("chat.info"), onclick: () => app.go(`chat/${cid}/info`) }, icon("more"))],
  });
  const announcement = h("button.announcement", { type: "button", hidden: true, onclick: () => app.go(`chat/${cid}/info`) });

  // --- messages ---
  const log = h("div.messages", { role: "log", "aria-label": t("chat.messages"), tabindex: "0" });
  const older = h("div.older", { "aria-hidden": "true" });
  const items = h("div.items");
  log.append(older, items);
  log.addEventListener("scroll", () => {
    atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    if (log.scrollTop < 200) loadOlder();
    if (atBottom) markRead();
  }, { passive: true });

  // --- composer ---
  const input = h("textarea.composer-input", {
    rows: 1, "aria-label": t("chat.message_input"), placeholder: "", maxLength: 16000, enterKeyHint: "send",
    oninput: () => { autoGrow(); updateSend(); typing(); },
    onkeydown: (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && window.matchMedia("(pointer: fine)").matches) {
        e.preventDefault();
        sendText();
      }
    },
    onpaste: (e) => {
      const files = [...(e.clipboardData?.files || [])];
      if (files.length) {
        e.preventDefault();
        files.forEach(sendFile);
      }
    },
  });
  const hold = h("button.hold-to-talk", { type: "button", hidden: true, "aria-label": t("voice.hold_label") }, t("voice.hold"));
  const toggle = h("button.icon-btn.composer-toggle", { type: "button", "aria-label": t("voice.switch_to_voice") }, icon("mic"));
  const sendBtn = h("button.btn.btn-primary.send-btn", { type: "button", hidden: true, onclick: () => sendText() }, t("chat.send"));
  const imageInput = h("input", { type: "file", accept: "image/*", multiple: true, hidden: true, "aria-hidden": "true", tabindex: "-1",
    onchange: (e) => { [...e.target.files].forEach(sendFile); e.target.value = ""; } });
  const fileInput = h("input", { type: "file", multiple: true, hidden: true, "aria-hidden": "true", tabindex: "-1",
    onchange: (e) => { [...e.target.files].forEach((f) => sendFile(f, "file")); e.target.value = ""; } });
  const imageBtn = h("button.icon-btn", { type: "button", "aria-label": t("chat.send_image"), onclick: () => imageInput.click() }, icon("image"));
  const fileBtn = h("button.icon-btn", { type: "button", "aria-label": t("chat.send_file"), onclick: () => fileInput.click() }, icon("file"));
  const composer = h("footer.composer", toggle, h("div.composer-field", input, hold), imageBtn, fileBtn, sendBtn, imageInput, fileInput);
  const overlay = h("div.voice-overlay", { hidden: true, role: "status", "aria-live": "assertive" });
  const dropHint = h("div.drop-hint", { hidden: true }, icon("image"), h("p", t("chat.drop_here")));

  const oa = official ? officialMenu(app, accountId, composer) : null;
  const screen = h(`div.conversation${official ? ".official" : ""}`, header, announcement, log, composer, oa?.bar, overlay, dropHint);
  root.append(screen);

  toggle.addEventListener("click", () => {
    if (!voiceMode && !canRecord()) {
      toast(t("voice.unsupported"), { kind: "error" });
      return;
    }
    voiceMode = !voiceMode;
    hold.hidden = !voiceMode;
    input.hidden = voiceMode;
    toggle.replaceChildren(icon(voiceMode ? "keyboard" : "mic"));
    toggle.setAttribute("aria-label", t(voiceMode ? "voice.switch_to_keyboard" : "voice.switch_to_voice"));
    updateSend();
    (voiceMode ? hold : input).focus();
  });

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = `${Math.min(140, input.scrollHeight)}px`;
  }
  function updateSend() {
    const hasText = !voiceMode && input.value.trim().length > 0;
    sendBtn.hidden = !hasText;
    fileBtn.hidden = hasText;
  }
  function typing() {
    const now = Date.now();
    if (now - lastTyping > 4000 && input.value) {
      lastTyping = now;
      socket.notify({ t: "typing", conversation_id: cid });
    }
  }

  function sendText() {
    const text = input.value.trim();
    if (!text) return;
    outbox.add(cid, { kind: "text", text });
    input.value = "";
    autoGrow();
    updateSend();
    atBottom = true;
    input.focus();
  }

  async function sendFile(file, forced) {
    if (file.size > MAX_FILE) {
      toast(t("chat.file_too_large", { max: "100 MB" }), { kind: "error" });
      return;
    }
    const kind = forced || (/^image\/(jpeg|png|gif|webp|heic|heif|avif)$/.test(file.type) ? "image" : "file");
    const local = kind === "image" ? await imageSize(file) : null;
    outbox.add(cid, { kind, blob: file, name: file.name || (kind === "image" ? "image" : "file"), local: local || undefined });
    atBottom = true;
  }

  // --- drag and drop ---
  let dragDepth = 0;
  screen.addEventListener("dragenter", (e) => {
    if (![...(e.dataTransfer?.types || [])].includes("Files")) return;
    dragDepth += 1;
    dropHint.hidden = false;
  });
  screen.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropHint.hidden = true;
  });
  screen.addEventListener("dragover", (e) => e.preventDefault());
  screen.addEventListener("drop", (e) => {
    e.preventDefault();
    dragDepth = 0;
    dropHint.hidden = true;
    [...(e.dataTransfer?.files || [])].forEach((f) => sendFile(f));
  });

  // --- hold to talk ---
  let rec = null; // {startY, cancel, recording, released, timer}
  const showOverlay = () => {
    const ms = rec?.recording ? performance.now() - rec.recording.startedAt : 0;
    overlay.dataset.ms = String(Math.round(ms));
    overlay.classList.toggle("cancel", Boolean(rec?.cancel));
    overlay.replaceChildren(
      h("div.voice-card",
        h("div.voice-level", icon(rec?.cancel ? "close" : "mic")),
        h("div.voice-time", formatDuration(ms)),
        h("div.voice-hint", t(rec?.cancel ? "voice.release_to_cancel" : "voice.slide_to_cancel"))));
  };
  async function beginHold(y) {
    if (rec) return;
    player.stop();
    rec = { startY: y, cancel: false, recording: null, released: false, timer: null };
    const current = rec;
    hold.classList.add("holding");
    hold.textContent = t("voice.release");
    overlay.hidden = false;
    showOverlay();
    try {
      current.recording = await startRecording({
        onLevel: (level) => overlay.style.setProperty("--level", level.toFixed(2)),
        onLimit: () => endHold(false),
      });
    } catch (err) {
      console.warn("mic", err);
      toast(t("voice.no_mic"), { kind: "error" });
      resetHold();
      return;
    }
    if (current.released) {
      current.recording.cancel();
      resetHold();
      return;
    }
    current.timer = setInterval(showOverlay, 100);
  }
  function resetHold() {
    if (rec?.timer) clearInterval(rec.timer);
    rec = null;
    overlay.hidden = true;
    hold.classList.remove("holding");
    hold.textContent = t("voice.hold");
  }
  async function endHold(cancel) {
    if (!rec) return;
    const current = rec;
    current.released = true;
    if (!current.recording) return; // still starting: it cancels itself
    resetHold();
    if (cancel || current.cancel) {
      current.recording.cancel();
      return;
    }
    const { blob, duration_ms: duration } = await current.recording.stop();
    if (duration < MIN_MS) {
      toast(t("voice.too_short"));
      return;
    }
    const waveform = await waveformOf(blob);
    const ext = blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm";
    outbox.add(cid, { kind: "voice", blob, name: `voice.${ext}`, local: { duration_ms: Math.min(duration, MAX_MS), waveform } });
    atBottom = true;
  }
  hold.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    hold.setPointerCapture?.(e.pointerId);
    beginHold(e.clientY);
  });
  hold.addEventListener("pointermove", (e) => {
    if (!rec) return;
    const cancel = rec.startY - e.clientY > CANCEL_DISTANCE;
    if (cancel !== rec.cancel) {
      rec.cancel = cancel;
      showOverlay();
    }
  });
  hold.addEventListener("pointerup", () => endHold(false));
  hold.addEventListener("pointercancel", () => endHold(true));
  hold.addEventListener("contextmenu", (e) => e.preventDefault());
  hold.addEventListener("keydown", (e) => {
    if ((e.key === " " || e.key === "Enter") && !e.repeat) {
      e.preventDefault();
      beginHold(0);
    } else if (e.key === "Escape" && rec) {
      endHold(true);
    }
  });
  hold.addEventListener("keyup", (e) => {
    if (e.key === " " || e.key === "Enter") endHold(false);
  });

  // --- rendering ---
  function stateOf(message) {
    if (message.sender_id !== me) return null;
    const peerRead = store.peerRead.get(cid) || 0;
    return !isGroup() && peerRead >= message.seq ? "read" : "sent";
  }

  function sigOf(message, state) {
    if (message.kind === "system") return `s|${systemText(store, message)}`;
    return `${message.recalled}|${state}|${message.text?.length}|${store.nameOf(message.sender_id)}|${message.data?.media?.id ?? ""}`;
  }

  function messageRow(message, { pending, post } = {}) {
    if (message.kind === "system" || message.recalled) {
      const text = message.recalled
        ? (message.sender_id === me ? t("msg.you_recalled") : t("msg.recalled", { name: store.nameOf(message.sender_id) }))
        : systemText(store, message);
      return h("div.msg-system", { dataset: { seq: String(message.seq ?? ""), kind: message.recalled ? "recalled" : "system" } }, h("span", text));
    }
    const mine = message.sender_id === me;
    const state = pending ? (pending.state === "failed" ? "failed" : "sending") : stateOf(message);
    const body = bubble(app, message, { mine, pending });
    const bodyWrap = h("div.msg-body",
      isGroup() && !mine ? h("div.msg-sender", store.nameOf(message.sender_id)) : null,
      h("div.msg-line",
        pending?.state === "failed" ? h("button.retry", {
          type: "button", "aria-label": t("msg.retry"), title: t("msg.failed_reason", { code: pending.error || "" }),
          onclick: () => outbox.retry(pending.id),
        }, icon("alert")) : null,
        body),
      meta(message, state, post ? h("span.broadcast-tag", icon("announce"), t("official.broadcast")) : null));
    const row = h(`div.msg-row.${mine ? "mine" : "theirs"}`, {
      dataset: { seq: String(message.seq ?? ""), kind: message.kind, state: state || "", cmid: message.client_msg_id, post: post ? String(post.seq) : null },
    }, official && !mine ? officialAvatar() : userAvatar(store, message.sender_id, 40), bodyWrap);
    const bubbleEl = row.querySelector(".bubble");
    if (bubbleEl) {
      if (!bubbleEl.matches("button, a")) bubbleEl.tabIndex = 0;
      bubbleEl.addEventListener("contextmenu", (e) => { e.preventDefault(); menu(message, pending); });
      bubbleEl.addEventListener("keydown", (e) => {
        if (e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey) || (e.key === "Enter" && bubbleEl.classList.contains("bubble-text"))) {
          e.preventDefault();
          menu(message, pending);
        }
      });
      let press = null;
      bubbleEl.addEventListener("touchstart", () => { press = setTimeout(() => menu(message, pending), 550); }, { passive: true });
      for (const ev of ["touchend", "touchmove", "touchcancel"]) bubbleEl.addEventListener(ev, () => clearTimeout(press), { passive: true });
    }
    return row;
  }

  async function menu(message, pending) {
    const actions = [];
    if (message.kind === "text" && message.text) actions.push({ label: t("msg.copy"), value: "copy" });
    if (pending) actions.push({ label: t("msg.delete_unsent"), value: "discard", danger: true });
    else if (message.sender_id === me && Date.now() - message.created_at < RECALL_MS) {
      actions.push({ label: t("msg.recall"), value: "recall", danger: true });
    }
    if (!actions.length) return;
    const choice = await actionSheet(actions, t("msg.actions"));
    if (choice === "copy") {
      await navigator.clipboard?.writeText(message.text).catch(() => {});
      toast(t("msg.copied"));
    } else if (choice === "discard") {
      outbox.discard(pending.id);
    } else if (choice === "recall") {
      try {
        await socket.request({ t: "recall", conversation_id: cid, seq: message.seq });
      } catch (err) {
        toast(t(err.code === "message.recall_expired" ? "error.message.recall_expired" : "msg.recall_failed"), { kind: "error" });
      }
    }
  }

  function render() {
    view = store.conversations.get(cid);
    if (!view) {
      toast(t("chat.left"));
      app.go("chats");
      return;
    }
    title.textContent = conversationTitle(store, view);
    const typingNow = store.typingIn(cid);
    sub.textContent = typingNow.length ? t("chat.typing") : isGroup() ? tn("group.members_count", view.conversation.member_count) : "";
    header.classList.toggle("has-sub", Boolean(sub.textContent));
    announcement.hidden = !(isGroup() && view.conversation.announcement);
    announcement.replaceChildren(icon("announce"), h("span", view.conversation.announcement || ""));
    header.querySelector(".muted-mark")?.remove();
    if (view.muted) title.after(h("span.muted-mark", { title: t("chat.muted") }, icon("mute")));

    const wanted = [];
    let lastDay = null;
    const addDay = (ms) => {
      const key = dayKey(ms);
      if (key !== lastDay) {
        lastDay = key;
        wanted.push({ key: `d${key}`, sig: formatDay(ms), build: () => h("div.day-sep", { role: "separator" }, h("span", formatDay(ms))) });
      }
    };
    const all = store.messagesOf(cid);
    app.learnPeople(all);
    const posts = official ? store.postsOf(cid) : [];
    let p = 0;
    const addPost = (post) => {
      addDay(post.created_at);
      const shaped = { ...post, conversation_id: cid, sender_id: accountId, client_msg_id: `b${post.seq}`, recalled: false, seq: null };
      wanted.push({ key: `b${post.seq}`, sig: `post|${store.nameOf(accountId)}`, build: () => messageRow(shaped, { post }) });
    };
    for (const m of all) {
      while (p < posts.length && posts[p].created_at <= m.created_at) addPost(posts[p++]);
      addDay(m.created_at);
      const sig = sigOf(m, stateOf(m));
      wanted.push({ key: `m${m.seq}`, sig, build: () => messageRow(m) });
    }
    while (p < posts.length) addPost(posts[p++]);
    for (const p of outbox.of(cid)) {
      addDay(p.created_at);
      const shaped = { ...p, client_msg_id: p.id, sender_id: me, seq: null, data: null, recalled: false };
      wanted.push({ key: `p${p.id}`, sig: `${p.state}|${p.media?.id ?? ""}`, build: () => messageRow(shaped, { pending: p }) });
    }
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
    markRead();
  }

  function officialAvatar() {
    const account = store.accounts.get(accountId);
    return account ? accountAvatar(account, 40) : userAvatar(store, accountId, 40);
  }

  let reading = 0;
  let readingPosts = 0;
  function markPostsRead() {
    const channel = store.channelOf(cid);
    if (!channel || channel.head <= channel.read_seq || channel.head <= readingPosts) return;
    readingPosts = channel.head;
    api.readBroadcasts(channel.channel_id, channel.head)
      .then(({ read_seq: seq }) => store.readChannel(channel.channel_id, seq))
      .catch(() => { readingPosts = 0; });
  }

  function markRead() {
    if (document.hidden || !atBottom || !view) return;
    if (official) markPostsRead();
    const last = view.conversation.last_seq;
    if (last > view.last_read_seq && last > reading && socket.status === "online") {
      reading = last;
      socket.request({ t: "read", conversation_id: cid, seq: last })
        .then((ok) => {
          const v = store.conversations.get(cid);
          if (v && ok.last_read_seq > v.last_read_seq) {
            v.last_read_seq = ok.last_read_seq;
            v.unread = Math.max(0, v.conversation.last_seq - v.last_read_seq);
            store.changed("conversations");
          }
        })
        .catch(() => { reading = 0; });
    }
  }

  async function loadLatest() {
    try {
      const { messages } = await api.history(cid, { limit: PAGE });
      if (messages.length < PAGE) noMore = true;
      store.putHistory(cid, messages);
    } catch { /* offline: show what we have */ }
  }

  async function loadOlder() {
    if (noMore || loadingOlder) return;
    const have = store.messagesOf(cid);
    if (!have.length) return;
    loadingOlder = true;
    try {
      const { messages } = await api.history(cid, { before: have[0].seq, limit: PAGE });
      if (messages.length < PAGE) noMore = true;
      const height = log.scrollHeight;
      const top = log.scrollTop;
      store.putHistory(cid, messages);
      await Promise.resolve();
      render();
      log.scrollTop = top + (log.scrollHeight - height);
    } catch { /* try again on the next scroll */ } finally {
      loadingOlder = false;
    }
  }

  async function loadPeople() {
    try {
      const { members } = await api.members(cid);
      for (const m of members) {
        store.users.set(m.user.id, m.user);
        if (!isGroup() && m.user.id !== me) store.peerRead.set(cid, Math.max(store.peerRead.get(cid) || 0, m.last_read_seq));
      }
      store.changed("users", `messages:${cid}`);
    } catch { /* names fall back to what we know */ }
  }

  render();
  loadLatest();
  loadPeople();
  const stop = store.subscribe((topics) => {
    if (topics.has("all") || topics.has(`messages:${cid}`) || topics.has(`conversation:${cid}`) || topics.has("outbox")
      || topics.has(`typing:${cid}`) || topics.has("users") || topics.has("contacts") || topics.has(`account:${accountId}`)) {
      render();
    }
  });
  const onVisible = () => markRead();
  document.addEventListener("visibilitychange", onVisible);
  const onSynced = () => { markRead(); loadPeople(); };
  socket.addEventListener("synced", onSynced);
  if (window.matchMedia("(pointer: fine)").matches && !oa?.menuShown()) input.focus();
  return {
    destroy() {
      stop();
      oa?.destroy();
      document.removeEventListener("visibilitychange", onVisible);
      socket.removeEventListener("synced", onSynced);
      if (rec) endHold(true);
      player.stop();
    },
  };
}
