// @ts-check
/**
 * A small key-value store in IndexedDB for what must survive a reload: the synced state
 * with its cursor, and the outbox (which may hold recorded voice and picked files as
 * Blobs). Values are structured clones; one key is written in one transaction.
 */

const NAME = "microletter";
/** @type {Promise<IDBDatabase>|null} */
let opening = null;

/** @returns {Promise<IDBDatabase>} the database, opened once */
function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("kv");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

/**
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest|undefined} fn
 * @returns {Promise<any>} the request's result, once its transaction completed
 */
function run(mode, fn) {
  return open().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction("kv", mode);
        const req = fn(tx.objectStore("kv"));
        tx.oncomplete = () => resolve(req?.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      }),
  );
}

/** @param {string} key @returns {Promise<any>} the value, or undefined */
export function get(key) {
  return run("readonly", (s) => s.get(key));
}

/** @param {string} key @param {any} value */
export function set(key, value) {
  return run("readwrite", (s) => s.put(value, key));
}

/** Forget everything (log out). */
export function clear() {
  return run("readwrite", (s) => s.clear());
}
