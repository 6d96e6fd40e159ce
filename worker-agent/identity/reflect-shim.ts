/**
 * @peculiar/x509 builds on tsyringe, which refuses to load unless a Reflect metadata polyfill is present. x509 emits
 * no design-time type metadata, so a small store is all tsyringe needs from it: this avoids another dependency.
 * Import it before '@peculiar/x509' (x509.ts does).
 */
type MetadataStore = WeakMap<object, Map<unknown, unknown>>;

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== 'function') {
  const store: MetadataStore = new WeakMap();
  const own = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  reflect.defineMetadata = (key: unknown, value: unknown, target: object): void => {
    const map = store.get(target) ?? new Map<unknown, unknown>();
    map.set(key, value);
    store.set(target, map);
  };
  reflect.getOwnMetadata = own;
  reflect.getMetadata = (key: unknown, target: object): unknown => {
    for (let current: object | null = target; current; current = Object.getPrototypeOf(current) as object | null) {
      const value = own(key, current);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

export {};
