-- Logs at scale: trigram text search, safe partition creation, and partition drops for
-- retention.

-- Text search: a trigram GIN index keeps the Logs Explorer's substring semantics (ILIKE
-- '%word%', the same predicate Prisma's `contains, mode: insensitive` emits). tenantId and
-- level are in it too (btree_gin), so a search never visits other tenants' matches and a
-- search within one level intersects posting lists inside the index instead of fetching every
-- row that has the words.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- CreateIndex
CREATE INDEX "LogEntry_tenantId_level_message_idx" ON "LogEntry" USING GIN ("tenantId", "level", "message" gin_trgm_ops);

-- Creates the daily partitions covering [from_day, to_day] that do not exist yet; idempotent.
-- Day boundaries are UTC. Rows that landed in the DEFAULT partition for a day (written before
-- its partition existed) are moved into the new partition in the same transaction: creating
-- a partition whose range has rows in DEFAULT would otherwise fail.
CREATE OR REPLACE FUNCTION flowdeck_ensure_log_partitions(from_day DATE, to_day DATE) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  d DATE := from_day;
  created INTEGER := 0;
  part TEXT;
  lo TIMESTAMPTZ;
  hi TIMESTAMPTZ;
BEGIN
  WHILE d <= to_day LOOP
    part := 'LogEntry_p' || to_char(d, 'YYYYMMDD');
    IF to_regclass(quote_ident(part)) IS NULL THEN
      lo := d::timestamp AT TIME ZONE 'UTC';
      hi := (d + 1)::timestamp AT TIME ZONE 'UTC';
      -- Blocks concurrent writers of DEFAULT for the move; partition creation locks the
      -- parent anyway.
      LOCK TABLE "LogEntry_default" IN SHARE ROW EXCLUSIVE MODE;
      CREATE TEMP TABLE IF NOT EXISTS flowdeck_log_move (LIKE "LogEntry") ON COMMIT DROP;
      WITH moved AS (DELETE FROM "LogEntry_default" WHERE "createdAt" >= lo AND "createdAt" < hi RETURNING *)
      INSERT INTO flowdeck_log_move SELECT * FROM moved;
      EXECUTE format('CREATE TABLE %I PARTITION OF "LogEntry" FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      INSERT INTO "LogEntry" SELECT * FROM flowdeck_log_move;
      DELETE FROM flowdeck_log_move;
      created := created + 1;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN created;
END $$;

-- Drops the daily partitions that end on or before cutoff_day (whole days only, never the
-- DEFAULT partition) and returns their names. Dropping a partition is instant and leaves no
-- dead tuples, unlike DELETE.
CREATE OR REPLACE FUNCTION flowdeck_drop_log_partitions(cutoff_day DATE, dry_run BOOLEAN DEFAULT false)
RETURNS TABLE(partition_name TEXT, day DATE, row_estimate BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
  r RECORD;
BEGIN
  FOR r IN
    SELECT c.relname::text AS name, to_date(substring(c.relname from 11), 'YYYYMMDD') AS d, c.reltuples::bigint AS est
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = '"LogEntry"'::regclass AND c.relname ~ '^LogEntry_p[0-9]{8}$'
    ORDER BY c.relname
  LOOP
    IF r.d + 1 <= cutoff_day THEN
      IF NOT dry_run THEN
        EXECUTE format('DROP TABLE %I', r.name);
      END IF;
      partition_name := r.name;
      day := r.d;
      row_estimate := greatest(r.est, 0);
      RETURN NEXT;
    END IF;
  END LOOP;
END $$;
