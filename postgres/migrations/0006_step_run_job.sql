-- The queue job that ran a step's attempt, so that a job resumed after its
-- node died can tell the steps it ran itself from those handed over to
-- other jobs (workflow.Engine.work). 0 when none (written before this).

ALTER TABLE step_runs ADD COLUMN job_id bigint NOT NULL DEFAULT 0;
