// @ts-check
/**
 * The client's store, under node: events of the update log applied once and in order,
 * what they do to conversations and messages, change notices, the saved copy and the
 * typing notes. Storage and clock are the stand-ins of support.js.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Store } from "../../src/microletter/web/js/store.js";
import { ManualClock, MemoryStorage, settle } from "./support.js";

/**
 * @typedef {import("../../src/microletter/web/js/store.js").Message} Message
 * @typedef {import("../../src/microletter/web/js/store.js").State} State
 */

const ME = { id: 1, username: "alice", display_name: "Alice" };
const BOB = { id: 2, username: "bob", display_name: "Bob" };
const DIRECT = 10;
const GROUP = 11;

/** @returns {State} a snapshot as GET /api/v1/sync/state gives it */
function state({ epoch = "e1", cursor = 5 } = {}) {
  /** @param {number} id @param {"direct"|"group"} kind */
  const conversation = (id, kind) => ({
    id,
    kind,
    name: kind === "group" ? "Friends" : null,
    owner_id: ME.id,
    last_seq: 2,
    created_at: 1,
    member_count: 2,
  });
  return {
    epoch,
    cursor,
    user: ME,
    conversations: [
      {
        conversation: conversation(DIRECT, "direct"),
        role: "member",
        last_read_seq: 1,
        muted: false,
        unread: 1,
        peer: BOB,
        last_message: null,
      },
      {
        conversation: conversation(GROUP, "group"),
        role: "owner",
        last_read_seq: 2,
        muted: false,
        unread: 0,
        peer: null,
        last_message: null,
      },
    ],
    contacts: [{ user: BOB, remark: "" }],
    requests: [],
    blocks: [],
    channels: [],
  };
}

/**
 * @param {number} seq
 * @param {Partial<Message>} [fields]
 * @returns {Message}
 */
function message(seq, fields = {}) {
  return {
    id: 500 + seq,
    conversation_id: DIRECT,
    seq,
    sender_id: BOB.id,
    client_msg_id: `c${seq}`,
    kind: "text",
    text: `hello ${seq}`,
    created_at: 1_700_000_000_000 + seq,
    recalled: false,
    data: null,
    ...fields,
  };
}

function loaded({ clock = new ManualClock(), storage = new MemoryStorage() } = {}) {
  const store = new Store({ storage, clock });
  store.load(state());
  return store;
}

