//! The team database's schema: created and upgraded by Candor, forward only, with its
//! version in `candor.schema_version`. A schema newer than this Candor is refused.
//!
//! Security model (see the Teams section of the README):
//! - Everything belongs to `candor_owner`, a role nobody logs in as. Each person logs in as
//!   their own role, a member of `candor_rep` (and `candor_manager` for managers).
//! - Reps never write tables directly: they insert events; a trigger running as the owner
//!   keeps the current-state projection (`customers`, `entries`) that part 2's team views
//!   query. Row-level security is forced on every table, so not even the owner's functions
//!   skip it: a rep sees the customers they own or that are shared with them, a manager
//!   sees all; a rep may add events only for customers they may write, as themselves.
//! - Ownership moves only through `candor.hand_over` (managers) and sharing through
//!   `candor.share_customer` (its rep or a manager): functions running as the owner that
//!   check the caller (`session_user`) themselves, with a fixed `search_path`.

use postgres::Transaction;

/// The newest team schema this Candor knows.
pub const TEAM_SCHEMA_VERSION: i32 = 9;

/// The first version with handovers and shares.
pub const OWNERSHIP_VERSION: i32 = 2;
/// The first version with the per-customer summary (team ranking, reports, Team view).
pub const SUMMARY_VERSION: i32 = 3;

/// The first version with announcements on the server (team ranking) and team settings.
pub const ANNOUNCEMENTS_VERSION: i32 = 9;

/// The role that owns the schema; nobody logs in as it.
pub const OWNER_ROLE: &str = "candor_owner";
/// Every person of the team.
pub const REP_ROLE: &str = "candor_rep";
/// Managers, who read the whole team.
pub const MANAGER_ROLE: &str = "candor_manager";

/// Version 1: events, the projection, reps, shares, and the row-level security around them.
const SCHEMA_V1: &str = r#"
CREATE TABLE candor.schema_version (version integer NOT NULL);

