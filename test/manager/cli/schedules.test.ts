import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, deployProject } from '../../../contracts/management/endpoints.js';
import type { ScheduleView } from '../../../contracts/management/views.js';
import { sampleProjectFiles, zipFiles } from '../../support/project-zip.js';
import { startTestMaster, type TestMaster } from '../../support/test-master.js';
import { temporaryFolders } from '../../support/temporary-folders.js';
import { lines, masterEnv, runProcess } from './harness.js';
import { grantFolders } from '../../support/folder-permissions.js';

/** `scaleout schedule …` and `scaleout audit`, as a user runs the compiled CLI: a child process. */
describe('scaleout schedule and audit', () => {
  let master: TestMaster;
  let env: Record<string, string>;
  let readerEnv: Record<string, string>;
  const files = temporaryFolders('scaleout-schedules-')();
  const cli = (args: string[], as = env) => runProcess(args, { env: as });

  beforeAll(async () => {
    // No timers: nothing fires while the test looks at the schedules.
    master = await startTestMaster({ timers: false });
    env = masterEnv(master);
    await master.admin(deployProject, { params: { folderName: 'Finance', projectName: 'ETL' }, body: await zipFiles(sampleProjectFiles()) });
    const reader = await master.admin(createApiKey, { body: { name: 'dashboards', role: 'reader' } });
    await grantFolders(master, reader.apiKey.apiKeyId, 'reader', ['Finance']);
    readerEnv = masterEnv(master, reader.secret);
  });
  afterAll(async () => {
    await master?.stop();
  });

  it('create --help teaches: cron fields, time zone, misfire policy, examples', async () => {
    const help = await cli(['schedule', 'create', '--help']);
    expect(help.code).toBe(0);
    for (const text of ['--cron <expression>', '--time-zone <zone>', '--misfire <policy>', '--param-file <file.json>', '--disabled', 'Examples:', 'SQL Server Agent: sp_add_job']) {
      expect(help.stdout).toContain(text);
    }
    const group = await cli(['schedule', '--help']);
    for (const command of ['create', 'list', 'show', 'enable', 'disable', 'remove|delete', 'run-now']) expect(group.stdout).toMatch(new RegExp(`^  ${command.replace('|', '\\|')}\\b`, 'm'));
  });

  it('refuses bad input in one line naming the option, with a non-zero exit, and sends nothing', async () => {
    const cases: [string[], number, string][] = [
      [['--cron', '0 2 * *'], 2, "error: --cron '0 2 * *': expected 5 fields (minute hour day month weekday) or 6 (seconds first), got 4"],
      [['--cron', '0 2 * * *', '--time-zone', 'Mars/Olympus'], 2, "error: --time-zone 'Mars/Olympus': not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York)"],
      [['--cron', '0 2 * * *', '--misfire', 'always'], 2, "error: option '--misfire <policy>' argument 'always' is invalid. Allowed choices are run-once, skip."],
      [['--cron', '0 2 * * *', '--param-file', join(files, 'missing.json')], 2, `error: --param-file ${join(files, 'missing.json')}: no such file`],
      [['--cron', '61 2 * * *', '--param', 'SourcePath=/in.csv'], 1, 'error: --cron: '],
      [['--cron', '0 2 30 2 *', '--param', 'SourcePath=/in.csv'], 1, "error: --cron never fires: no date matches '0 2 30 2 *'"],
      [['--cron', '0 2 * * *'], 1, "error: --param SourcePath is required by package 'extract' and has no value"],
    ];
    for (const [options, code, message] of cases) {
      const result = await cli(['schedule', 'create', 'nightly', 'Finance/ETL/extract', ...options]);
      expect(result.code, result.stderr).toBe(code);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toContain(message);
    }
    const listed = await cli(['schedule', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual({ schedules: [] });
  });

  it('create with --param-file and --param, list, show, disable, enable, delete; audit lists the changes', async () => {
    const paramFile = join(files, 'nightly.json');
    writeFileSync(paramFile, JSON.stringify({ SourcePath: '/data/in.csv', BatchSize: 100 }));
    const created = await cli([
      'schedule', 'create', 'nightly extract', 'Finance/ETL/extract',
      '--cron', '0 2 * * *', '--time-zone', 'Europe/Paris', '--misfire', 'skip',
      '--param-file', paramFile, '--param', 'BatchSize=500', '--disabled', '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const schedule = JSON.parse(created.stdout) as ScheduleView;
    expect(schedule).toMatchObject({
      name: 'nightly extract',
      cron: '0 2 * * *',
      timeZone: 'Europe/Paris',
      misfirePolicy: 'skip',
      isEnabled: false,
      parameters: { SourcePath: '/data/in.csv', BatchSize: 500 },
    });

    const duplicate = await cli(['schedule', 'create', 'nightly extract', 'Finance/ETL/extract', '--cron', '0 3 * * *', '--param', 'SourcePath=/x']);
    expect(duplicate.code).toBe(1);
    expect(lines(duplicate.stderr)).toEqual([expect.stringContaining("a schedule named 'nightly extract' already exists")]);

    const list = await cli(['schedule', 'list']);
    expect(list.code).toBe(0);
    const [header, row] = lines(list.stdout);
    expect(header).toMatch(/^ID +NAME +PACKAGE +CRON +ENABLED +NEXT RUN +LAST RUN +LAST ERROR$/);
    expect(row).toMatch(new RegExp(`^ +${schedule.scheduleId} +nightly extract +Finance/ETL/extract +0 2 \\* \\* \\* \\(Europe/Paris\\) +no +- +never +-$`));

    const shown = await cli(['schedule', 'show', 'NIGHTLY EXTRACT']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Enabled +no: it starts nothing until enabled$/m);
    expect(shown.stdout).toMatch(/^Misfire +skip \(after downtime, the missed runs are dropped\)$/m);
    expect(shown.stdout).toMatch(/^BatchSize +500$/m);

    const enabled = await cli(['schedule', 'enable', String(schedule.scheduleId)]);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toMatch(new RegExp(`^Schedule ${schedule.scheduleId} 'nightly extract' is enabled; next run: .+Z \\(in .*\\), \\d{4}-\\d\\d-\\d\\d 02:00:00 Europe/Paris\\.$`, 'm'));
    const disabled = await cli(['schedule', 'disable', 'nightly extract', '--json']);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ isEnabled: false, nextRunTime: null });

    // A reader reads, and is refused changes (exit 5).
    expect((await cli(['schedule', 'list'], readerEnv)).code).toBe(0);
    const refused = await cli(['schedule', 'enable', 'nightly extract'], readerEnv);
    expect(refused.code).toBe(5);
    expect(lines(refused.stderr)).toEqual([expect.stringMatching(/^error: this needs the executor role; apikey:\S+ has reader$/)]);

    // Run now: an execution with the schedule's values, that names its schedule.
    const ran = await cli(['schedule', 'run-now', 'nightly extract', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    const execution = JSON.parse(ran.stdout) as { executionId: number; scheduleId: number };
    expect(execution.scheduleId).toBe(schedule.scheduleId);
    const shownExecution = await cli(['execution', 'show', String(execution.executionId)]);
    expect(shownExecution.stdout).toMatch(new RegExp(`^Schedule +${schedule.scheduleId} nightly extract$`, 'm'));
    expect(shownExecution.stdout).toMatch(/^BatchSize +500$/m);

    const removed = await cli(['schedule', 'delete', 'nightly extract', '--yes']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`Removed schedule ${schedule.scheduleId} 'nightly extract'; the executions it started are kept.\n`);
    const gone = await cli(['schedule', 'show', 'nightly extract']);
    expect(gone.code).toBe(4);
    expect(lines(gone.stderr)).toEqual(["error: schedule 'nightly extract' was not found (scaleout schedule list shows them)"]);

    const audit = await cli(['audit']);
    expect(audit.code).toBe(0);
    const [auditHeader, ...entries] = lines(audit.stdout);
    expect(auditHeader).toMatch(/^TIME +ACTOR +ACTION +TARGET +DETAILS$/);
    expect(entries[0]).toMatch(new RegExp(`apikey:\\S+ +remove-schedule +schedule ${schedule.scheduleId} `));
    expect(entries.some((e) => / create-schedule +schedule /.test(e))).toBe(true);
    expect(entries.some((e) => / deploy-project /.test(e))).toBe(true);
    const page = JSON.parse((await cli(['audit', '--limit', '1', '--json'])).stdout) as { entries: unknown[]; nextOffset: number | null };
    expect(page.entries).toHaveLength(1);
    expect(page.nextOffset).toBe(1);
    const asReader = await cli(['audit'], readerEnv);
    expect(asReader.code).toBe(5);
  });

  it('execution run takes --param-file too, and names a bad file in one line', async () => {
    const notObject = join(files, 'list.json');
    writeFileSync(notObject, '["SourcePath"]');
    const refused = await cli(['execution', 'run', 'Finance/ETL/extract', '--param-file', notObject]);
    expect(refused.code).toBe(2);
    expect(lines(refused.stderr)).toEqual([
      `error: --param-file ${notObject}: expected a JSON object of parameter names and values, e.g. {"SourcePath": "/in.csv", "BatchSize": 500}`,
    ]);
    const values = join(files, 'values.json');
    writeFileSync(values, JSON.stringify({ SourcePath: '/from/file.csv', BatchSize: 7 }));
    const created = await cli(['execution', 'create', 'Finance/ETL/extract', '--param-file', values, '--json']);
    expect(created.code, created.stderr).toBe(0);
    expect((JSON.parse(created.stdout) as { parameters: unknown[] }).parameters).toEqual(
      expect.arrayContaining([
        { name: 'SourcePath', sensitive: false, value: '/from/file.csv' },
        { name: 'BatchSize', sensitive: false, value: 7 },
      ]),
    );
  });
});