describe("applying the update log", () => {
  test("each event is applied once, in seq order, and a gap is refused", () => {
    const store = loaded();
    assert.equal(store.apply({ seq: 6, kind: "message", data: { message: message(3) } }), "applied");
    assert.equal(store.apply({ seq: 6, kind: "message", data: { message: message(3) } }), "duplicate");
    assert.equal(store.apply({ seq: 4, kind: "message", data: { message: message(1) } }), "duplicate");
    assert.equal(store.apply({ seq: 8, kind: "message", data: { message: message(5) } }), "gap");
    assert.equal(store.cursor, 6);
    assert.deepEqual(
      store.messagesOf(DIRECT).map((m) => m.seq),
      [3],
    );
  });

  test("an unknown kind of event still moves the cursor", () => {
    const store = loaded();
    assert.equal(store.apply({ seq: 6, kind: "something_new", data: {} }), "applied");
    assert.equal(store.cursor, 6);
  });

  test("a message from the peer is unread; my own moves my read position", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    const view = store.conversations.get(DIRECT);
    assert.equal(view?.conversation.last_seq, 3);
    assert.equal(view?.unread, 2);
    assert.equal(view?.last_message?.text, "hello 3");
    store.apply({ seq: 7, kind: "message", data: { message: message(4, { sender_id: ME.id }) } });
    assert.equal(view?.last_read_seq, 4);
    assert.equal(view?.unread, 0);
  });

  test("a message mentioning me marks the group until I read up to it, even when muted", () => {
    const store = loaded();
    const view = store.conversations.get(GROUP);
    assert.ok(view);
    view.muted = true;
    const group = { conversation_id: GROUP };
    store.apply({ seq: 6, kind: "message", data: { message: message(3, { ...group, mentions: [3] }) } });
    assert.equal(view.mentioned, false, "someone else was mentioned");
    store.apply({ seq: 7, kind: "message", data: { message: message(4, { ...group, mentions: [ME.id] }) } });
    store.apply({ seq: 8, kind: "message", data: { message: message(5, group) } });
    assert.equal(view.mentioned, true);
    assert.equal(view.mention_seq, 4);
    store.apply({ seq: 9, kind: "read", data: { conversation_id: GROUP, user_id: ME.id, seq: 3 } });
    assert.equal(view.mentioned, true, "read up to before the mention");
    store.apply({ seq: 10, kind: "read", data: { conversation_id: GROUP, user_id: ME.id, seq: 4 } });
    assert.equal(view.mentioned, false);
    store.apply({ seq: 11, kind: "message", data: { message: message(6, { ...group, mention_all: true }) } });
    assert.equal(view.mentioned, true, "@all mentions me too");
    store.apply({ seq: 12, kind: "message", data: { message: message(7, { ...group, sender_id: ME.id }) } });
    assert.equal(view.mentioned, false, "my own message reads what came before it");
  });

  test("the server's mention mark stays through a refresh until the conversation is read", () => {
    const store = loaded();
    const snap = state();
    snap.conversations[1] = { ...snap.conversations[1], last_read_seq: 1, unread: 1, mentioned: true };
    store.load(snap);
    const view = store.conversations.get(GROUP);
    assert.equal(view?.mentioned, true);
    store.apply({ seq: 6, kind: "read", data: { conversation_id: GROUP, user_id: ME.id, seq: 2 } });
    assert.equal(view?.mentioned, false);
  });

  test("a collection event tells who shows that collection to fetch it again", async () => {
    const store = loaded();
    await settle();
    /** @type {Set<string>[]} */
    const heard = [];
    store.subscribe((topics) => heard.push(topics));
    store.apply({ seq: 6, kind: "collection", data: { name: "stickers" } });
    await settle();
    assert.ok(heard.some((topics) => topics.has("collection:stickers")));
  });

  test("a hidden event drops my deleted messages and the preview falls back to the one before", () => {
    const store = loaded();
    for (const seq of [3, 4, 5]) store.apply({ seq: seq + 3, kind: "message", data: { message: message(seq) } });
    store.apply({ seq: 9, kind: "hidden", data: { conversation_id: DIRECT, seqs: [4, 5] } });
    assert.deepEqual(
      store.messagesOf(DIRECT).map((m) => m.seq),
      [3],
    );
    assert.equal(store.conversations.get(DIRECT)?.last_message?.seq, 3);
    assert.equal(store.cursor, 9);
  });

  test("a page of history fetched before the deletion does not bring hidden messages back", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "hidden", data: { conversation_id: DIRECT, seqs: [2] } });
    store.putHistory(DIRECT, [message(1), message(2), message(3)]);
    assert.deepEqual(
      store.messagesOf(DIRECT).map((m) => m.seq),
      [1, 3],
    );
  });

  test("the hidden seqs are saved with the state, so a reload keeps them out", async () => {
    const storage = new MemoryStorage();
    const store = loaded({ storage });
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    store.apply({ seq: 7, kind: "hidden", data: { conversation_id: DIRECT, seqs: [3] } });
    await store.save();
    const again = new Store({ storage });
    assert.ok(await again.open(ME.id));
    again.putHistory(DIRECT, [message(3)]);
    assert.deepEqual(again.messagesOf(DIRECT), []);
  });

  test("pinned chats come first, and a deleted chat leaves the list until its next message", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } }); // the direct chat is newest
    assert.deepEqual(
      store.chatList().map((v) => v.conversation.id),
      [DIRECT, GROUP],
    );
    const pin = { conversation_id: GROUP, pinned_at: 5, marked_unread: true, hidden_seq: 0, cleared_seq: 0 };
    store.apply({ seq: 7, kind: "chat_state", data: { state: pin } });
    assert.deepEqual(
      store.chatList().map((v) => v.conversation.id),
      [GROUP, DIRECT],
    );
    assert.equal(store.conversations.get(GROUP)?.marked_unread, true);
    const gone = { conversation_id: DIRECT, pinned_at: null, marked_unread: false, hidden_seq: 3, cleared_seq: 0 };
    store.apply({ seq: 8, kind: "chat_state", data: { state: gone } });
    assert.deepEqual(
      store.chatList().map((v) => v.conversation.id),
      [GROUP],
    );
    assert.equal(store.unreadTotal(), 0); // a deleted chat's unread messages do not count
    assert.deepEqual(
      store.messagesOf(DIRECT).map((m) => m.seq),
      [3],
    ); // history kept
    store.apply({ seq: 9, kind: "message", data: { message: message(4) } });
    assert.deepEqual(
      store.chatList().map((v) => v.conversation.id),
      [GROUP, DIRECT],
    );
  });

  test("cleared history leaves, and a page fetched before the clearing does not bring it back", async () => {
    const storage = new MemoryStorage();
    const store = loaded({ storage });
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    const clear = { conversation_id: DIRECT, pinned_at: null, marked_unread: false, hidden_seq: 0, cleared_seq: 3 };
    store.apply({ seq: 7, kind: "chat_state", data: { state: clear } });
    assert.deepEqual(store.messagesOf(DIRECT), []);
    assert.equal(store.conversations.get(DIRECT)?.last_message, null);
    store.putHistory(DIRECT, [message(2), message(3)]);
    assert.deepEqual(store.messagesOf(DIRECT), []);
    store.apply({ seq: 8, kind: "message", data: { message: message(4) } });
    await store.save();
    const again = new Store({ storage });
    assert.ok(await again.open(ME.id));
    again.putHistory(DIRECT, [message(3), message(4)]);
    assert.deepEqual(
      again.messagesOf(DIRECT).map((m) => m.seq),
      [4],
    );
  });

  test("a message of a chat this device does not list asks for its view", () => {
    const store = loaded();
    /** @type {number[]} */
    const asked = [];
    store.addEventListener("joined", (e) => asked.push(/** @type {CustomEvent} */ (e).detail));
    store.apply({ seq: 6, kind: "message", data: { message: { ...message(5), conversation_id: 99 } } });
    assert.deepEqual(asked, [99]);
  });

  test("hiding the last message of a conversation empties its preview", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    store.apply({ seq: 7, kind: "hidden", data: { conversation_id: DIRECT, seqs: [3] } });
    assert.equal(store.conversations.get(DIRECT)?.last_message, null);
  });

  test("a recall erases the text from the message and from the conversation's preview", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    store.apply({ seq: 7, kind: "recall", data: { conversation_id: DIRECT, seq: 3 } });
    const [recalled] = store.messagesOf(DIRECT);
    assert.equal(recalled.recalled, true);
    assert.equal(recalled.text, null);
    assert.equal(store.conversations.get(DIRECT)?.last_message?.text, null);
  });

  test("an edit replaces the message and the preview in place, and counts as nothing new", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3, { sender_id: BOB.id }) } });
    const unread = store.conversations.get(DIRECT)?.unread;
    const edited = message(3, { sender_id: BOB.id, text: "edited", data: { edited_at: 5 } });
    store.apply({ seq: 7, kind: "edit", data: { message: edited } });
    const [shown] = store.messagesOf(DIRECT);
    assert.equal(shown.text, "edited");
    assert.equal(store.conversations.get(DIRECT)?.last_message?.text, "edited");
    assert.equal(store.conversations.get(DIRECT)?.unread, unread);
    store.apply({ seq: 8, kind: "edit", data: { message: message(1, { text: "never loaded" }) } });
    assert.deepEqual(
      store.messagesOf(DIRECT).map((m) => m.seq),
      [3],
      "an edit of a message this device never had adds nothing",
    );
  });

  test("read events: mine clears the unread count, the peer's marks my messages read", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "read", data: { conversation_id: DIRECT, user_id: ME.id, seq: 2 } });
    assert.equal(store.conversations.get(DIRECT)?.unread, 0);
    store.apply({ seq: 7, kind: "read", data: { conversation_id: DIRECT, user_id: BOB.id, seq: 2 } });
    store.apply({ seq: 8, kind: "read", data: { conversation_id: DIRECT, user_id: BOB.id, seq: 1 } });
    assert.equal(store.peerRead.get(DIRECT), 2, "a read position never moves back");
  });

  test("leaving a conversation forgets it and its messages", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3, { conversation_id: GROUP }) } });
    store.apply({ seq: 7, kind: "left", data: { conversation_id: GROUP } });
    assert.equal(store.conversations.has(GROUP), false);
    assert.deepEqual(store.messagesOf(GROUP), []);
  });

  test("a new conversation counts as read up to now and is announced", () => {
    const store = loaded();
    /** @type {number[]} */
    const joined = [];
    store.addEventListener("joined", (e) => joined.push(/** @type {CustomEvent<number>} */ (e).detail));
    const conversation = {
      id: 12,
      kind: "group",
      name: "New",
      owner_id: 2,
      last_seq: 9,
      created_at: 5,
      member_count: 3,
    };
    store.apply({ seq: 6, kind: "conversation", data: { conversation, role: "member", muted: false } });
    assert.equal(store.conversations.get(12)?.unread, 0);
    assert.deepEqual(joined, [12]);
  });

  test("contact events: a request, the accepted contact, the removal", () => {
    const store = loaded();
    const carol = { id: 3, username: "carol", display_name: "Carol" };
    const request = { id: 7, from_user: carol, to_user: ME, status: "pending", greeting: "hi", created_at: 9 };
    store.apply({ seq: 6, kind: "contact_request", data: { request } });
    assert.deepEqual(
      store.pendingRequests().map((r) => r.id),
      [7],
    );
    store.apply({ seq: 7, kind: "contact", data: { contact: { user: carol, remark: "Caz" } } });
    assert.equal(store.nameOf(carol.id), "Caz");
    store.apply({ seq: 8, kind: "contact_removed", data: { user_id: carol.id } });
    assert.equal(store.contacts.has(carol.id), false);
    assert.equal(store.nameOf(carol.id), "Carol", "still known by name");
  });
});

