// @ts-check
/**
 * The realtime connection (docs/protocol.md, version 1): hello with the store's cursor,
 * then (revision 3) `streams` with the store's positions in its groups,
 * events applied in order exactly once, requests matched to answers by `ref`, and
 * reconnection by itself with exponential backoff and jitter. On `reset` it reloads the
 * state. It never touches the DOM; its `status` is "offline", "connecting" or "online".
 */

import { ApiError } from "./api.js";

const PROTOCOL = "microletter.v1.json";
const PING_EVERY = 20000;
const PONG_WITHIN = 10000;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 30000;

export class Socket extends EventTarget {
  /**
   * @param {import("./api.js").Api} api
   * @param {import("./store.js").Store} store
   * @param {{url?: string}} [opts]
   */
  constructor(api, store, opts = {}) {
    super();
    this.api = api;
    this.store = store;
    this.url = opts.url || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    /** @type {"offline"|"connecting"|"online"} */
    this.status = "offline";
    this.ws = null;
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout>|undefined} the reconnect's */
    this.timer = undefined;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.pingTimer = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.pongTimer = undefined;
    this.nextRef = 1;
    /** the protocol revision the server said in `ready` (2: open_red_packet; 3: streams) */
    this.revision = 1;
    /** @type {Map<string, {resolve: Function, reject: Function, timer: any}>} */
    this.waiting = new Map();
    this.queue = Promise.resolve(); // frames are handled one after another
    this.stopped = true;
    this.onOnline = () => this.connectNow();
    // A network change usually kills the socket silently: drop it now and reconnect when back.
    this.onOffline = () => this.ws && this.drop(this.ws);
    this.onVisible = () => {
      if (document.visibilityState === "visible") this.status === "online" ? this.ping() : this.connectNow();
    };
  }

  /** Start connecting (and keep reconnecting) until stop(). */
  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    document.addEventListener("visibilitychange", this.onVisible);
    this.connect();
  }

  /** Close for good (log out). */
  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    document.removeEventListener("visibilitychange", this.onVisible);
    clearTimeout(this.timer);
    this.ws?.close(1000);
    this.setStatus("offline");
  }

  /** Skip the backoff wait: the network is back, or the user asked. */
  connectNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.connect();
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  connect() {
    if (this.stopped || this.ws) return;
    this.setStatus("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url, [PROTOCOL]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      ws.send(
        JSON.stringify({
          t: "hello",
          token: this.api.token,
          after: this.store.cursor,
          epoch: this.store.epoch,
          v: 1,
        }),
      );
    };
    ws.onmessage = (e) => {
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      this.queue = this.queue
        .then(() => this.handle(frame, ws))
        .catch((err) => {
          console.error("frame failed", err);
          this.drop(ws);
        });
    };
    ws.onclose = (e) => this.closed(ws, e.code);
  }

  /** Close a socket that misbehaves (no pong, a gap) and reconnect. */
  drop(ws) {
    if (ws !== this.ws) return;
    try {
      ws.close(4000);
    } catch {
      /* already closing */
    }
    this.closed(ws, 4000);
  }

  closed(ws, code) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    for (const [, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new ApiError("network", "connection closed", 0));
    }
    this.waiting.clear();
    this.setStatus("offline");
    if (code === 4001) {
      this.stopped = true;
      this.dispatchEvent(new CustomEvent("unauthorized"));
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
    this.dispatchEvent(new CustomEvent("retry", { detail: delay }));
  }

  async handle(frame, ws) {
    if (ws !== this.ws) return;
    switch (frame.t) {
      case "ready":
        this.revision = frame.revision || 1; // which frames this server answers
        this.pingTimer = setInterval(() => this.ping(), PING_EVERY);
        if (this.revision >= 3) {
          // Read large groups from their streams (docs/protocol.md, "Streams").
          ws.send(JSON.stringify({ t: "streams", after: this.store.streamPositions() }));
        }
        break;
      case "msg": {
        // A message of a large group's stream: no log seq, the cursor stays.
        const result = this.store.applyStreamed(frame.data.message);
        if (frame.ref != null) this.answer(frame.ref, { t: "ack", message: frame.data.message });
        if (result === "applied") {
          this.dispatchEvent(new CustomEvent("event", { detail: { kind: "message", seq: null, data: frame.data } }));
        }
        break;
      }
      case "stream": // where a group's stream starts; older messages come with its history
        break;
      case "reset":
        this.store.load(await this.api.syncState());
        this.dispatchEvent(new CustomEvent("reset"));
        break;
      case "ev": {
        const result = this.store.apply(frame);
        if (result === "gap") {
          this.drop(ws);
          return;
        }
        if (frame.ref != null) this.answer(frame.ref, { t: "ack", message: frame.data.message });
        if (result === "applied") this.dispatchEvent(new CustomEvent("event", { detail: frame }));
        break;
      }
      case "synced":
        this.attempt = 0;
        this.setStatus("online");
        this.dispatchEvent(new CustomEvent("synced"));
        break;
      case "typing":
        this.store.noteTyping(frame.conversation_id, frame.user_id);
        break;
      case "channel":
        // A broadcast channel reached a new head (a hint: the posts come over REST).
        if (this.store.setChannelHead(frame.channel_id, frame.conversation_id, frame.head)) {
          this.dispatchEvent(new CustomEvent("channel", { detail: frame.channel_id }));
        }
        break;
      case "pong":
        clearTimeout(this.pongTimer);
        break;
      case "ack":
      case "ok":
      case "opened":
        this.answer(frame.ref, frame);
        break;
      case "error": {
        const e = frame.error || {};
        const error = new ApiError(e.code || "internal", e.message || "", 0, e.details);
        error.status = e.code === "rate_limited" ? 429 : 400;
        if (frame.ref != null) this.answer(frame.ref, null, error);
        break;
      }
      default:
        break;
    }
  }

  answer(ref, frame, error) {
    const w = this.waiting.get(String(ref));
    if (!w) return;
    this.waiting.delete(String(ref));
    clearTimeout(w.timer);
    if (error) w.reject(error);
    else w.resolve(frame);
  }

  ping() {
    if (this.status !== "online" || !this.ws) return;
    const ws = this.ws;
    ws.send(JSON.stringify({ t: "ping", ref: `p${this.nextRef++}` }));
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => this.drop(ws), PONG_WITHIN);
  }

  /**
   * Send a request frame and wait for its answer (ack, ok, opened or error), matched by ref.
   * Rejects with ApiError "network" when not online or when the connection drops.
   * @param {Record<string, unknown>} frame
   * @param {number} [timeout] ms
   */
  request(frame, timeout = 20000) {
    if (this.status !== "online" || !this.ws) {
      return Promise.reject(new ApiError("network", "offline", 0));
    }
    const ref = `r${this.nextRef++}`;
    const ws = this.ws;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        reject(new ApiError("network", "no answer", 0));
        this.drop(ws);
      }, timeout);
      this.waiting.set(ref, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  /** Fire-and-forget frames (typing). */
  notify(frame) {
    if (this.status === "online" && this.ws) this.ws.send(JSON.stringify(frame));
  }
}
