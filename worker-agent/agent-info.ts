import { readFileSync } from 'node:fs';
import { arch, release, type as osType, userInfo } from 'node:os';
import type { AgentInfo } from '../contracts/worker-protocol.js';

/**
 * The agent's version, from the project's package.json (one or two folders up from this file: in the source tree
 * and in dist/). Read when asked, never at import.
 */
export function agentVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'scaleout' && manifest.version) return manifest.version;
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
