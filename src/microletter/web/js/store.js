// @ts-check
/**
 * The client's copy of the user's world, kept current by applying the events of their
 * update log exactly as docs/protocol.md describes them: each event once, in seq order.
 * It starts from GET /api/v1/sync/state (or its saved copy, with its cursor), and tells
 * views what changed with "change" events. No network and no DOM: what it is saved in
 * and its clock are given to it (IndexedDB and the wall clock in the app; a Map and a fake
 * clock in tests/web/).
 */

const KEEP_MESSAGES = 200; // per conversation, in the saved copy
const TYPING_MS = 5000; // how long "typing" shows after the last notice

/**
 * @typedef {{id: number, username: string, display_name: string, locale?: string, avatar?: string|null}} User
 * @typedef {{id: number, conversation_id: number, seq: number, sender_id: number, client_msg_id: string,
 *   kind: string, text: string|null, created_at: number, recalled: boolean, data: any, mentions?: number[],
 *   mention_all?: boolean, reply_to?: number|null}} Message
 * @typedef {{id: number, kind: "direct"|"group"|"official"|"service", name: string|null, owner_id: number,
 *   last_seq: number, created_at: number, member_count: number, announcement?: string|null,
 *   [key: string]: any}} Conversation
 * @typedef {{conversation: Conversation, role: string, last_read_seq: number, muted: boolean, unread: number,
 *   peer: User|null, last_message: Message|null, guessed?: boolean, mentioned?: boolean,
 *   mention_seq?: number|null, pinned?: boolean, marked_unread?: boolean, saved?: boolean,
 *   hidden_seq?: number, cleared_seq?: number}} ConversationView
 *   `mentioned`: an unread message mentions me (or @all), from the server or set here when
 *   one arrives; `mention_seq`: the first such message, when this device saw it arrive;
 *   `pinned`, `marked_unread`, `saved` (a group saved to my contacts), `hidden_seq` (deleted
 *   from my list until a message after it) and `cleared_seq` (history up to it cleared):
 *   my own view of the chat, from REST or a `chat_state` event
 * @typedef {{conversation_id: number, pinned_at: number|null, marked_unread: boolean,
 *   hidden_seq: number, cleared_seq: number, saved?: boolean}} ChatState
 * @typedef {{user: User, remark: string, created_at?: number}} Contact
 * @typedef {{id: number, from_user: User, to_user: User, status: string, greeting: string,
 *   created_at: number}} ContactRequest
 * @typedef {{channel_id: number, conversation_id: number, head: number, joined_seq: number,
 *   read_seq: number}} Channel
 * @typedef {{seq: number, created_at: number, kind: string, text?: string|null, data?: any}} Post
 * @typedef {{id: number, name: string, avatar: string|null, channel_head: number, [key: string]: any}} Account
 * @typedef {{epoch: string, cursor: number, user: User, conversations: ConversationView[],
 *   contacts: Contact[], requests: ContactRequest[], blocks: User[], channels?: Channel[],
 *   operator?: boolean}} State
 *   what GET /api/v1/sync/state returns
 * @typedef {{seq: number, kind: string, data: any}} LogEvent one event of the update log
 */

/**
 * Where saved things live: IndexedDB in the app (db.js), anything with the same two
 * methods elsewhere. Values are structured clones.
 * @typedef {object} KeyValue
 * @property {(key: string) => Promise<any>} get the value, or undefined
 * @property {(key: string, value: any) => Promise<unknown>} set
 */

/**
 * @typedef {object} Clock
 * @property {() => number} now milliseconds since the epoch
 * @property {(fn: () => void, ms: number) => unknown} later run `fn` once after `ms`
 */

/** @type {Clock} */
const WALL_CLOCK = { now: () => Date.now(), later: (fn, ms) => setTimeout(fn, ms) };

