import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { serviceWrapperVariable, winswConfiguration } from '../../worker-agent/cli/service-definitions.js';

interface WinswService {
  id: string;
  name: string;
  executable: string;
  arguments: string;
  workingdirectory: string;
  startmode: string;
  env: { '@_name': string; '@_value': string };
  stopparentprocessfirst: boolean;
  stoptimeout: string;
  onfailure: { '@_action': string; '@_delay': string } | { '@_action': string; '@_delay': string }[];
  resetfailure: string;
  logpath: string;
  log: { '@_mode': string; sizeThreshold: number; keepFiles: number };
}

const parse = (xml: string): WinswService => {
  const document = new XMLParser({ ignoreAttributes: false, parseTagValue: true, preserveOrder: false }).parse(xml) as { service: WinswService };
  return document.service;
};

/** Splits a Windows command line as CommandLineToArgvW does (the rules the C runtime reads argv with). */
function windowsArgv(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      let slashes = 0;
      while (line[i] === '\\') {
        slashes++;
        i++;
      }
      if (line[i] === '"') {
        word += '\\'.repeat(slashes >> 1);
        if (slashes % 2 === 1) word += '"';
        else quoted = !quoted;
      } else {
        word += '\\'.repeat(slashes);
        i--;
      }
      inWord = true;
    } else if (c === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (/\s/.test(c) && !quoted) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const settings = { displayName: 'etl-01 & <finance>', stopTimeoutMs: 340_000, logFolder: 'C:\\ProgramData\\SSIS Scale Out\\logs', workingFolder: 'C:\\ProgramData\\SSIS Scale Out' };

describe('the WinSW configuration of the Windows service', () => {
  const single = { nodePath: 'C:\\Program Files\\Scale Out\\scaleout-worker.exe', scriptPath: undefined, configPath: 'C:\\ProgramData\\SSIS Scale Out\\WorkerSettings.json' };

  it('starts with <service> itself: WinSW 1.x reads stoptimeout and resetfailure under the first node, so a declaration would void them', () => {
    const xml = winswConfiguration(single, settings);
    expect(xml.startsWith('<service>\n')).toBe(true);
    expect(xml.trimEnd().endsWith('</service>')).toBe(true);
  });

  it('runs `start --config` with this settings file, automatic at boot, as the service scaleout-worker', () => {
    const service = parse(winswConfiguration(single, settings));
    expect(service.id).toBe('scaleout-worker');
    expect(service.name).toBe('SSIS Scale Out worker (etl-01 & <finance>)');
    expect(service.executable).toBe(single.nodePath);
    expect(windowsArgv(service.arguments)).toEqual(['start', '--config', single.configPath]);
    expect(service.workingdirectory).toBe(settings.workingFolder);
    expect(service.startmode).toBe('Automatic');
    expect(service.env).toEqual({ '@_name': serviceWrapperVariable, '@_value': 'WinSW' });
  });

  it('npm-installed: node.exe runs the scaleout-worker script, every word read back as written (spaces, a trailing backslash, a quote)', () => {
    const npm = { nodePath: 'C:\\Program Files\\nodejs\\node.exe', scriptPath: 'C:\\Users\\etl user\\AppData\\Roaming\\npm\\node_modules\\scaleout-worker\\bin\\scaleout-worker.js', configPath: 'D:\\odd "name"\\dir\\' };
    const service = parse(winswConfiguration(npm, settings));
    expect(service.executable).toBe(npm.nodePath);
    expect(windowsArgv(service.arguments)).toEqual([npm.scriptPath, 'start', '--config', npm.configPath]);
  });

  it('maps Stop to the drain: Ctrl+C to the agent before its packages, DrainTimeout + grace + 30 s, then killed', () => {
    const service = parse(winswConfiguration(single, settings));
    expect(service.stopparentprocessfirst).toBe(true);
    expect(service.stoptimeout).toBe('340 sec');
    expect(parse(winswConfiguration(single, { ...settings, stopTimeoutMs: 3_600_500 })).stoptimeout).toBe('3601 sec');
  });

  it('restarts after a failure (10 s later, counted afresh after an hour) and rolls its logs in AgentLogFolder', () => {
    const service = parse(winswConfiguration(single, settings));
    expect(service.onfailure).toEqual({ '@_action': 'restart', '@_delay': '10 sec' });
    expect(service.resetfailure).toBe('1 hour');
    expect(service.logpath).toBe(settings.logFolder);
    expect(service.log).toEqual({ '@_mode': 'roll-by-size', sizeThreshold: 10240, keepFiles: 8 });
  });
});