describe("change notices", () => {
  test("listeners hear once per task, with every topic changed in it", async () => {
    const store = loaded();
    await settle();
    /** @type {Set<string>[]} */
    const heard = [];
    const stop = store.subscribe((topics) => heard.push(topics));
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    store.apply({ seq: 7, kind: "recall", data: { conversation_id: DIRECT, seq: 3 } });
    assert.equal(heard.length, 0, "not before the task ends");
    await settle();
    assert.equal(heard.length, 1);
    for (const topic of ["cursor", "conversations", `messages:${DIRECT}`, `conversation:${DIRECT}`]) {
      assert.ok(heard[0].has(topic), topic);
    }
    stop();
    store.changed("users");
    await settle();
    assert.equal(heard.length, 1, "no notices after stop()");
  });
});

describe("the saved copy", () => {
  test("a store saved and opened again resumes from the same cursor with the same messages", async () => {
    const storage = new MemoryStorage();
    const store = loaded({ storage });
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    await store.save();

    const reopened = new Store({ storage, clock: new ManualClock() });
    assert.equal(await reopened.open(ME.id), true);
    assert.equal(reopened.cursor, 6);
    assert.equal(reopened.me?.username, "alice");
    assert.deepEqual(
      reopened.messagesOf(DIRECT).map((m) => m.text),
      ["hello 3"],
    );
    assert.equal(reopened.conversations.get(DIRECT)?.unread, 2);
    assert.equal(reopened.nameOf(BOB.id), "Bob");
  });

  test("the saved copy keeps the newest 200 messages of each conversation", async () => {
    const storage = new MemoryStorage();
    const store = loaded({ storage });
    store.putHistory(
      DIRECT,
      Array.from({ length: 250 }, (_, i) => message(i + 1)),
    );
    await store.save();
    const reopened = new Store({ storage });
    await reopened.open(ME.id);
    const seqs = reopened.messagesOf(DIRECT).map((m) => m.seq);
    assert.equal(seqs.length, 200);
    assert.equal(seqs[0], 51);
    assert.equal(seqs[199], 250);
  });

  test("whether I am an operator is saved; a copy saved before the state said it is not used", async () => {
    const storage = new MemoryStorage();
    const store = new Store({ storage, clock: new ManualClock() });
    store.load({ ...state(), operator: true });
    assert.equal(store.operator, true);
    await store.save();
    const reopened = new Store({ storage });
    assert.equal(await reopened.open(ME.id), true);
    assert.equal(reopened.operator, true);

    const older = /** @type {any} */ (await storage.get(`state:${ME.id}`));
    delete older.operator;
    await storage.set(`state:${ME.id}`, older);
    assert.equal(await new Store({ storage }).open(ME.id), false, "fetch a fresh state once");
    assert.equal(loaded().operator, false, "a state without the field: not an operator");
  });

  test("nothing saved, or saved by another user, opens nothing", async () => {
    const storage = new MemoryStorage();
    assert.equal(await new Store({ storage }).open(ME.id), false);
    await loaded({ storage }).save();
    assert.equal(await new Store({ storage }).open(BOB.id), false);
    await storage.set(`state:${ME.id}`, { v: 0 });
    assert.equal(await new Store({ storage }).open(ME.id), false, "an old format is not used");
  });

  test("a new snapshot of the same epoch keeps the messages; of another epoch drops them", () => {
    const store = loaded();
    store.putHistory(DIRECT, [message(1), message(2)]);
    store.load(state({ cursor: 9 }));
    assert.equal(store.messagesOf(DIRECT).length, 2);
    assert.equal(store.cursor, 9);
    store.load(state({ epoch: "e2", cursor: 1 }));
    assert.equal(store.messagesOf(DIRECT).length, 0);
  });
});

