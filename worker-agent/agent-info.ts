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
  return ownManifest()?.version ?? '0.0.0';
}

/** The package.json this agent came with: the project's (a source checkout) or scaleout-worker's (the npm package). */
function ownManifest(): { name: 'scaleout' | 'scaleout-worker'; version: string } | undefined {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if ((manifest.name === 'scaleout' || manifest.name === 'scaleout-worker') && manifest.version) return { name: manifest.name, version: manifest.version };
    } catch {
      // Not at this depth.
    }
  }
  return undefined;
}

/** How this agent was installed, which says how `scaleout-worker update` replaces it. */
export function agentInstall(): 'single-file' | 'npm' | 'source' {
  if (typeof SCALEOUT_BUNDLED_AGENT_VERSION === 'string') return 'single-file';
  return ownManifest()?.name === 'scaleout-worker' ? 'npm' : 'source';
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
