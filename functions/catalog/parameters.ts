import type { DeclaredParameter, ParameterDataType, ParameterValue } from './domain.js';
import { ValidationError } from './errors.js';

const int32 = { min: -2147483648, max: 2147483647 };

/**
 * Checks a value against its declaration and returns it in its declared type. Strings are accepted for every
 * type (the CLI's `--param k=v` only has strings) and parsed; anything that does not fit is a ValidationError
 * naming `field` (an execution's `parameters.<name>` unless the caller names another, e.g. a variable's `value`).
 */
export function coerceParameterValue(
  declared: Pick<DeclaredParameter, 'name' | 'dataType'>,
  value: ParameterValue,
  field = `parameters.${declared.name}`,
): ParameterValue {
  const fail = (reason: string): never => {
    throw new ValidationError(field, reason);
  };
  switch (declared.dataType) {
    case 'String':
      return typeof value === 'string' ? value : fail(`expected a String, got ${typeof value}`);
    case 'Int32':
    case 'Int64': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) return fail(`expected an ${declared.dataType}, got '${String(value)}'`);
      if (declared.dataType === 'Int32' && (n < int32.min || n > int32.max)) return fail(`${n} is outside the Int32 range`);
      return n;
    }
    case 'Double':
    case 'Decimal': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? n : fail(`expected a ${declared.dataType}, got '${String(value)}'`);
    }
    case 'Boolean': {
      if (typeof value === 'boolean') return value;
      const text = String(value).trim().toLowerCase();
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return fail(`expected a Boolean (true or false), got '${String(value)}'`);
    }
    case 'DateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
        return fail(`expected a DateTime in ISO 8601 form, got '${String(value)}'`);
      }
      return new Date(value).toISOString();
    }
  }
}

/** The declaration of `name` (case-insensitive, as SSISDB names are), or a ValidationError listing the declared ones. */
export function findDeclaredParameter(
  declared: readonly DeclaredParameter[],
  name: string,
  packageName: string,
): DeclaredParameter {
  const found = declared.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (found) return found;
  const names = declared.map((p) => p.name).join(', ');
  throw new ValidationError(
    `parameters.${name}`,
    `package '${packageName}' declares no parameter '${name}' (declared: ${names === '' ? 'none' : names})`,
  );
}

/** Refuses every required parameter without a value at once, so a caller fixes them all in one go. */
export function requireParameterValues(
  declared: readonly DeclaredParameter[],
  hasValue: (name: string) => boolean,
  packageName: string,
): void {
  const missing = declared.filter((p) => p.required && !hasValue(p.name));
  if (missing.length === 0) return;
  throw new ValidationError(
    missing.map((p) => ({ field: `parameters.${p.name}`, reason: `is required by package '${packageName}' and has no value` })),
  );
}

/** SSIS parameter data types, for checking what a caller names. */
export const parameterDataTypes: readonly ParameterDataType[] = ['String', 'Int32', 'Int64', 'Double', 'Decimal', 'Boolean', 'DateTime'];

/**
 * Whether an environment variable of type `variable` may fill a parameter of type `parameter`: the same type, or a
 * number widened without loss (an Int32 into an Int64, any integer into a Double or Decimal).
 */
export function variableTypeFits(variable: ParameterDataType, parameter: ParameterDataType): boolean {
  if (variable === parameter) return true;
  const widening: Partial<Record<ParameterDataType, readonly ParameterDataType[]>> = {
    Int32: ['Int64', 'Double', 'Decimal'],
    Int64: ['Double', 'Decimal'],
  };
  return widening[variable]?.includes(parameter) ?? false;
}
