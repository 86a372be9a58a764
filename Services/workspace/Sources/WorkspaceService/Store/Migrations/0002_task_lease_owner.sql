-- Who holds a running task's lease: the token of the claim. A worker whose lease lapsed and
-- was taken over can then no longer record progress, a retry or a finish for the task.
ALTER TABLE tasks ADD COLUMN lease_owner text;
