import { z } from 'zod';

/**
 * The fields of a JSON request body its contract does not know, as dotted paths (`strat`, `agent.extra`,
 * `events.0.colour`). The contracts' objects are lenient on purpose, so that a client reading a newer master's
 * answer is not broken by a field it does not know yet; a request is the other way round: a field the master does
 * not know is a typo (`strat` for `start`) that would otherwise be dropped silently, so the master refuses it.
 */
export function unknownFields(schema: z.ZodType, value: unknown, path: readonly string[] = []): string[] {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodObject) {
    if (!isPlainObject(value)) return [];
    const shape = inner.shape as Record<string, z.ZodType>;
    return Object.entries(value).flatMap(([key, item]) =>
      Object.hasOwn(shape, key) ? unknownFields(shape[key]!, item, [...path, key]) : [[...path, key].join('.')],
    );
  }
  if (inner instanceof z.ZodArray) {
    return Array.isArray(value) ? value.flatMap((item, index) => unknownFields(inner.element as z.ZodType, item, [...path, String(index)])) : [];
  }
  if (inner instanceof z.ZodRecord) {
    return isPlainObject(value)
      ? Object.entries(value).flatMap(([key, item]) => unknownFields(inner.valueType as z.ZodType, item, [...path, key]))
      : [];
  }
  if (inner instanceof z.ZodUnion) {
    // A field is unknown only if no alternative knows it.
    const options = inner.options as z.ZodType[];
    const perOption = options.map((option) => new Set(unknownFields(option, value, path)));
    return [...(perOption[0] ?? [])].filter((field) => perOption.every((unknown) => unknown.has(field)));
  }
  return [];
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
