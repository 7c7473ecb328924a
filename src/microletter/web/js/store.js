/**
 * The client's copy of the user's world, kept current by applying the events of their
 * update log exactly as docs/protocol.md describes them: each event once, in seq order.
 * It starts from GET /api/v1/sync/state (or the copy saved in IndexedDB, with its cursor),
 * and tells views what changed with "change" events. No network, no DOM.
 */

const KEEP_MESSAGES = 200; // per conversation, in the saved copy

/**
 * @typedef {{id: number, username: string, display_name: string, locale: string, avatar: string|null}} User
 * @typedef {{id: number, conversation_id: number, seq: number, sender_id: number, client_msg_id: string,
 *   kind: string, text: string|null, created_at: number, recalled: boolean, data: any}} Message
 * @typedef {{conversation: any, role: string, last_read_seq: number, muted: boolean, unread: number,
 *   peer: User|null, last_message: Message|null}} ConversationView
 */

export class Store extends EventTarget {
  constructor() {
    super();
    this.clear();
    this._topics = new Set();
  }

  /** Forget everything (a new user, or a reset). */
  clear() {
    /** @type {User|null} */
    this.me = null;
    this.epoch = null;
    this.cursor = 0;
    /** @type {Map<number, ConversationView>} */
    this.conversations = new Map();
    this.contacts = new Map();
    this.requests = new Map();
    this.blocks = new Map();
    /** @type {Map<number, Map<number, Message>>} */
    this.messages = new Map();
    /** the other person's read position in direct conversations */
    this.peerRead = new Map();
    /** @type {Map<number, User>} everyone we have met */
    this.users = new Map();
    /** conversation id → (user id → until ms) */
    this.typing = new Map();
    /**
     * Broadcast channels of the official accounts I follow (read diffusion), by channel id
     * (the account's id): {channel_id, conversation_id, head, joined_seq, read_seq}.
     * @type {Map<number, {channel_id: number, conversation_id: number, head: number, joined_seq: number, read_seq: number}>}
     */
    this.channels = new Map();
    /** channel id → (seq → post) */
    this.posts = new Map();
    /** official accounts seen (profile, menu), by id */
    this.accounts = new Map();
  }

  // --- change notification ---