export class Store extends EventTarget {
  // The state: empty at first and after clear() (which sets the same values again).
  /** @type {User|null} */ me = null;
  /** @type {string|null} */ epoch = null;
  /** whether I am one of the server's operators (their pages show; the server checks) */ operator = false;
  /** the last seq of the update log applied */ cursor = 0;
  /** @type {Map<number, ConversationView>} by conversation id */ conversations = new Map();
  /** @type {Map<number, number>} the last seq a group's stream gave (protocol revision 3) */
  streamed = new Map();
  /** @type {Map<number, Contact>} by user id */ contacts = new Map();
  /** @type {Map<number, ContactRequest>} by request id */ requests = new Map();
  /** @type {Map<number, User|{id: number}>} by user id */ blocks = new Map();
  /** @type {Map<number, Map<number, Message>>} conversation id → (seq → message) */ messages = new Map();
  /** @type {Map<number, number>} the other person's read position in direct conversations */ peerRead = new Map();
  /** @type {Map<number, User>} everyone we have met */ users = new Map();
  /** @type {Map<number, Map<number, number>>} conversation id → (user id → until ms) */ typing = new Map();
  /**
   * Broadcast channels of the official accounts I follow (read diffusion), by channel id
   * (the account's id).
   * @type {Map<number, Channel>}
   */
  channels = new Map();
  /** @type {Map<number, Map<number, Post>>} channel id → (seq → post) */ posts = new Map();
  /**
   * Messages I deleted for myself, conversation id → seqs: a page of history fetched
   * before the deletion reached the server must not bring them back.
   * @type {Map<number, Set<number>>}
   */
  hidden = new Map();
  /**
   * History I cleared for myself, conversation id → the last seq cleared: a page fetched
   * before the clearing reached the server must not bring it back.
   * @type {Map<number, number>}
   */
  cleared = new Map();
  /** @type {Map<number, Account>} official accounts seen (profile, menu), by id */ accounts = new Map();
  /** @type {Map<number, Map<number, any>>} conversation id → (id → note for me); docs/protocol.md "Notes" */ notes =
    new Map();
  /** @type {Set<string>} topics changed since listeners last heard */ _topics = new Set();

  /**
   * @param {{storage?: KeyValue|null, clock?: Clock}} [o] `storage` keeps the state
   *   between visits (`open`, `save`); without it nothing is saved
   */
  constructor({ storage = null, clock = WALL_CLOCK } = {}) {
    super();
    this.storage = storage;
    this.clock = clock;
  }

  /** Forget everything (a new user, or a reset). */
  clear() {
    this.me = null;
    this.operator = false;
    this.epoch = null;
    this.cursor = 0;
    this.conversations = new Map();
    this.contacts = new Map();
    this.requests = new Map();
    this.blocks = new Map();
    this.messages = new Map();
    this.peerRead = new Map();
    this.users = new Map();
    this.typing = new Map();
    this.channels = new Map();
    this.posts = new Map();
    this.accounts = new Map();
    this.hidden = new Map();
    this.cleared = new Map();
    this.notes = new Map();
    this.streamed = new Map();
  }

  // --- change notification ---

  /**
   * Mark topics as changed; listeners hear once per task, with every topic.
   * @param {...string} topics
   */
  changed(...topics) {
    const first = this._topics.size === 0;
    for (const topic of topics) this._topics.add(topic);
    if (first) {
      queueMicrotask(() => {
        const detail = new Set(this._topics);
        this._topics.clear();
        this.dispatchEvent(new CustomEvent("change", { detail }));
      });
    }
  }

  /**
   * Call `fn(topics)` after changes; returns the function that stops listening.
   * @param {(topics: Set<string>) => void} fn
   */
  subscribe(fn) {
    /** @param {Event} e */
    const listener = (e) => fn(/** @type {CustomEvent<Set<string>>} */ (e).detail);
    this.addEventListener("change", listener);
    return () => this.removeEventListener("change", listener);
  }

  // --- loading ---

