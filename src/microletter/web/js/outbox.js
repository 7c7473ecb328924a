/**
 * Outgoing messages until the server has them. Each gets its client_msg_id once, when
 * written, so re-sending after a timeout or a reconnect can never make a copy (the server
 * answers a repeat with the original). Kept in IndexedDB, so messages written offline
 * survive a reload and go out, in order, when the connection is back. Media is uploaded
 * first (REST), then sent by id over the WebSocket.
 */

import * as db from "./db.js";

/** @returns {string} a fresh client_msg_id (works outside secure contexts too) */
export function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `w-${Date.now().toString(36)}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * @typedef {{id: string, conversation_id: number, kind: "text"|"image"|"voice"|"file", text: string,
 *   blob?: Blob, name?: string, media?: any, local?: any, created_at: number,
 *   state: "queued"|"sending"|"failed", error?: string}} Pending
 */

export class Outbox extends EventTarget {
  /**
   * @param {import("./api.js").Api} api
   * @param {import("./socket.js").Socket} socket
   * @param {import("./store.js").Store} store
   */
  constructor(api, socket, store) {
    super();
    this.api = api;
    this.socket = socket;
    this.store = store;
    /** @type {Pending[]} */
    this.items = [];
    this.key = null;
    this.flushing = false;
    store.addEventListener("message", (e) => {
      const m = e.detail;
      if (m.sender_id === store.me?.id) this.settle(m.client_msg_id);
    });
    socket.addEventListener("synced", () => this.flush());
  }

  /** Load the saved queue of this user. */
  async open(userId) {
    this.key = `outbox:${userId}`;
    this.items = (await db.get(this.key)) || [];
    for (const item of this.items) if (item.state === "sending") item.state = "queued";
    this.changed();
  }

  save() {
    if (this.key) db.set(this.key, this.items).catch((err) => console.error("outbox save", err));
  }

  changed() {
    this.dispatchEvent(new CustomEvent("change"));
    this.store.changed("outbox");
  }

  /** @returns {Pending[]} the pending messages of one conversation, oldest first */
  of(cid) {
    return this.items.filter((i) => i.conversation_id === cid);
  }

  /**
   * Queue a message and try to send it now.
   * @param {number} cid
   * @param {{kind?: Pending["kind"], text?: string, blob?: Blob, name?: string, local?: any}} body
   * @returns {Pending}
   */
  add(cid, { kind = "text", text = "", blob, name, local }) {
    /** @type {Pending} */
    const item = {
      id: newClientId(), conversation_id: cid, kind, text, blob, name, local,
      created_at: Date.now(), state: "queued",
    };
    this.items.push(item);
    this.save();
    this.changed();
    this.flush();
    return item;
  }

  /** Try a failed message again (same client_msg_id). */
  retry(id) {
    const item = this.items.find((i) => i.id === id);
    if (!item) return;
    item.state = "queued";
    delete item.error;
    this.save();
    this.changed();
    this.flush();
  }

  /** Give up on a message that was not sent. */
  discard(id) {
    this.items = this.items.filter((i) => i.id !== id);
    this.save();
    this.changed();
  }

  /** The server has it: drop it from the queue. */
  settle(id, message) {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.id !== id);
    if (message) this.store.putMessage(message, false);
    if (this.items.length !== before) {
      this.save();
      this.changed();
    }
  }

  /** Send what is queued, one at a time and in order, while online. */
  async flush() {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (;;) {
        const item = this.items.find((i) => i.state === "queued");
        if (!item || this.socket.status !== "online") break;
        const outcome = await this.sendOne(item);
        if (outcome === "stop") break;
      }
    } finally {
      this.flushing = false;
    }
  }

  async sendOne(item) {
    item.state = "sending";
    this.changed();
    try {
      if (item.kind !== "text" && !item.media) {
        const { media } = await this.api.uploadMedia(item.blob, item.kind, item.name || item.kind);
        item.media = media;
        this.dispatchEvent(new CustomEvent("uploaded", { detail: { media, blob: item.blob } }));
        this.save();
      }
      const frame = { t: "send", conversation_id: item.conversation_id, client_msg_id: item.id };
      if (item.kind === "text") frame.text = item.text;
      else {
        Object.assign(frame, { kind: item.kind, media_id: item.media.id });
        if (item.text) frame.text = item.text;
      }
      const answer = await this.socket.request(frame);
      this.settle(item.id, answer.message);
      return "sent";
    } catch (err) {
      if (!this.items.includes(item)) return "sent"; // settled by its event meanwhile
      if (err?.code === "network" || err?.status >= 500) {
        item.state = "queued"; // goes out after the reconnect
        this.changed();
        return "stop";
      }
      if (err?.code === "rate_limited") {
        item.state = "queued";
        const wait = Number(err.details?.retry_after_seconds || 1) * 1000;
        await new Promise((r) => setTimeout(r, wait));
        return "again";
      }
      item.state = "failed";
      item.error = err?.code || "internal";
      this.save();
      this.changed();
      this.dispatchEvent(new CustomEvent("failed", { detail: item }));
      return "failed";
    }
  }
}
