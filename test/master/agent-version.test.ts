import { describe, expect, it } from 'vitest';
import { isAgentOutdated } from '../../contracts/agent-version.js';

describe("a worker's agent against the master's version", () => {
  it('is outdated when older by major, minor, patch or as a pre-release of the same release', () => {
    expect(isAgentOutdated('0.9.9', '1.0.0')).toBe(true);
    expect(isAgentOutdated('1.1.9', '1.2.0')).toBe(true);
    expect(isAgentOutdated('1.2.0', '1.2.1')).toBe(true);
    expect(isAgentOutdated('1.2.0-beta.2', '1.2.0')).toBe(true);
    expect(isAgentOutdated('1.2.0-beta.2', '1.2.0-beta.10')).toBe(true);
  });

  it('is not when the same, newer, or never heard from; an unreadable version is flagged when it differs', () => {
    expect(isAgentOutdated('1.2.0', '1.2.0')).toBe(false);
    expect(isAgentOutdated('1.10.0', '1.9.0')).toBe(false);
    expect(isAgentOutdated('1.2.0', '1.2.0-beta.1')).toBe(false);
    expect(isAgentOutdated(null, '1.2.0')).toBe(false);
    expect(isAgentOutdated('test', '1.2.0')).toBe(true);
    expect(isAgentOutdated('1.2.0', '1.2.0+build.5')).toBe(false);
  });
});