  /**
   * Replace everything with a snapshot from GET /api/v1/sync/state. Messages, broadcasts
   * and accounts we have stay when the snapshot is of the same user and epoch.
   * @param {State} state
   */
  load(state) {
    const keepMessages = state.epoch === this.epoch && this.me?.id === state.user.id;
    const messages = keepMessages ? this.messages : new Map();
    const posts = keepMessages ? this.posts : new Map();
    const accounts = keepMessages ? this.accounts : new Map();
    const hidden = keepMessages ? this.hidden : new Map();
    const cleared = keepMessages ? this.cleared : new Map();
    this.clear();
    this.hidden = hidden;
    this.cleared = cleared;
    this.messages = messages;
    this.posts = posts;
    this.accounts = accounts;
    for (const channel of state.channels || []) this.channels.set(channel.channel_id, { ...channel });
    this.epoch = state.epoch;
    this.cursor = state.cursor;
    this.operator = Boolean(state.operator);
    this.setMe(state.user);
    for (const view of state.conversations) this.putView(view);
    for (const contact of state.contacts) this.putContact(contact);
    for (const request of state.requests) this.putRequest(request);
    for (const user of state.blocks) this.blocks.set(user.id, user);
    this.changed("all");
  }

  /** The state to save (structured-clonable), with the cursor it corresponds to. */
  snapshot() {
    const messages = new Map();
    for (const [cid, bySeq] of this.messages) {
      const seqs = [...bySeq.keys()].sort((a, b) => a - b).slice(-KEEP_MESSAGES);
      messages.set(cid, new Map(seqs.map((s) => [s, bySeq.get(s)])));
    }
    return {
      v: 1,
      me: this.me,
      operator: this.operator,
      epoch: this.epoch,
      cursor: this.cursor,
      conversations: this.conversations,
      contacts: this.contacts,
      requests: this.requests,
      blocks: this.blocks,
      messages,
      peerRead: this.peerRead,
      users: this.users,
      channels: this.channels,
      posts: this.posts,
      accounts: this.accounts,
      hidden: this.hidden,
      cleared: this.cleared,
    };
  }

  /**
   * Restore a saved snapshot(); false when it is unusable.
   * @param {any} saved
   * @returns {boolean}
   */
  restore(saved) {
    if (!saved || saved.v !== 1 || !saved.me) return false;
    // Saved before the state said whether I am an operator: load a fresh one, once.
    if (typeof saved.operator !== "boolean") return false;
    Object.assign(this, {
      me: saved.me,
      operator: saved.operator,
      epoch: saved.epoch,
      cursor: saved.cursor,
      conversations: saved.conversations,
      contacts: saved.contacts,
      requests: saved.requests,
      blocks: saved.blocks,
      messages: saved.messages,
      peerRead: saved.peerRead,
      users: saved.users,
      channels: saved.channels || new Map(),
      posts: saved.posts || new Map(),
      accounts: saved.accounts || new Map(),
      hidden: saved.hidden || new Map(),
      cleared: saved.cleared || new Map(),
    });
    this.changed("all");
    return true;
  }

  /**
   * Load the state saved for this user. False when there is none or it is unusable: then
   * the caller loads a snapshot from the server.
   * @param {number} userId
   * @returns {Promise<boolean>}
   */
  async open(userId) {
    const saved = this.storage ? await this.storage.get(`state:${userId}`).catch(() => null) : null;
    return this.restore(saved);
  }

  /**
   * Save the state with its cursor, to resume from after a reload (no one signed in: nothing).
   * @returns {Promise<void>}
   */
  async save() {
    if (!this.storage || !this.me) return;
    await this.storage.set(`state:${this.me.id}`, this.snapshot());
  }

  // --- applying events ---

  /**
   * Apply one event of the log. Events at or before the cursor were applied already and
   * are ignored; a gap (seq > cursor + 1) is refused, so the caller can resync.
   * @param {LogEvent} ev
   * @returns {"applied"|"duplicate"|"gap"}
   */
  apply(ev) {
    if (ev.seq <= this.cursor) return "duplicate";
    if (ev.seq !== this.cursor + 1) return "gap";
    const handler = HANDLERS[ev.kind];
    if (handler) handler.call(this, ev.data);
    this.cursor = ev.seq;
    this.changed("cursor");
    return "applied";
  }

