import { isSea } from 'node:sea';

/**
 * Whether this agent runs as the single-file executable (a Node.js single executable application built by
 * `npm run build:worker`). That executable has no separate node and no script files: it starts itself again to host
 * `node` packages, and a service runs it without a script argument.
 */
export const inSingleFile: boolean = isSea();

/** The first argument with which the single-file executable hosts a `node` package instead of running the CLI. */
export const packageHostArgument = '--host-node-package';
