// @ts-check
/**
 * Read positions in one conversation, both ways: marking what the user sees as read (the
 * messages over the WebSocket, an official account's broadcasts over REST), and learning
 * the members (names, and in a direct conversation how far the peer has read, which turns
 * my messages' ticks into "read").
 */

/**
 * @typedef {import("./rows.js").Chat} Chat
 * @typedef {object} Reading
 * @property {(atBottom: boolean) => void} markRead mark the newest message (and broadcast)
 *   read, if the user can see it: the page is visible and they are at the bottom
 * @property {() => Promise<void>} loadPeople fetch the members and their read positions
 */

/**
 * @param {Chat} chat
 * @returns {Reading}
 */
export function reading(chat) {
  const { app, cid } = chat;
  const { store, socket, api } = app;
  // What was asked last; the same position is not asked again while the request runs
  // (0 again after a failure, so the next chance retries).
  let askedSeq = 0;
  let askedPostSeq = 0;

  function markPostsRead() {
    const channel = store.channelOf(cid);
    if (!channel || channel.head <= channel.read_seq || channel.head <= askedPostSeq) return;
    askedPostSeq = channel.head;
    api
      .readBroadcasts(channel.channel_id, channel.head)
      .then(({ read_seq: seq }) => store.readChannel(channel.channel_id, seq))
      .catch(() => {
        askedPostSeq = 0;
      });
  }

  let clearingMark = false;

  /** @param {boolean} atBottom */
  function markRead(atBottom) {
    const view = store.conversations.get(cid);
    if (document.hidden || !atBottom || !view) return;
    if (chat.official) markPostsRead();
    if (view.marked_unread && !clearingMark) {
      // I opened a chat I had marked unread: the mark goes, on all my devices.
      clearingMark = true;
      api
        .setChat(cid, { unread: false })
        .then(({ state }) => store.setChatState(state))
        .catch(() => {})
        .finally(() => {
          clearingMark = false;
        });
    }
    const last = view.conversation.last_seq;
    if (last > view.last_read_seq && last > askedSeq && socket.status === "online") {
      askedSeq = last;
      socket
        .request({ t: "read", conversation_id: cid, seq: last })
        .then((ok) => {
          const v = store.conversations.get(cid);
          if (v && ok.last_read_seq > v.last_read_seq) {
            v.last_read_seq = ok.last_read_seq;
            v.unread = Math.max(0, v.conversation.last_seq - v.last_read_seq);
            store.changed("conversations");
          }
        })
        .catch(() => {
          askedSeq = 0;
        });
    }
  }

  async function loadPeople() {
    try {
      const { members } = await api.members(cid);
      for (const m of members) {
        store.users.set(m.user.id, m.user);
        if (!chat.isGroup() && m.user.id !== chat.me) {
          store.peerRead.set(cid, Math.max(store.peerRead.get(cid) || 0, m.last_read_seq));
        }
      }
      store.changed("users", `messages:${cid}`);
    } catch {
      /* names fall back to what we know */
    }
  }

  return { markRead, loadPeople };
}
