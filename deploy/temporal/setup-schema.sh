#!/bin/sh
# Creates (first time) and migrates (every time) Temporal's two databases on the shared PostgreSQL.
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep postgres -p 5432 -u $POSTGRES_USER --pw $POSTGRES_PWD"
for db in temporal temporal_visibility; do
  $SQL --db "$db" create || true
  if [ "$db" = temporal ]; then dir=temporal; else dir=visibility; fi
  $SQL --db "$db" setup-schema -v 0.0 || true
  $SQL --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$dir/versioned"
done
