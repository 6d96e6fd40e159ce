import { readFileSync } from 'node:fs';
import { arch, release, type as osType, userInfo } from 'node:os';
import type { AgentInfo } from '../contracts/worker-protocol.js';

/** The version `npm run build:worker` writes into the single-file executable's bundle (esbuild's define). */
declare const SCALEOUT_BUNDLED_AGENT_VERSION: string | undefined;

/**
 * The agent's version: the bundled one in the single-file executable, else from the package.json one or two folders
 * up from this file (the project's, in the source tree and in dist/; scaleout-worker's, in the npm package). Read
 * when asked, never at import.
 */
export function agentVersion(): string {
  if (typeof SCALEOUT_BUNDLED_AGENT_VERSION === 'string') return SCALEOUT_BUNDLED_AGENT_VERSION;
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if ((manifest.name === 'scaleout' || manifest.name === 'scaleout-worker') && manifest.version) return manifest.version;
    } catch {
      // Not at this depth.
    }
  }
  return '0.0.0';
}

/** What every heartbeat tells the master about this agent (the manager shows it). */
export function agentInfo(machineName: string): AgentInfo {
  return {
    agentVersion: agentVersion(),
    os: `${osType()} ${release()} ${arch()}`.slice(0, 256),
    machineName: machineName.slice(0, 256),
    userAccount: userInfo().username.slice(0, 256),
  };
}
