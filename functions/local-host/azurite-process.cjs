// Runs one of Azurite's services (the first argument: queue or blob) as a child of the local host, and ends it
// when the local host goes away, even when the local host is killed with SIGKILL: the IPC channel closes and this
// process exits.
'use strict';
process.on('disconnect', () => process.exit(0));
const [service, ...args] = process.argv.slice(2);
if (service !== 'queue' && service !== 'blob') throw new Error(`azurite-process.cjs: unknown service '${service}'`);
process.argv = [process.argv[0], `azurite-${service}`, ...args];
require(`azurite/dist/src/${service}/main.js`);
