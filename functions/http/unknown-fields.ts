import { z } from 'zod';

/**
 * The fields of a JSON request body its contract does not know, as dotted paths (`strat`, `agent.extra`,
 * `events.0.colour`). The contracts' objects are lenient on purpose, so that a client reading a newer master's
 * answer is not broken by a field it does not know yet; a request is the other way round: a field the master does
 * not know is a typo (`strat` for `start`) that would otherwise be dropped silently, so the master refuses it.
 */
export function unknownFields(schema: z.ZodType, value: unknown): string[] {
  const found: string[] = [];
  collectUnknown(schema, value, '', found);
  return found;
}

/**
 * Walks `value` beside `schema`, adding each unknown field's path (`prefix` ends with a dot when not empty) to
 * `found`. Written without intermediate arrays: a batch of 2,000 events is walked on every request.
 */
function collectUnknown(schema: z.ZodType, value: unknown, prefix: string, found: string[]): void {
  if (!holdsFields(value)) return;
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodObject) {
    if (Array.isArray(value)) return;
    const shape = inner.shape as Record<string, z.ZodType>;
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) found.push(prefix + key);
      else if (holdsFields((value as Record<string, unknown>)[key])) collectUnknown(shape[key]!, (value as Record<string, unknown>)[key], `${prefix}${key}.`, found);
    }
  } else if (inner instanceof z.ZodArray) {
    if (!Array.isArray(value)) return;
    const element = inner.element as z.ZodType;
    for (let index = 0; index < value.length; index++) {
      if (holdsFields(value[index])) collectUnknown(element, value[index], `${prefix}${index}.`, found);
    }
  } else if (inner instanceof z.ZodRecord) {
    if (Array.isArray(value)) return;
    const valueType = inner.valueType as z.ZodType;
    for (const [key, item] of Object.entries(value)) collectUnknown(valueType, item, `${prefix}${key}.`, found);
  } else if (inner instanceof z.ZodUnion) {
    // A field is unknown only if no alternative knows it.
    const perOption = (inner.options as z.ZodType[]).map((option) => new Set(unknownFields(option, value)));
    for (const field of perOption[0] ?? []) if (perOption.every((unknown) => unknown.has(field))) found.push(prefix + field);
  }
}

/** Only objects and arrays can hold a field; the walk looks no further into anything else (nor builds its path). */
function holdsFields(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** The schema a value is checked against, through the wrappers that do not change its shape. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}
