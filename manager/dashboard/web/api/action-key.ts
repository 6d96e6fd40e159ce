import { newIdempotencyKey } from '../../../../contracts/idempotency-key.js';

/**
 * One Idempotency-Key per user action: pressing the button again with the same form (after "cannot reach the
 * master", say) sends the same key, so an execution the master created before the answer was lost is shown, not
 * created twice; a changed form is a new action and gets a new key.
 */
export function actionKey(): (body: unknown) => string {
  let last: { body: string; key: string } | undefined;
  return (body) => {
    const json = JSON.stringify(body);
    if (last?.body !== json) last = { body: json, key: newIdempotencyKey() };
    return last.key;
  };
}
