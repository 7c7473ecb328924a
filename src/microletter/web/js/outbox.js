// @ts-check
/**
 * Outgoing messages until the server has them. Each gets its client_msg_id once, when
 * written, so re-sending after a timeout or a reconnect can never make a copy (the server
 * answers a repeat with the original). Kept in IndexedDB, so messages written offline
 * survive a reload and go out, in order, when the connection is back. Media is uploaded
 * first (REST), then sent by id over the WebSocket. What it saves in, and how it uploads
 * and sends, are given to it (IndexedDB, the Api and the Socket in the app; a Map and
 * stand-ins for the network in tests/web/).
 */

/** @returns {string} a fresh client_msg_id (works outside secure contexts too) */
export function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `w-${Date.now().toString(36)}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * @typedef {"text"|"image"|"voice"|"file"|"video"|"sticker"|"location"|"card"} SendKind
 * @typedef {{id: string, conversation_id: number, kind: SendKind, text: string,
 *   blob?: Blob, name?: string, media?: any, local?: any, data?: any, created_at: number,
 *   mentions?: number[], mention_all?: boolean, reply_to?: number,
 *   state: "queued"|"sending"|"failed", error?: string}} Pending
 *   `media` is set once uploaded (or from the start, for a sticker or a favourite that is
 *   sent again by its media id); `data` is a location's or a card's payload.
 * @typedef {{kind?: SendKind, text?: string, blob?: Blob, name?: string, local?: any, media?: any,
 *   data?: any, mentions?: number[], mention_all?: boolean, reply_to?: number}} Draft what add() takes
 * @typedef {import("./store.js").Store} Store
 * @typedef {import("./store.js").KeyValue} KeyValue
 * @typedef {import("./store.js").Message} Message
 */

/**
 * What the outbox uploads media with (the Api).
 * @typedef {object} Uploader
 * @property {(blob: Blob, kind: "image"|"voice"|"file"|"video", name: string) => Promise<{media: {id: string}}>} uploadMedia
 */

/**
 * What the outbox sends with (the Socket): an EventTarget that fires "synced" when it is
 * connected and caught up, and answers a request frame or rejects with an error that has a
 * `code` ("network" while offline, or the server's).
 * @typedef {object} SenderParts
 * @property {"connecting"|"online"|"offline"|string} status
 * @property {(frame: Record<string, unknown>) => Promise<{message?: Message}>} request
 * @typedef {EventTarget & SenderParts} Sender
 */

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Outbox extends EventTarget {
  /**
   * @param {object} o
   * @param {Uploader} o.api uploads media
   * @param {Sender} o.socket sends messages
   * @param {Store} o.store hears our own messages arrive, and learns the sent ones
   * @param {KeyValue} o.storage keeps the queue across reloads
   * @param {(ms: number) => Promise<unknown>} [o.wait] waits before a rate-limited retry
   */
  constructor({ api, socket, store, storage, wait = sleep }) {
    super();
    this.api = api;
    this.socket = socket;
    this.store = store;
    this.storage = storage;
    this.wait = wait;
    /** @type {Pending[]} */
    this.items = [];
    /** @type {string|null} */
    this.key = null;
    this.flushing = false;
    store.addEventListener("message", (e) => {
      const m = /** @type {CustomEvent<Message>} */ (e).detail;
      if (m.sender_id === store.me?.id) this.settle(m.client_msg_id);
    });
    socket.addEventListener("synced", () => this.flush());
  }

  /**
   * Load the saved queue of this user (what was being sent when the page went away is
   * queued again, with the same client_msg_id).
   * @param {number} userId
   */
  async open(userId) {
    this.key = `outbox:${userId}`;
    this.items = (await this.storage.get(this.key)) || [];
    for (const item of this.items) if (item.state === "sending") item.state = "queued";
    this.changed();
  }

  /** Forget the queue (log out). */
  close() {
    this.key = null;
    this.items = [];
  }

  save() {
    if (this.key) this.storage.set(this.key, this.items).catch((err) => console.error("outbox save", err));
  }

  changed() {
    this.dispatchEvent(new CustomEvent("change"));
    this.store.changed("outbox");
  }

  /**
   * @param {number} cid
   * @returns {Pending[]} the pending messages of one conversation, oldest first
   */
  of(cid) {
    return this.items.filter((i) => i.conversation_id === cid);
  }

  /**
   * Queue a message and try to send it now.
   * @param {number} cid
   * @param {Draft} body
   * @returns {Pending}
   */
  add(cid, { kind = "text", text = "", blob, name, local, media, data, mentions, mention_all, reply_to }) {
    /** @type {Pending} */
    const item = {
      id: newClientId(),
      conversation_id: cid,
      kind,
      text,
      blob,
      name,
      local,
      created_at: Date.now(),
      state: "queued",
    };
    // Optional fields only when given, so the saved queue stays as it was for plain messages.
    if (media) item.media = media;
    if (data) item.data = data;
    if (mentions?.length) item.mentions = mentions;
    if (mention_all) item.mention_all = true;
    if (reply_to != null) item.reply_to = reply_to;
    this.items.push(item);
    this.save();
    this.changed();
    this.flush();
    return item;
  }

  /**
   * Try a failed message again (same client_msg_id).
   * @param {string} id
   */
  retry(id) {
    const item = this.items.find((i) => i.id === id);
    if (!item) return;
    item.state = "queued";
    delete item.error;
    this.save();
    this.changed();
    this.flush();
  }

  /**
   * Give up on a message that was not sent.
   * @param {string} id
   */
  discard(id) {
    this.items = this.items.filter((i) => i.id !== id);
    this.save();
    this.changed();
  }

  /**
   * The server has it: drop it from the queue.
   * @param {string} id
   * @param {Message} [message] the server's copy, when it came with the answer
   */
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

  /**
   * Upload (once) and send one message. "stop" leaves it queued until the next "synced".
   * @param {Pending} item
   * @returns {Promise<"sent"|"stop"|"again"|"failed">}
   */
  async sendOne(item) {
    item.state = "sending";
    this.changed();
    try {
      if (item.blob && !item.media) {
        const blob = /** @type {Blob} */ (item.blob); // every media item is queued with its blob
        const kind = /** @type {"image"|"voice"|"file"|"video"} */ (item.kind); // only these come with a blob
        const { media } = await this.api.uploadMedia(blob, kind, item.name || item.kind);
        item.media = media;
        this.dispatchEvent(new CustomEvent("uploaded", { detail: { media, blob: item.blob } }));
        this.save();
      }
      /** @type {Record<string, unknown>} */
      const frame = { t: "send", conversation_id: item.conversation_id, client_msg_id: item.id };
      if (item.kind === "text") frame.text = item.text;
      else {
        frame.kind = item.kind;
        if (item.media) frame.media_id = item.media.id;
        if (item.data) frame.data = item.data;
        if (item.text) frame.text = item.text;
      }
      if (item.mentions) frame.mentions = item.mentions;
      if (item.mention_all) frame.mention_all = true;
      if (item.reply_to != null) frame.reply_to = item.reply_to;
      const answer = await this.socket.request(frame);
      this.settle(item.id, answer.message);
      return "sent";
    } catch (caught) {
      const err = /** @type {{code?: string, status?: number, details?: any}|undefined} */ (caught);
      if (!this.items.includes(item)) return "sent"; // settled by its event meanwhile
      if (err?.code === "network" || (err?.status ?? 0) >= 500) {
        item.state = "queued"; // goes out after the reconnect
        this.changed();
        return "stop";
      }
      if (err?.code === "rate_limited") {
        item.state = "queued";
        const wait = Number(err.details?.retry_after_seconds || 1) * 1000;
        await this.wait(wait);
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
