-- CemCore: PostgreSQL schema for the Orleans ADO.NET providers (clustering and grain storage), written for CemCore.
--
-- Applies to Microsoft.Orleans.Clustering.AdoNet and Microsoft.Orleans.Persistence.AdoNet 10.x with the invariant "Npgsql".
-- Needs PostgreSQL 11 or later. Safe to run again on a database that already has it: tables and indexes are created only when
-- missing, functions are replaced, and the query texts in OrleansQuery are overwritten with the ones below.
--
--   psql -v ON_ERROR_STOP=1 -d <database> -f cemcore-orleans-postgresql.sql
--
-- How the providers talk to the database (the contract this file implements):
--   * At start-up each provider runs "SELECT QueryKey, QueryText FROM OrleansQuery" and keeps the texts by key. That table name and
--     its two columns are fixed; everything else (our tables, columns, functions, indexes) is our own choice.
--   * Each text is run as one command with named parameters written @Name. The providers set the parameters by name and read the
--     results by column name, so the aliases in the SELECT lists below ("Address", "Version", "NewGrainStateVersion", ...) matter.
--   * Clustering keys (all required): InsertMembershipVersionKey, UpdateIAmAlivetimeKey, InsertMembershipKey, UpdateMembershipKey,
--     GatewaysQueryKey, MembershipReadRowKey, MembershipReadAllKey, DeleteMembershipTableEntriesKey, CleanupDefunctSiloEntriesKey.
--     The provider also looks for an optional CleanupDefunctSiloEntryKey (row-by-row clean-up); we do not define it, so the provider
--     uses CleanupDefunctSiloEntriesKey (that optional query is sent its times typed as DbType.DateTime, which Npgsql maps to a
--     time-zone-less timestamp and refuses for UTC values).
--   * Grain storage keys: WriteToStorageKey, ReadFromStorageKey, ClearStorageKey (required) and DeleteStorageKey (needed only with
--     DeleteStateOnClear = true).
--
-- Query texts are stored with dollar quoting ($sql$ ... $sql$) so they need no doubled quotes; they contain no comments because
-- Npgsql rewrites the @Name placeholders in the text it is given.

BEGIN;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- ============================================================================================================================
-- Cluster membership
-- ============================================================================================================================
--
-- Orleans' membership protocol treats the whole membership of one cluster (DeploymentId = the cluster id) as a table with a
-- single version number. Every change to a silo's row (join, status change, suspicion votes) must name the version the silo last
-- read; the change succeeds only if that is still the current version, and it moves the version on by one. Two silos that
-- race on stale information therefore cannot both win: the loser reads the table again and retries.
-- Heartbeats (IAmAliveTime) are the exception: they are written without a version check and do not change the version.

-- One row per cluster: its membership version.
CREATE TABLE IF NOT EXISTS cemcore_cluster_epoch
(
    deployment_id text        NOT NULL,
    epoch         integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cemcore_cluster_epoch_pk PRIMARY KEY (deployment_id)
);

-- One row per silo incarnation (address, port and generation identify it; a restarted silo has a new generation).
-- status holds Orleans' SiloStatus as a number (3 = Active, 6 = Dead). suspect_times is Orleans' own text encoding of the
-- suspicion votes against this silo; it is stored and returned verbatim.
CREATE TABLE IF NOT EXISTS cemcore_cluster_silo
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT cemcore_cluster_silo_pk PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT cemcore_cluster_silo_epoch_fk FOREIGN KEY (deployment_id)
        REFERENCES cemcore_cluster_epoch (deployment_id) ON DELETE CASCADE
);

-- Both membership writes below run their two steps (version step, silo row) inside one BEGIN ... EXCEPTION block. When the row
-- step does not apply, the function raises our own SQLSTATE CC001 and catches it: PostgreSQL then rolls the block back, version
-- step included, and the function reports 0. Taking the version first also locks the cluster's epoch row, so concurrent
-- membership writes of one cluster queue up behind each other instead of interleaving.

