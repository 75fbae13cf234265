-- QuickBooks webhook notifications (issue 14 §4), kept once each: Intuit retries, so a repeat changes nothing.
CREATE TABLE quickbooks_notifications (
  realm_id text NOT NULL,
  entity text NOT NULL,
  entity_id text NOT NULL,
  operation text NOT NULL,
  last_updated text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (realm_id, entity, entity_id, operation, last_updated)
);

-- A linked document changed in QuickBooks (edited, voided, deleted): shown with the choice to resync.
ALTER TABLE integration_events DROP CONSTRAINT integration_events_event_type_check;
ALTER TABLE integration_events ADD CONSTRAINT integration_events_event_type_check CHECK (event_type IN (
  'integration.validation.error', 'integration.missingaccountmapping.error', 'integration.authentication.error',
  'integration.perform.error', 'integration.disabled.error', 'integration.quickbooks.document.changed'));
