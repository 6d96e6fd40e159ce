/**
 * `scaleout-worker start` as a child of the one-box: the same program (worker-agent/cli/main.ts), with one guard.
 * The one-box starts it in a process group of its own and with an IPC channel; when the one-box goes away without
 * stopping it (killed, even with SIGKILL) the channel closes, and the worker drains as on SIGTERM instead of
 * polling a master that is gone.
 */
process.channel?.unref();
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
await import('../../worker-agent/cli/main.js');
