-- Database layout of DESIGN §6 for the compose stack. Runs once, as the superuser, in database
-- "hexabase" (POSTGRES_DB), when the postgres container initialises an empty data volume.
--
-- Per service: a LOGIN role hxb_<service>, a schema <service> it owns, its search_path set to
-- that schema, no rights for PUBLIC on the schema, and no CREATE on schema public for anyone.
-- The services create their tables themselves (migrations embedded in their binaries).
--
-- The passwords (hxb_<service>, as `make run` uses) are for local development only.
-- For any shared or production database create the same layout with real secrets.

\set ON_ERROR_STOP on

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- auth: users, sessions, signing keys
CREATE ROLE hxb_auth LOGIN PASSWORD 'hxb_auth';
CREATE SCHEMA auth AUTHORIZATION hxb_auth;
ALTER ROLE hxb_auth SET search_path = auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hexabase TO hxb_auth;

-- workspace: organizations, workspaces, projects, groups, roles
CREATE ROLE hxb_workspace LOGIN PASSWORD 'hxb_workspace';
CREATE SCHEMA workspace AUTHORIZATION hxb_workspace;
ALTER ROLE hxb_workspace SET search_path = workspace;
REVOKE ALL ON SCHEMA workspace FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hexabase TO hxb_workspace;

-- functions: functions, versions, triggers, invocations
CREATE ROLE hxb_functions LOGIN PASSWORD 'hxb_functions';
CREATE SCHEMA functions AUTHORIZATION hxb_functions;
ALTER ROLE hxb_functions SET search_path = functions;
REVOKE ALL ON SCHEMA functions FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hexabase TO hxb_functions;

-- backup: storages, policies, backups, restores
CREATE ROLE hxb_backup LOGIN PASSWORD 'hxb_backup';
CREATE SCHEMA backup AUTHORIZATION hxb_backup;
ALTER ROLE hxb_backup SET search_path = backup;
REVOKE ALL ON SCHEMA backup FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hexabase TO hxb_backup;

-- logging: system, audit and workload log records
CREATE ROLE hxb_logging LOGIN PASSWORD 'hxb_logging';
CREATE SCHEMA logging AUTHORIZATION hxb_logging;
ALTER ROLE hxb_logging SET search_path = logging;
REVOKE ALL ON SCHEMA logging FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hexabase TO hxb_logging;

-- aiops: conversations, findings, tool calls
CREATE ROLE hxb_aiops LOGIN PASSWORD 'hxb_aiops';
CREATE SCHEMA aiops AUTHORIZATION hxb_aiops;
ALTER ROLE hxb_aiops SET search_path = aiops;
REVOKE ALL ON SCHEMA aiops FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hexabase TO hxb_aiops;
