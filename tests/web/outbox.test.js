// @ts-check
/**
 * The outbox, under node: every message keeps the client_msg_id it was given when written,
 * whatever happens to the connection, so the server can never store it twice; the queue
 * survives a reload; media is uploaded once. The network is a ScriptedSocket and an
 * uploader that counts; the storage keeps structured clones as IndexedDB does.
 */

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { Outbox } from "../../src/microletter/web/js/outbox.js";
import { Store } from "../../src/microletter/web/js/store.js";
import { apiError, ManualClock, MemoryStorage, ScriptedSocket, settle } from "./support.js";

const ME = { id: 1, username: "alice", display_name: "Alice" };
const CID = 10;

/** Uploads that succeed, counted. */
class CountingUploader {
  /** @type {{kind: string, name: string, size: number}[]} */
  uploads = [];

  /**
   * @param {Blob} blob
   * @param {string} kind
   * @param {string} name
   */
  async uploadMedia(blob, kind, name) {
    this.uploads.push({ kind, name, size: blob.size });
    return { media: { id: `m${this.uploads.length}`, kind } };
  }
}

/** @type {{store: Store, socket: ScriptedSocket, api: CountingUploader, storage: MemoryStorage, waits: number[]}} */
let world;

/** @param {Partial<typeof world>} [parts] */
async function openOutbox(parts = {}) {
  const outbox = new Outbox({
    api: world.api,
    socket: world.socket,
    store: world.store,
    storage: world.storage,
    wait: async (ms) => {
      world.waits.push(ms);
    },
    ...parts,
  });
  await outbox.open(ME.id);
  return outbox;
}

beforeEach(() => {
  const store = new Store({ clock: new ManualClock() });
  store.setMe(ME);
  world = { store, socket: new ScriptedSocket(), api: new CountingUploader(), storage: new MemoryStorage(), waits: [] };
});

describe("sending", () => {
  test("a text is sent once with its client_msg_id, and leaves the queue when the server has it", async () => {
    const outbox = await openOutbox();
    const item = outbox.add(CID, { text: "hello" });
    assert.match(item.id, /^w-[0-9a-z]+-[0-9a-f]{24}$/);
    await settle();
    assert.deepEqual(world.socket.frames, [{ t: "send", conversation_id: CID, client_msg_id: item.id, text: "hello" }]);
    assert.deepEqual(outbox.of(CID), []);
    assert.deepEqual(await world.storage.get(`outbox:${ME.id}`), []);
    assert.equal(world.store.messagesOf(CID)[0].client_msg_id, item.id, "the store has the server's copy");
  });

  test("messages go out one at a time, in the order they were written", async () => {
    const outbox = await openOutbox();
    /** @type {() => void} */
    let release = () => {};
    world.socket.replies.push(
      (frame) =>
        new Promise((resolve) => {
          release = () => resolve({ message: world.socket.stored(frame) });
        }),
    );
    const first = outbox.add(CID, { text: "one" });
    const second = outbox.add(CID, { text: "two" });
    await settle();
    assert.deepEqual(
      world.socket.frames.map((f) => f.client_msg_id),
      [first.id],
      "the second waits for the first",
    );
    release();
    await settle();
    assert.deepEqual(
      world.socket.frames.map((f) => f.text),
      ["one", "two"],
    );
    assert.deepEqual(outbox.of(CID), []);
    assert.notEqual(first.id, second.id);
  });

  test("a picture is uploaded once, then sent by media id with its caption", async () => {
    const outbox = await openOutbox();
    outbox.add(CID, { kind: "image", blob: new Blob(["png bytes"]), name: "cat.png", text: "look" });
    await settle();
    assert.deepEqual(world.api.uploads, [{ kind: "image", name: "cat.png", size: 9 }]);
    assert.equal(world.socket.frames.length, 1);
    assert.deepEqual(
      {
        kind: world.socket.frames[0].kind,
        media_id: world.socket.frames[0].media_id,
        text: world.socket.frames[0].text,
      },
      { kind: "image", media_id: "m1", text: "look" },
    );
  });

  test("a sticker goes by the media id it already has, a location and a card by their data", async () => {
    const outbox = await openOutbox();
    outbox.add(CID, { kind: "sticker", media: { id: "s1", kind: "image" } });
    const place = { latitude: 52.52, longitude: 13.405, name: "Office", address: "" };
    outbox.add(CID, { kind: "location", data: place });
    outbox.add(CID, { kind: "card", data: { user_id: 7 } });
    await settle();
    assert.deepEqual(world.api.uploads, [], "nothing to upload");
    const sent = world.socket.frames.map(({ kind, media_id, data, text }) => ({ kind, media_id, data, text }));
    assert.deepEqual(sent, [
      { kind: "sticker", media_id: "s1", data: undefined, text: undefined },
      { kind: "location", media_id: undefined, data: place, text: undefined },
      { kind: "card", media_id: undefined, data: { user_id: 7 }, text: undefined },
    ]);
  });

  test("a text's mentions and @all go with it", async () => {
    const outbox = await openOutbox();
    outbox.add(CID, { text: "@Bob @All hi", mentions: [2], mention_all: true });
    await settle();
    assert.deepEqual(world.socket.frames[0].mentions, [2]);
    assert.equal(world.socket.frames[0].mention_all, true);
  });

  test("its own message arriving as an event settles it, even before the answer", async () => {
    const outbox = await openOutbox();
    world.socket.replies.push(() => new Promise(() => {})); // the answer never comes
    const item = outbox.add(CID, { text: "hi" });
    await settle();
    world.store.putView({
      conversation: { id: CID, kind: "direct", name: null, owner_id: 1, last_seq: 0, created_at: 1, member_count: 2 },
      role: "member",
      last_read_seq: 0,
      muted: false,
      unread: 0,
      peer: null,
      last_message: null,
    });
    world.store.apply({
      seq: 1,
      kind: "message",
      data: { message: { ...world.socket.stored(world.socket.frames[0]) } },
    });
    assert.deepEqual(outbox.of(CID), []);
    assert.equal(item.state, "sending");
  });
});