describe("views of the state", () => {
  test("a view fetched late does not move the conversation or my read position back", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3, { sender_id: ME.id }) } });
    const stale = structuredClone(state().conversations[0]);
    store.putView(stale);
    const view = store.conversations.get(DIRECT);
    assert.equal(view?.conversation.last_seq, 3);
    assert.equal(view?.last_read_seq, 3);
    assert.equal(view?.last_message?.seq, 3);
  });

  test("the chat list is newest first, and muted conversations don't count in the total", () => {
    const store = loaded();
    store.apply({ seq: 6, kind: "message", data: { message: message(3, { conversation_id: GROUP }) } });
    assert.deepEqual(
      store.chatList().map((v) => v.conversation.id),
      [GROUP, DIRECT],
    );
    assert.equal(store.unreadTotal(), 2);
    store.apply({
      seq: 7,
      kind: "conversation",
      data: { conversation: store.conversations.get(GROUP)?.conversation, role: "owner", muted: true },
    });
    assert.equal(store.unreadTotal(), 1);
  });

  test("an official account's channel: unread broadcasts count until read", () => {
    const store = loaded();
    /** @type {import("../../src/microletter/web/js/store.js").Conversation} */
    const official = {
      id: 20,
      kind: "official",
      name: null,
      owner_id: 30,
      last_seq: 0,
      created_at: 1,
      member_count: 2,
    };
    store.putView({
      conversation: official,
      role: "member",
      last_read_seq: 0,
      muted: false,
      unread: 0,
      peer: null,
      last_message: null,
    });
    // Followed on another device just now: what came before is not mine, nothing to fetch.
    assert.equal(store.setChannelHead(30, 20, 4), false);
    const view = store.conversations.get(20);
    assert.ok(view);
    assert.equal(store.unreadOf(view), 0);
    assert.equal(store.setChannelHead(30, 20, 6), true);
    assert.equal(store.unreadOf(view), 2);
    store.putPosts(30, [
      { seq: 5, created_at: 10, kind: "text", text: "news" },
      { seq: 6, created_at: 11, kind: "text", text: "more" },
    ]);
    assert.equal(store.fetchedUpTo(30), 6);
    assert.equal(store.setChannelHead(30, 20, 6), false, "nothing more to fetch");
    assert.equal(store.lastActivity(view)?.text, "more");
    store.readChannel(30, 6);
    assert.equal(store.unreadOf(view), 0);
  });
});

