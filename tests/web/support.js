// @ts-check
/**
 * What the client's modules are given in the app, made for node: a key-value storage
 * that keeps structured clones (as IndexedDB does), a clock the test moves by hand, and a
 * socket whose answers the test decides. No browser and no server.
 */

/** @typedef {import("../../src/microletter/web/js/store.js").Message} Message */

/** A KeyValue in memory; every value goes through structuredClone, as through IndexedDB. */
export class MemoryStorage {
  /** @type {Map<string, unknown>} */
  data = new Map();

  /** @param {string} key */
  async get(key) {
    const value = this.data.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }

  /**
   * @param {string} key
   * @param {unknown} value
   */
  async set(key, value) {
    this.data.set(key, structuredClone(value));
  }
}

/** A Clock whose time moves only when the test says so. */
export class ManualClock {
  ms = 1_700_000_000_000;
  /** @type {{at: number, fn: () => void}[]} */
  timers = [];

  now() {
    return this.ms;
  }

  /**
   * @param {() => void} fn
   * @param {number} ms
   */
  later(fn, ms) {
    this.timers.push({ at: this.ms + ms, fn });
  }

  /** @param {number} ms move on, running the timers that come due */
  advance(ms) {
    this.ms += ms;
    const due = this.timers.filter((timer) => timer.at <= this.ms);
    this.timers = this.timers.filter((timer) => timer.at > this.ms);
    for (const timer of due) timer.fn();
  }
}

/**
 * A Sender for the outbox: records the frames it is asked to send and answers each with
 * the next scripted reply (by default the server's: the message, stored with the next seq).
 */
export class ScriptedSocket extends EventTarget {
  status = "online";
  /** @type {Record<string, any>[]} */
  frames = [];
  /** @type {((frame: Record<string, any>) => Promise<{message?: Message}>)[]} */
  replies = [];
  seq = 0;

  /** @param {Record<string, any>} frame */
  request(frame) {
    this.frames.push(structuredClone(frame));
    const reply = this.replies.shift();
    return reply ? reply(frame) : Promise.resolve({ message: this.stored(frame) });
  }

  /**
   * The message the server would store for a send frame.
   * @param {Record<string, any>} frame
   * @returns {Message}
   */
  stored(frame) {
    this.seq += 1;
    return {
      id: 1000 + this.seq,
      conversation_id: frame.conversation_id,
      seq: this.seq,
      sender_id: 1,
      client_msg_id: frame.client_msg_id,
      kind: frame.kind || "text",
      text: frame.text ?? null,
      created_at: 1_700_000_000_000,
      recalled: false,
      data: frame.media_id ? { media: { id: frame.media_id } } : null,
    };
  }

  /** Back online and caught up: what the Socket fires after a (re)connect. */
  synced() {
    this.status = "online";
    this.dispatchEvent(new Event("synced"));
  }
}

/**
 * An error as the Api and the Socket raise them.
 * @param {string} code
 * @param {{status?: number, details?: Record<string, unknown>}} [o]
 */
export function apiError(code, { status = 400, details = {} } = {}) {
  return Object.assign(new Error(code), { code, status, details });
}

/** Let promise callbacks and queued microtasks run (the store's change events, a send). */
export async function settle() {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
