// The one get-or-insert every aggregate needs (Map has no such method in Node 20).

/** The value under `key`, made by `make` and stored on first use. Pass a function made once, not a fresh closure per call: aggregates call this per sample. */
export function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