describe("typing", () => {
  test("a typing note shows for five seconds, then a change notice clears it", async () => {
    const clock = new ManualClock();
    const store = loaded({ clock });
    store.noteTyping(DIRECT, BOB.id);
    store.noteTyping(DIRECT, ME.id);
    assert.deepEqual(store.typingIn(DIRECT), [BOB.id], "my own typing is not shown");
    await settle();
    /** @type {Set<string>[]} */
    const heard = [];
    store.subscribe((topics) => heard.push(topics));
    clock.advance(4999);
    assert.deepEqual(store.typingIn(DIRECT), [BOB.id]);
    clock.advance(200);
    assert.deepEqual(store.typingIn(DIRECT), []);
    await settle();
    assert.ok(
      heard.some((topics) => topics.has(`typing:${DIRECT}`)),
      "views hear it is over",
    );
  });

  test("a message from the typist ends their typing at once", () => {
    const store = loaded();
    store.noteTyping(DIRECT, BOB.id);
    store.apply({ seq: 6, kind: "message", data: { message: message(3) } });
    assert.deepEqual(store.typingIn(DIRECT), []);
  });
});

describe("streams of large groups (protocol revision 3)", () => {
  test("a stream's message is applied once, whichever way it comes, and the cursor stays", () => {
    const store = loaded();
    const first = message(3, { conversation_id: GROUP });
    assert.deepEqual(store.streamPositions(), { [String(GROUP)]: 2 });
    assert.equal(store.applyStreamed(first), "applied");
    assert.equal(store.applyStreamed(first), "duplicate");
    assert.equal(store.cursor, 5);
    assert.deepEqual(store.streamPositions(), { [String(GROUP)]: 3 });
    // The same message through the log (the user also has an older device): the cursor
    // moves, the message is not applied again.
    let told = 0;
    store.addEventListener("message", () => (told += 1));
    assert.equal(store.apply({ seq: 6, kind: "message", data: { message: first } }), "applied");
    assert.equal(store.cursor, 6);
    assert.equal(told, 0);
    // Through the log first, then the stream: once too.
    const second = message(4, { conversation_id: GROUP });
    assert.equal(store.apply({ seq: 7, kind: "message", data: { message: second } }), "applied");
    assert.equal(store.applyStreamed(second), "duplicate");
    assert.equal(told, 1);
    assert.deepEqual(
      store.messagesOf(GROUP).map((m) => m.seq),
      [3, 4],
    );
    assert.equal(store.conversations.get(GROUP)?.unread, 2);
  });
});
