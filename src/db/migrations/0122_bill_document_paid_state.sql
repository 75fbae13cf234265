-- A linked document's payment state as last learnt from QuickBooks (a reconciliation, a webhook, the CDC poll):
-- a change to PAID or PARTLY_PAID is recorded once in the bill's run history; our own write clears it.
ALTER TABLE bill_documents ADD COLUMN paid_state text CHECK (paid_state IN ('PAID', 'PARTLY_PAID'));