  /**
   * The last seq I know of each group, for the `streams` request (protocol revision 3):
   * the server sends each large group's messages after it.
   * @returns {Record<string, number>}
   */
  streamPositions() {
    /** @type {Record<string, number>} */
    const after = {};
    for (const [cid, view] of this.conversations) {
      if (view.conversation.kind === "group") after[String(cid)] = view.conversation.last_seq;
    }
    return after;
  }

  /**
   * Apply a message of a large group's stream (a `msg` frame): once, whichever way it came
   * first (the stream, or the log of a user who also has an older device).
   * @param {Message} message
   * @returns {"applied"|"duplicate"}
   */
  applyStreamed(message) {
    const cid = message.conversation_id;
    if (this.messages.get(cid)?.has(message.seq)) return "duplicate";
    this.streamed.set(cid, Math.max(this.streamed.get(cid) || 0, message.seq));
    HANDLERS.message.call(this, { message });
    return "applied";
  }

  /** @param {User} user */
  setMe(user) {
    this.me = user;
    this.users.set(user.id, user);
    this.changed("me");
  }

  /** @param {User|null|undefined} user */
  putUser(user) {
    if (!user) return;
    this.users.set(user.id, user);
    const contact = this.contacts.get(user.id);
    if (contact) contact.user = user;
    for (const view of this.conversations.values()) if (view.peer?.id === user.id) view.peer = user;
    this.changed("users", "contacts", "conversations");
  }

  /**
   * Take a conversation's view from REST (or a new one): the newer of it and ours wins, field by field.
   * @param {ConversationView} view
   */
  putView(view) {
    const old = this.conversations.get(view.conversation.id);
    if (old) {
      // A view fetched by REST may be older than events applied since: keep the newest.
      view.conversation.last_seq = Math.max(view.conversation.last_seq, old.conversation.last_seq);
      // Read positions only move forward, unless ours was a guess (a conversation we just joined).
      if (!old.guessed) view.last_read_seq = Math.max(view.last_read_seq, old.last_read_seq);
      if (old.last_message && (!view.last_message || view.last_message.seq < old.last_message.seq)) {
        view.last_message = old.last_message;
      }
      // Deleting and clearing come as events only (REST lists no deleted chat).
      view.hidden_seq = Math.max(view.hidden_seq || 0, old.hidden_seq || 0);
      view.cleared_seq = Math.max(view.cleared_seq || 0, old.cleared_seq || 0);
    }
    const cleared = this.cleared.get(view.conversation.id) || 0;
    if (view.last_message && view.last_message.seq <= cleared) view.last_message = null;
    view.unread = Math.max(0, view.conversation.last_seq - view.last_read_seq);
    view.mentioned = Boolean(view.mentioned) && view.unread > 0;
    // A mention this device saw arrive, and the server's view (older) did not count yet.
    if (old?.mention_seq && old.mention_seq > view.last_read_seq) {
      view.mentioned = true;
      view.mention_seq = old.mention_seq;
    }
    this.conversations.set(view.conversation.id, view);
    if (view.peer) this.users.set(view.peer.id, view.peer);
    if (view.last_message) this.putMessage(view.last_message, false);
    this.changed("conversations", `conversation:${view.conversation.id}`);
  }

  /** @param {Contact} contact */
  putContact(contact) {
    this.contacts.set(contact.user.id, contact);
    this.users.set(contact.user.id, contact.user);
    this.changed("contacts");
  }

  /** @param {ContactRequest} request */
  putRequest(request) {
    this.requests.set(request.id, request);
    this.users.set(request.from_user.id, request.from_user);
    this.users.set(request.to_user.id, request.to_user);
    this.changed("requests");
  }

  /**
   * A message changed in place (a bot edited it): the copy we have, and the chat list's
   * last message, become the new one; nothing counts as new.
   * @param {Message} message
   */
  editMessage(message) {
    const cid = message.conversation_id;
    const bySeq = this.messages.get(cid);
    if (bySeq?.has(message.seq)) bySeq.set(message.seq, message);
    const view = this.conversations.get(cid);
    if (view?.last_message?.seq === message.seq) view.last_message = message;
    this.changed("conversations", `messages:${cid}`);
  }

