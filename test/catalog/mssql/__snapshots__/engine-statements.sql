-- ===== transaction: committed, then rolled back
BEGIN TRANSACTION (read committed)
select "folder_id" from "folders"
COMMIT
BEGIN TRANSACTION (read committed)
ROLLBACK

-- ===== transaction: a deadlock at commit, retried
BEGIN TRANSACTION (read committed)
update "api_keys" set "last_used_time" = @1 where "api_key_id" = @2
-- parameters: [1,"k"]
ROLLBACK
BEGIN TRANSACTION (read committed)
update "api_keys" set "last_used_time" = @1 where "api_key_id" = @2
-- parameters: [1,"k"]
COMMIT

-- ===== claimTasks
BEGIN TRANSACTION (read committed)
SET NOCOUNT ON;
DECLARE @worker nvarchar(36) = @1;
DECLARE @now bigint = @2;
DECLARE @deadline bigint = @3;
DECLARE @slots int = @4;
DECLARE @max_task_count int;
DECLARE @running int;
DECLARE @claim nvarchar(64) = @5;
DECLARE @free int;

SELECT @max_task_count = w.max_task_count
FROM dbo.worker_agents w WITH (UPDLOCK, ROWLOCK)
WHERE w.worker_agent_id = @worker
  AND w.is_enabled = 1
  AND EXISTS (SELECT 1 FROM dbo.master_properties mp
              WHERE mp.property_name = N'IS_SCALEOUT_ENABLED' AND mp.property_value = N'true');

SELECT @running = COUNT(*)
FROM dbo.tasks r WITH (READCOMMITTEDLOCK)
WHERE r.worker_agent_id = @worker AND r.state = N'running';

SET @free = CASE WHEN @max_task_count IS NULL OR @max_task_count - @running < 0 THEN 0
                 WHEN @max_task_count - @running > @slots THEN @slots
                 ELSE @max_task_count - @running END;

WITH eligible AS (
  SELECT TOP (@free) t.task_id, t.execution_id, t.attempt_number, t.state, t.worker_agent_id,
                     t.claim_id, t.claimed_time, t.lease_deadline, t.last_heartbeat_time
  FROM dbo.tasks t WITH (UPDLOCK, READPAST, ROWLOCK, READCOMMITTEDLOCK)
  JOIN dbo.executions e ON e.execution_id = t.execution_id
  WHERE t.state = N'pending'
    AND (e.use_any_worker = 1
         OR EXISTS (SELECT 1 FROM dbo.execution_workers ew
                    WHERE ew.execution_id = t.execution_id AND ew.worker_agent_id = @worker))
    AND NOT EXISTS (SELECT 1 FROM dbo.execution_required_tags rt
                    WHERE rt.execution_id = t.execution_id
                      AND NOT EXISTS (SELECT 1 FROM dbo.worker_agent_tags wt
                                      WHERE wt.worker_agent_id = @worker AND wt.tag = rt.tag))
  ORDER BY t.queued_time, t.task_id
)
UPDATE eligible
SET state = N'running',
    worker_agent_id = @worker,
    claim_id = @claim,
    claimed_time = @now,
    lease_deadline = @deadline,
    last_heartbeat_time = @now
OUTPUT inserted.task_id, inserted.execution_id, inserted.attempt_number;
-- parameters: ["worker-1",1000,21000,4,"claim-0001"]
COMMIT

-- ===== insertEventMessagesIgnoringDuplicates
BEGIN TRANSACTION (read committed)
insert into "event_messages" ("execution_id", "task_id", "sequence_number", "message_time", "message_type", "message_source_name", "message") values (@1, @2, @3, @4, @5, @6, @7), (@8, @9, @10, @11, @12, @13, @14)
-- parameters: [3,7,1,1000,70,"stdout","line 1",3,7,2,1000,70,"stdout","line 2"]
COMMIT

-- ===== migrate: a new database
BEGIN TRANSACTION (default isolation)
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = N'scaleout-catalog-migrations', @LockMode = N'Exclusive',
                             @LockOwner = N'Transaction', @LockTimeout = 120000;
SELECT @result AS result;
IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
  CREATE TABLE dbo.schema_migrations (
    version int NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
    name nvarchar(128) NOT NULL,
    applied_time bigint NOT NULL
  );
