import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mssqlKysely } from '../../support/mssql-compiler.js';

const db = mssqlKysely();

describe('MSSQL compatibility plugin', () => {
  it('turns limit into TOP, in subqueries too', () => {
    expect(db.selectFrom('tasks').select('task_id').where('state', '=', 'running').limit(5).compile().sql).toBe(
      'select top(5) "task_id" from "tasks" where "state" = @1',
    );
    const nested = db
      .selectFrom('tasks as t')
      .select((eb) =>
        eb.selectFrom('executions as e').select('e.status').whereRef('e.execution_id', '=', 't.execution_id').limit(1).as('status'),
      )
      .compile();
    expect(nested.sql).toBe(
      'select (select top(1) "e"."status" from "executions" as "e" where "e"."execution_id" = "t"."execution_id") as "status" from "tasks" as "t"',
    );
  });

  it('turns limit with offset into OFFSET … FETCH NEXT on an ordered select', () => {
    const page = db.selectFrom('audit_trail').selectAll().orderBy('audit_id', 'desc').limit(11).offset(20).compile();
    expect(page.sql).toBe('select * from "audit_trail" order by "audit_id" desc offset @1 rows fetch next @2 rows only');
    expect(page.parameters).toEqual([20, 11]);
  });

  it('refuses an offset without orderBy, with or without a limit', () => {
    expect(() => db.selectFrom('audit_trail').selectAll().limit(10).offset(20).compile()).toThrow(/orderBy/);
    expect(() => db.selectFrom('audit_trail').selectAll().offset(20).compile()).toThrow(/orderBy/);
  });

  it('needs a literal number for a limit', () => {
    expect(() => db.selectFrom('tasks').selectAll().limit(sql<number>`1`).compile()).toThrow(/literal number for limit/);
  });

  it('turns returning into OUTPUT inserted.x on insert and update, deleted.x on delete', () => {
    expect(db.insertInto('folders').values({ name: 'F', description: '', created_time: 1 }).returning('folder_id').compile().sql).toBe(
      'insert into "folders" ("name", "description", "created_time") output "inserted"."folder_id" values (@1, @2, @3)',
    );
    expect(
      db.updateTable('tasks').set({ state: 'lost' }).where('task_id', '=', 1).returning(['execution_id', 'attempt_number']).compile().sql,
    ).toBe('update "tasks" set "state" = @1 output "inserted"."execution_id", "inserted"."attempt_number" where "task_id" = @2');
    expect(db.deleteFrom('tasks').where('task_id', '=', 1).returning('task_id').compile().sql).toBe(
      'delete from "tasks" output "deleted"."task_id" where "task_id" = @1',
    );
  });

  it('refuses returning anything but column names', () => {
    expect(() => db.deleteFrom('tasks').returning(sql<number>`1`.as('one')).compile()).toThrow(/column names only/);
  });

  it('leaves statements without limit, offset or returning as they are', () => {
    expect(db.updateTable('tasks').set({ state: 'lost' }).where('task_id', '=', 1).compile().sql).toBe(
      'update "tasks" set "state" = @1 where "task_id" = @2',
    );
  });
});