describe("when the connection fails", () => {
  test("offline, a message waits in the saved queue and goes out when the socket is back", async () => {
    world.socket.status = "connecting";
    const outbox = await openOutbox();
    const item = outbox.add(CID, { text: "written offline" });
    await settle();
    assert.equal(world.socket.frames.length, 0);
    const saved = /** @type {{id: string}[]} */ (await world.storage.get(`outbox:${ME.id}`));
    assert.deepEqual(
      saved.map((i) => i.id),
      [item.id],
    );
    world.socket.synced();
    await settle();
    assert.equal(world.socket.frames[0].client_msg_id, item.id);
    assert.deepEqual(outbox.of(CID), []);
  });

  test("a send lost to the network is sent again after the reconnect with the same client_msg_id", async () => {
    const outbox = await openOutbox();
    world.socket.replies.push(() => Promise.reject(apiError("network", { status: 0 })));
    const item = outbox.add(CID, { text: "did it arrive?" });
    await settle();
    assert.equal(item.state, "queued", "kept for the reconnect, not failed");
    assert.equal(world.socket.frames.length, 1);
    world.socket.synced();
    await settle();
    assert.deepEqual(
      world.socket.frames.map((f) => f.client_msg_id),
      [item.id, item.id],
    );
    assert.deepEqual(outbox.of(CID), []);
  });

  test("a server error (5xx) is treated like a lost connection", async () => {
    const outbox = await openOutbox();
    world.socket.replies.push(() => Promise.reject(apiError("unavailable", { status: 503 })));
    const item = outbox.add(CID, { text: "x" });
    await settle();
    assert.equal(item.state, "queued");
  });

  test("media uploaded before a lost send is not uploaded again", async () => {
    const outbox = await openOutbox();
    world.socket.replies.push(() => Promise.reject(apiError("network", { status: 0 })));
    outbox.add(CID, { kind: "voice", blob: new Blob(["ogg"]), name: "voice.ogg", local: { duration_ms: 1500 } });
    await settle();
    world.socket.synced();
    await settle();
    assert.equal(world.api.uploads.length, 1);
    assert.deepEqual(
      world.socket.frames.map((f) => f.media_id),
      ["m1", "m1"],
    );
  });

  test("rate limited: it waits as long as the server says, then sends the same message", async () => {
    const outbox = await openOutbox();
    world.socket.replies.push(() =>
      Promise.reject(apiError("rate_limited", { status: 429, details: { retry_after_seconds: 2 } })),
    );
    const item = outbox.add(CID, { text: "slow down" });
    await settle();
    assert.deepEqual(world.waits, [2000]);
    assert.deepEqual(
      world.socket.frames.map((f) => f.client_msg_id),
      [item.id, item.id],
    );
    assert.deepEqual(outbox.of(CID), []);
  });
});

describe("refused messages", () => {
  test("a message the server refuses is marked failed, announced, and can be retried as itself", async () => {
    const outbox = await openOutbox();
    /** @type {string[]} */
    const failed = [];
    outbox.addEventListener("failed", (e) => failed.push(/** @type {CustomEvent} */ (e).detail.error));
    world.socket.replies.push(() => Promise.reject(apiError("conversation.not_member", { status: 403 })));
    const item = outbox.add(CID, { text: "let me in" });
    await settle();
    assert.equal(item.state, "failed");
    assert.equal(item.error, "conversation.not_member");
    assert.deepEqual(failed, ["conversation.not_member"]);
    assert.equal(world.socket.frames.length, 1, "not retried by itself");

    outbox.retry(item.id);
    await settle();
    assert.deepEqual(
      world.socket.frames.map((f) => f.client_msg_id),
      [item.id, item.id],
    );
    assert.deepEqual(outbox.of(CID), []);
  });

  test("a discarded message is gone from the queue and from storage", async () => {
    world.socket.status = "offline";
    const outbox = await openOutbox();
    const item = outbox.add(CID, { text: "never mind" });
    outbox.discard(item.id);
    await settle();
    assert.deepEqual(outbox.of(CID), []);
    assert.deepEqual(await world.storage.get(`outbox:${ME.id}`), []);
  });
});

describe("across a reload", () => {
  test("a message being sent when the page went away is queued again and sent with its id", async () => {
    world.socket.status = "offline";
    const before = await openOutbox();
    const item = before.add(CID, { kind: "file", blob: new Blob(["%PDF"]), name: "a.pdf" });
    item.state = "sending"; // the page died in the middle of the send
    before.save();
    await settle();

    world.socket = new ScriptedSocket();
    const after = await openOutbox();
    assert.deepEqual(
      after.of(CID).map((i) => [i.id, i.state]),
      [[item.id, "queued"]],
    );
    assert.equal(after.of(CID)[0].blob?.size, 4, "the file itself survived");
    world.socket.synced();
    await settle();
    assert.deepEqual(
      world.socket.frames.map((f) => f.client_msg_id),
      [item.id],
    );
  });

  test("each user has their own queue, and close() forgets the open one", async () => {
    world.socket.status = "offline";
    const outbox = await openOutbox();
    outbox.add(CID, { text: "mine" });
    await settle();
    outbox.close();
    assert.deepEqual(outbox.of(CID), []);
    await outbox.open(2);
    assert.deepEqual(outbox.of(CID), []);
    await outbox.open(ME.id);
    assert.equal(outbox.of(CID).length, 1);
  });
});
