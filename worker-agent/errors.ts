/** Turns whatever was thrown into an Error, so every catch handles one type. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown) ?? String(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

/** The message of an error followed by its causes' messages, on one line. */
export function describeError(error: Error): string {
  const parts = [error.message];
  for (let cause = error.cause; cause instanceof Error && parts.length < 5; cause = cause.cause) {
    const message = cause.message;
    if (!parts.some((part) => part.includes(message))) parts.push(message);
  }
  return parts.join(': ');
}