-- The version step shared by both: moves the cluster's version from p_expected_epoch to the next number and says whether it
-- did (false when another write got there first, or the cluster has no version row).
CREATE OR REPLACE FUNCTION cemcore_cluster_epoch_step(p_deployment_id text, p_expected_epoch integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    UPDATE cemcore_cluster_epoch
       SET epoch = epoch + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id AND epoch = p_expected_epoch;
    RETURN FOUND;
END
$fn$;

-- Join: adds the row of a new silo incarnation if the caller's version is current and the row does not exist yet.
-- Returns 1 on success, 0 otherwise (version moved on, or the row is already there); nothing is changed when it returns 0.
CREATE OR REPLACE FUNCTION cemcore_silo_join(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz, p_expected_epoch integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT cemcore_cluster_epoch_step(p_deployment_id, p_expected_epoch) THEN
        RETURN 0;
    END IF;

    INSERT INTO cemcore_cluster_silo
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, suspect_times,
         start_time, i_am_alive_time)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
         COALESCE(p_proxy_port, 0), NULL, p_start_time, p_i_am_alive_time)
    ON CONFLICT ON CONSTRAINT cemcore_cluster_silo_pk DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CC001', MESSAGE = 'cemcore: silo row already exists';
    END IF;
    RETURN 1;
EXCEPTION WHEN SQLSTATE 'CC001' THEN
    RETURN 0;
END
$fn$;

