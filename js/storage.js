// Web storage for the Rust core (src/web/store.rs imports these): area 1 is sessionStorage, 2
// localStorage. Storage may be missing or refuse (private modes, sandboxed frames, a full quota):
// a read then finds nothing and a write answers false, which the core turns into a message.
const area = (n) => (n === 1 ? sessionStorage : localStorage);

/**
 * A `localStorage` write of this document, as the `storage` event other tabs hear of it (its key
 * and area), which the document that wrote never gets, so this page's other elements (one with
 * the same key shares the session) hear it from here. Sent once the writing call has returned: the
 * core is not entered again from inside itself.
 */
export const localWrites = new EventTarget();

/** The item `key` of area `n`, or null (or undefined where storage refused): the glue reads either as none. */
export function storageGet(n, key) {
  try { return area(n).getItem(key); } catch { /* none */ }
}

/** Sets (or, with `remove`, removes) item `key` of area `n`; whether the browser allowed it. */
export function storageSet(n, key, value, remove) {
  try {
    if (remove) area(n).removeItem(key);
    else area(n).setItem(key, value);
  } catch {
    return false;
  }
  if (n !== 1) queueMicrotask(() => localWrites.dispatchEvent(new StorageEvent('storage', { key, storageArea: localStorage })));
  return true;
}
