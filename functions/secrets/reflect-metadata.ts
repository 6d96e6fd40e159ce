/**
 * The slice of the Reflect metadata API that @peculiar/x509 needs: its dependency tsyringe refuses to load without
 * one, and its decorators store and read constructor parameter types through it. Installed only when no polyfill
 * is present; import this module before '@peculiar/x509'. Once `reflect-metadata` is a dependency of the project,
 * `import 'reflect-metadata'` replaces this file.
 */
type Key = unknown;
type Property = string | symbol | undefined;

const metadata = new WeakMap<object, Map<Property, Map<Key, unknown>>>();

function own(target: object, property: Property, create: boolean): Map<Key, unknown> | undefined {
  let byProperty = metadata.get(target);
  if (!byProperty && create) metadata.set(target, (byProperty = new Map()));
  let values = byProperty?.get(property);
  if (!values && create && byProperty) byProperty.set(property, (values = new Map()));
  return values;
}

const api = {
  defineMetadata(key: Key, value: unknown, target: object, property?: Property): void {
    own(target, property, true)?.set(key, value);
  },
  getOwnMetadata(key: Key, target: object, property?: Property): unknown {
    return own(target, property, false)?.get(key);
  },
  hasOwnMetadata(key: Key, target: object, property?: Property): boolean {
    return own(target, property, false)?.has(key) ?? false;
  },
  getMetadata(key: Key, target: object, property?: Property): unknown {
    for (let current: object | null = target; current; current = Object.getPrototypeOf(current) as object | null) {
      const values = own(current, property, false);
      if (values?.has(key)) return values.get(key);
    }
    return undefined;
  },
  hasMetadata(key: Key, target: object, property?: Property): boolean {
    return api.getMetadata(key, target, property) !== undefined;
  },
  metadata(key: Key, value: unknown) {
    return (target: object, property?: Property): void => api.defineMetadata(key, value, target, property);
  },
};

if (typeof (Reflect as unknown as Record<string, unknown>)['getMetadata'] !== 'function') Object.assign(Reflect, api);
