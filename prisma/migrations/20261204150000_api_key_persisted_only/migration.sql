-- A key can be restricted to the persisted documents the server knows (the dashboard's), so a
-- leaked key of that kind cannot run arbitrary GraphQL. Existing keys keep their freedom.
ALTER TABLE "ApiKey" ADD COLUMN "persistedOnly" BOOLEAN NOT NULL DEFAULT false;