  /**
   * Remember a message (from an event or a page of history) and update its conversation.
   * @param {Message} message
   * @param {boolean} [live] true when it arrived as an event (counts as new)
   */
  putMessage(message, live = false) {
    const cid = message.conversation_id;
    if (this.hidden.get(cid)?.has(message.seq)) return;
    if (message.seq <= (this.cleared.get(cid) || 0)) return;
    let bySeq = this.messages.get(cid);
    if (!bySeq) this.messages.set(cid, (bySeq = new Map()));
    bySeq.set(message.seq, message);
    const view = this.conversations.get(cid);
    if (view) {
      const conv = view.conversation;
      conv.last_seq = Math.max(conv.last_seq, message.seq);
      if (!view.last_message || view.last_message.seq <= message.seq) view.last_message = message;
      if (live && message.sender_id === this.me?.id) this.readUpTo(view, message.seq);
      view.unread = Math.max(0, conv.last_seq - view.last_read_seq);
      if (live && message.seq > view.last_read_seq && this.mentionsMe(message)) {
        view.mentioned = true;
        view.mention_seq = Math.min(view.mention_seq || message.seq, message.seq);
      }
    }
    this.changed("conversations", `conversation:${cid}`, `messages:${cid}`);
    if (live) this.dispatchEvent(new CustomEvent("message", { detail: message }));
    // A chat I deleted is not in a state loaded since: its next message brings it back.
    if (live && !view) this.dispatchEvent(new CustomEvent("joined", { detail: cid }));
  }

  /**
   * Put a page of history (oldest first).
   * @param {number} cid
   * @param {Message[]} messages
   */
  putHistory(cid, messages) {
    for (const m of messages) this.putMessage(m, false);
    this.changed(`messages:${cid}`);
  }

  /**
   * Put notes addressed to me (a page of history's `notes`, or a `note` event).
   * @param {number} cid
   * @param {any[]} notes
   */
  putNotes(cid, notes) {
    if (!notes.length) return;
    let byId = this.notes.get(cid);
    if (!byId) this.notes.set(cid, (byId = new Map()));
    for (const note of notes) byId.set(note.id, note);
    this.changed(`messages:${cid}`);
  }

  /**
   * @param {number} cid
   * @returns {any[]} my notes in a conversation, in their places (after_seq, then id)
   */
  notesOf(cid) {
    const byId = this.notes.get(cid);
    return byId ? [...byId.values()].sort((a, b) => a.after_seq - b.after_seq || a.id - b.id) : [];
  }

  /**
   * Drop messages I deleted for myself (a `hidden` event, or this device's own request):
   * they leave the conversation, and its preview falls back to the newest one left.
   * @param {number} cid
   * @param {number[]} seqs
   */
  hideMessages(cid, seqs) {
    let gone = this.hidden.get(cid);
    if (!gone) this.hidden.set(cid, (gone = new Set()));
    const bySeq = this.messages.get(cid);
    for (const seq of seqs) {
      gone.add(seq);
      bySeq?.delete(seq);
    }
    const view = this.conversations.get(cid);
    if (view?.last_message && gone.has(view.last_message.seq)) {
      const left = this.messagesOf(cid);
      view.last_message = left.length ? left[left.length - 1] : null;
    }
    this.changed("conversations", `conversation:${cid}`, `messages:${cid}`);
  }

  /**
   * My own view of a chat changed (a `chat_state` event, or this device's request's answer):
   * pinned, marked unread, saved, deleted from my list, history cleared.
   * @param {ChatState} state
   */
  setChatState(state) {
    const cid = state.conversation_id;
    if (state.cleared_seq > (this.cleared.get(cid) || 0)) {
      this.cleared.set(cid, state.cleared_seq);
      const bySeq = this.messages.get(cid);
      if (bySeq) for (const seq of [...bySeq.keys()]) if (seq <= state.cleared_seq) bySeq.delete(seq);
    }
    const view = this.conversations.get(cid);
    if (view) {
      view.pinned = state.pinned_at != null;
      view.marked_unread = state.marked_unread;
      if (state.saved !== undefined) view.saved = state.saved;
      view.hidden_seq = Math.max(view.hidden_seq || 0, state.hidden_seq);
      view.cleared_seq = Math.max(view.cleared_seq || 0, state.cleared_seq);
      if (view.last_message && view.last_message.seq <= view.cleared_seq) view.last_message = null;
    }
    this.changed("conversations", `conversation:${cid}`, `messages:${cid}`);
  }

