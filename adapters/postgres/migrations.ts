import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { LIMITS } from '../../src/limits.js';
import * as lists from '../common/sql-lists.js';
import { checkSchemaName, SQLSTATE } from './schema.js';

/**
 * The PostgreSQL schema, as versioned migrations. Every object lives in the configured schema;
 * `btree_gist` is database-wide. SQL only: the guards are derived from the core's tables.
 */

const { durationMinutes: duration, bufferMinutes: buffer } = LIMITS;

function initialSchema(schema: string): Migration {
  const s = `"${schema}"`;
  return {
    async up(db: Kysely<unknown>) {
      const statements = [
        'CREATE EXTENSION IF NOT EXISTS btree_gist',
        `CREATE SEQUENCE ${s}.appointment_confirmation_seq`,
        `CREATE TABLE ${s}.appointments (
          id text PRIMARY KEY,
          patient_id text NOT NULL,
          provider_id text NOT NULL,
          type text NOT NULL,
          status text NOT NULL CHECK (status IN (${lists.ALL_STATUSES_SQL})),
          start timestamptz NOT NULL,
          "end" timestamptz NOT NULL CHECK ("end" > start),
          duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN ${duration.min} AND ${duration.max}),
          buffer_before_minutes integer NOT NULL CHECK (buffer_before_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
          buffer_after_minutes integer NOT NULL CHECK (buffer_after_minutes BETWEEN ${buffer.min} AND ${buffer.max}),
          occupied_start timestamptz NOT NULL,
          occupied_end timestamptz NOT NULL CHECK (occupied_end > occupied_start),
          time_zone text NOT NULL,
          reason text CHECK (length(reason) <= ${LIMITS.reasonLength}),
          notes text CHECK (length(notes) <= ${LIMITS.notesLength}),
          confirmation_code text NOT NULL UNIQUE,
          confirmed_at timestamptz,
          checked_in_at timestamptz,
          checked_out_at timestamptz,
          cancellation_reason text,
          cancelled_at timestamptz,
          cancelled_by text,
          no_show_at timestamptz,
          series_id text,
          occurrence_index integer,
          recurrence jsonb,
          reminder_email_at timestamptz,
          reminder_sms_at timestamptz,
          reminder_whatsapp_at timestamptz,
          idempotency_key text,
          version integer NOT NULL CHECK (version >= 1),
          metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          created_by text NOT NULL,
          updated_by text NOT NULL,
          CHECK ("end" = start + duration_minutes * interval '1 minute'),
          -- The occupied range must be exactly the appointment widened by its buffers (checked,
          -- not computed by a trigger: a row trigger halved the insert rate).
          CHECK (occupied_start = start - buffer_before_minutes * interval '1 minute'),
          CHECK (occupied_end = "end" + buffer_after_minutes * interval '1 minute'),
          CHECK (status <> 'cancelled' OR (cancelled_at IS NOT NULL AND length(cancellation_reason) > 0)),
          CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
            provider_id WITH =,
            tstzrange(occupied_start, occupied_end, '[)') WITH &&
          ) WHERE (status NOT IN (${lists.NOT_OCCUPYING_SQL}))
        )`,
        `CREATE FUNCTION ${s}.appointments_status_transition() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN (${lists.ALLOWED_TRANSITIONS_SQL}) THEN
            RAISE EXCEPTION 'invalid status transition % -> %', OLD.status, NEW.status
              USING ERRCODE = '${SQLSTATE.invalidTransition}';
          END IF;
          RETURN NEW;
        END $$`,
        `CREATE TRIGGER appointments_status_transition BEFORE UPDATE OF status ON ${s}.appointments
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointments_status_transition()`,
        `CREATE INDEX appointments_provider_start ON ${s}.appointments (provider_id, start)`,
        `CREATE INDEX appointments_patient_start ON ${s}.appointments (patient_id, start)`,
        `CREATE INDEX appointments_start ON ${s}.appointments (start)`,
        `CREATE INDEX appointments_upcoming ON ${s}.appointments (start) WHERE status IN (${lists.UPCOMING_STATUSES_SQL})`,
        `CREATE INDEX appointments_series ON ${s}.appointments (series_id, occurrence_index) WHERE series_id IS NOT NULL`,
        `CREATE UNIQUE INDEX appointments_idempotency_key ON ${s}.appointments (idempotency_key)
          WHERE idempotency_key IS NOT NULL`,
        `CREATE TABLE ${s}.appointment_audit_log (
          id text PRIMARY KEY,
          appointment_id text NOT NULL REFERENCES ${s}.appointments (id),
          action text NOT NULL,
          actor_id text,
          at timestamptz NOT NULL,
          changes jsonb NOT NULL,
          seq bigserial NOT NULL
        )`,
        `CREATE INDEX appointment_audit_log_appointment ON ${s}.appointment_audit_log (appointment_id, at, seq)`,
        `CREATE FUNCTION ${s}.appointment_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = '${SQLSTATE.appendOnlyAudit}';
        END $$`,
        `CREATE TRIGGER appointment_audit_log_append_only BEFORE UPDATE OR DELETE ON ${s}.appointment_audit_log
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointment_audit_log_append_only()`,
        `CREATE TABLE ${s}.appointment_idempotency_keys (
          key text PRIMARY KEY,
          fingerprint text NOT NULL,
          appointment_id text NOT NULL REFERENCES ${s}.appointments (id),
          series_id text,
          skipped jsonb NOT NULL,
          created_at timestamptz NOT NULL
        )`,
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}

/** A trigger function that refuses the write with `message` and our own SQLSTATE `code`. */
const refusal = (
  name: string,
  message: string,
  code: string,
) => `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '${message}' USING ERRCODE = '${code}';
  END $$`;

/**
 * Guards against every form of hand-written SQL, the same as the SQLite store's: canonical ids,
 * rows inserted only in an initial status, appointments never deleted or truncated, the columns
 * fixed at creation never rewritten, the audit log never truncated, a recorded idempotency key
 * never repointed; and the audit entries' versions, which order the trail.
 */
function hardening(schema: string): Migration {
  const s = `"${schema}"`;
  const nonCanonical = (column: string) => `(${column} ~ ${lists.UUID_REGEX_SQL} AND ${column} <> lower(${column}))`;
  // The provider's occupying appointments starting in [from, to). The bounds are row comparisons
  // too: only a (provider_id, start) index can serve them, so the plan stays a range read of the
  // covering index even on missing or skewed statistics, where it would otherwise read the
  // provider's whole history through the exclusion constraint's index.
  const occupyingIn = (from: string, to: string) => `provider_id = provider
             AND (provider_id, start) >= (provider, ${from})
             AND (provider_id, start) < (provider, ${to})
             AND status NOT IN (${lists.NOT_OCCUPYING_SQL})`;
  // One window's bookings and minutes (`window` a jsonb {from, to, type}).
  const windowCount = (window: string) => `
              SELECT count(*) AS bookings, coalesce(sum(duration_minutes), 0) AS minutes
                FROM ${s}.appointments
               WHERE ${occupyingIn(`(${window} ->> 'from')::timestamptz`, `(${window} ->> 'to')::timestamptz`)}
                 AND (${window} ->> 'type' IS NULL OR type = ${window} ->> 'type')`;
  return {
    async up(db: Kysely<unknown>) {
      const statements = [
        // Fold UUIDs written before ids were canonicalised. (If two letter cases of one
        // provider's id double-booked, the exclusion constraint stops the migration here.)
        ...['patient_id', 'provider_id'].map(
          (column) => `UPDATE ${s}.appointments SET ${column} = lower(${column}) WHERE ${nonCanonical(column)}`,
        ),
        `ALTER TABLE ${s}.appointments ADD CONSTRAINT appointments_canonical_ids
          CHECK (NOT (${lists.CANONICAL_ID_COLUMNS.map((column) => `coalesce(${nonCanonical(column)}, false)`).join(' OR ')}))`,
        // Period limits count a provider's occupying appointments by start, under the provider's
        // lock: an index-only scan.
        `CREATE INDEX appointments_provider_counted ON ${s}.appointments (provider_id, start)
          INCLUDE (type, duration_minutes, id) WHERE status NOT IN (${lists.NOT_OCCUPYING_SQL})`,
        // Whether one booking has room under its period limits, decided after the provider's
        // lock is held. `limits.windows` are the periods ({from, to, type}) whose occupying
        // appointments (starting in [from, to), of that type or of any when null) are counted,
        // each with the most bookings and minutes it may already hold for the booking to fit
        // (null: no limit); `limits.from` and `to` span them all, `limits.bookings` and `minutes`
        // are the tightest of those figures. Returns null when every window has room, else
        // [{bookings, minutes}] as counted, window by window. Each query of a VOLATILE function takes a fresh snapshot at
        // READ COMMITTED, so the counts see every booking committed before the lock was granted,
        // even inside a statement whose own snapshot is older. Above READ COMMITTED every query
        // shares the transaction's first snapshot, which may predate the lock: the function
        // refuses, and the caller counts in a transaction of its own at READ COMMITTED instead.
        // Generic plans only: a custom plan for a provider the statistics have not seen yet looks
        // cheaper than it is, and would be planned again on every call.
        `CREATE FUNCTION ${s}.appointment_limit_counts(lock_key bigint, provider text, limits jsonb)
          RETURNS jsonb LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
        DECLARE
          span_from timestamptz := (limits ->> 'from')::timestamptz;
          span_to timestamptz := (limits ->> 'to')::timestamptz;
          span_bookings bigint;
          span_minutes bigint;
          fits boolean;
          counts jsonb;
        BEGIN
          IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'period limits are counted at READ COMMITTED, not %', current_setting('transaction_isolation')
              USING ERRCODE = '${SQLSTATE.limitCountsNeedReadCommitted}';
          END IF;
          PERFORM pg_advisory_xact_lock(lock_key);
          -- Every window lies within the span, so what the span holds, of every type, bounds what
          -- each window holds: when that fits the tightest window, every window has room, and
          -- limits far from reached cost one range read (the windows all hold the booking's
          -- start, so the span is no wider than the largest of them together).
          SELECT count(*), coalesce(sum(duration_minutes), 0) INTO span_bookings, span_minutes
            FROM ${s}.appointments
           WHERE ${occupyingIn('span_from', 'span_to')};
          IF (span_bookings <= (limits ->> 'bookings')::numeric) IS NOT FALSE
             AND (span_minutes <= (limits ->> 'minutes')::numeric) IS NOT FALSE THEN
            RETURN NULL;
          END IF;
          -- Only the windows the span would overfill need a count of their own.
          SELECT bool_and((tally.bookings <= most.bookings) IS NOT FALSE AND (tally.minutes <= most.minutes) IS NOT FALSE)
            INTO fits
            FROM jsonb_array_elements(limits -> 'windows') AS listed(item)
            CROSS JOIN LATERAL (
              SELECT (listed.item ->> 'bookings')::numeric AS bookings, (listed.item ->> 'minutes')::numeric AS minutes
            ) AS most
            CROSS JOIN LATERAL (${windowCount('listed.item')}) AS tally
           WHERE span_bookings > most.bookings OR span_minutes > most.minutes;
          IF fits IS NOT FALSE THEN
            RETURN NULL;
          END IF;
          SELECT jsonb_agg(jsonb_build_object('bookings', tally.bookings, 'minutes', tally.minutes) ORDER BY listed.position)
            INTO counts
            FROM jsonb_array_elements(limits -> 'windows') WITH ORDINALITY AS listed(item, position)
            CROSS JOIN LATERAL (${windowCount('listed.item')}) AS tally;
          RETURN counts;
        END $$`,
        refusal(
          `${s}.appointments_initial_status`,
          'appointments are created in an initial status',
          SQLSTATE.initialStatus,
        ),
        `CREATE TRIGGER appointments_initial_status BEFORE INSERT ON ${s}.appointments
          FOR EACH ROW WHEN (NEW.status NOT IN (${lists.INITIAL_STATUSES_SQL}))
          EXECUTE FUNCTION ${s}.appointments_initial_status()`,
        refusal(`${s}.appointments_never_deleted`, 'appointments are never deleted', SQLSTATE.appointmentsNeverDeleted),
        `CREATE TRIGGER appointments_never_deleted BEFORE DELETE ON ${s}.appointments
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointments_never_deleted()`,
        `CREATE TRIGGER appointments_never_truncated BEFORE TRUNCATE ON ${s}.appointments
          FOR EACH STATEMENT EXECUTE FUNCTION ${s}.appointments_never_deleted()`,
        refusal(
          `${s}.appointments_immutable_columns`,
          'this column is fixed when an appointment is created',
          SQLSTATE.immutableColumn,
        ),
        `CREATE TRIGGER appointments_immutable_columns
          BEFORE UPDATE OF ${lists.IMMUTABLE_APPOINTMENT_COLUMNS.map((column) => `"${column}"`).join(', ')} ON ${s}.appointments
          FOR EACH ROW WHEN (${lists.IMMUTABLE_APPOINTMENT_COLUMNS.map((column) => `NEW."${column}" IS DISTINCT FROM OLD."${column}"`).join(' OR ')})
          EXECUTE FUNCTION ${s}.appointments_immutable_columns()`,
        `CREATE TRIGGER appointment_audit_log_never_truncated BEFORE TRUNCATE ON ${s}.appointment_audit_log
          FOR EACH STATEMENT EXECUTE FUNCTION ${s}.appointment_audit_log_append_only()`,
        // Audit entries carry the version they produced or saw; number the existing ones.
        `ALTER TABLE ${s}.appointment_audit_log ADD COLUMN version integer`,
        `ALTER TABLE ${s}.appointment_audit_log DISABLE TRIGGER appointment_audit_log_append_only`,
        `UPDATE ${s}.appointment_audit_log AS entry SET version = numbered.version
          FROM (
            SELECT id, greatest(1, count(*) FILTER (WHERE action NOT IN (${lists.READ_AUDIT_ACTIONS_SQL}))
              OVER (PARTITION BY appointment_id ORDER BY at, seq)) AS version
            FROM ${s}.appointment_audit_log
          ) AS numbered
          WHERE numbered.id = entry.id`,
        `ALTER TABLE ${s}.appointment_audit_log ENABLE TRIGGER appointment_audit_log_append_only`,
        `ALTER TABLE ${s}.appointment_audit_log ALTER COLUMN version SET NOT NULL`,
        `ALTER TABLE ${s}.appointment_audit_log ADD CONSTRAINT appointment_audit_log_version CHECK (version >= 1)`,
        `CREATE INDEX appointment_audit_log_version ON ${s}.appointment_audit_log (appointment_id, version, seq)`,
        // A staff override of the booking rules: its reason and the rules it set aside.
        `ALTER TABLE ${s}.appointment_audit_log ADD COLUMN override jsonb`,
        refusal(
          `${s}.appointment_idempotency_keys_recorded`,
          'an idempotency key keeps its first request',
          SQLSTATE.idempotencyKeyRecorded,
        ),
        `CREATE TRIGGER appointment_idempotency_keys_recorded BEFORE UPDATE ON ${s}.appointment_idempotency_keys
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointment_idempotency_keys_recorded()`,
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}

/**
 * A series' pattern becomes a list of segments (series can be moved from an occurrence on). A
 * pattern stored before is its series' one segment: from its carrier's index, anchored at the
 * carrier's start as booked (its `created` audit entry; it may have been rescheduled since), and
 * bounded to the occurrences the series holds (`COUNT` or `maxOccurrences`; a rule ending at an
 * `UNTIL` keeps it), so that it describes what was booked, no more.
 */
function seriesSegments(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const a = `${s}.appointments`;
      const count = `((SELECT max(o.occurrence_index) FROM ${a} AS o WHERE o.series_id = c.series_id) - coalesce(c.occurrence_index, 0) + 1)`;
      const rule = `(c.recurrence ->> 'rrule')`;
      const boundedRule = `CASE
          WHEN strpos(${rule}, ';UNTIL=') > 0 THEN ${rule}
          WHEN strpos(${rule}, ';COUNT=') > 0 THEN regexp_replace(${rule}, ';COUNT=[0-9]+', ';COUNT=' || ${count})
          ELSE regexp_replace(${rule}, '^(FREQ=[A-Z]+)', '\\1;COUNT=' || ${count})
        END`;
      const bookedStart = `coalesce(
          (SELECT l.changes -> 'start' ->> 'after' FROM ${s}.appointment_audit_log AS l
            WHERE l.appointment_id = c.id AND l.action = 'created' AND jsonb_typeof(l.changes -> 'start' -> 'after') = 'string'
            ORDER BY l.seq LIMIT 1),
          to_char(c.start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
      await sql
        .raw(
          `UPDATE ${a} AS c
            SET recurrence = jsonb_build_object('segments', jsonb_build_array(jsonb_build_object(
              'fromIndex', coalesce(c.occurrence_index, 0),
              'start', ${bookedStart},
              'rule', CASE
                WHEN ${rule} IS NULL THEN jsonb_set(c.recurrence - 'endDate', '{maxOccurrences}', to_jsonb(${count}))
                ELSE jsonb_build_object('rrule', ${boundedRule})
              END,
              'durationMinutes', c.duration_minutes,
              'type', c.type)))
            WHERE c.recurrence IS NOT NULL AND NOT (c.recurrence ? 'segments')`,
        )
        .execute(db);
    },
  };
}

/**
 * True (in SQL) when `capacity` holds every active allocation of `resource` in schema `s`
 * (quoted): nowhere do more of them overlap (counted at each allocation's start, where overlaps
 * grow). The migration refuses a lower capacity with it, and the store records one only when it holds.
 */
export const capacityFitsSql = (s: string, resource: string, capacity: string) => `NOT EXISTS (
  SELECT 1 FROM ${s}.appointment_allocations x
  WHERE x.resource_id = ${resource} AND x.active AND ${capacity} < (
    SELECT count(*) FROM ${s}.appointment_allocations b
    WHERE b.resource_id = x.resource_id AND b.active
      AND b.occupied_start <= x.occupied_start AND b.occupied_end > x.occupied_start))`;

/**
 * Resources (rooms, devices, classes) and their allocations: the same model and guards as the
 * SQLite store's. An appointment's `resources` (a jsonb array of ids, fixed at booking) is the
 * source; triggers derive its allocations and keep them in step; an allocation that does not say
 * what its appointment says is refused, and so is one that would overfill its resource: under the
 * resource's advisory lock, at READ COMMITTED (the count must see every commit before the lock),
 * the peak overlap is counted; capacity-1 resources also carry an exclusion constraint.
 */
function resources(schema: string): Migration {
  const s = `"${schema}"`;
  const bufferCheck = (column: string) =>
    `CHECK (${column} BETWEEN ${LIMITS.bufferMinutes.min} AND ${LIMITS.bufferMinutes.max})`;
  const occupying = (row: string) => `(${row}.status NOT IN (${lists.NOT_OCCUPYING_SQL}))`;
  const lockKey = (resource: string) => `hashtextextended('${schema}:resource:' || ${resource}, 0)`;
  // A resource is counted under its lock and at READ COMMITTED only: at another level the
  // snapshot could predate the lock and miss an allocation committed in between.
  const lockedAtReadCommitted = (resource: string) => `
            IF current_setting('transaction_isolation') <> 'read committed' THEN
              RAISE EXCEPTION 'a resource is counted at READ COMMITTED' USING ERRCODE = '${SQLSTATE.resourceCountNeedsReadCommitted}';
            END IF;
            PERFORM pg_advisory_xact_lock(${lockKey(resource)});`;
  return {
    async up(db: Kysely<unknown>) {
      const statements = [
        `CREATE TABLE ${s}.appointment_resources (
          id text PRIMARY KEY,
          kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND ${LIMITS.resourceKindLength}),
          capacity integer NOT NULL CHECK (capacity BETWEEN ${LIMITS.resourceCapacity.min} AND ${LIMITS.resourceCapacity.max}),
          buffer_before_minutes integer NOT NULL ${bufferCheck('buffer_before_minutes')},
          buffer_after_minutes integer NOT NULL ${bufferCheck('buffer_after_minutes')}
        )`,
        `CREATE TABLE ${s}.appointment_allocations (
          appointment_id text NOT NULL REFERENCES ${s}.appointments (id),
          resource_id text NOT NULL REFERENCES ${s}.appointment_resources (id),
          occupied_start timestamptz NOT NULL,
          occupied_end timestamptz NOT NULL,
          active boolean NOT NULL,
          single boolean NOT NULL,
          PRIMARY KEY (appointment_id, resource_id),
          CHECK (occupied_end > occupied_start),
          CONSTRAINT appointment_allocations_single_no_overlap EXCLUDE USING gist
            (resource_id WITH =, tstzrange(occupied_start, occupied_end, '[)') WITH &&) WHERE (active AND single)
        )`,
        `CREATE INDEX appointment_allocations_resource ON ${s}.appointment_allocations (resource_id, occupied_start) WHERE active`,
        `ALTER TABLE ${s}.appointments ADD COLUMN resources jsonb NOT NULL DEFAULT '[]'
          CHECK (jsonb_typeof(resources) = 'array' AND jsonb_array_length(resources) <= ${LIMITS.resourcesPerBooking})`,
        // An appointment names known resources, each once, as text; and keeps them.
        `CREATE FUNCTION ${s}.appointments_resources_known() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'UPDATE' AND NEW.resources <> OLD.resources THEN
              RAISE EXCEPTION 'an appointment keeps its resources' USING ERRCODE = '${SQLSTATE.resourceMismatch}';
            END IF;
            IF TG_OP = 'INSERT' AND NEW.resources <> '[]'::jsonb THEN
              IF EXISTS (
                SELECT 1 FROM jsonb_array_elements(NEW.resources) AS j
                WHERE jsonb_typeof(j) <> 'string' OR NOT EXISTS (SELECT 1 FROM ${s}.appointment_resources r WHERE r.id = j #>> '{}')
              ) OR (SELECT count(*) FROM jsonb_array_elements(NEW.resources)) <> (SELECT count(DISTINCT j) FROM jsonb_array_elements(NEW.resources) AS j) THEN
                RAISE EXCEPTION 'an appointment names known resources, each once' USING ERRCODE = '${SQLSTATE.resourceMismatch}';
              END IF;
            END IF;
            RETURN NEW;
          END $$`,
        `CREATE TRIGGER appointments_resources_known BEFORE INSERT OR UPDATE OF resources ON ${s}.appointments
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointments_resources_known()`,
        // Its allocations follow from it.
        `CREATE FUNCTION ${s}.appointments_allocate() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'INSERT' THEN
              INSERT INTO ${s}.appointment_allocations (appointment_id, resource_id, occupied_start, occupied_end, active, single)
                SELECT NEW.id, r.id, NEW.start - make_interval(mins => r.buffer_before_minutes),
                       NEW."end" + make_interval(mins => r.buffer_after_minutes), ${occupying('NEW')}, r.capacity = 1
                FROM jsonb_array_elements_text(NEW.resources) AS j(id) JOIN ${s}.appointment_resources r ON r.id = j.id
                ORDER BY r.id;
            ELSE
              UPDATE ${s}.appointment_allocations AS x SET
                occupied_start = NEW.start - make_interval(mins => r.buffer_before_minutes),
                occupied_end = NEW."end" + make_interval(mins => r.buffer_after_minutes),
                active = ${occupying('NEW')}
              FROM ${s}.appointment_resources r
              WHERE x.appointment_id = NEW.id AND r.id = x.resource_id;
            END IF;
            RETURN NULL;
          END $$`,
        `CREATE TRIGGER appointments_allocate AFTER INSERT ON ${s}.appointments
          FOR EACH ROW WHEN (NEW.resources <> '[]'::jsonb) EXECUTE FUNCTION ${s}.appointments_allocate()`,
        `CREATE TRIGGER appointments_reallocate AFTER UPDATE OF start, "end", status ON ${s}.appointments
          FOR EACH ROW WHEN (NEW.resources <> '[]'::jsonb) EXECUTE FUNCTION ${s}.appointments_allocate()`,
        // An allocation says what its appointment says, and never overfills its resource.
        `CREATE FUNCTION ${s}.appointment_allocations_guard() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
          DECLARE
            held ${s}.appointment_resources%ROWTYPE;
            peak integer;
          BEGIN
            IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
              RAISE EXCEPTION 'allocations are never deleted' USING ERRCODE = '${SQLSTATE.resourceMismatch}';
            END IF;
            IF TG_OP = 'UPDATE' AND (NEW.appointment_id <> OLD.appointment_id OR NEW.resource_id <> OLD.resource_id) THEN
              RAISE EXCEPTION 'an allocation keeps its appointment and resource' USING ERRCODE = '${SQLSTATE.resourceMismatch}';
            END IF;
            -- The resource's lock first: its capacity and every allocation are read after it.
            ${lockedAtReadCommitted('NEW.resource_id')}
            SELECT * INTO held FROM ${s}.appointment_resources WHERE id = NEW.resource_id;
            NEW.single := held.capacity = 1;
            IF NOT EXISTS (
              SELECT 1 FROM ${s}.appointments a
              WHERE a.id = NEW.appointment_id AND a.resources ? NEW.resource_id
                AND NEW.occupied_start = a.start - make_interval(mins => held.buffer_before_minutes)
                AND NEW.occupied_end = a."end" + make_interval(mins => held.buffer_after_minutes)
                AND NEW.active = ${occupying('a')}
            ) THEN
              RAISE EXCEPTION 'an allocation says what its appointment says' USING ERRCODE = '${SQLSTATE.resourceMismatch}';
            END IF;
            IF NEW.active THEN
              SELECT coalesce(max((
                SELECT count(*) FROM ${s}.appointment_allocations b
                WHERE b.resource_id = NEW.resource_id AND b.active AND b.appointment_id <> NEW.appointment_id
                  AND b.occupied_start <= p.at AND b.occupied_end > p.at
              )), 0) INTO peak
              FROM (
                SELECT NEW.occupied_start AS at
                UNION
                SELECT c.occupied_start FROM ${s}.appointment_allocations c
                WHERE c.resource_id = NEW.resource_id AND c.active AND c.appointment_id <> NEW.appointment_id
                  AND c.occupied_start > NEW.occupied_start AND c.occupied_start < NEW.occupied_end
              ) AS p;
              IF peak >= held.capacity THEN
                RAISE EXCEPTION 'resource % is full', NEW.resource_id USING ERRCODE = '${SQLSTATE.resourceCapacity}';
              END IF;
            END IF;
            RETURN NEW;
          END $$`,
        `CREATE TRIGGER appointment_allocations_guard BEFORE INSERT OR UPDATE OR DELETE ON ${s}.appointment_allocations
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointment_allocations_guard()`,
        `CREATE TRIGGER appointment_allocations_no_truncate BEFORE TRUNCATE ON ${s}.appointment_allocations
          FOR EACH STATEMENT EXECUTE FUNCTION ${s}.appointment_allocations_guard()`,
        // A capacity may change only to one the current allocations fit; then the allocations
        // learn whether the exclusion constraint covers them.
        `CREATE FUNCTION ${s}.appointment_resources_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
              RAISE EXCEPTION 'resources are never deleted' USING ERRCODE = '${SQLSTATE.resourceMismatch}';
            END IF;
            ${lockedAtReadCommitted('NEW.id')}
            IF NEW.capacity < OLD.capacity AND NOT ${capacityFitsSql(s, 'NEW.id', 'NEW.capacity')} THEN
              RAISE EXCEPTION 'resource % holds more than that', NEW.id USING ERRCODE = '${SQLSTATE.resourceCapacity}';
            END IF;
            RETURN NEW;
          END $$`,
        `CREATE TRIGGER appointment_resources_capacity BEFORE UPDATE OF capacity OR DELETE ON ${s}.appointment_resources
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointment_resources_capacity()`,
        `CREATE TRIGGER appointment_resources_no_truncate BEFORE TRUNCATE ON ${s}.appointment_resources
          FOR EACH STATEMENT EXECUTE FUNCTION ${s}.appointment_resources_capacity()`,
        `CREATE FUNCTION ${s}.appointment_resources_single() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            UPDATE ${s}.appointment_allocations SET single = (NEW.capacity = 1)
              WHERE resource_id = NEW.id AND single <> (NEW.capacity = 1);
            RETURN NULL;
          END $$`,
        `CREATE TRIGGER appointment_resources_single AFTER UPDATE OF capacity ON ${s}.appointment_resources
          FOR EACH ROW EXECUTE FUNCTION ${s}.appointment_resources_single()`,
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  };
}

/** Every migration for a schema, by name; names sort in the order they apply. */
export function postgresMigrations(schema: string): Record<string, Migration> {
  const checked = checkSchemaName(schema);
  return {
    '0001_initial_schema': initialSchema(checked),
    '0002_hardening': hardening(checked),
    '0003_series_segments': seriesSegments(checked),
    '0004_resources': resources(checked),
  };
}

/** A kysely Migrator over {@link postgresMigrations}, its bookkeeping tables in the same schema. */
export function createPostgresMigrator(db: Kysely<unknown>, schema: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => postgresMigrations(schema) },
    migrationTableSchema: schema,
    migrationTableName: 'appointment_kit_migrations',
    migrationLockTableName: 'appointment_kit_migration_lock',
  });
}
