/** A version's numbers (major, minor, patch) and its pre-release tag, or undefined when it is not `x.y.z[-tag]`. */
function parts(version: string): { numbers: number[]; preRelease: string | undefined } | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(version.trim());
  if (!match) return undefined;
  return { numbers: [Number(match[1]), Number(match[2]), Number(match[3])], preRelease: match[4] };
}

/**
 * Whether a worker's agent is older than the master's version (semantic versions; a pre-release comes before its
 * release). An agent that never said its version is not flagged; one whose version is not `x.y.z` is flagged when
 * it differs, since nothing says it is newer.
 */
export function isAgentOutdated(agentVersion: string | null, masterVersion: string): boolean {
  if (agentVersion === null) return false;
  const agent = parts(agentVersion);
  const master = parts(masterVersion);
  if (!agent || !master) return agentVersion !== masterVersion;
  for (let i = 0; i < 3; i++) {
    if (agent.numbers[i] !== master.numbers[i]) return agent.numbers[i]! < master.numbers[i]!;
  }
  if (agent.preRelease === master.preRelease) return false;
  if (agent.preRelease === undefined) return false;
  if (master.preRelease === undefined) return true;
  return agent.preRelease.localeCompare(master.preRelease, 'en', { numeric: true }) < 0;
}
