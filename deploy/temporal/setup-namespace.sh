#!/bin/sh
# Creates the namespace and registers the search attributes the bill-sync workflows set (spec §8).
set -eu
ADDR="${TEMPORAL_ADDRESS:-temporal:7233}"
NS="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "$ADDR"; do sleep 3; done
temporal operator namespace describe -n "$NS" --address "$ADDR" || temporal operator namespace create -n "$NS" --retention 30d --address "$ADDR"
for sa in IntegrationId BillId AccountId SyncStatus; do
  temporal operator search-attribute create --namespace "$NS" --name "$sa" --type Keyword --address "$ADDR" || true
done
