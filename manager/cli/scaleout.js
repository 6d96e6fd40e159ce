#!/usr/bin/env node
// The `scaleout` command (package.json "bin"): runs the compiled CLI that `npm run build` writes to dist/.
try {
  await import('../../dist/manager/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/manager/cli/main.js')) {
    console.error('error: scaleout is not built yet: run npm run build');
    process.exit(3);
  }
  throw error;
}
