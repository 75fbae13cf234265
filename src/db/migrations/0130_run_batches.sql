-- The QuickBooks batch a run's write went out in (its requestid and size); NULL: sent alone.
ALTER TABLE integration_runs ADD COLUMN quickbooks_batch jsonb;