-- Names this team database, so a journal keeps one pull cursor per team.
CREATE TABLE candor.team (
    team_id    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO candor.team DEFAULT VALUES;

CREATE TABLE candor.reps (
    login      text PRIMARY KEY,
    full_name  text NOT NULL,
    is_manager boolean NOT NULL DEFAULT false,
    added_at   timestamptz NOT NULL DEFAULT now()
);

-- Every change from every device. seq is the pull cursor; pushes are serialised (an
-- advisory lock), so seq order is commit order and a puller never skips an event.
CREATE TABLE candor.events (
    seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id           uuid PRIMARY KEY,
    device_id    text NOT NULL,
    author       text NOT NULL DEFAULT current_user,
    hlc          text COLLATE "C" NOT NULL,
    entity       text NOT NULL CHECK (entity IN ('customer', 'entry')),
    entity_gid   uuid NOT NULL,
    customer_gid uuid NOT NULL,
    op           text NOT NULL CHECK (op IN ('insert', 'update', 'purge')),
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_by_customer ON candor.events (customer_gid, seq);

-- The current state, per field the later change (by hybrid clock) wins: `clock` holds the
-- stamp of each field's last change. Columns part 2 filters on are derived from `data`.
CREATE TABLE candor.customers (
    gid         uuid PRIMARY KEY,
    owner_login text NOT NULL,
    data        jsonb NOT NULL,
    clock       jsonb NOT NULL DEFAULT '{}',
    created_hlc text COLLATE "C" NOT NULL,
    updated_hlc text COLLATE "C" NOT NULL,
    name        text GENERATED ALWAYS AS (data ->> 'name') STORED,
    archived    boolean GENERATED ALWAYS AS (COALESCE(data ->> 'archived', '0') NOT IN ('0', 'false')) STORED
);
CREATE INDEX customers_by_owner ON candor.customers (owner_login);

CREATE TABLE candor.customer_shares (
    customer_gid uuid NOT NULL REFERENCES candor.customers (gid) ON DELETE CASCADE,
    login        text NOT NULL,
    PRIMARY KEY (customer_gid, login)
);

CREATE TABLE candor.entries (
    gid          uuid PRIMARY KEY,
    data         jsonb NOT NULL,
    clock        jsonb NOT NULL DEFAULT '{}',
    created_hlc  text COLLATE "C" NOT NULL,
    updated_hlc  text COLLATE "C" NOT NULL,
    customer_gid uuid GENERATED ALWAYS AS ((data ->> 'customer')::uuid) STORED,
    kind         text GENERATED ALWAYS AS (data ->> 'kind') STORED,
    occurred_at  text GENERATED ALWAYS AS (data ->> 'occurred_at') STORED,
    status       text GENERATED ALWAYS AS (data ->> 'status') STORED,
    deleted_at   text GENERATED ALWAYS AS (data ->> 'deleted_at') STORED
);
CREATE INDEX entries_by_customer ON candor.entries (customer_gid, occurred_at);
CREATE INDEX entries_by_kind_status ON candor.entries (kind, status) WHERE deleted_at IS NULL;

-- The fields of `payload` that are later than what `clock` says, merged into `data`.
CREATE FUNCTION candor.lww_data(data jsonb, clock jsonb, payload jsonb, hlc text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT data || COALESCE((SELECT jsonb_object_agg(p.key, p.value) FROM jsonb_each(payload) p
        WHERE COALESCE(clock ->> p.key, '') COLLATE "C" < hlc COLLATE "C"), '{}'::jsonb)
$$;
CREATE FUNCTION candor.lww_clock(clock jsonb, payload jsonb, hlc text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT clock || COALESCE((SELECT jsonb_object_agg(p.key, to_jsonb(hlc)) FROM jsonb_each(payload) p
        WHERE COALESCE(clock ->> p.key, '') COLLATE "C" < hlc COLLATE "C"), '{}'::jsonb)
$$;

-- Whether a customer exists at all, whoever owns it (a new customer's first event is
-- allowed; someone else's is not). Runs as the owner, so it must not leak more than that.
CREATE FUNCTION candor.customer_exists(customer uuid)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM candor.customers c WHERE c.gid = customer)
$$;

-- Keeps the projection: runs as the owner for every inserted event (the insert itself
-- was checked by the events policy as the rep).
CREATE FUNCTION candor.project_event()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.entity = 'customer' THEN
        IF NEW.op = 'insert' THEN
            INSERT INTO candor.customers (gid, owner_login, data, created_hlc, updated_hlc)
            VALUES (NEW.entity_gid, NEW.author, NEW.payload, NEW.hlc, NEW.hlc)
            ON CONFLICT (gid) DO NOTHING;
        ELSIF NEW.op = 'update' THEN
            UPDATE candor.customers SET
                data = candor.lww_data(data, clock, NEW.payload, NEW.hlc),
                clock = candor.lww_clock(clock, NEW.payload, NEW.hlc),
                updated_hlc = GREATEST(updated_hlc, NEW.hlc COLLATE "C")
            WHERE gid = NEW.entity_gid;
        ELSE
            DELETE FROM candor.customers WHERE gid = NEW.entity_gid;
        END IF;
    ELSE
        IF NEW.op = 'insert' THEN
            INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
            VALUES (NEW.entity_gid, NEW.payload, NEW.hlc, NEW.hlc)
            ON CONFLICT (gid) DO NOTHING;
        ELSIF NEW.op = 'update' THEN
            UPDATE candor.entries SET
                data = candor.lww_data(data, clock, NEW.payload, NEW.hlc),
                clock = candor.lww_clock(clock, NEW.payload, NEW.hlc),
                updated_hlc = GREATEST(updated_hlc, NEW.hlc COLLATE "C")
            WHERE gid = NEW.entity_gid;
        ELSE
            DELETE FROM candor.entries WHERE gid = NEW.entity_gid;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER project_event AFTER INSERT ON candor.events
    FOR EACH ROW EXECUTE FUNCTION candor.project_event();

ALTER TABLE candor.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.customers FORCE ROW LEVEL SECURITY;
ALTER TABLE candor.customer_shares ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.customer_shares FORCE ROW LEVEL SECURITY;
ALTER TABLE candor.entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.entries FORCE ROW LEVEL SECURITY;
ALTER TABLE candor.events ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.events FORCE ROW LEVEL SECURITY;

CREATE POLICY owner_all ON candor.customers TO candor_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON candor.customer_shares TO candor_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON candor.entries TO candor_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON candor.events TO candor_owner USING (true) WITH CHECK (true);

CREATE POLICY rep_read ON candor.customer_shares FOR SELECT TO candor_rep
    USING (login = current_user OR pg_has_role(current_user, 'candor_manager', 'MEMBER'));
CREATE POLICY rep_read ON candor.customers FOR SELECT TO candor_rep
    USING (owner_login = current_user
        OR pg_has_role(current_user, 'candor_manager', 'MEMBER')
        OR EXISTS (SELECT 1 FROM candor.customer_shares s
                   WHERE s.customer_gid = customers.gid AND s.login = current_user));
-- Visible exactly when its customer is (the subquery is itself under RLS).
CREATE POLICY rep_read ON candor.entries FOR SELECT TO candor_rep
    USING (EXISTS (SELECT 1 FROM candor.customers c WHERE c.gid = entries.customer_gid));
-- A rep also reads the events they wrote: INSERT … ON CONFLICT checks the new row against
-- the read policy, before the trigger has created a new customer.
CREATE POLICY rep_read ON candor.events FOR SELECT TO candor_rep
    USING (author = current_user
        OR EXISTS (SELECT 1 FROM candor.customers c WHERE c.gid = events.customer_gid));
CREATE POLICY rep_write ON candor.events FOR INSERT TO candor_rep
    WITH CHECK (author = current_user AND (
        EXISTS (SELECT 1 FROM candor.customers c
                WHERE c.gid = events.customer_gid
                  AND (c.owner_login = current_user
                       OR EXISTS (SELECT 1 FROM candor.customer_shares s
                                  WHERE s.customer_gid = c.gid AND s.login = current_user)))
        OR NOT candor.customer_exists(events.customer_gid)));

REVOKE ALL ON ALL TABLES IN SCHEMA candor FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.project_event() FROM PUBLIC;
GRANT USAGE ON SCHEMA candor TO candor_rep;
GRANT SELECT ON candor.schema_version, candor.team, candor.reps, candor.customers,
    candor.customer_shares, candor.entries TO candor_rep;
GRANT SELECT, INSERT ON candor.events TO candor_rep;
"#;

/// Version 2 (issue 13): ownership. A manager hands customers over from one rep to another
/// (`hand_over`), and a customer's rep or a manager shares a customer with a colleague
/// (`share_customer`). Both write events of their own, so every copy of the journal learns
/// of them by the usual pull: the new rep backfills the customer's history, the former rep's
/// copy becomes read-only. Self-contained, so it can be renumbered when merged.
const OWNERSHIP_STEP: &str = r#"
-- Handovers and shares are events too, but only their functions write them: a rep pushes
-- inserts, updates and purges only, so nobody forges a handover.
ALTER TABLE candor.events DROP CONSTRAINT events_op_check;
ALTER TABLE candor.events ADD CONSTRAINT events_op_check
    CHECK (op IN ('insert', 'update', 'purge', 'handover', 'share'));

DROP POLICY rep_write ON candor.events;
CREATE POLICY rep_write ON candor.events FOR INSERT TO candor_rep
    WITH CHECK (author = current_user AND op IN ('insert', 'update', 'purge') AND (
        EXISTS (SELECT 1 FROM candor.customers c
                WHERE c.gid = events.customer_gid
                  AND (c.owner_login = current_user
                       OR EXISTS (SELECT 1 FROM candor.customer_shares s
                                  WHERE s.customer_gid = c.gid AND s.login = current_user)))
        OR NOT candor.customer_exists(events.customer_gid)));

-- The former rep reads the handover that took a customer away (and nothing newer of it),
-- so their copy learns it is no longer theirs.
DROP POLICY rep_read ON candor.events;
CREATE POLICY rep_read ON candor.events FOR SELECT TO candor_rep
    USING (author = current_user
        OR EXISTS (SELECT 1 FROM candor.customers c WHERE c.gid = events.customer_gid)
        OR (op = 'handover' AND payload ->> 'from' = current_user));
CREATE INDEX events_handovers ON candor.events ((payload ->> 'to'), seq)
    WHERE op IN ('handover', 'share');

-- As version 1, plus: a handover carries its timeline note (so the former rep's copy gets
-- it too, with the same id); a share changes no projected row.
CREATE OR REPLACE FUNCTION candor.project_event()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.op = 'handover' THEN
        INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
        VALUES ((NEW.payload ->> 'entry_gid')::uuid, NEW.payload -> 'entry', NEW.hlc, NEW.hlc)
        ON CONFLICT (gid) DO NOTHING;
        RETURN NULL;
    ELSIF NEW.op = 'share' THEN
        RETURN NULL;
    END IF;
    IF NEW.entity = 'customer' THEN
        IF NEW.op = 'insert' THEN
            INSERT INTO candor.customers (gid, owner_login, data, created_hlc, updated_hlc)
            VALUES (NEW.entity_gid, NEW.author, NEW.payload, NEW.hlc, NEW.hlc)
            ON CONFLICT (gid) DO NOTHING;
        ELSIF NEW.op = 'update' THEN
            UPDATE candor.customers SET
                data = candor.lww_data(data, clock, NEW.payload, NEW.hlc),
                clock = candor.lww_clock(clock, NEW.payload, NEW.hlc),
                updated_hlc = GREATEST(updated_hlc, NEW.hlc COLLATE "C")
            WHERE gid = NEW.entity_gid;
        ELSIF NEW.op = 'purge' THEN
            DELETE FROM candor.customers WHERE gid = NEW.entity_gid;
        END IF;
    ELSE
        IF NEW.op = 'insert' THEN
            INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
            VALUES (NEW.entity_gid, NEW.payload, NEW.hlc, NEW.hlc)
            ON CONFLICT (gid) DO NOTHING;
        ELSIF NEW.op = 'update' THEN
            UPDATE candor.entries SET
                data = candor.lww_data(data, clock, NEW.payload, NEW.hlc),
                clock = candor.lww_clock(clock, NEW.payload, NEW.hlc),
                updated_hlc = GREATEST(updated_hlc, NEW.hlc COLLATE "C")
            WHERE gid = NEW.entity_gid;
        ELSIF NEW.op = 'purge' THEN
            DELETE FROM candor.entries WHERE gid = NEW.entity_gid;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- Moves customers to `new_owner` in one transaction, each with a handover event that
-- carries its timeline note. Runs as the owner, so it checks the caller itself: the login
-- (session_user; current_user is the owner here) must be a manager. EXECUTE is granted to
-- managers only, so a rep is refused before it even runs.
CREATE FUNCTION candor.hand_over(customer_gids uuid[], new_owner text, note text,
                                 at_local text, stamp text, device text)
RETURNS TABLE (customer uuid, customer_name text, former_owner text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller text := session_user;
    c record;
    entry uuid;
    to_name text;
    by_name text;
    from_name text;
    summary text;
BEGIN
    IF NOT pg_has_role(caller, 'candor_manager', 'MEMBER') THEN
        RAISE EXCEPTION 'only a manager may hand customers over'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT r.full_name INTO to_name FROM candor.reps r WHERE r.login = new_owner;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nobody in the team has the login %', new_owner
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT COALESCE((SELECT r.full_name FROM candor.reps r WHERE r.login = caller), caller)
        INTO by_name;
    -- Pushes are serialised by this lock so that seq order is commit order (see sync.rs).
    PERFORM pg_advisory_xact_lock(4242002);
    FOR c IN SELECT cu.gid, cu.name, cu.owner_login FROM candor.customers cu
             WHERE cu.gid = ANY (customer_gids) AND cu.owner_login <> new_owner
             ORDER BY cu.gid FOR UPDATE LOOP
        SELECT COALESCE((SELECT r.full_name FROM candor.reps r WHERE r.login = c.owner_login),
                        c.owner_login) INTO from_name;
        entry := gen_random_uuid();
        summary := format('Handed over from %s to %s by %s', from_name, to_name, by_name)
            || CASE WHEN COALESCE(note, '') = '' THEN '' ELSE ': ' || note END;
        UPDATE candor.customers SET owner_login = new_owner WHERE gid = c.gid;
        DELETE FROM candor.customer_shares s WHERE s.customer_gid = c.gid AND s.login = new_owner;
        INSERT INTO candor.events (id, device_id, author, hlc, entity, entity_gid, customer_gid,
                                   op, payload)
        VALUES (gen_random_uuid(), device, caller, stamp, 'customer', c.gid, c.gid, 'handover',
            jsonb_build_object('from', c.owner_login, 'from_name', from_name,
                'to', new_owner, 'to_name', to_name, 'by', caller, 'by_name', by_name,
                'at', at_local, 'note', COALESCE(note, ''), 'entry_gid', entry,
                'entry', jsonb_build_object('customer', c.gid, 'related', NULL, 'kind', 'note',
                    'occurred_at', at_local, 'summary', summary, 'is_open', 0,
                    'created_at', at_local, 'updated_at', at_local)));
        customer := c.gid;
        customer_name := c.name;
        former_owner := c.owner_login;
        RETURN NEXT;
    END LOOP;
END
$$;

-- Shares a customer with a colleague, who may then log calls and problems on it. Its rep
-- or a manager may; the event tells the colleague's copy to fetch the customer's history.
CREATE FUNCTION candor.share_customer(target uuid, with_login text, stamp text,
                                      device text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller text := session_user;
    owner text;
    to_name text;
BEGIN
    SELECT cu.owner_login INTO owner FROM candor.customers cu WHERE cu.gid = target
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such customer' USING ERRCODE = 'no_data_found';
    END IF;
    IF owner <> caller AND NOT pg_has_role(caller, 'candor_manager', 'MEMBER') THEN
        RAISE EXCEPTION 'only the customer''s rep or a manager may share it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT r.full_name INTO to_name FROM candor.reps r WHERE r.login = with_login;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'nobody in the team has the login %', with_login
            USING ERRCODE = 'no_data_found';
    END IF;
    IF owner = with_login THEN
        RETURN false;
    END IF;
    INSERT INTO candor.customer_shares (customer_gid, login) VALUES (target, with_login)
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(4242002);
    INSERT INTO candor.events (id, device_id, author, hlc, entity, entity_gid, customer_gid, op,
                               payload)
    VALUES (gen_random_uuid(), device, caller, stamp, 'customer', target, target,
        'share', jsonb_build_object('to', with_login, 'to_name', to_name, 'by', caller));
    RETURN true;
END
$$;

REVOKE ALL ON FUNCTION candor.hand_over(uuid[], text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION candor.hand_over(uuid[], text, text, text, text, text) TO candor_manager;
REVOKE ALL ON FUNCTION candor.share_customer(uuid, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION candor.share_customer(uuid, text, text, text) TO candor_rep;
GRANT USAGE ON SCHEMA candor TO candor_manager;
"#;

/// The per-customer facts of the ranking, recomputed for the customers chosen by `{filter}`
/// (a condition on `c`, the customer), as the journal's own summary
/// (`src/store/summary.rs`) and facts query (`src/store/facts.rs`) compute them: the same
/// conditions on the same fields, so a team ranking equals each rep's own. Dates and
/// date-times stay in the journal's text form; they compare as bytes (`COLLATE "C"`), as
/// SQLite compares them. Open items and broken promises are small arrays, not the history.
const SUMMARY_REFRESH: &str = r#"
INSERT INTO candor.customer_summary AS s (
    customer_gid, owner_login, active, name, company, phone, cadence_days, created_at,
    last_reached_at, callback_owed_since, last_bad_news_at, last_problem_resolved_on,
    last_feedback_at, snoozed_until, last_rating, promises_kept, promises_broken,
    promises_renegotiated, entry_count, broken_promises, open_items, taken_over)
SELECT
    c.gid, c.owner_login,
    NOT c.archived AND c.data ->> 'deleted_at' IS NULL,
    COALESCE(c.name, ''), COALESCE(c.data ->> 'company', ''), COALESCE(c.data ->> 'phone', ''),
    (c.data ->> 'cadence_days')::integer, COALESCE(c.data ->> 'created_at', ''),
    f.last_reached, cb.owed_since, f.last_bad_news, f.last_resolved, f.last_feedback,
    f.snoozed_until, r.last_rating, f.kept, f.broken, f.renegotiated, f.entry_count,
    COALESCE(f.broken_promises, '[]'::jsonb), COALESCE(f.open_items, '[]'::jsonb), t.taken_over
FROM candor.customers c
CROSS JOIN LATERAL (
    SELECT
        MAX(e.occurred_at COLLATE "C") FILTER (WHERE e.kind = 'contact'
            AND e.data ->> 'outcome' = 'reached') AS last_reached,
        MAX(e.occurred_at COLLATE "C") FILTER (WHERE e.kind = 'bad_news') AS last_bad_news,
        MAX((e.data ->> 'closed_on') COLLATE "C") FILTER (WHERE e.kind = 'problem'
            AND e.status = 'resolved') AS last_resolved,
        MAX(e.occurred_at COLLATE "C") FILTER (WHERE e.kind = 'feedback') AS last_feedback,
        MAX((e.data ->> 'snooze_until') COLLATE "C") FILTER (WHERE e.kind = 'snooze')
            AS snoozed_until,
        COUNT(*) FILTER (WHERE e.kind = 'promise' AND e.status = 'kept')::integer AS kept,
        COUNT(*) FILTER (WHERE e.kind = 'promise' AND e.status = 'broken')::integer AS broken,
        COUNT(*) FILTER (WHERE e.kind = 'promise' AND e.data ->> 'renegotiations' IS NOT NULL
            AND e.data ->> 'renegotiations' <> '[]')::integer AS renegotiated,
        COUNT(*)::integer AS entry_count,
        jsonb_agg(jsonb_build_object(
            'gid', e.gid, 'hlc', e.created_hlc, 'what', left(e.data ->> 'summary', 200),
            'due', e.data ->> 'due_date', 'closed_on', e.data ->> 'closed_on',
            'updated_at', e.data ->> 'updated_at',
            'told', EXISTS (SELECT 1 FROM candor.entries b
                WHERE b.customer_gid = e.customer_gid AND b.kind = 'bad_news'
                  AND b.deleted_at IS NULL AND b.data ->> 'related' = e.gid::text)))
            FILTER (WHERE e.kind = 'promise' AND e.status = 'broken') AS broken_promises,
        jsonb_agg(jsonb_build_object(
            'gid', e.gid, 'hlc', e.created_hlc, 'kind', e.kind,
            'what', left(e.data ->> 'summary', 200), 'occurred_at', e.occurred_at,
            'due', e.data ->> 'due_date', 'category', e.data ->> 'category',
            'at_risk_since', e.data ->> 'at_risk_since', 'risk_reason', e.data ->> 'risk_reason',
            'status', e.status, 'status_changed_at', e.data ->> 'status_changed_at',
            'owner', e.data ->> 'owner', 'invoice_ref', e.data ->> 'invoice_ref',
            'amount_cents', e.data -> 'amount_cents'))
            FILTER (WHERE e.data ->> 'is_open' IN ('1', 'true')) AS open_items
    FROM candor.entries e
    WHERE e.customer_gid = c.gid AND e.deleted_at IS NULL
) f
CROSS JOIN LATERAL (
    SELECT MIN(e.occurred_at COLLATE "C") AS owed_since FROM candor.entries e
    WHERE e.customer_gid = c.gid AND e.kind = 'contact' AND e.deleted_at IS NULL
      AND e.data ->> 'direction' = 'inbound' AND e.data ->> 'outcome' <> 'reached'
      AND e.occurred_at COLLATE "C" > COALESCE(f.last_reached, '')
) cb
LEFT JOIN LATERAL (
    SELECT jsonb_build_object('gid', e.gid, 'hlc', e.created_hlc,
        'rating', e.data -> 'rating', 'at', e.occurred_at) AS last_rating
    FROM candor.entries e
    WHERE e.customer_gid = c.gid AND e.kind = 'feedback' AND e.deleted_at IS NULL
      AND e.data ->> 'rating' IS NOT NULL
    ORDER BY e.occurred_at COLLATE "C" DESC LIMIT 1
) r ON true
LEFT JOIN LATERAL (
    -- The handover that gave the customer to its rep (the newest), for "you took over".
    SELECT jsonb_build_object('from', COALESCE(NULLIF(ev.payload ->> 'from_name', ''),
        ev.payload ->> 'from'), 'at', ev.payload ->> 'at') AS taken_over
    FROM candor.events ev
    WHERE ev.customer_gid = c.gid AND ev.op = 'handover' AND ev.payload ->> 'to' = c.owner_login
    ORDER BY ev.seq DESC LIMIT 1
) t ON true
WHERE {filter}
ON CONFLICT (customer_gid) DO UPDATE SET
    owner_login = EXCLUDED.owner_login, active = EXCLUDED.active, name = EXCLUDED.name,
    company = EXCLUDED.company, phone = EXCLUDED.phone, cadence_days = EXCLUDED.cadence_days,
    created_at = EXCLUDED.created_at, last_reached_at = EXCLUDED.last_reached_at,
    callback_owed_since = EXCLUDED.callback_owed_since,
    last_bad_news_at = EXCLUDED.last_bad_news_at,
    last_problem_resolved_on = EXCLUDED.last_problem_resolved_on,
    last_feedback_at = EXCLUDED.last_feedback_at, snoozed_until = EXCLUDED.snoozed_until,
    last_rating = EXCLUDED.last_rating, promises_kept = EXCLUDED.promises_kept,
    promises_broken = EXCLUDED.promises_broken,
    promises_renegotiated = EXCLUDED.promises_renegotiated,
    entry_count = EXCLUDED.entry_count, broken_promises = EXCLUDED.broken_promises,
    open_items = EXCLUDED.open_items, taken_over = EXCLUDED.taken_over
"#;

/// Version 3 (issue 13): the per-customer summary the team ranking reads, one row per
/// customer, so `team rank` never downloads the entries. Kept by triggers on the
/// projection (so every path that writes it — pushed events, handovers — keeps it current;
/// recomputed once per changed customer when the transaction commits),
/// filled for the existing customers, and under the same row-level security as
/// `candor.customers`. Self-contained, so it can be renumbered when merged.
fn summary_step_sql() -> String {
    format!(
        r#"
CREATE TABLE candor.customer_summary (
    customer_gid             uuid PRIMARY KEY,
    owner_login              text NOT NULL,
    -- Neither archived nor in the trash.
    active                   boolean NOT NULL,
    name                     text NOT NULL,
    company                  text NOT NULL,
    phone                    text NOT NULL,
    cadence_days             integer,
    created_at               text NOT NULL,
    last_reached_at          text COLLATE "C",
    callback_owed_since      text COLLATE "C",
    last_bad_news_at         text COLLATE "C",
    last_problem_resolved_on text COLLATE "C",
    last_feedback_at         text COLLATE "C",
    snoozed_until            text COLLATE "C",
    last_rating              jsonb,
    promises_kept            integer NOT NULL,
    promises_broken          integer NOT NULL,
    promises_renegotiated    integer NOT NULL,
    entry_count              integer NOT NULL,
    broken_promises          jsonb NOT NULL,
    open_items               jsonb NOT NULL,
    taken_over               jsonb
);
CREATE INDEX customer_summary_by_owner ON candor.customer_summary (owner_login);
-- Who sent changes last (the Team view's "last sync"), one index probe per rep.
CREATE INDEX events_by_author ON candor.events (author, received_at);

CREATE FUNCTION candor.refresh_summary(target uuid)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF target IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM candor.customer_summary s WHERE s.customer_gid = target
        AND NOT EXISTS (SELECT 1 FROM candor.customers c WHERE c.gid = target);
    {refresh_one};
END
$fn$;

-- Every customer at once: the backfill of this step, and after a bulk load.
CREATE FUNCTION candor.refresh_all_summaries()
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    DELETE FROM candor.customer_summary;
    {refresh_all};
END
$fn$;

-- A change marks its customer; the summary is recomputed once per customer when the
-- transaction commits (a push of 2,000 events about 20 customers recomputes 20 rows, not
-- 2,000), by a deferred trigger on the mark.
CREATE TABLE candor.summary_dirty (customer_gid uuid PRIMARY KEY);

CREATE FUNCTION candor.mark_summary(target uuid)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    INSERT INTO candor.summary_dirty (customer_gid) SELECT target WHERE target IS NOT NULL
    ON CONFLICT DO NOTHING
$fn$;

CREATE FUNCTION candor.summary_after_entry()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM candor.mark_summary(OLD.customer_gid);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
                            AND NEW.customer_gid IS DISTINCT FROM OLD.customer_gid) THEN
        PERFORM candor.mark_summary(NEW.customer_gid);
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER summary_after_entry AFTER INSERT OR UPDATE OR DELETE ON candor.entries
    FOR EACH ROW EXECUTE FUNCTION candor.summary_after_entry();

CREATE FUNCTION candor.summary_after_customer()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    PERFORM candor.mark_summary(CASE WHEN TG_OP = 'DELETE' THEN OLD.gid ELSE NEW.gid END);
    RETURN NULL;
END
$fn$;
CREATE TRIGGER summary_after_customer AFTER INSERT OR UPDATE OR DELETE ON candor.customers
    FOR EACH ROW EXECUTE FUNCTION candor.summary_after_customer();

CREATE FUNCTION candor.summary_at_commit()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    DELETE FROM candor.summary_dirty d WHERE d.customer_gid = NEW.customer_gid;
    PERFORM candor.refresh_summary(NEW.customer_gid);
    RETURN NULL;
END
$fn$;
CREATE CONSTRAINT TRIGGER summary_at_commit AFTER INSERT ON candor.summary_dirty
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION candor.summary_at_commit();

SELECT candor.refresh_all_summaries();

ALTER TABLE candor.customer_summary ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.customer_summary FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON candor.customer_summary TO candor_owner USING (true) WITH CHECK (true);
ALTER TABLE candor.summary_dirty ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.summary_dirty FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON candor.summary_dirty TO candor_owner USING (true) WITH CHECK (true);
-- Exactly as candor.customers: their own, the ones shared with them, all for a manager.
CREATE POLICY rep_read ON candor.customer_summary FOR SELECT TO candor_rep
    USING (owner_login = current_user
        OR pg_has_role(current_user, 'candor_manager', 'MEMBER')
        OR EXISTS (SELECT 1 FROM candor.customer_shares s
                   WHERE s.customer_gid = customer_summary.customer_gid
                     AND s.login = current_user));

REVOKE ALL ON candor.customer_summary, candor.summary_dirty FROM PUBLIC;
GRANT SELECT ON candor.customer_summary TO candor_rep;
REVOKE ALL ON FUNCTION candor.refresh_summary(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.refresh_all_summaries() FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.summary_after_entry() FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.summary_after_customer() FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.summary_at_commit() FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.mark_summary(uuid) FROM PUBLIC;
"#,
        refresh_one = SUMMARY_REFRESH.replace("{filter}", "c.gid = target").trim(),
        refresh_all = SUMMARY_REFRESH.replace("{filter}", "true").trim(),
    )
}

/// Version 5 (issue 12): announcements sync. An announcement belongs to no customer, so its
/// events carry none: its author's devices read it (as they read every event they wrote),
/// and so does the whole team when the author is a manager. Its picked customers and each
/// customer's telling are events of that customer, visible with it. The projection keeps
/// customers and entries only; these events live in the event log, which is what every
/// journal pulls. Self-contained, so it can be renumbered when merged.
const ANNOUNCEMENTS_STEP: &str = r#"
ALTER TABLE candor.events DROP CONSTRAINT events_entity_check;
ALTER TABLE candor.events ADD CONSTRAINT events_entity_check
    CHECK (entity IN ('customer', 'entry', 'announcement', 'announcement_customer', 'telling'));
ALTER TABLE candor.events ALTER COLUMN customer_gid DROP NOT NULL;
ALTER TABLE candor.events ADD CONSTRAINT events_customer_check
    CHECK (customer_gid IS NOT NULL OR entity = 'announcement');

-- A manager's announcement is for the whole team (another policy for reading events:
-- permissive policies add up).
CREATE POLICY team_announcements ON candor.events FOR SELECT TO candor_rep
    USING (entity = 'announcement'
        AND author IN (SELECT r.login FROM candor.reps r WHERE r.is_manager));

-- The projection applies customers and entries only: the version 4 function, renamed,
-- runs for those; the events of the new kinds are left in the log.
ALTER FUNCTION candor.project_one(candor.events) RENAME TO project_customer_or_entry;
CREATE FUNCTION candor.project_one(ev candor.events)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ev.entity IN ('customer', 'entry') THEN
        PERFORM candor.project_customer_or_entry(ev);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION candor.project_one(candor.events) FROM PUBLIC;
"#;

/// Version 4 (issue 12's upload target): the projection and the summary marks are kept per
/// statement instead of per row. A pushed batch of 2,000 events ran the plpgsql projection
/// trigger, and for every new entry a summary trigger, 2,000 times each; now one statement
/// trigger reads the batch from its transition table and inserts the new customers and
/// entries set-based, and the new rows mark their customers once per statement. Events whose
/// entity also has an update or purge in the same statement (and handovers, shares) are still
/// applied one by one in sequence order, exactly as before, so the outcome does not change.
/// Self-contained, so it can be renumbered when merged.
fn statement_projection_step_sql() -> String {
    format!(
        r#"
-- One event applied to the projection: the body of version 2's row trigger.
CREATE FUNCTION candor.project_one(ev candor.events)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ev.op = 'handover' THEN
        INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
        VALUES ((ev.payload ->> 'entry_gid')::uuid, ev.payload -> 'entry', ev.hlc, ev.hlc)
        ON CONFLICT (gid) DO NOTHING;
        RETURN;
    ELSIF ev.op = 'share' THEN
        RETURN;
    END IF;
    IF ev.entity = 'customer' THEN
        IF ev.op = 'insert' THEN
            INSERT INTO candor.customers (gid, owner_login, data, created_hlc, updated_hlc)
            VALUES (ev.entity_gid, ev.author, ev.payload, ev.hlc, ev.hlc)
            ON CONFLICT (gid) DO NOTHING;
        ELSIF ev.op = 'update' THEN
            UPDATE candor.customers SET
                data = candor.lww_data(data, clock, ev.payload, ev.hlc),
                clock = candor.lww_clock(clock, ev.payload, ev.hlc),
                updated_hlc = GREATEST(updated_hlc, ev.hlc COLLATE "C")
            WHERE gid = ev.entity_gid;
        ELSIF ev.op = 'purge' THEN
            DELETE FROM candor.customers WHERE gid = ev.entity_gid;
        END IF;
    ELSE
        IF ev.op = 'insert' THEN
            INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
            VALUES (ev.entity_gid, ev.payload, ev.hlc, ev.hlc)
            ON CONFLICT (gid) DO NOTHING;
        ELSIF ev.op = 'update' THEN
            UPDATE candor.entries SET
                data = candor.lww_data(data, clock, ev.payload, ev.hlc),
                clock = candor.lww_clock(clock, ev.payload, ev.hlc),
                updated_hlc = GREATEST(updated_hlc, ev.hlc COLLATE "C")
            WHERE gid = ev.entity_gid;
        ELSIF ev.op = 'purge' THEN
            DELETE FROM candor.entries WHERE gid = ev.entity_gid;
        END IF;
    END IF;
END
$$;

-- Every event of one INSERT statement. Inserts of an entity nothing else in the statement
-- touches go in set-based (first by seq wins, as before: ON CONFLICT DO NOTHING); the rest
-- (updates, purges, handovers, shares, and the inserts of entities they touch) one by one in
-- seq order, as the row trigger did.
CREATE FUNCTION candor.project_events()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ev candor.events;
    -- An array, not an anti-join: the transition table has no statistics, and a nested loop
    -- over it is quadratic in the batch size.
    sequential uuid[] := ARRAY(SELECT DISTINCT o.entity_gid FROM new_events o
                               WHERE o.op <> 'insert');
BEGIN
    INSERT INTO candor.customers (gid, owner_login, data, created_hlc, updated_hlc)
        SELECT n.entity_gid, n.author, n.payload, n.hlc, n.hlc FROM new_events n
        WHERE n.entity = 'customer' AND n.op = 'insert' AND NOT n.entity_gid = ANY (sequential)
        ORDER BY n.seq
        ON CONFLICT (gid) DO NOTHING;
    INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
        SELECT n.entity_gid, n.payload, n.hlc, n.hlc FROM new_events n
        WHERE n.entity = 'entry' AND n.op = 'insert' AND NOT n.entity_gid = ANY (sequential)
        ORDER BY n.seq
        ON CONFLICT (gid) DO NOTHING;
    IF cardinality(sequential) > 0 THEN
        FOR ev IN SELECT n.* FROM new_events n WHERE n.entity_gid = ANY (sequential)
                  ORDER BY n.seq LOOP
            PERFORM candor.project_one(ev);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER project_event ON candor.events;

-- The summary's lookups (a customer's live entries, of one kind) as one index: without it,
-- before the first ANALYZE of a freshly filled table, the planner picked the (kind, status)
-- index and every summary refresh read all entries of that kind in the team.
CREATE INDEX entries_live_by_customer ON candor.entries (customer_gid, kind, occurred_at)
    WHERE deleted_at IS NULL;
CREATE TRIGGER project_events AFTER INSERT ON candor.events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION candor.project_events();

-- New customers and entries mark their customers once per statement; updates and deletes
-- keep version 3's row triggers (few, and they need the old row).
CREATE FUNCTION candor.summary_after_new_entries()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO candor.summary_dirty (customer_gid)
        SELECT DISTINCT n.customer_gid FROM new_rows n WHERE n.customer_gid IS NOT NULL
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE FUNCTION candor.summary_after_new_customers()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO candor.summary_dirty (customer_gid)
        SELECT DISTINCT n.gid FROM new_rows n
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER summary_after_entry ON candor.entries;
CREATE TRIGGER summary_after_entry AFTER UPDATE OR DELETE ON candor.entries
    FOR EACH ROW EXECUTE FUNCTION candor.summary_after_entry();
CREATE TRIGGER summary_after_new_entries AFTER INSERT ON candor.entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION candor.summary_after_new_entries();
DROP TRIGGER summary_after_customer ON candor.customers;
CREATE TRIGGER summary_after_customer AFTER UPDATE OR DELETE ON candor.customers
    FOR EACH ROW EXECUTE FUNCTION candor.summary_after_customer();
CREATE TRIGGER summary_after_new_customers AFTER INSERT ON candor.customers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION candor.summary_after_new_customers();

REVOKE ALL ON FUNCTION candor.project_one(candor.events) FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.project_events() FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.summary_after_new_entries() FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.summary_after_new_customers() FROM PUBLIC;

-- At commit, the first firing refreshes every marked customer in one statement, planned
-- afresh (EXECUTE): a plan cached early in a long upload was made for a nearly empty table
-- and read all entries for every customer. The later firings find their mark gone.
CREATE OR REPLACE FUNCTION candor.summary_at_commit()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    targets uuid[];
BEGIN
    WITH gone AS (DELETE FROM candor.summary_dirty d RETURNING d.customer_gid)
    SELECT array_agg(g.customer_gid) INTO targets FROM gone g;
    IF targets IS NULL THEN
        RETURN NULL;
    END IF;
    DELETE FROM candor.customer_summary s WHERE s.customer_gid = ANY (targets)
        AND NOT EXISTS (SELECT 1 FROM candor.customers c WHERE c.gid = s.customer_gid);
    EXECUTE $refresh$ {refresh_many} $refresh$ USING targets;
    RETURN NULL;
END
$fn$;
"#,
        refresh_many = SUMMARY_REFRESH
            .replace("{filter}", "c.gid = ANY ($1)")
            .trim(),
    )
}

/// Version 6 (issue 13's ranking target): the read policies of the customers and their
/// summary ask "is the caller a manager?" once per query instead of once per row. Written
/// inline, `pg_has_role` ran for every row a manager read (about 1 µs each: half a second
/// at 500,000 customers), and its cost estimate pushed the plan over PostgreSQL's JIT
/// threshold (0.4 s of compiling for a 0.1 s scan). As a scalar subquery it is an init
/// plan, evaluated once; the shares are an uncorrelated `IN`, hashed once (the correlated
/// `EXISTS` was hashed too, but estimated as if probed per row, 13 cost units a row). Who
/// sees what does not change. Self-contained, so it can be renumbered
/// when merged.
const POLICY_ONCE_STEP: &str = r#"
DROP POLICY rep_read ON candor.customers;
CREATE POLICY rep_read ON candor.customers FOR SELECT TO candor_rep
    USING (owner_login = current_user
        OR (SELECT pg_has_role(current_user, 'candor_manager', 'MEMBER'))
        OR gid IN (SELECT s.customer_gid FROM candor.customer_shares s
                   WHERE s.login = current_user));
DROP POLICY rep_read ON candor.customer_summary;
CREATE POLICY rep_read ON candor.customer_summary FOR SELECT TO candor_rep
    USING (owner_login = current_user
        OR (SELECT pg_has_role(current_user, 'candor_manager', 'MEMBER'))
        OR customer_gid IN (SELECT s.customer_gid FROM candor.customer_shares s
                            WHERE s.login = current_user));
"#;

/// Version 7 (issue 13, part 2): the summary's four small arrays and objects (last rating,
/// broken promises, open items, handover) kept as the text of their JSON, not as `jsonb`.
/// `team rank` reads every row of the summary; turning `jsonb` back into text for each one
/// (`jsonb_out`) was most of the server's work: at 500,000 customers, sending the rows
/// took 1.7 s with `jsonb` and 0.9 s with the same JSON stored as text. The refresh
/// functions need no change: their `jsonb` values are stored as text by PostgreSQL's
/// assignment cast (the same `jsonb_out`, once per change instead of once per read). The
/// existing rows are converted in place (the backfill).
const SUMMARY_TEXT_STEP: &str = r#"
ALTER TABLE candor.customer_summary
    ALTER COLUMN last_rating TYPE text USING last_rating::text,
    ALTER COLUMN broken_promises TYPE text USING broken_promises::text,
    ALTER COLUMN open_items TYPE text USING open_items::text,
    ALTER COLUMN taken_over TYPE text USING taken_over::text;
"#;

/// Version 8 (issue 12's upload target): one index less to keep per uploaded entry.
/// `entries_by_customer` (customer, date) duplicated version 4's `entries_live_by_customer`
/// (customer, kind, date, live entries only) for every query that reads entries: each of
/// them (the summary refresh, the reports, the Team view) asks for live entries only, and the
/// projection finds an entry by its primary key. A first upload of a million entries
/// updated both. Self-contained, so it can be renumbered when merged.
const ONE_ENTRY_INDEX_STEP: &str = r#"
DROP INDEX candor.entries_by_customer;
"#;

/// Version 9 (issue 13, part 2's gaps): the server knows the announcements, so the team
/// ranking gives the reasons each rep's own ranking gives ("tell them about the price
/// increase"), and the team has settings of its own (its currency, for the team reports).
/// Until now announcements, their picked customers and tellings lived only in the event
/// log, where a manager could not read a rep's own announcements, and finding them meant
/// scanning every event. They are projected into three small tables, kept by the
/// projection trigger like customers and entries, and filled from the log (the backfill).
/// Who sees an announcement: its author, every manager, and everyone when a manager wrote
/// it; picks and tellings are seen with their customer. Self-contained, so it can be
/// renumbered when merged.
const TEAM_ANNOUNCEMENTS_STEP: &str = r#"
CREATE TABLE candor.announcements (
    gid            uuid PRIMARY KEY,
    author         text NOT NULL,
    kind           text NOT NULL,
    title          text NOT NULL,
    reason         text NOT NULL,
    effective_on   text COLLATE "C" NOT NULL,
    audience       text NOT NULL,
    audience_value text NOT NULL,
    created_at     text NOT NULL
);
CREATE INDEX announcements_by_effective ON candor.announcements (effective_on);
CREATE TABLE candor.announcement_customers (
    announcement_gid uuid NOT NULL,
    customer_gid     uuid NOT NULL,
    PRIMARY KEY (announcement_gid, customer_gid)
);
-- One telling per bad-news entry; it counts while that entry is live (joined at read time,
-- so the trash and purges need nothing here).
CREATE TABLE candor.announcement_tellings (
    entry_gid        uuid PRIMARY KEY,
    announcement_gid uuid NOT NULL,
    customer_gid     uuid NOT NULL
);
CREATE INDEX announcement_tellings_by_announcement
    ON candor.announcement_tellings (announcement_gid);
-- Team-wide settings (the currency of the team reports), set by the administrator or a
-- manager.
CREATE TABLE candor.team_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- A text that is a uuid, or NULL (a malformed payload is left out, never fails a push).
CREATE FUNCTION candor.uuid_or_null(text_value text)
RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN text_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN text_value::uuid END
$$;

-- One event of the announcement kinds applied to the projection.
CREATE FUNCTION candor.project_announcement(ev candor.events)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    announcement uuid := candor.uuid_or_null(ev.payload ->> 'announcement');
BEGIN
    IF ev.entity = 'announcement' AND ev.op = 'insert' THEN
        INSERT INTO candor.announcements (gid, author, kind, title, reason, effective_on,
                                          audience, audience_value, created_at)
        SELECT ev.entity_gid, ev.author, ev.payload ->> 'kind', ev.payload ->> 'title',
               COALESCE(ev.payload ->> 'reason', ''), ev.payload ->> 'effective_on',
               ev.payload ->> 'audience', COALESCE(ev.payload ->> 'audience_value', ''),
               COALESCE(ev.payload ->> 'created_at', '')
        WHERE ev.payload ->> 'kind' IS NOT NULL AND ev.payload ->> 'title' IS NOT NULL
          AND ev.payload ->> 'effective_on' IS NOT NULL AND ev.payload ->> 'audience' IS NOT NULL
        ON CONFLICT (gid) DO NOTHING;
    ELSIF ev.entity = 'announcement' AND ev.op = 'purge' THEN
        DELETE FROM candor.announcements a WHERE a.gid = ev.entity_gid;
        DELETE FROM candor.announcement_customers p WHERE p.announcement_gid = ev.entity_gid;
        DELETE FROM candor.announcement_tellings t WHERE t.announcement_gid = ev.entity_gid;
    ELSIF ev.entity = 'announcement_customer' AND ev.op = 'insert' THEN
        INSERT INTO candor.announcement_customers (announcement_gid, customer_gid)
        SELECT announcement, candor.uuid_or_null(ev.payload ->> 'customer')
        WHERE announcement IS NOT NULL
          AND candor.uuid_or_null(ev.payload ->> 'customer') IS NOT NULL
        ON CONFLICT DO NOTHING;
    ELSIF ev.entity = 'telling' AND ev.op = 'insert' THEN
        INSERT INTO candor.announcement_tellings (entry_gid, announcement_gid, customer_gid)
        SELECT ev.entity_gid, announcement, ev.customer_gid
        WHERE announcement IS NOT NULL AND ev.customer_gid IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;

-- As version 5, plus the announcement kinds.
CREATE OR REPLACE FUNCTION candor.project_one(ev candor.events)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ev.entity IN ('customer', 'entry') THEN
        PERFORM candor.project_customer_or_entry(ev);
    ELSE
        PERFORM candor.project_announcement(ev);
    END IF;
END
$$;

-- As version 4, plus: events of the announcement kinds (not inserted set-based above) are
-- applied one by one in seq order; a pushed batch holds few of them.
CREATE OR REPLACE FUNCTION candor.project_events()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ev candor.events;
    sequential uuid[] := ARRAY(SELECT DISTINCT o.entity_gid FROM new_events o
                               WHERE o.op <> 'insert');
BEGIN
    INSERT INTO candor.customers (gid, owner_login, data, created_hlc, updated_hlc)
        SELECT n.entity_gid, n.author, n.payload, n.hlc, n.hlc FROM new_events n
        WHERE n.entity = 'customer' AND n.op = 'insert' AND NOT n.entity_gid = ANY (sequential)
        ORDER BY n.seq
        ON CONFLICT (gid) DO NOTHING;
    INSERT INTO candor.entries (gid, data, created_hlc, updated_hlc)
        SELECT n.entity_gid, n.payload, n.hlc, n.hlc FROM new_events n
        WHERE n.entity = 'entry' AND n.op = 'insert' AND NOT n.entity_gid = ANY (sequential)
        ORDER BY n.seq
        ON CONFLICT (gid) DO NOTHING;
    FOR ev IN SELECT n.* FROM new_events n
              WHERE n.entity_gid = ANY (sequential)
                 OR n.entity NOT IN ('customer', 'entry')
              ORDER BY n.seq LOOP
        PERFORM candor.project_one(ev);
    END LOOP;
    RETURN NULL;
END
$$;

-- The backfill: every announcement event already in the log, in order.
DO $$
DECLARE
    ev candor.events;
BEGIN
    FOR ev IN SELECT e.* FROM candor.events e
              WHERE e.entity IN ('announcement', 'announcement_customer', 'telling')
              ORDER BY e.seq LOOP
        PERFORM candor.project_announcement(ev);
    END LOOP;
END
$$;

ALTER TABLE candor.announcements ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.announcements FORCE ROW LEVEL SECURITY;
ALTER TABLE candor.announcement_customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.announcement_customers FORCE ROW LEVEL SECURITY;
ALTER TABLE candor.announcement_tellings ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.announcement_tellings FORCE ROW LEVEL SECURITY;
ALTER TABLE candor.team_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE candor.team_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON candor.announcements TO candor_owner USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON candor.announcement_customers TO candor_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON candor.announcement_tellings TO candor_owner
    USING (true) WITH CHECK (true);
CREATE POLICY owner_all ON candor.team_settings TO candor_owner USING (true) WITH CHECK (true);
CREATE POLICY rep_read ON candor.announcements FOR SELECT TO candor_rep
    USING (author = current_user
        OR (SELECT pg_has_role(current_user, 'candor_manager', 'MEMBER'))
        OR author IN (SELECT r.login FROM candor.reps r WHERE r.is_manager));
CREATE POLICY rep_read ON candor.announcement_customers FOR SELECT TO candor_rep
    USING (EXISTS (SELECT 1 FROM candor.customers c
                   WHERE c.gid = announcement_customers.customer_gid));
CREATE POLICY rep_read ON candor.announcement_tellings FOR SELECT TO candor_rep
    USING (EXISTS (SELECT 1 FROM candor.customers c
                   WHERE c.gid = announcement_tellings.customer_gid));
CREATE POLICY rep_read ON candor.team_settings FOR SELECT TO candor_rep USING (true);
CREATE POLICY manager_write ON candor.team_settings TO candor_manager
    USING (true) WITH CHECK (true);

REVOKE ALL ON candor.announcements, candor.announcement_customers,
    candor.announcement_tellings, candor.team_settings FROM PUBLIC;
GRANT SELECT ON candor.announcements, candor.announcement_customers,
    candor.announcement_tellings, candor.team_settings TO candor_rep;
GRANT INSERT, UPDATE, DELETE ON candor.team_settings TO candor_manager;
REVOKE ALL ON FUNCTION candor.project_announcement(candor.events) FROM PUBLIC;
REVOKE ALL ON FUNCTION candor.uuid_or_null(text) FROM PUBLIC;
"#;

/// The roles, created once per PostgreSQL cluster (two teams in one cluster share them).
const ROLES: &str = r#"
DO $$
BEGIN
    BEGIN CREATE ROLE candor_owner NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
    BEGIN CREATE ROLE candor_rep NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
    BEGIN CREATE ROLE candor_manager NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
END
$$;
"#;

/// The version of the team schema in the database the transaction is connected to
/// (0: none yet).
pub fn version(tx: &mut Transaction<'_>) -> Result<i32, postgres::Error> {
    let exists: bool = tx
        .query_one(
            "SELECT to_regclass('candor.schema_version') IS NOT NULL",
            &[],
        )?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = tx.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM candor.schema_version",
        &[],
    )?;
    Ok(row.get(0))
}

/// What `team init` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    /// A fresh schema was created.
    Created,
    /// An older schema was upgraded from this version.
    Upgraded { from: i32 },
    /// The schema was already current: nothing changed.
    AlreadyCurrent,
}

/// Why an init stopped before changing anything.
#[derive(Debug)]
pub enum InitRefusal {
    /// The schema is newer than this Candor.
    TooNew(i32),
    /// The server failed.
    Server(postgres::Error),
}

impl From<postgres::Error> for InitRefusal {
    fn from(error: postgres::Error) -> Self {
        Self::Server(error)
    }
}

/// Creates or upgrades the schema, in one transaction.
pub fn init(client: &mut postgres::Client) -> Result<InitOutcome, InitRefusal> {
    init_to(client, TEAM_SCHEMA_VERSION)
}

/// Creates or upgrades the schema to `target` (older than current only in tests that
/// check an upgrade), in one transaction.
#[doc(hidden)]
pub fn init_to(client: &mut postgres::Client, target: i32) -> Result<InitOutcome, InitRefusal> {
    let mut tx = client.transaction()?;
    // Two administrators running init at once: the second waits, then finds it done.
    tx.execute("SELECT pg_advisory_xact_lock(4242001)", &[])?;
    let found = version(&mut tx)?;
    if found > target {
        return Err(InitRefusal::TooNew(found));
    }
    if found >= target {
        return Ok(InitOutcome::AlreadyCurrent);
    }
    tx.batch_execute(ROLES)?;
    // The administrator creates the objects as the owner role (a CREATEROLE administrator
    // who is not a superuser needs its membership to do so).
    let is_member: bool = tx
        .query_one(
            "SELECT pg_has_role(current_user, 'candor_owner', 'MEMBER')",
            &[],
        )?
        .get(0);
    if !is_member {
        tx.batch_execute("GRANT candor_owner TO CURRENT_USER")?;
    }
    if found == 0 {
        tx.batch_execute(
            "CREATE SCHEMA IF NOT EXISTS candor AUTHORIZATION candor_owner; \
             SET LOCAL ROLE candor_owner;",
        )?;
    } else {
        tx.batch_execute("SET LOCAL ROLE candor_owner")?;
    }
    for step in found..target {
        if step == 0 {
            tx.batch_execute(SCHEMA_V1)?;
        }
        if step == 1 {
            tx.batch_execute(OWNERSHIP_STEP)?;
        }
        if step == 2 {
            tx.batch_execute(&summary_step_sql())?;
        }
        if step == 3 {
            tx.batch_execute(&statement_projection_step_sql())?;
        }
        if step == 4 {
            tx.batch_execute(ANNOUNCEMENTS_STEP)?;
        }
        if step == 5 {
            tx.batch_execute(POLICY_ONCE_STEP)?;
        }
        if step == 6 {
            tx.batch_execute(SUMMARY_TEXT_STEP)?;
        }
        if step == 7 {
            tx.batch_execute(ONE_ENTRY_INDEX_STEP)?;
        }
        if step == 8 {
            tx.batch_execute(TEAM_ANNOUNCEMENTS_STEP)?;
        }
        // Future upgrades: `step == 9 => …`, each saying why.
    }
    tx.execute("DELETE FROM candor.schema_version", &[])?;
    tx.execute(
        "INSERT INTO candor.schema_version (version) VALUES ($1)",
        &[&target],
    )?;
    tx.batch_execute("RESET ROLE")?;
    tx.commit()?;
    Ok(if found == 0 {
        InitOutcome::Created
    } else {
        InitOutcome::Upgraded { from: found }
    })
}
