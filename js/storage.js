// Web storage for the Rust core (src/web/store.rs imports these): area 1 is sessionStorage, 2
// localStorage. Storage may be missing or refuse (private modes, sandboxed frames, a full quota):
// a read then finds nothing and a write answers false, which the core turns into a message.
const area = (n) => (n === 1 ? sessionStorage : localStorage);

/** The item `key` of area `n`, or undefined. */
export function storageGet(n, key) {
  try { return area(n).getItem(key) ?? undefined; } catch { return undefined; }
}

/** Sets (or, with `remove`, removes) item `key` of area `n`; whether the browser allowed it. */
export function storageSet(n, key, value, remove) {
  try {
    if (remove) area(n).removeItem(key);
    else area(n).setItem(key, value);
    return true;
  } catch {
    return false;
  }
}