  /**
   * Whether a chat is off my list: I deleted it and nothing came since.
   * @param {ConversationView} view
   */
  isDeleted(view) {
    return Boolean(view.hidden_seq) && view.conversation.last_seq <= (view.hidden_seq || 0);
  }

  // --- official accounts and their broadcast channels ---

  /**
   * Remember an official account (profile and menu).
   * @param {Account} account
   */
  putAccount(account) {
    this.accounts.set(account.id, account);
    this.changed("accounts", `account:${account.id}`);
  }

  /**
   * A channel reached `head` (a `channel` frame, or a follow). An unknown channel (followed
   * from another device just now) starts read at the head it is first seen with.
   * @param {number} channelId
   * @param {number} conversationId
   * @param {number} head
   * @returns {boolean} true when there may be posts to fetch
   */
  setChannelHead(channelId, conversationId, head) {
    let channel = this.channels.get(channelId);
    if (!channel) {
      channel = { channel_id: channelId, conversation_id: conversationId, head, joined_seq: head, read_seq: head };
      this.channels.set(channelId, channel);
    }
    if (head <= channel.head && this.fetchedUpTo(channelId) >= head) return false;
    channel.head = Math.max(channel.head, head);
    this.changed(
      "channels",
      "conversations",
      `conversation:${channel.conversation_id}`,
      `messages:${channel.conversation_id}`,
    );
    return true;
  }

  /**
   * @param {number} channelId
   * @returns {number} the highest seq of the posts we have of a channel
   */
  fetchedUpTo(channelId) {
    const bySeq = this.posts.get(channelId);
    const channel = this.channels.get(channelId);
    let top = channel ? channel.joined_seq : 0;
    if (bySeq) for (const seq of bySeq.keys()) top = Math.max(top, seq);
    return top;
  }

  /**
   * Put fetched broadcasts (oldest first).
   * @param {number} channelId
   * @param {Post[]} posts
   */
  putPosts(channelId, posts) {
    let bySeq = this.posts.get(channelId);
    if (!bySeq) this.posts.set(channelId, (bySeq = new Map()));
    for (const post of posts) bySeq.set(post.seq, post);
    const channel = this.channels.get(channelId);
    if (channel && posts.length) channel.head = Math.max(channel.head, posts[posts.length - 1].seq);
    const cid = channel?.conversation_id;
    this.changed("channels", "conversations", `conversation:${cid}`, `messages:${cid}`);
  }

  /**
   * Move the read position of a channel forward.
   * @param {number} channelId
   * @param {number} seq
   */
  readChannel(channelId, seq) {
    const channel = this.channels.get(channelId);
    if (!channel || seq <= channel.read_seq) return;
    channel.read_seq = seq;
    this.changed("channels", "conversations", `conversation:${channel.conversation_id}`);
  }

  /**
   * The channel of an official conversation, if we know it.
   * @param {number} cid
   * @returns {Channel|null}
   */
  channelOf(cid) {
    for (const channel of this.channels.values()) if (channel.conversation_id === cid) return channel;
    return null;
  }

