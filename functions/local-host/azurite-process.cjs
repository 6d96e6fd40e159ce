// Runs Azurite's queue service as a child of the local host, and ends it when the local host goes away, even
// when the local host is killed with SIGKILL: the IPC channel closes and this process exits.
'use strict';
process.on('disconnect', () => process.exit(0));
process.argv = [process.argv[0], 'azurite-queue', ...process.argv.slice(2)];
require('azurite/dist/src/queue/main.js');
