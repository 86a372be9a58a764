-- The `search` column holds the message's words as the service splits them (LogWords), written
-- by the service with each record, instead of Postgres's `to_tsvector('simple', message)`:
-- the two stores (Postgres and ClickHouse) then split text the same way, and the splitting
-- leaves the database's one writing backend (ADR 020).
--
-- Records already stored get their words here: lower case, split at every ASCII character that
-- is not a letter or digit, each word cut to 255 characters. (Postgres's lower() follows the
-- database's locale where the service uses Unicode lower case; they agree on ASCII.)
--
-- No default: a replica still running the previous version during a rolling upgrade does not
-- name `search` in its COPY, so its append fails (NOT NULL), JetStream delivers the batch again
-- and an upgraded replica stores it with its words.

CREATE FUNCTION log_words_0002(message text) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(w, 255))), ''::tsvector)
    FROM regexp_split_to_table(lower(message), '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+') AS w
    WHERE w <> ''
$$;

ALTER TABLE logs_system ALTER COLUMN search DROP EXPRESSION;
ALTER TABLE logs_audit ALTER COLUMN search DROP EXPRESSION;
ALTER TABLE logs_workload ALTER COLUMN search DROP EXPRESSION;

UPDATE logs_system SET search = log_words_0002(message);
UPDATE logs_audit SET search = log_words_0002(message);
UPDATE logs_workload SET search = log_words_0002(message);

ALTER TABLE logs_system ALTER COLUMN search SET NOT NULL;
ALTER TABLE logs_audit ALTER COLUMN search SET NOT NULL;
ALTER TABLE logs_workload ALTER COLUMN search SET NOT NULL;

DROP FUNCTION log_words_0002(text);
