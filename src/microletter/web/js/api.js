// @ts-check
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
   * @returns {Promise<any>} the answer's JSON (null for 204), or a Blob when `blob`
   */
  async request(method, path, opts = {}) {
    /** @type {Record<string, string>} */
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
    } catch (caught) {
      const err = /** @type {Error} */ (caught);
      if (err?.name === "AbortError") throw err;
      throw new ApiError("network", String(err?.message || err), 0);
    }
    if (response.status === 204) return null;
    if (response.ok && opts.blob) return response.blob();
    /** @type {any} */
    let data;
    try {
      data = await response.json();
    } catch {
      data = null; // not JSON (a proxy's error page): the status speaks
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
  /** @returns {Promise<{user: import("./store.js").User, device: any, token: string}>} */
  register(username, password, displayName, locale, deviceName) {
    return this.request("POST", "/accounts", {
      json: { username, password, display_name: displayName || "", locale, device_name: deviceName },
    });
  }
  /**
   * Create an operator's account with the setup link's one-time token.
   * @returns {Promise<{user: object, device: object, token: string}>}
   */
  setupOperator(token, username, password, displayName, locale, deviceName) {
    return this.request("POST", "/setup/operator", {
      json: { token, username, password, display_name: displayName || "", locale, device_name: deviceName },
    });
  }
  /** @returns {Promise<{user: import("./store.js").User, device: any, token: string}>} */
  login(username, password, deviceName) {
    return this.request("POST", "/sessions", { json: { username, password, device_name: deviceName } });
  }
  logout() {
    return this.request("DELETE", "/sessions/current");
  }
  updateMe(patch) {
    return this.request("PATCH", "/me", { json: patch });
  }
  devices() {
    return this.request("GET", "/me/devices");
  }
  revokeDevice(id) {
    return this.request("DELETE", `/me/devices/${id}`);
  }
  findUser(username) {
    return this.request("GET", `/users/${encodeURIComponent(username)}`);
  }
  user(id) {
    return this.request("GET", `/users/by-id/${id}`);
  }

  /**
   * Change my password; with `logOutOthers`, every other device of mine is logged out.
   * @param {string} oldPassword @param {string} newPassword @param {boolean} logOutOthers
   * @returns {Promise<{logged_out: number[]}>}
   */
  changePassword(oldPassword, newPassword, logOutOthers) {
    return this.request("POST", "/me/password", {
      json: { old_password: oldPassword, new_password: newPassword, log_out_others: logOutOthers },
    });
  }
  /** @returns {Promise<{privacy: Record<string, boolean>}>} who may add me, read receipts */
  privacy() {
    return this.request("GET", "/me/privacy");
  }
  /** @param {Record<string, boolean>} patch @returns {Promise<{privacy: Record<string, boolean>}>} */
  setPrivacy(patch) {
    return this.request("PATCH", "/me/privacy", { json: patch });
  }

  // --- contacts ---
  /**
   * Ask someone to be my contact, with a greeting and the remark I will know them by.
   * @param {{username?: string, user_id?: number, greeting?: string, remark?: string, via?: string}} body
   */
  requestContact(body) {
    return this.request("POST", "/contact-requests", { json: body });
  }
  accept(requestId) {
    return this.request("POST", `/contact-requests/${requestId}/accept`);
  }
  decline(requestId) {
    return this.request("POST", `/contact-requests/${requestId}/decline`);
  }
  setRemark(userId, remark) {
    return this.request("PATCH", `/contacts/${userId}`, { json: { remark } });
  }
  /** @param {number} userId @param {{remark?: string, description?: string}} patch */
  updateContact(userId, patch) {
    return this.request("PATCH", `/contacts/${userId}`, { json: patch });
  }
  /** @param {number} userId */
  block(userId) {
    return this.request("PUT", `/blocks/${userId}`);
  }
  /** @param {number} userId */
  unblock(userId) {
    return this.request("DELETE", `/blocks/${userId}`);
  }
  removeContact(userId) {
    return this.request("DELETE", `/contacts/${userId}`);
  }

  // --- conversations ---
  conversation(cid) {
    return this.request("GET", `/conversations/${cid}`);
  }
  openDirect(userId) {
    return this.request("POST", "/conversations/direct", { json: { user_id: userId } });
  }
  createGroup(name, memberIds) {
    return this.request("POST", "/conversations", { json: { name, member_ids: memberIds } });
  }
  updateGroup(cid, patch) {
    return this.request("PATCH", `/conversations/${cid}`, { json: patch });
  }
  members(cid) {
    return this.request("GET", `/conversations/${cid}/members`);
  }
  addMembers(cid, userIds) {
    return this.request("POST", `/conversations/${cid}/members`, { json: { user_ids: userIds } });
  }
  removeMember(cid, userId) {
    return this.request("DELETE", `/conversations/${cid}/members/${userId}`);
  }
  /**
   * My own view of a chat: pin it, mark it unread, save a group to my contacts.
   * @param {number} cid @param {{pinned?: boolean, unread?: boolean, saved?: boolean}} patch
   * @returns {Promise<{state: import("./store.js").ChatState}>}
   */
  setChat(cid, patch) {
    return this.request("PUT", `/conversations/${cid}/chat`, { json: patch });
  }
  /** Off my list until its next message; with `clearHistory`, its history too. @param {number} cid @param {boolean} clearHistory */
  deleteChat(cid, clearHistory) {
    return this.request("POST", `/conversations/${cid}/chat/delete`, { json: { clear_history: clearHistory } });
  }
  /** Move my read position forward. @param {number} cid @param {number} seq */
  markRead(cid, seq) {
    return this.request("POST", `/conversations/${cid}/read`, { json: { seq } });
  }
  /** @param {number} cid @returns {Promise<{state: import("./store.js").ChatState}>} */
  clearHistory(cid) {
    return this.request("POST", `/conversations/${cid}/chat/clear`);
  }
  /** @returns {Promise<{conversations: import("./store.js").ConversationView[]}>} */
  savedGroups() {
    return this.request("GET", "/saved-groups");
  }
  /** A group's avatar drawn on the server (revalidated by its ETag). @param {number} cid @returns {Promise<Blob>} */
  groupAvatar(cid) {
    return this.request("GET", `/conversations/${cid}/avatar`, { blob: true });
  }
  setMuted(cid, muted) {
    return this.request("PUT", `/conversations/${cid}/mute`, { json: { muted } });
  }
  // --- group invites (a link valid 7 days; the token is shown when made, never again) ---
  /**
   * @param {number} cid
   * @param {boolean} approval whether joining needs a manager's approval
   * @returns {Promise<{invite: {id: number, token: string, url: string, approval: boolean, expires_at: number}}>}
   */
  createInvite(cid, approval) {
    return this.request("POST", `/conversations/${cid}/invites`, { json: { approval } });
  }
  /** @param {number} cid @param {number} inviteId */
  revokeInvite(cid, inviteId) {
    return this.request("DELETE", `/conversations/${cid}/invites/${inviteId}`);
  }
  /** @param {number} cid @param {number} inviteId @param {boolean} approval @returns {Promise<{invite: {approval: boolean}}>} */
  setInviteApproval(cid, inviteId, approval) {
    return this.request("PATCH", `/conversations/${cid}/invites/${inviteId}`, { json: { approval } });
  }
  /**
   * What an invite link shows before joining.
   * @param {string} token
   * @returns {Promise<{invite: {id: number, approval: boolean, expires_at: number}, conversation: {id: number, name: string, member_count: number}}>}
   */
  invite(token) {
    return this.request("GET", `/invites/${encodeURIComponent(token)}`);
  }
  /** @param {string} token @returns {Promise<{conversation_id: number, request: object|null}>} request: waiting for approval */
  joinInvite(token) {
    return this.request("POST", `/invites/${encodeURIComponent(token)}/join`);
  }
  /** @param {number} cid @returns {Promise<{requests: {id: number, conversation_id: number, user_id: number, status: string, created_at: number}[]}>} */
  joinRequests(cid) {
    return this.request("GET", `/conversations/${cid}/join-requests`);
  }
  /** @param {number} cid @param {number} requestId @param {boolean} approve */
  answerJoin(cid, requestId, approve) {
    return this.request("POST", `/conversations/${cid}/join-requests/${requestId}/${approve ? "approve" : "decline"}`);
  }

  /**
   * A page of history, oldest first.
   * @param {number} cid
   * @param {{before?: number, after?: number, limit?: number}} [page]
   * @returns {Promise<{messages: import("./store.js").Message[], notes?: any[]}>} (notes: for me, among this page)
   */
  history(cid, { before, after, limit } = {}) {
    const q = new URLSearchParams();
    if (before != null) q.set("before", String(before));
    if (after != null) q.set("after", String(after));
    if (limit != null) q.set("limit", String(limit));
    return this.request("GET", `/conversations/${cid}/messages?${q}`);
  }
  send(cid, body) {
    return this.request("POST", `/conversations/${cid}/messages`, { json: body });
  }
  /** One message by its seq. @param {number} cid @param {number} seq */
  message(cid, seq) {
    return this.request("GET", `/conversations/${cid}/messages/${seq}`);
  }
  recall(cid, seq) {
    return this.request("POST", `/conversations/${cid}/messages/${seq}/recall`);
  }

  /**
   * Forward messages of a conversation to other chats (1-9), one by one or merged into a
   * chat-history card; one result per target.
   * @param {number} cid
   * @param {{seqs: number[], to: number[], merged: boolean, title?: string, client_msg_id: string}} body
   * @returns {Promise<{results: {conversation_id: number, messages: import("./store.js").Message[], error: {code: string, message: string}|null}[]}>}
   */
  forward(cid, body) {
    return this.request("POST", `/conversations/${cid}/forward`, { json: body });
  }
  /** Delete messages for me (my devices hear a `hidden` event). @param {number} cid @param {number[]} seqs */
  hideMessages(cid, seqs) {
    return this.request("POST", `/conversations/${cid}/messages/hide`, { json: { seqs } });
  }
  /**
   * "Convert to text": a voice message's transcript, made once on the server and kept.
   * @param {number} cid
   * @param {number} seq
   * @returns {Promise<{transcript: {conversation_id: number, seq: number, language: string, text: string, engine: string, created_at: number}}>}
   */
  transcribe(cid, seq) {
    return this.request("POST", `/conversations/${cid}/messages/${seq}/transcript`, { json: {} });
  }
  /**
   * A text message I can read, translated by the server's engine (501
   * translate.not_configured when it has none).
   * @param {number} cid
   * @param {number} seq
   * @param {string} target a BCP 47 tag (the language the client shows)
   * @returns {Promise<{translation: {conversation_id: number, seq: number, text: string, source: string|null, target: string}}>}
   */
  translateMessage(cid, seq, target) {
    return this.request("POST", `/conversations/${cid}/messages/${seq}/translation`, { json: { target } });
  }
  /** Keep a message I can see as my own favourite. @param {number} cid @param {number} seq */
  addFavourite(cid, seq) {
    return this.request("POST", "/favourites", { json: { conversation_id: cid, seq } });
  }
  /** @param {number} id */
  removeFavourite(id) {
    return this.request("DELETE", `/favourites/${id}`);
  }

  // --- stickers and favourites (docs/api.md) ---
  /** @returns {Promise<{stickers: any[]}>} my stickers (each a Media), in my order */
  stickers() {
    return this.request("GET", "/stickers");
  }
  /** Save an image I can see as a sticker. @param {string} mediaId @returns {Promise<{stickers: any[]}>} */
  addSticker(mediaId) {
    return this.request("POST", "/stickers", { json: { media_id: mediaId } });
  }
  /** @param {string[]} mediaIds every sticker once @returns {Promise<{stickers: any[]}>} */
  reorderStickers(mediaIds) {
    return this.request("PUT", "/stickers/order", { json: { media_ids: mediaIds } });
  }
  /** @param {string} mediaId */
  removeSticker(mediaId) {
    return this.request("DELETE", `/stickers/${mediaId}`);
  }
  /**
   * A page of my favourites, newest first.
   * @param {{q?: string, before?: number}} [o]
   * @returns {Promise<{favourites: any[]}>}
   */
  favourites({ q, before } = {}) {
    const query = new URLSearchParams();
    if (q) query.set("q", q);
    if (before != null) query.set("before", String(before));
    return this.request("GET", `/favourites?${query}`);
  }

  // --- search of message history ---
  /**
   * Messages of all my conversations that have every word or character of `q`, newest
   * first: `{results: [{message, snippet, highlights, links}], next_before}`.
   * @param {string} q
   * @param {{before?: number|null, limit?: number, signal?: AbortSignal}} [opts]
   */
  searchMessages(q, { before, limit, signal } = {}) {
    const query = new URLSearchParams({ q });
    if (before != null) query.set("before", String(before));
    if (limit != null) query.set("limit", String(limit));
    return this.request("GET", `/search?${query}`, { signal });
  }

  /**
   * One conversation's messages with `q` (`kind` "text"), or its "file", "image" or
   * "link" messages (`q` optional); the same answer as searchMessages.
   * @param {number} cid
   * @param {{q?: string, kind?: string, before?: number|null, signal?: AbortSignal}} [opts]
   */
  searchConversation(cid, { q, kind = "text", before, signal } = {}) {
    const query = new URLSearchParams({ kind });
    if (q) query.set("q", q);
    if (before != null) query.set("before", String(before));
    return this.request("GET", `/conversations/${cid}/search?${query}`, { signal });
  }

  // --- Moments ---
  /** @param {{before?: number|null, limit?: number}} [o] @returns {Promise<{posts: any[], next_before: number|null}>} */
  moments({ before, limit } = {}) {
    return this.request("GET", `/moments?${pageQuery(before, limit)}`);
  }
  /** @param {number} userId @param {{before?: number|null}} [o] @returns {Promise<{posts: any[], next_before: number|null}>} */
  album(userId, { before } = {}) {
    return this.request("GET", `/moments/users/${userId}?${pageQuery(before)}`);
  }
  /** @param {Record<string, unknown>} body @returns {Promise<{post: any}>} */
  createPost(body) {
    return this.request("POST", "/moments/posts", { json: body });
  }
  /** @param {number} id */
  deletePost(id) {
    return this.request("DELETE", `/moments/posts/${id}`);
  }
  /** @param {number} id @param {boolean} on */
  likePost(id, on) {
    return this.request(on ? "PUT" : "DELETE", `/moments/posts/${id}/like`);
  }
  /** @param {number} id @param {string} text @param {number|null} [replyTo] @returns {Promise<{comment: any}>} */
  commentPost(id, text, replyTo = null) {
    return this.request("POST", `/moments/posts/${id}/comments`, { json: { text, reply_to: replyTo } });
  }
  /** @param {number} postId @param {number} commentId */
  deleteComment(postId, commentId) {
    return this.request("DELETE", `/moments/posts/${postId}/comments/${commentId}`);
  }
  /** @returns {Promise<{notices: any[]}>} */
  momentNotices() {
    return this.request("GET", "/moments/notifications?limit=50");
  }
  /** @param {number} upTo */
  readMomentNotices(upTo) {
    return this.request("POST", "/moments/notifications/read", { json: { up_to: upTo } });
  }
  /** @returns {Promise<{badge: {unread: number, latest_author: number|null}}>} */
  momentsBadge() {
    return this.request("GET", "/moments/badge");
  }
  /** @returns {Promise<{settings: {album: string, cover: string|null}}>} */
  momentSettings() {
    return this.request("GET", "/moments/settings");
  }
  /** @param {{album?: string, cover?: string, clear_cover?: boolean}} patch */
  setMomentSettings(patch) {
    return this.request("PUT", "/moments/settings", { json: patch });
  }
  /** @param {number} userId @returns {Promise<{switches: {hide_mine: boolean, hide_theirs: boolean}}>} */
  momentSwitches(userId) {
    return this.request("GET", `/moments/switches/${userId}`);
  }
  /** @param {number} userId @param {{hide_mine?: boolean, hide_theirs?: boolean}} patch */
  setMomentSwitches(userId, patch) {
    return this.request("PUT", `/moments/switches/${userId}`, { json: patch });
  }
  /** @returns {Promise<{tags: {id: number, name: string, members: number[]}[]}>} */
  tags() {
    return this.request("GET", "/contacts/tags");
  }
  /** @param {string} name @param {number[]} users */
  createTag(name, users) {
    return this.request("POST", "/contacts/tags", { json: { name, users } });
  }
  /** @param {number} id @param {{name?: string, add?: number[], remove?: number[]}} patch */
  updateTag(id, patch) {
    return this.request("PATCH", `/contacts/tags/${id}`, { json: patch });
  }
  /** @param {number} id */
  deleteTag(id) {
    return this.request("DELETE", `/contacts/tags/${id}`);
  }

  // --- sync ---
  syncState() {
    return this.request("GET", "/sync/state");
  }

  // --- media ---
  /**
   * Upload a file; the server checks what it really is.
   * @param {Blob} blob
   * @param {"image"|"voice"|"file"|"video"} kind
   * @param {string} name
   */
  uploadMedia(blob, kind, name) {
    const q = new URLSearchParams({ kind, name: name || kind });
    return this.request("POST", `/media?${q}`, { raw: blob, contentType: blob.type || "application/octet-stream" });
  }
  /** A post's video (at most 30 s, else `media.too_long`): transcoded by the server, with a poster. */
  uploadMomentVideo(blob, name) {
    const q = new URLSearchParams({ name: name || "video" });
    return this.request("POST", `/moments/videos?${q}`, {
      raw: blob,
      contentType: blob.type || "application/octet-stream",
    });
  }
  /** @param {string[]} ids @returns {Promise<{urls: Record<string, {url: string, thumbnail_url: string|null, expires_at: number}>}>} */
  mediaUrls(ids) {
    return this.request("POST", "/media/urls", { json: { ids } });
  }

  // --- official accounts (the user side) ---
  /** @param {string} q @returns {Promise<{accounts: import("./store.js").Account[]}>} found by name, AppID or original id */
  searchAccounts(q) {
    return this.request("GET", `/official-accounts?${new URLSearchParams({ q })}`);
  }
  followedAccounts() {
    return this.request("GET", "/official-accounts/following");
  }
  /** @returns {Promise<{account: import("./store.js").Account, following: boolean, conversation_id: number|null}>} */
  officialAccount(id) {
    return this.request("GET", `/official-accounts/${id}`);
  }
  /** @returns {Promise<{account: import("./store.js").Account, conversation: import("./store.js").ConversationView}>} the new conversation's view */
  follow(id, scene = "profile") {
    return this.request("PUT", `/official-accounts/${id}/follow`, { json: { scene } });
  }
  unfollow(id) {
    return this.request("DELETE", `/official-accounts/${id}/follow`);
  }
  /** @param {number[]} button [i] or [i, j] @returns {Promise<{event: string, key: string, url: string|null, answers?: boolean}>} `answers`: false when the account has no server to hear it */
  pressMenu(id, button) {
    return this.request("POST", `/official-accounts/${id}/menu/press`, { json: { button } });
  }
  /** @returns {Promise<{posts: import("./store.js").Post[]}>} broadcasts after a channel seq, oldest first */
  broadcasts(id, after = 0) {
    return this.request("GET", `/official-accounts/${id}/broadcasts?after=${after}&limit=100`);
  }
  readBroadcasts(id, seq) {
    return this.request("POST", `/official-accounts/${id}/broadcasts/read`, { json: { seq } });
  }
  /** @returns {Promise<{account: import("./store.js").Account, scene: string, following: boolean}>} */
  qrCode(ticket) {
    return this.request("GET", `/qrcodes/${encodeURIComponent(ticket)}`);
  }
  scanQr(ticket) {
    return this.request("POST", `/qrcodes/${encodeURIComponent(ticket)}/scan`);
  }
  /** @param {Record<string, string>} ask appid, redirect_uri, scope */
  consent(ask) {
    return this.request("GET", `/oauth/consent?${new URLSearchParams(ask)}`);
  }
  /** @returns {Promise<{redirect: string}>} */
  authorize(body) {
    return this.request("POST", "/oauth/authorize", { json: body });
  }

  // --- the developer console ---
  devAccounts() {
    return this.request("GET", "/developer/accounts");
  }
  /** @returns {Promise<{account: any, appsecret: string}>} the AppSecret, this once */
  devCreate(name, description) {
    return this.request("POST", "/developer/accounts", { json: { name, description } });
  }
  devAccount(id) {
    return this.request("GET", `/developer/accounts/${id}`);
  }
  devUpdate(id, patch) {
    return this.request("PATCH", `/developer/accounts/${id}`, { json: patch });
  }
  devResetSecret(id) {
    return this.request("POST", `/developer/accounts/${id}/secret`);
  }
  devSetWebhook(id, url, mode) {
    return this.request("PUT", `/developer/accounts/${id}/webhook`, { json: { url, mode } });
  }
  devClearWebhook(id) {
    return this.request("DELETE", `/developer/accounts/${id}/webhook`);
  }
  /** Replace the account's web-authorization domains (the hosts its OAuth may return to). */
  devSetOAuthDomains(id, domains) {
    return this.request("PUT", `/developer/accounts/${id}/oauth-domains`, { json: { domains } });
  }
  devSetMenu(id, button) {
    return this.request("PUT", `/developer/accounts/${id}/menu`, { json: { button } });
  }
  devDeleteMenu(id) {
    return this.request("DELETE", `/developer/accounts/${id}/menu`);
  }
  /** Check a menu without saving it. @returns {Promise<{menu: any[]}>} */
  menuPreview(button) {
    return this.request("POST", "/developer/menu-preview", { json: { button } });
  }
  devBroadcast(id, text) {
    return this.request("POST", `/developer/accounts/${id}/broadcasts`, { json: { text } });
  }
  /** @returns {Promise<{ticket: string, url: string, image_url: string, scene: string}>} */
  devQr(id) {
    return this.request("POST", `/developer/accounts/${id}/qrcodes`, { json: {} });
  }
  devAutoreplies(id) {
    return this.request("GET", `/developer/accounts/${id}/autoreplies`);
  }
  devSetAutoreplies(id, settings) {
    return this.request("PUT", `/developer/accounts/${id}/autoreplies`, { json: settings });
  }
  devTemplates(id) {
    return this.request("GET", `/developer/accounts/${id}/templates`);
  }
  devAddTemplate(id, title, content) {
    return this.request("POST", `/developer/accounts/${id}/templates`, { json: { title, content } });
  }
}

/**
 * The query of a page of posts.
 * @param {number|null|undefined} before
 * @param {number} [limit]
 */
function pageQuery(before, limit) {
  const query = new URLSearchParams();
  if (before != null) query.set("before", String(before));
  if (limit != null) query.set("limit", String(limit));
  return query;
}