  /** Mark topics as changed; listeners hear once per task, with every topic. */
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
    const listener = (e) => fn(e.detail);
    this.addEventListener("change", listener);
    return () => this.removeEventListener("change", listener);
  }

  // --- loading ---

  /** Replace everything with a snapshot from GET /api/v1/sync/state. */
  load(state) {
    const keepMessages = state.epoch === this.epoch && this.me?.id === state.user.id;
    const messages = keepMessages ? this.messages : new Map();
    const posts = keepMessages ? this.posts : new Map();
    const accounts = keepMessages ? this.accounts : new Map();
    this.clear();
    this.messages = messages;
    this.posts = posts;
    this.accounts = accounts;
    for (const channel of state.channels || []) this.channels.set(channel.channel_id, { ...channel });
    this.epoch = state.epoch;
    this.cursor = state.cursor;
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
      v: 1, me: this.me, epoch: this.epoch, cursor: this.cursor,
      conversations: this.conversations, contacts: this.contacts, requests: this.requests,
      blocks: this.blocks, messages, peerRead: this.peerRead, users: this.users,
      channels: this.channels, posts: this.posts, accounts: this.accounts,
    };
  }

  /** Restore a saved snapshot(); false when it is unusable. */
  restore(saved) {
    if (!saved || saved.v !== 1 || !saved.me) return false;
    Object.assign(this, {
      me: saved.me, epoch: saved.epoch, cursor: saved.cursor, conversations: saved.conversations,
      contacts: saved.contacts, requests: saved.requests, blocks: saved.blocks,
      messages: saved.messages, peerRead: saved.peerRead, users: saved.users,
      channels: saved.channels || new Map(), posts: saved.posts || new Map(), accounts: saved.accounts || new Map(),
    });
    this.changed("all");
    return true;
  }

  // --- applying events ---

  /**
   * Apply one event of the log. Events at or before the cursor were applied already and
   * are ignored; a gap (seq > cursor + 1) is refused, so the caller can resync.
   * @param {{seq: number, kind: string, data: any}} ev
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

  setMe(user) {
    this.me = user;
    this.users.set(user.id, user);
    this.changed("me");
  }

  putUser(user) {
    if (!user) return;
    this.users.set(user.id, user);
    const contact = this.contacts.get(user.id);
    if (contact) contact.user = user;
    for (const view of this.conversations.values()) if (view.peer?.id === user.id) view.peer = user;
    this.changed("users", "contacts", "conversations");
  }

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
    }
    view.unread = Math.max(0, view.conversation.last_seq - view.last_read_seq);
    this.conversations.set(view.conversation.id, view);
    if (view.peer) this.users.set(view.peer.id, view.peer);
    if (view.last_message) this.putMessage(view.last_message, false);
    this.changed("conversations", `conversation:${view.conversation.id}`);
  }

  putContact(contact) {
    this.contacts.set(contact.user.id, contact);
    this.users.set(contact.user.id, contact.user);
    this.changed("contacts");
  }

  putRequest(request) {
    this.requests.set(request.id, request);
    this.users.set(request.from_user.id, request.from_user);
    this.users.set(request.to_user.id, request.to_user);
    this.changed("requests");
  }

  /**
   * Remember a message (from an event or a page of history) and update its conversation.
   * @param {Message} message
   * @param {boolean} [live] true when it arrived as an event (counts as new)
   */
  putMessage(message, live = false) {
    const cid = message.conversation_id;
    let bySeq = this.messages.get(cid);
    if (!bySeq) this.messages.set(cid, (bySeq = new Map()));
    bySeq.set(message.seq, message);
    const view = this.conversations.get(cid);
    if (view) {
      const conv = view.conversation;
      conv.last_seq = Math.max(conv.last_seq, message.seq);
      if (!view.last_message || view.last_message.seq <= message.seq) view.last_message = message;
      if (live && message.sender_id === this.me?.id) {
        view.last_read_seq = Math.max(view.last_read_seq, message.seq);
      }
      view.unread = Math.max(0, conv.last_seq - view.last_read_seq);
    }
    this.changed("conversations", `conversation:${cid}`, `messages:${cid}`);
    if (live) this.dispatchEvent(new CustomEvent("message", { detail: message }));
  }

  /** Put a page of history (oldest first). */
  putHistory(cid, messages) {
    for (const m of messages) this.putMessage(m, false);
    this.changed(`messages:${cid}`);
  }

  // --- official accounts and their broadcast channels ---

  /** Remember an official account (profile and menu) and the user that speaks for it. */
  putAccount(account) {
    this.accounts.set(account.id, account);
    this.changed("accounts", `account:${account.id}`);
  }

  /**
   * A channel reached `head` (a `channel` frame, or a follow). An unknown channel (followed
   * from another device just now) starts read at the head it is first seen with.
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
    this.changed("channels", "conversations", `conversation:${channel.conversation_id}`, `messages:${channel.conversation_id}`);
    return true;
  }

  /** @returns {number} the highest seq of the posts we have of a channel */
  fetchedUpTo(channelId) {
    const bySeq = this.posts.get(channelId);
    const channel = this.channels.get(channelId);
    let top = channel ? channel.joined_seq : 0;
    if (bySeq) for (const seq of bySeq.keys()) top = Math.max(top, seq);
    return top;
  }

  /** Put fetched broadcasts (oldest first). */
  putPosts(channelId, posts) {
    let bySeq = this.posts.get(channelId);
    if (!bySeq) this.posts.set(channelId, (bySeq = new Map()));
    for (const post of posts) bySeq.set(post.seq, post);
    const channel = this.channels.get(channelId);
    if (channel && posts.length) channel.head = Math.max(channel.head, posts[posts.length - 1].seq);
    const cid = channel?.conversation_id;
    this.changed("channels", "conversations", `conversation:${cid}`, `messages:${cid}`);
  }

  /** Move the read position of a channel forward. */
  readChannel(channelId, seq) {
    const channel = this.channels.get(channelId);
    if (!channel || seq <= channel.read_seq) return;
    channel.read_seq = seq;
    this.changed("channels", "conversations", `conversation:${channel.conversation_id}`);
  }

  /** The channel of an official conversation, if we know it. */
  channelOf(cid) {
    for (const channel of this.channels.values()) if (channel.conversation_id === cid) return channel;
    return null;
  }

  /** @returns {object[]} the broadcasts we have for a conversation, oldest first */
  postsOf(cid) {
    const channel = this.channelOf(cid);
    const bySeq = channel && this.posts.get(channel.channel_id);
    return bySeq ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /** Unread messages plus, for an official conversation, unread broadcasts (head − read). */
  unreadOf(view) {
    const channel = view.conversation.kind === "official" ? this.channelOf(view.conversation.id) : null;
    const posts = channel ? Math.max(0, channel.head - Math.max(channel.read_seq, channel.joined_seq)) : 0;
    return view.unread + posts;
  }

  /** The newest thing in a conversation: its last message or its last broadcast. */
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

  /** @returns {ConversationView[]} newest activity first */
  chatList() {
    const at = (v) => this.lastActivity(v)?.created_at ?? v.conversation.created_at;
    return [...this.conversations.values()].sort((a, b) => at(b) - at(a));
  }

  /** @returns {Message[]} the messages we have of a conversation, by seq */
  messagesOf(cid) {
    const bySeq = this.messages.get(cid);
    return bySeq ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /** How a person is shown to me: my remark, their name, their username. */
  nameOf(userId) {
    const contact = this.contacts.get(userId);
    if (contact?.remark) return contact.remark;
    const user = contact?.user || this.users.get(userId);
    return user ? user.display_name || user.username : "";
  }

  /** The total of unread messages in conversations that are not muted. */
  unreadTotal() {
    let total = 0;
    for (const v of this.conversations.values()) if (!v.muted) total += this.unreadOf(v);
    return total;
  }

  /** Friend requests waiting for my answer. */
  pendingRequests() {
    return [...this.requests.values()]
      .filter((r) => r.status === "pending" && r.to_user.id === this.me?.id)
      .sort((a, b) => b.created_at - a.created_at);
  }

  /** Note that someone is typing (ephemeral, a few seconds). */
  noteTyping(cid, userId) {
    if (userId === this.me?.id) return;
    let map = this.typing.get(cid);
    if (!map) this.typing.set(cid, (map = new Map()));
    map.set(userId, Date.now() + 5000);
    this.changed(`typing:${cid}`);
    setTimeout(() => this.changed(`typing:${cid}`), 5100);
  }

  /** @returns {number[]} who is typing in a conversation now */
  typingIn(cid) {
    const map = this.typing.get(cid);
    if (!map) return [];
    const now = Date.now();
    return [...map].filter(([, until]) => until > now).map(([uid]) => uid);
  }
}

/** One handler per event kind (see docs/protocol.md, "Events"); `this` is the store. */
const HANDLERS = {
  message({ message }) {
    this.putMessage(message, true);
    const typing = this.typing.get(message.conversation_id);
    if (typing?.delete(message.sender_id)) this.changed(`typing:${message.conversation_id}`);
  },
  recall({ conversation_id: cid, seq }) {
    const message = this.messages.get(cid)?.get(seq);
    if (message) Object.assign(message, { recalled: true, text: null, data: null });
    const view = this.conversations.get(cid);
    if (view?.last_message?.seq === seq) {
      view.last_message = { ...view.last_message, recalled: true, text: null, data: null };
    }
    this.changed("conversations", `messages:${cid}`);
  },
  read({ conversation_id: cid, user_id: userId, seq }) {
    if (userId === this.me?.id) {
      const view = this.conversations.get(cid);
      if (view) {
        view.last_read_seq = Math.max(view.last_read_seq, seq);
        view.unread = Math.max(0, view.conversation.last_seq - view.last_read_seq);
      }
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
      this.putView({ conversation, role, muted, last_read_seq: conversation.last_seq, unread: 0, peer: null,
        last_message: null, guessed: true });
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
  profile({ user }) {
    if (user.id === this.me?.id) this.setMe(user);
    this.putUser(user);
  },
};
