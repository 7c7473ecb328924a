// @ts-check
/**
 * Draws attention to unread messages: the count in the tab title, the app badge where the
 * browser has one, and a system notification for a new message while the page is hidden
 * (permission is asked for politely, once, from a card the user can dismiss). A muted
 * conversation stays quiet, except for a message that mentions me (or @all).
 */

import { t } from "./i18n.js";
import { conversationTitle, preview } from "./common.js";

const ASKED = "ml.notify.asked";

export class Attention {
  /** @param {import("./app.js").App} app */
  constructor(app) {
    this.app = app;
    this.unsubscribe = null;
    this.onMessage = (e) => this.notify(e.detail);
    this.last = -1;
  }

  start() {
    this.unsubscribe = this.app.store.subscribe(() => this.update());
    this.app.store.addEventListener("message", this.onMessage);
    this.update();
  }

  stop() {
    this.unsubscribe?.();
    this.app.store.removeEventListener("message", this.onMessage);
    document.title = "microletter";
    navigator.clearAppBadge?.().catch(() => {});
  }

  update() {
    const n = this.app.store.unreadTotal();
    if (n === this.last) return;
    this.last = n;
    document.title = n ? `(${n > 99 ? "99+" : n}) ${t("app.name")}` : t("app.name");
    if (n) navigator.setAppBadge?.(n).catch(() => {});
    else navigator.clearAppBadge?.().catch(() => {});
  }

  /** @returns {boolean} whether to offer turning notifications on */
  shouldAsk() {
    return "Notification" in window && Notification.permission === "default" && !localStorage.getItem(ASKED);
  }

  /** Ask the browser (after the user said yes in our card). */
  async ask() {
    localStorage.setItem(ASKED, "1");
    if (!("Notification" in window)) return "denied";
    return Notification.requestPermission();
  }

  /** The user said "not now": don't ask again. */
  dismiss() {
    localStorage.setItem(ASKED, "1");
  }

  async notify(message) {
    const { store } = this.app;
    if (!document.hidden || message.sender_id === store.me?.id || message.kind === "system") return;
    const view = store.conversations.get(message.conversation_id);
    const mentioned = store.mentionsMe(message);
    if (!view || (view.muted && !mentioned)) return;
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const sender = store.nameOf(message.sender_id);
    const group = view.conversation.kind === "group";
    const title = group ? conversationTitle(store, view) : sender;
    const said = group ? `${sender}: ${preview(store, message)}` : preview(store, message);
    const body = mentioned ? `${t("chats.mentioned")} ${said}` : said;
    const options = {
      body,
      tag: `c${message.conversation_id}`,
      renotify: true,
      data: { url: `/#/chat/${message.conversation_id}` },
      icon: new URL("../icons/icon-192.png", import.meta.url).href,
    };
    try {
      const reg = await navigator.serviceWorker?.getRegistration();
      if (reg) await reg.showNotification(title, options);
      else new Notification(title, options);
    } catch {
      /* notifications are best effort */
    }
  }
}