  /**
   * @param {number} cid
   * @returns {Post[]} the broadcasts we have for a conversation, oldest first
   */
  postsOf(cid) {
    const channel = this.channelOf(cid);
    const bySeq = channel && this.posts.get(channel.channel_id);
    return bySeq ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /**
   * Unread messages plus, for an official conversation, unread broadcasts (head − read).
   * @param {ConversationView} view
   * @returns {number}
   */
  unreadOf(view) {
    const channel = view.conversation.kind === "official" ? this.channelOf(view.conversation.id) : null;
    const posts = channel ? Math.max(0, channel.head - Math.max(channel.read_seq, channel.joined_seq)) : 0;
    return view.unread + posts;
  }

  /**
   * The newest thing in a conversation: its last message, or its last broadcast shaped
   * like a message (with `broadcast: true`).
   * @param {ConversationView} view
   * @returns {Message|(Post & {sender_id: number, conversation_id: number, broadcast: true})|null}
   */
  lastActivity(view) {
    const posts = view.conversation.kind === "official" ? this.postsOf(view.conversation.id) : [];
    const post = posts[posts.length - 1];
    const message = view.last_message;
    if (post && (!message || post.created_at > message.created_at)) {
      return { ...post, sender_id: view.conversation.owner_id, conversation_id: view.conversation.id, broadcast: true };
    }
    return message;
  }

  // --- queries ---

  /** @returns {ConversationView[]} pinned chats first, then newest activity first; deleted ones left out */
  chatList() {
    /** @param {ConversationView} v */
    const at = (v) => this.lastActivity(v)?.created_at ?? v.conversation.created_at;
    return [...this.conversations.values()]
      .filter((v) => !this.isDeleted(v))
      .sort((a, b) => Number(Boolean(b.pinned)) - Number(Boolean(a.pinned)) || at(b) - at(a));
  }

  /** @returns {ConversationView[]} the groups I saved to my contacts, by name */
  savedGroups() {
    return [...this.conversations.values()].filter((v) => v.saved && v.conversation.kind === "group");
  }

  /**
   * @param {number} cid
   * @returns {Message[]} the messages we have of a conversation, by seq
   */
  messagesOf(cid) {
    const bySeq = this.messages.get(cid);
    return bySeq ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /**
   * How a person is shown to me: my remark, their name, their username ("" if unknown).
   * @param {number} userId
   * @returns {string}
   */
  nameOf(userId) {
    const contact = this.contacts.get(userId);
    if (contact?.remark) return contact.remark;
    const user = contact?.user || this.users.get(userId);
    return user ? user.display_name || user.username : "";
  }

  /**
   * Whether a message (of someone else) mentions me by name or @all.
   * @param {Message} message
   */
  mentionsMe(message) {
    const me = this.me?.id;
    if (me == null || message.sender_id === me || message.recalled) return false;
    return Boolean(message.mention_all) || (message.mentions || []).includes(me);
  }

  /**
   * Move my read position in a conversation forward (a `read` event, or my own message):
   * the unread count follows, and the mention mark goes once its message is read.
   * @param {ConversationView} view
   * @param {number} seq
   */
  readUpTo(view, seq) {
    view.last_read_seq = Math.max(view.last_read_seq, seq);
    view.unread = Math.max(0, view.conversation.last_seq - view.last_read_seq);
    const mentionRead = view.mention_seq ? view.mention_seq <= view.last_read_seq : view.unread === 0;
    if (view.mentioned && mentionRead) {
      view.mentioned = false;
      view.mention_seq = null;
    }
  }

  /** The total of unread messages in conversations that are not muted. */
  unreadTotal() {
    let total = 0;
    for (const v of this.conversations.values()) if (!v.muted && !this.isDeleted(v)) total += this.unreadOf(v);
    return total;
  }

  /**
   * Friend requests waiting for my answer, newest first.
   * @returns {ContactRequest[]}
   */
  pendingRequests() {
    return [...this.requests.values()]
      .filter((r) => r.status === "pending" && r.to_user.id === this.me?.id)
      .sort((a, b) => b.created_at - a.created_at);
  }

  /**
   * Note that someone is typing (ephemeral: it shows for a few seconds).
   * @param {number} cid
   * @param {number} userId
   */
  noteTyping(cid, userId) {
    if (userId === this.me?.id) return;
    let map = this.typing.get(cid);
    if (!map) this.typing.set(cid, (map = new Map()));
    map.set(userId, this.clock.now() + TYPING_MS);
    this.changed(`typing:${cid}`);
    this.clock.later(() => this.changed(`typing:${cid}`), TYPING_MS + 100);
  }

  /**
   * @param {number} cid
   * @returns {number[]} who is typing in a conversation now
   */
  typingIn(cid) {
    const map = this.typing.get(cid);
    if (!map) return [];
    const now = this.clock.now();
    return [...map].filter(([, until]) => until > now).map(([uid]) => uid);
  }
}

/**
 * One handler per event kind (see docs/protocol.md, "Events"); `this` is the store.
 * @type {Record<string, (this: Store, data: any) => void>}
 */
const HANDLERS = {
  message({ message }) {
    const cid = message.conversation_id;
    if (message.seq <= (this.streamed.get(cid) || 0) && this.messages.get(cid)?.has(message.seq)) {
      return; // its group's stream brought it already
    }
    this.putMessage(message, true);
    const typing = this.typing.get(message.conversation_id);
    if (typing?.delete(message.sender_id)) this.changed(`typing:${message.conversation_id}`);
  },
  note({ note }) {
    this.putNotes(note.conversation_id, [note]);
  },
  edit({ message }) {
    this.editMessage(message);
  },
  recall({ conversation_id: cid, seq }) {
    const message = this.messages.get(cid)?.get(seq);
    if (message) Object.assign(message, { recalled: true, text: null, data: null });
    const view = this.conversations.get(cid);
    const last = view?.last_message;
    if (view && last && last.seq === seq) view.last_message = { ...last, recalled: true, text: null, data: null };
    this.changed("conversations", `messages:${cid}`);
  },
  chat_state({ state }) {
    this.setChatState(state);
  },
  hidden({ conversation_id: cid, seqs }) {
    this.hideMessages(cid, seqs);
  },
  read({ conversation_id: cid, user_id: userId, seq }) {
    if (userId === this.me?.id) {
      const view = this.conversations.get(cid);
      if (view) this.readUpTo(view, seq);
      this.changed("conversations", `conversation:${cid}`);
    } else {
      this.peerRead.set(cid, Math.max(this.peerRead.get(cid) || 0, seq));
      this.changed(`messages:${cid}`);
    }
  },
  conversation({ conversation, role, muted }) {
    const old = this.conversations.get(conversation.id);
    if (old) {
      conversation.last_seq = Math.max(conversation.last_seq, old.conversation.last_seq);
      Object.assign(old, { conversation, role, muted });
      old.unread = Math.max(0, conversation.last_seq - old.last_read_seq);
      this.changed("conversations", `conversation:${conversation.id}`);
    } else {
      // New to us: everything before now is read; the view's peer comes from REST.
      this.putView({
        conversation,
        role,
        muted,
        last_read_seq: conversation.last_seq,
        unread: 0,
        peer: null,
        last_message: null,
        guessed: true,
      });
      this.dispatchEvent(new CustomEvent("joined", { detail: conversation.id }));
    }
  },
  left({ conversation_id: cid }) {
    this.conversations.delete(cid);
    this.messages.delete(cid);
    const channel = this.channelOf(cid);
    if (channel) {
      this.channels.delete(channel.channel_id);
      this.posts.delete(channel.channel_id);
    }
    this.changed("conversations", `conversation:${cid}`, `messages:${cid}`);
  },
  contact_request({ request }) {
    this.putRequest(request);
  },
  contact({ contact }) {
    this.putContact(contact);
  },
  contact_removed({ user_id: userId }) {
    this.contacts.delete(userId);
    this.changed("contacts");
  },
  block({ user_id: userId, blocked }) {
    if (blocked) this.blocks.set(userId, this.users.get(userId) || { id: userId });
    else this.blocks.delete(userId);
    this.changed("blocks");
  },
  collection({ name }) {
    // My favourites or stickers changed (on this device or another): whoever shows them fetches again.
    this.changed(`collection:${name}`);
  },
  profile({ user }) {
    if (user.id === this.me?.id) this.setMe(user);
    this.putUser(user);
    this.changed("profiles"); // a picture may have changed: groups' drawn avatars too
  },
  // Moments notices: pointers the server resolved as it read the log (`notice` null when I
  // may no longer see it). Whoever shows the badge or the list fetches them again.
  moment_like() {
    this.changed("moments");
  },
  moment_comment() {
    this.changed("moments");
  },
  moment_reply() {
    this.changed("moments");
  },
};
