/**
 * The REST API (/api/v1): one function per operation and the one error shape.
 * Every failure becomes an ApiError with a stable `code` (the server's, or "network"
 * when the server could not be reached). Knows nothing about the DOM or the store.
 */

/** An error from the API: `code` is the server's stable code, or "network". */
export class ApiError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} status HTTP status, 0 when there was no answer
   * @param {Record<string, unknown>} [details]
   */
  constructor(code, message, status, details = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
  }

  /** @returns {boolean} true when retrying later may work (offline, server busy) */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** The client of one server for one device (its token). */
export class Api {
  /** @param {string} [base] the server's origin; the page's by default */
  constructor(base = "") {
    this.base = base;
    /** @type {string|null} */
    this.token = null;
    /** Called when the server says our token is no longer valid. */
    this.onUnauthorized = () => {};
  }

  /**
   * One request. JSON in and out, unless `raw` (a Blob or ArrayBuffer) is the body.
   * @param {string} method
   * @param {string} path under /api/v1
   * @param {{json?: unknown, raw?: Blob, contentType?: string, blob?: boolean, signal?: AbortSignal}} [opts]
   */
  async request(method, path, opts = {}) {
    const headers = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let body;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers["Content-Type"] = opts.contentType || "application/octet-stream";
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(`${this.base}/api/v1${path}`, { method, headers, body, signal: opts.signal });
    } catch (err) {
      if (err?.name === "AbortError") throw err;
      throw new ApiError("network", String(err?.message || err), 0);
    }
    if (response.status === 204) return null;
    if (response.ok && opts.blob) return response.blob();
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const e = data?.error || {};
      const error = new ApiError(e.code || "internal", e.message || response.statusText, response.status, e.details);
      if (response.status === 401 && this.token && error.code === "auth.invalid_token") this.onUnauthorized();
      throw error;
    }
    return data;
  }

  // --- accounts ---
  /** @returns {Promise<{user: object, device: object, token: string}>} */
  register(username, password, displayName, locale, deviceName) {
    return this.request("POST", "/accounts", {
      json: { username, password, display_name: displayName || "", locale, device_name: deviceName },
    });
  }
  /** @returns {Promise<{user: object, device: object, token: string}>} */
  login(username, password, deviceName) {
    return this.request("POST", "/sessions", { json: { username, password, device_name: deviceName } });
  }
  logout() { return this.request("DELETE", "/sessions/current"); }
  updateMe(patch) { return this.request("PATCH", "/me", { json: patch }); }
  devices() { return this.request("GET", "/me/devices"); }
  revokeDevice(id) { return this.request("DELETE", `/me/devices/${id}`); }
  /** @returns {Promise<Blob>} my "add me" QR code as an SVG image */
  myQr() { return this.request("GET", "/me/qr.svg", { blob: true }); }
  findUser(username) { return this.request("GET", `/users/${encodeURIComponent(username)}`); }
  user(id) { return this.request("GET", `/users/by-id/${id}`); }

  // --- contacts ---
  requestContact(username, greeting) {
    return this.request("POST", "/contact-requests", { json: { username, greeting } });
  }
  accept(requestId) { return this.request("POST", `/contact-requests/${requestId}/accept`); }
  decline(requestId) { return this.request("POST", `/contact-requests/${requestId}/decline`); }
  setRemark(userId, remark) { return this.request("PATCH", `/contacts/${userId}`, { json: { remark } }); }
  removeContact(userId) { return this.request("DELETE", `/contacts/${userId}`); }

  // --- conversations ---
  conversation(cid) { return this.request("GET", `/conversations/${cid}`); }
  openDirect(userId) { return this.request("POST", "/conversations/direct", { json: { user_id: userId } }); }
  createGroup(name, memberIds) {
    return this.request("POST", "/conversations", { json: { name, member_ids: memberIds } });
  }
  updateGroup(cid, patch) { return this.request("PATCH", `/conversations/${cid}`, { json: patch }); }
  members(cid) { return this.request("GET", `/conversations/${cid}/members`); }
  addMembers(cid, userIds) {
    return this.request("POST", `/conversations/${cid}/members`, { json: { user_ids: userIds } });
  }
  removeMember(cid, userId) { return this.request("DELETE", `/conversations/${cid}/members/${userId}`); }
  setMuted(cid, muted) { return this.request("PUT", `/conversations/${cid}/mute`, { json: { muted } }); }
  /** A page of history, oldest first. */
  history(cid, { before, after, limit } = {}) {
    const q = new URLSearchParams();
    if (before != null) q.set("before", String(before));
    if (after != null) q.set("after", String(after));
    if (limit != null) q.set("limit", String(limit));
    return this.request("GET", `/conversations/${cid}/messages?${q}`);
  }
  send(cid, body) { return this.request("POST", `/conversations/${cid}/messages`, { json: body }); }
  recall(cid, seq) { return this.request("POST", `/conversations/${cid}/messages/${seq}/recall`); }

  // --- sync ---
  syncState() { return this.request("GET", "/sync/state"); }

  // --- media ---
  /**
   * Upload a file; the server checks what it really is.
   * @param {Blob} blob
   * @param {"image"|"voice"|"file"} kind
   * @param {string} name
   */
  uploadMedia(blob, kind, name) {
    const q = new URLSearchParams({ kind, name: name || kind });
    return this.request("POST", `/media?${q}`, { raw: blob, contentType: blob.type || "application/octet-stream" });
  }
  /** @param {number[]} ids @returns {Promise<{urls: Record<string, {url: string, thumbnail_url: string|null, expires_at: number}>}>} */
  mediaUrls(ids) { return this.request("POST", "/media/urls", { json: { ids } }); }

  // --- official accounts (the user side) ---
  /** @param {string} q @returns {Promise<{accounts: object[]}>} found by name, AppID or original id */
  searchAccounts(q) { return this.request("GET", `/official-accounts?${new URLSearchParams({ q })}`); }
  followedAccounts() { return this.request("GET", "/official-accounts/following"); }
  /** @returns {Promise<{account: object, following: boolean, conversation_id: number|null}>} */
  officialAccount(id) { return this.request("GET", `/official-accounts/${id}`); }
  /** @returns {Promise<{account: object, conversation: object}>} the new conversation's view */
  follow(id, scene = "profile") { return this.request("PUT", `/official-accounts/${id}/follow`, { json: { scene } }); }
  unfollow(id) { return this.request("DELETE", `/official-accounts/${id}/follow`); }
  /** @param {number[]} button [i] or [i, j] @returns {Promise<{event: string, key: string, url: string|null}>} */
  pressMenu(id, button) { return this.request("POST", `/official-accounts/${id}/menu/press`, { json: { button } }); }
  /** @returns {Promise<{posts: object[]}>} broadcasts after a channel seq, oldest first */
  broadcasts(id, after = 0) { return this.request("GET", `/official-accounts/${id}/broadcasts?after=${after}&limit=100`); }
  readBroadcasts(id, seq) { return this.request("POST", `/official-accounts/${id}/broadcasts/read`, { json: { seq } }); }
  /** @returns {Promise<{account: object, scene: string, following: boolean}>} */
  qrCode(ticket) { return this.request("GET", `/qrcodes/${encodeURIComponent(ticket)}`); }
  scanQr(ticket) { return this.request("POST", `/qrcodes/${encodeURIComponent(ticket)}/scan`); }
  /** @param {Record<string, string>} ask appid, redirect_uri, scope */
  consent(ask) { return this.request("GET", `/oauth/consent?${new URLSearchParams(ask)}`); }
  /** @returns {Promise<{redirect: string}>} */
  authorize(body) { return this.request("POST", "/oauth/authorize", { json: body }); }

  // --- the developer console ---
  devAccounts() { return this.request("GET", "/developer/accounts"); }
  /** @returns {Promise<{account: object, appsecret: string}>} the AppSecret, this once */
  devCreate(name, description) { return this.request("POST", "/developer/accounts", { json: { name, description } }); }
  devAccount(id) { return this.request("GET", `/developer/accounts/${id}`); }
  devUpdate(id, patch) { return this.request("PATCH", `/developer/accounts/${id}`, { json: patch }); }
  devResetSecret(id) { return this.request("POST", `/developer/accounts/${id}/secret`); }
  devSetWebhook(id, url, mode) { return this.request("PUT", `/developer/accounts/${id}/webhook`, { json: { url, mode } }); }
  devClearWebhook(id) { return this.request("DELETE", `/developer/accounts/${id}/webhook`); }
  devSetMenu(id, button) { return this.request("PUT", `/developer/accounts/${id}/menu`, { json: { button } }); }
  devDeleteMenu(id) { return this.request("DELETE", `/developer/accounts/${id}/menu`); }
  /** Check a menu without saving it. @returns {Promise<{menu: object[]}>} */
  menuPreview(button) { return this.request("POST", "/developer/menu-preview", { json: { button } }); }
  devBroadcast(id, text) { return this.request("POST", `/developer/accounts/${id}/broadcasts`, { json: { text } }); }
  /** @returns {Promise<{ticket: string, url: string, image_url: string, scene: string}>} */
  devQr(id) { return this.request("POST", `/developer/accounts/${id}/qrcodes`, { json: {} }); }
  devTemplates(id) { return this.request("GET", `/developer/accounts/${id}/templates`); }
  devAddTemplate(id, title, content) {
    return this.request("POST", `/developer/accounts/${id}/templates`, { json: { title, content } });
  }
}
