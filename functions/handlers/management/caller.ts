import { getCaller } from '../../../contracts/management/endpoints.js';
import { defineHandler } from '../../http/define-handler.js';

/** The caller as the master authenticated it: the dashboard hides the buttons its role may not use. */
export const getCallerFunction = defineHandler(getCaller, ({ caller }) => Promise.resolve({ actor: caller.actor, role: caller.role }));
