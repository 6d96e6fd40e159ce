import type { z } from 'zod';

/**
 * What a 400 says about each field, in the words a user reads: the master's problem `detail`, the CLI's message
 * and the dashboard's banner are all written by `describeFieldErrors`, so the three say the same thing.
 */
export interface FieldError {
  /** The field's path in the request (`body.maxTaskCount`, `body.parameters.BatchSize`): for a form to mark it. */
  field: string;
  /** Why, phrased to follow the field's name (`must be at least 1`). */
  reason: string;
}

const requestParts = new Set(['body', 'query', 'params']);

/** A field inside a file the user wrote (`scaleout.json.packages[0].entry`): named as that file spells it. */
const inAFile = /^[\w-]+\.json(\.|$)/;

/**
 * The name a user knows a field by, SSISDB-style: `body.maxTaskCount` → `MaxTaskCount`, `body.parameters.BatchSize`
 * → `BatchSize` (a parameter keeps the name its package declared), `body.requiredTags.0` → `RequiredTags`; a field
 * of `scaleout.json` keeps the file's spelling.
 */
export function fieldLabel(field: string): string {
  if (inAFile.test(field)) return field;
  const segments = field.split('.').filter((segment) => !/^\d+$/.test(segment));
  if (segments.length > 1 && requestParts.has(segments[0]!)) segments.shift();
  const parameters = segments.findIndex((segment) => segment.toLowerCase() === 'parameters');
  if (parameters >= 0 && parameters < segments.length - 1) return segments.slice(parameters + 1).join('.');
  return segments.map((segment) => segment.charAt(0).toUpperCase() + segment.slice(1)).join('.');
}

/**
 * One sentence per field, joined by "; ". A reason written as a predicate (`must be at least 1`, `is required`)
 * follows the name; any other (`expected an Int32, got 'many'`) follows a colon.
 */
export function describeFieldErrors(errors: readonly FieldError[], label: (field: string) => string = fieldLabel): string {
  return errors
    .map(({ field, reason }) => `${label(field)}${/^(must|is|has|needs|cannot|never) /.test(reason) ? ' ' : ': '}${reason}`)
    .join('; ');
}

/** zod's issues in a user's words, for `safeParse(value, { error: inUserWords })`; a schema's own message wins. */
export const inUserWords: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${article(typeName(issue.expected))}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? 'must not be empty'
        : bound(issue.origin, issue.inclusive ? 'at least' : 'more than', issue.minimum);
    case 'too_big':
      return bound(issue.origin, issue.inclusive ? 'at most' : 'fewer than', issue.maximum);
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format === 'datetime' ? 'ISO 8601 date and time' : issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has fields this operation does not take: ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
};

function typeName(expected: string): string {
  return expected === 'int' ? 'whole number' : expected;
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function bound(origin: string, relation: string, limit: unknown): string {
  const n = String(limit);
  const plural = n === '1' ? '' : 's';
  switch (origin) {
    case 'string':
      return `must have ${relation} ${n} character${plural}`;
    case 'array':
    case 'set':
      return `must have ${relation} ${n} item${plural}`;
    default:
      return `must be ${relation.replace('fewer', 'less')} ${n}`;
  }
}