-- Status change / suspicion votes: updates one silo row if the caller's version is current. Returns 1 or 0 as above.
CREATE OR REPLACE FUNCTION cemcore_silo_change(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz, p_expected_epoch integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NOT cemcore_cluster_epoch_step(p_deployment_id, p_expected_epoch) THEN
        RETURN 0;
    END IF;

    UPDATE cemcore_cluster_silo
       SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CC001', MESSAGE = 'cemcore: no such silo row';
    END IF;
    RETURN 1;
EXCEPTION WHEN SQLSTATE 'CC001' THEN
    RETURN 0;
END
$fn$;

-- Membership reads (of one silo, or of all silos when p_address is NULL). The cluster's version always comes back: when no
-- silo matches there is one row with NULL silo columns, which the provider reads as "no entry, table version N". The output
-- column names are the ones the provider asks for.
CREATE OR REPLACE FUNCTION cemcore_cluster_read(p_deployment_id text, p_address text, p_port integer, p_generation integer)
RETURNS TABLE ("Address" text, "Port" integer, "Generation" integer, "SiloName" text, "HostName" text, "Status" integer,
               "ProxyPort" integer, "SuspectTimes" text, "StartTime" timestamptz, "IAmAliveTime" timestamptz, "Version" integer)
LANGUAGE sql
STABLE
AS $fn$
    SELECT s.address, s.port, s.generation, s.silo_name, s.host_name, s.status, s.proxy_port, s.suspect_times,
           s.start_time, s.i_am_alive_time, e.epoch
      FROM cemcore_cluster_epoch e
      LEFT JOIN cemcore_cluster_silo s
             ON s.deployment_id = e.deployment_id
            AND (p_address IS NULL
                 OR (s.address = p_address AND s.port = p_port AND s.generation = p_generation))
     WHERE e.deployment_id = p_deployment_id
$fn$;

-- ============================================================================================================================
-- Grain state
-- ============================================================================================================================
--
-- One row per (service, grain type, grain id). The provider hashes the grain id and type name into two integers (used by the
-- index) and also sends the full identity (two 64-bit halves, an optional string extension, the type name, the service id),
-- which is compared too, so hash collisions are harmless.
-- version is the grain state's ETag: 1 on the first write, one more on every later write or clear. A write names the version
-- it read (NULL if it never found a row); if that is no longer the stored version the write changes nothing and reports the
-- old version back, which the provider turns into an InconsistentStateException (the ETag conflict).
CREATE TABLE IF NOT EXISTS cemcore_grain_state
(
    service_id      text        NOT NULL,
    grain_type_hash integer     NOT NULL,
    grain_type      text        NOT NULL,
    grain_id_hash   integer     NOT NULL,
    grain_id_n0     bigint      NOT NULL,
    grain_id_n1     bigint      NOT NULL,
    grain_id_ext    text        NULL,
    payload         bytea       NULL,
    version         integer     NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The identity is unique; a missing extension (NULL) and an empty one are kept apart by the first expression.
CREATE UNIQUE INDEX IF NOT EXISTS cemcore_grain_state_identity
    ON cemcore_grain_state (grain_id_hash, grain_type_hash, grain_id_n0, grain_id_n1, service_id, grain_type,
                            (grain_id_ext IS NULL), COALESCE(grain_id_ext, ''));

-- Write: returns the new version on success; on a conflict it returns p_expected_version unchanged (NULL when the caller
-- expected no row but one exists), which the provider reports as a version conflict.
CREATE OR REPLACE FUNCTION cemcore_grain_state_save(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer, p_grain_type text,
    p_grain_id_ext text, p_service_id text, p_expected_version integer, p_payload bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new integer;
BEGIN
    IF p_expected_version IS NULL THEN
        -- First write of this grain. If another activation got there first the unique index stops us and v_new stays NULL.
        INSERT INTO cemcore_grain_state
            (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
        VALUES
            (p_service_id, p_grain_type_hash, p_grain_type, p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_id_ext,
             p_payload, 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO v_new;
        RETURN v_new;
    END IF;

    UPDATE cemcore_grain_state
       SET payload = p_payload, version = version + 1, updated_at = now()
     WHERE grain_id_hash = p_grain_id_hash AND grain_type_hash = p_grain_type_hash
       AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
       AND service_id = p_service_id AND grain_type = p_grain_type
       AND grain_id_ext IS NOT DISTINCT FROM p_grain_id_ext
       AND version = p_expected_version
    RETURNING version INTO v_new;
    RETURN COALESCE(v_new, p_expected_version);
END
$fn$;

-- ============================================================================================================================
-- The query texts the providers run
-- ============================================================================================================================

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
-- Creates the cluster's version row if it is missing. One row, one column: 1 if created, 0 if it was already there.
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO cemcore_cluster_epoch (deployment_id) VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1 AS one)
SELECT count(*)::integer FROM created
$sql$),

-- Heartbeat: no version check, version unchanged, result not read.
('UpdateIAmAlivetimeKey', $sql$
UPDATE cemcore_cluster_silo
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$sql$),

('InsertMembershipKey', $sql$
SELECT cemcore_silo_join(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
                         @StartTime, @IAmAliveTime, @Version)
$sql$),

('UpdateMembershipKey', $sql$
SELECT cemcore_silo_change(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version)
$sql$),

('MembershipReadRowKey', $sql$
SELECT * FROM cemcore_cluster_read(@DeploymentId, @Address, @Port, @Generation)
$sql$),

('MembershipReadAllKey', $sql$
SELECT * FROM cemcore_cluster_read(@DeploymentId, NULL, NULL, NULL)
$sql$),

-- Silos that accept client connections (the provider passes @Status = Active).
('GatewaysQueryKey', $sql$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
  FROM cemcore_cluster_silo
 WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$sql$),

-- Forgets a whole cluster; the silo rows go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM cemcore_cluster_epoch WHERE deployment_id = @DeploymentId
$sql$),

-- Removes rows of silos declared Dead whose last start and heartbeat are both older than the cut-off (@IAmAliveTime).
-- Rows in any other status are never removed here, whatever their age.
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM cemcore_cluster_silo
 WHERE deployment_id = @DeploymentId AND status = 6
   AND i_am_alive_time < @IAmAliveTime AND start_time < @IAmAliveTime
$sql$),

('WriteToStorageKey', $sql$
SELECT cemcore_grain_state_save(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                                @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion"
$sql$),

-- No row: the grain has no stored state. A cleared state comes back as a row with a NULL payload and its version.
('ReadFromStorageKey', $sql$
SELECT payload AS "PayloadBinary", now() AS "ReadAt", version AS "Version"
  FROM cemcore_grain_state
 WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
   AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND service_id = @ServiceId AND grain_type = @GrainTypeString
   AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
$sql$),

-- Clear keeps the row (payload NULL) and moves the version on, under the same ETag check as a write. No row returned means
-- the check failed (or there was nothing stored), which the provider reports as a version conflict.
('ClearStorageKey', $sql$
UPDATE cemcore_grain_state
   SET payload = NULL, version = version + 1, updated_at = now()
 WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
   AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND service_id = @ServiceId AND grain_type = @GrainTypeString
   AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version AS "NewGrainStateVersion"
$sql$),

-- DeleteStateOnClear = true: removes the row under the ETag check; the returned number only has to differ from the old ETag.
('DeleteStorageKey', $sql$
DELETE FROM cemcore_grain_state
 WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
   AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
   AND service_id = @ServiceId AND grain_type = @GrainTypeString
   AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version + 1 AS "NewGrainStateVersion"
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

COMMIT;
