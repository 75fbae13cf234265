-- A run asked for over the API (send now, replay) exists from the request on, as WAITING, so the caller gets
-- its id at once; the workflow's pass claims it and records its Temporal run id then.
ALTER TABLE integration_runs ALTER COLUMN workflow_run_id DROP NOT NULL;