select "version" from "schema_migrations"
-- migration 1 (initial), batch 1
-- migration 1 (initial), batch 2
-- migration 1 (initial), batch 3
-- migration 1 (initial), batch 4
-- migration 1 (initial), batch 5
-- migration 1 (initial), batch 6
-- migration 1 (initial), batch 7
-- migration 1 (initial), batch 8
-- migration 1 (initial), batch 9
-- migration 1 (initial), batch 10
-- migration 1 (initial), batch 11
-- migration 1 (initial), batch 12
-- migration 1 (initial), batch 13
-- migration 1 (initial), batch 14
-- migration 1 (initial), batch 15
-- migration 1 (initial), batch 16
-- migration 1 (initial), batch 17
-- migration 1 (initial), batch 18
-- migration 1 (initial), batch 19
-- migration 1 (initial), batch 20
-- migration 1 (initial), batch 21
-- migration 1 (initial), batch 22
-- migration 1 (initial), batch 23
-- migration 1 (initial), batch 24
-- migration 1 (initial), batch 25
-- migration 1 (initial), batch 26
-- migration 1 (initial), batch 27
-- migration 1 (initial), batch 28
-- migration 1 (initial), batch 29
-- migration 1 (initial), batch 30
-- migration 1 (initial), batch 31
-- migration 1 (initial), batch 32
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [1,"initial",1795338000000]
-- migration 2 (children-and-schedules), batch 1
-- migration 2 (children-and-schedules), batch 2
-- migration 2 (children-and-schedules), batch 3
-- migration 2 (children-and-schedules), batch 4
-- migration 2 (children-and-schedules), batch 5
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [2,"children-and-schedules",1795338000000]
-- migration 3 (fair-order), batch 1
-- migration 3 (fair-order), batch 2
-- migration 3 (fair-order), batch 3
-- migration 3 (fair-order), batch 4
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [3,"fair-order",1795338000000]
-- migration 4 (archives-in-blob-storage), batch 1
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [4,"archives-in-blob-storage",1795338000000]
-- migration 5 (claim-ids), batch 1
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [5,"claim-ids",1795338000000]
-- migration 6 (idempotency-keys), batch 1
-- migration 6 (idempotency-keys), batch 2
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [6,"idempotency-keys",1795338000000]
-- migration 8 (enrollment-tokens), batch 1
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [8,"enrollment-tokens",1795338000000]
-- migration 9 (environments), batch 1
-- migration 9 (environments), batch 2
-- migration 9 (environments), batch 3
-- migration 9 (environments), batch 4
-- migration 9 (environments), batch 5
-- migration 9 (environments), batch 6
-- migration 9 (environments), batch 7
-- migration 9 (environments), batch 8
-- migration 9 (environments), batch 9
-- migration 9 (environments), batch 10
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [9,"environments",1795338000000]
-- migration 10 (project-versions), batch 1
-- migration 10 (project-versions), batch 2
-- migration 10 (project-versions), batch 3
-- migration 10 (project-versions), batch 4
-- migration 10 (project-versions), batch 5
-- migration 10 (project-versions), batch 6
-- migration 10 (project-versions), batch 7
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [10,"project-versions",1795338000000]
-- migration 11 (object-permissions), batch 1
-- migration 11 (object-permissions), batch 2
-- migration 11 (object-permissions), batch 3
-- migration 11 (object-permissions), batch 4
-- migration 11 (object-permissions), batch 5
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [11,"object-permissions",1795338000000]
-- migration 12 (removed-worker-names), batch 1
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [12,"removed-worker-names",1795338000000]
-- migration 13 (worker-lease-expired-time), batch 1
insert into "schema_migrations" ("version", "name", "applied_time") values (@1, @2, @3)
-- parameters: [13,"worker-lease-expired-time",1795338000000]
COMMIT

-- ===== migrate: an up-to-date database
BEGIN TRANSACTION (default isolation)
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = N'scaleout-catalog-migrations', @LockMode = N'Exclusive',
                             @LockOwner = N'Transaction', @LockTimeout = 120000;
SELECT @result AS result;
IF OBJECT_ID(N'dbo.schema_migrations', N'U') IS NULL
  CREATE TABLE dbo.schema_migrations (
    version int NOT NULL CONSTRAINT pk_schema_migrations PRIMARY KEY,
    name nvarchar(128) NOT NULL,
    applied_time bigint NOT NULL
  );
select "version" from "schema_migrations"
COMMIT
