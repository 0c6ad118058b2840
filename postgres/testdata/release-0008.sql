--
-- PostgreSQL database dump
--

\restrict B4opYSq8ep1Exa77eQCXeC1ashF6gcyZy4G98qg7XfrdU71Pf6rjdZGWwEw7HBv

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: driveway_fixture_schema; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA driveway_fixture_schema;


--
-- Name: events_webhook_outbox(); Type: FUNCTION; Schema: driveway_fixture_schema; Owner: -
--

CREATE FUNCTION driveway_fixture_schema.events_webhook_outbox() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE project_id = NEW.project_id AND enabled) THEN
		INSERT INTO webhook_outbox (project_id, event_id) VALUES (NEW.project_id, NEW.id);
	END IF;
	RETURN NULL;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: api_keys; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.api_keys (
    id text NOT NULL COLLATE pg_catalog."C",
    project_id text COLLATE pg_catalog."C",
    name text NOT NULL,
    hash bytea NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone
);


--
-- Name: connected_users; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.connected_users (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    metadata jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: credentials; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.credentials (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    user_id text NOT NULL COLLATE pg_catalog."C",
    integration text NOT NULL,
    status text NOT NULL,
    health_reason text NOT NULL,
    account_tenant_id text NOT NULL,
    account_object_id text NOT NULL,
    account_upn text NOT NULL,
    account_display_name text NOT NULL,
    account_email text NOT NULL,
    drive_id text NOT NULL,
    drive_type text NOT NULL,
    access_token text NOT NULL,
    refresh_token text NOT NULL,
    access_token_expires_at timestamp with time zone,
    scopes jsonb NOT NULL,
    version bigint NOT NULL,
    last_refresh_at timestamp with time zone,
    refresh_failures integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: drive_items; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.drive_items (
    project_id text NOT NULL,
    credential_id text NOT NULL,
    item_id text NOT NULL,
    parent_id text NOT NULL,
    name text NOT NULL,
    folder boolean NOT NULL,
    root boolean NOT NULL,
    etag text NOT NULL,
    ctag text NOT NULL
);


--
-- Name: drive_watches; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.drive_watches (
    project_id text NOT NULL,
    credential_id text NOT NULL,
    user_id text NOT NULL,
    subscription_id text,
    client_state text,
    status text NOT NULL,
    reason text NOT NULL,
    expires_at timestamp with time zone,
    renew_at timestamp with time zone,
    delta_link text NOT NULL,
    notify_seq bigint NOT NULL,
    done_seq bigint NOT NULL,
    last_delta_at timestamp with time zone,
    version bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: events; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.events (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    kind text NOT NULL,
    user_id text NOT NULL COLLATE pg_catalog."C",
    credential_id text NOT NULL COLLATE pg_catalog."C",
    data jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: install_sessions; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.install_sessions (
    project_id text NOT NULL COLLATE pg_catalog."C",
    user_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    credential_id text NOT NULL,
    error text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone
);


--
-- Name: integration_client_secrets; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.integration_client_secrets (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    "position" integer NOT NULL,
    value text NOT NULL,
    hint text NOT NULL,
    expires_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: integrations; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.integrations (
    project_id text NOT NULL COLLATE pg_catalog."C",
    client_id text NOT NULL,
    scopes jsonb NOT NULL,
    tenant text NOT NULL,
    cloud text NOT NULL,
    enabled boolean NOT NULL,
    cert_private_key text,
    cert_thumbprint text NOT NULL,
    cert_expires_at timestamp with time zone,
    alarm_reason text,
    alarm_detail text NOT NULL,
    alarm_since timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    allow_account_auth boolean DEFAULT false NOT NULL
);


--
-- Name: leases; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.leases (
    name text NOT NULL COLLATE pg_catalog."C",
    holder text NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: oauth_states; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.oauth_states (
    id text NOT NULL COLLATE pg_catalog."C",
    project_id text NOT NULL COLLATE pg_catalog."C",
    user_id text NOT NULL COLLATE pg_catalog."C",
    credential_id text NOT NULL COLLATE pg_catalog."C",
    verifier text NOT NULL,
    redirect_uri text NOT NULL,
    origin text NOT NULL,
    session_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: project_secrets; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.project_secrets (
    project_id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: projects; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.projects (
    id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL,
    allowed_origins jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: signing_keys; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.signing_keys (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    alg text NOT NULL,
    public_key text NOT NULL,
    audience text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: step_runs; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.step_runs (
    project_id text NOT NULL COLLATE pg_catalog."C",
    run_id text NOT NULL COLLATE pg_catalog."C",
    key text NOT NULL COLLATE pg_catalog."C",
    step_id text NOT NULL,
    path text NOT NULL,
    status text NOT NULL,
    input text NOT NULL,
    output text NOT NULL,
    attempts integer NOT NULL,
    error text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    job_id bigint DEFAULT 0 NOT NULL
);


--
-- Name: trigger_subscriptions; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.trigger_subscriptions (
    project_id text NOT NULL,
    id text NOT NULL,
    trigger text NOT NULL,
    user_id text NOT NULL,
    path_prefix text NOT NULL,
    item_type text NOT NULL,
    name_pattern text NOT NULL,
    change_types jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: webhook_deliveries; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.webhook_deliveries (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    endpoint_id text NOT NULL COLLATE pg_catalog."C",
    event_id text NOT NULL COLLATE pg_catalog."C",
    event_type text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone,
    last_attempt_at timestamp with time zone,
    response_code integer NOT NULL,
    error text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: webhook_endpoint_secrets; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.webhook_endpoint_secrets (
    project_id text NOT NULL COLLATE pg_catalog."C",
    endpoint_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    "position" integer NOT NULL,
    value text NOT NULL,
    expires_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: webhook_endpoints; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.webhook_endpoints (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    url text NOT NULL,
    description text NOT NULL,
    event_types jsonb NOT NULL,
    enabled boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: webhook_outbox; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.webhook_outbox (
    seq bigint NOT NULL,
    project_id text NOT NULL COLLATE pg_catalog."C",
    event_id text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: webhook_outbox_seq_seq; Type: SEQUENCE; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE driveway_fixture_schema.webhook_outbox ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME driveway_fixture_schema.webhook_outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: workflow_enablement; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.workflow_enablement (
    project_id text NOT NULL COLLATE pg_catalog."C",
    workflow_id text NOT NULL COLLATE pg_catalog."C",
    user_id text NOT NULL COLLATE pg_catalog."C",
    enabled boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: workflow_runs; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.workflow_runs (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    workflow_id text NOT NULL COLLATE pg_catalog."C",
    version integer NOT NULL,
    user_id text NOT NULL COLLATE pg_catalog."C",
    status text NOT NULL,
    trigger text NOT NULL,
    response text NOT NULL,
    has_response boolean NOT NULL,
    error text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone
);


--
-- Name: workflow_versions; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.workflow_versions (
    project_id text NOT NULL COLLATE pg_catalog."C",
    workflow_id text NOT NULL COLLATE pg_catalog."C",
    version integer NOT NULL,
    name text NOT NULL,
    definition text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: workflows; Type: TABLE; Schema: driveway_fixture_schema; Owner: -
--

CREATE TABLE driveway_fixture_schema.workflows (
    project_id text NOT NULL COLLATE pg_catalog."C",
    id text NOT NULL COLLATE pg_catalog."C",
    name text NOT NULL,
    version integer NOT NULL,
    trigger_type text NOT NULL,
    event_name text NOT NULL,
    default_enabled boolean NOT NULL,
    definition text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Data for Name: api_keys; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.api_keys VALUES ('key_fixture0008', 'prj_fixture0008', 'ci', '\x3031323334353637383961626364656630313233343536373839616263646566', '2026-01-02 03:04:05.678901+00', NULL, NULL);


--
-- Data for Name: connected_users; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.connected_users VALUES ('prj_fixture0008', 'user-0008', '{"Name": "Adele"}', '2026-01-02 03:04:05.678901+00', '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: credentials; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.credentials VALUES ('prj_fixture0008', 'cred_fixture0008', 'user-0008', 'onedrive', 'VALID', '', 'tid', 'oid', 'adele@contoso.com', '', '', 'drive-0008', 'business', 'v1.fixture1.v722JgWpBGpJ5ltb.JueEY4W1wqQ3pkJ9bA__qsNsw0kNWSjgpyPDFeWvbAPPt5AP2PE1Wlk', 'v1.fixture1.DWuQOHa2HJZdbcJm.8aC5BH2OV1ljN-C-PCN4Yy5cdz_f6daBVm-6XUgrxODU_y7WsPuAyire', '2026-01-02 04:04:05.678901+00', '["Files.ReadWrite"]', 1, '2026-01-02 03:04:05.678901+00', 0, '2026-01-02 03:04:05.678901+00', '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: drive_items; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: drive_watches; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: events; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: install_sessions; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: integration_client_secrets; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.integration_client_secrets VALUES ('prj_fixture0008', 'sec_fixture', 0, 'v1.fixture1.hymlVsMpxKFch6tu.tEtuFSqoDjF17Ts_KaRm5Xs0F_s9LdSDxLGv3xTgSDnrSPng2rzMOSZx', '0008', '2027-01-02 03:04:05.678901+00', '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: integrations; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.integrations VALUES ('prj_fixture0008', 'client-0008', '["Files.ReadWrite", "offline_access"]', 'common', 'global', true, NULL, '', NULL, NULL, '', NULL, '2026-01-02 03:04:05.678901+00', false);


--
-- Data for Name: leases; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: oauth_states; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: project_secrets; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: projects; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.projects VALUES ('prj_fixture0008', 'Fixture', '["https://app.example.com"]', '2026-01-02 03:04:05.678901+00', '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.schema_migrations VALUES (1, '0001_init.sql', '2026-12-07 11:05:54.129562+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (2, '0002_connect.sql', '2026-12-07 11:05:54.175611+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (3, '0003_workflows.sql', '2026-12-07 11:05:54.314235+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (4, '0004_webhooks.sql', '2026-12-07 11:05:54.364299+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (5, '0005_filechange.sql', '2026-12-07 11:05:54.394145+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (6, '0006_step_run_job.sql', '2026-12-07 11:05:54.414928+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (7, '0007_account_auth.sql', '2026-12-07 11:05:54.417148+00');
INSERT INTO driveway_fixture_schema.schema_migrations VALUES (8, '0008_drive_item_parent.sql', '2026-12-07 11:05:54.47445+00');


--
-- Data for Name: signing_keys; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.signing_keys VALUES ('prj_fixture0008', 'kid-0008', 'ES256', '-----BEGIN PUBLIC KEY-----
fixture
-----END PUBLIC KEY-----
', '', '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: step_runs; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: trigger_subscriptions; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: webhook_deliveries; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: webhook_endpoint_secrets; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.webhook_endpoint_secrets VALUES ('prj_fixture0008', 'whe_fixture0008', 'whs_fixture', 0, 'v1.fixture1.NNIGJf65cWC_vAIY.00Fa6smqEBAaU-ZanJ8bv4v_ldNkGhOnorKH2ySMDcMvGixk1N1RGBNMSOs9TK45unJJhUyEzha88g', NULL, '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: webhook_endpoints; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.webhook_endpoints VALUES ('prj_fixture0008', 'whe_fixture0008', 'https://app.example.com/hooks', '', '[]', true, '2026-01-02 03:04:05.678901+00', '2026-01-02 03:04:05.678901+00');


--
-- Data for Name: webhook_outbox; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: workflow_enablement; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: workflow_runs; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--



--
-- Data for Name: workflow_versions; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.workflow_versions VALUES ('prj_fixture0008', 'fixture-workflow', 1, 'Fixture workflow', '{"id":"fixture-workflow","trigger":{"type":"request"},"steps":[]}', '2026-12-07 11:05:54.760108+00');


--
-- Data for Name: workflows; Type: TABLE DATA; Schema: driveway_fixture_schema; Owner: -
--

INSERT INTO driveway_fixture_schema.workflows VALUES ('prj_fixture0008', 'fixture-workflow', 'Fixture workflow', 1, 'request', '', true, '{"id":"fixture-workflow","trigger":{"type":"request"},"steps":[]}', '2026-12-07 11:05:54.760108+00', '2026-12-07 11:05:54.760108+00');


--
-- Name: webhook_outbox_seq_seq; Type: SEQUENCE SET; Schema: driveway_fixture_schema; Owner: -
--

SELECT pg_catalog.setval('driveway_fixture_schema.webhook_outbox_seq_seq', 1, false);


--
-- Name: api_keys api_keys_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);


--
-- Name: connected_users connected_users_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.connected_users
    ADD CONSTRAINT connected_users_pkey PRIMARY KEY (project_id, id);


--
-- Name: credentials credentials_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.credentials
    ADD CONSTRAINT credentials_pkey PRIMARY KEY (project_id, id);


--
-- Name: drive_items drive_items_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.drive_items
    ADD CONSTRAINT drive_items_pkey PRIMARY KEY (project_id, credential_id, item_id);


--
-- Name: drive_watches drive_watches_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.drive_watches
    ADD CONSTRAINT drive_watches_pkey PRIMARY KEY (project_id, credential_id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (project_id, id);


--
-- Name: install_sessions install_sessions_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.install_sessions
    ADD CONSTRAINT install_sessions_pkey PRIMARY KEY (project_id, user_id, id);


--
-- Name: integration_client_secrets integration_client_secrets_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.integration_client_secrets
    ADD CONSTRAINT integration_client_secrets_pkey PRIMARY KEY (project_id, id);


--
-- Name: integrations integrations_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.integrations
    ADD CONSTRAINT integrations_pkey PRIMARY KEY (project_id);


--
-- Name: leases leases_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.leases
    ADD CONSTRAINT leases_pkey PRIMARY KEY (name);


--
-- Name: oauth_states oauth_states_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.oauth_states
    ADD CONSTRAINT oauth_states_pkey PRIMARY KEY (id);


--
-- Name: project_secrets project_secrets_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.project_secrets
    ADD CONSTRAINT project_secrets_pkey PRIMARY KEY (project_id, name);


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: signing_keys signing_keys_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.signing_keys
    ADD CONSTRAINT signing_keys_pkey PRIMARY KEY (project_id, id);


--
-- Name: step_runs step_runs_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.step_runs
    ADD CONSTRAINT step_runs_pkey PRIMARY KEY (project_id, run_id, key);


--
-- Name: trigger_subscriptions trigger_subscriptions_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.trigger_subscriptions
    ADD CONSTRAINT trigger_subscriptions_pkey PRIMARY KEY (project_id, id);


--
-- Name: webhook_deliveries webhook_deliveries_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (project_id, id);


--
-- Name: webhook_deliveries webhook_deliveries_project_id_endpoint_id_event_id_key; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_project_id_endpoint_id_event_id_key UNIQUE (project_id, endpoint_id, event_id);


--
-- Name: webhook_endpoint_secrets webhook_endpoint_secrets_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_endpoint_secrets
    ADD CONSTRAINT webhook_endpoint_secrets_pkey PRIMARY KEY (project_id, endpoint_id, id);


--
-- Name: webhook_endpoints webhook_endpoints_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (project_id, id);


--
-- Name: webhook_outbox webhook_outbox_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_outbox
    ADD CONSTRAINT webhook_outbox_pkey PRIMARY KEY (seq);


--
-- Name: webhook_outbox webhook_outbox_project_id_event_id_key; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_outbox
    ADD CONSTRAINT webhook_outbox_project_id_event_id_key UNIQUE (project_id, event_id);


--
-- Name: workflow_enablement workflow_enablement_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflow_enablement
    ADD CONSTRAINT workflow_enablement_pkey PRIMARY KEY (project_id, workflow_id, user_id);


--
-- Name: workflow_runs workflow_runs_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflow_runs
    ADD CONSTRAINT workflow_runs_pkey PRIMARY KEY (project_id, id);


--
-- Name: workflow_versions workflow_versions_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflow_versions
    ADD CONSTRAINT workflow_versions_pkey PRIMARY KEY (project_id, workflow_id, version);


--
-- Name: workflows workflows_pkey; Type: CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflows
    ADD CONSTRAINT workflows_pkey PRIMARY KEY (project_id, id);


--
-- Name: api_keys_project; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX api_keys_project ON driveway_fixture_schema.api_keys USING btree (project_id, created_at);


--
-- Name: credentials_refresh; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX credentials_refresh ON driveway_fixture_schema.credentials USING btree (status, COALESCE(last_refresh_at, created_at));


--
-- Name: credentials_user; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX credentials_user ON driveway_fixture_schema.credentials USING btree (project_id, user_id, created_at);


--
-- Name: drive_items_parent; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX drive_items_parent ON driveway_fixture_schema.drive_items USING btree (project_id, credential_id, parent_id);


--
-- Name: drive_watches_renew; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX drive_watches_renew ON driveway_fixture_schema.drive_watches USING btree (renew_at);


--
-- Name: drive_watches_subscription; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE UNIQUE INDEX drive_watches_subscription ON driveway_fixture_schema.drive_watches USING btree (subscription_id);


--
-- Name: events_credential; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX events_credential ON driveway_fixture_schema.events USING btree (project_id, credential_id, created_at);


--
-- Name: events_recent; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX events_recent ON driveway_fixture_schema.events USING btree (project_id, created_at);


--
-- Name: oauth_states_expiry; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX oauth_states_expiry ON driveway_fixture_schema.oauth_states USING btree (expires_at);


--
-- Name: webhook_deliveries_finished; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX webhook_deliveries_finished ON driveway_fixture_schema.webhook_deliveries USING btree (status, updated_at);


--
-- Name: webhook_deliveries_recent; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX webhook_deliveries_recent ON driveway_fixture_schema.webhook_deliveries USING btree (project_id, created_at);


--
-- Name: webhook_deliveries_status; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX webhook_deliveries_status ON driveway_fixture_schema.webhook_deliveries USING btree (project_id, status, created_at);


--
-- Name: workflow_enablement_user; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX workflow_enablement_user ON driveway_fixture_schema.workflow_enablement USING btree (project_id, user_id);


--
-- Name: workflow_runs_recent; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX workflow_runs_recent ON driveway_fixture_schema.workflow_runs USING btree (project_id, created_at);


--
-- Name: workflow_runs_status; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX workflow_runs_status ON driveway_fixture_schema.workflow_runs USING btree (project_id, status, user_id);


--
-- Name: workflows_trigger; Type: INDEX; Schema: driveway_fixture_schema; Owner: -
--

CREATE INDEX workflows_trigger ON driveway_fixture_schema.workflows USING btree (trigger_type, event_name);


--
-- Name: events events_webhook_outbox; Type: TRIGGER; Schema: driveway_fixture_schema; Owner: -
--

CREATE TRIGGER events_webhook_outbox AFTER INSERT ON driveway_fixture_schema.events FOR EACH ROW EXECUTE FUNCTION driveway_fixture_schema.events_webhook_outbox();


--
-- Name: api_keys api_keys_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.api_keys
    ADD CONSTRAINT api_keys_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: connected_users connected_users_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.connected_users
    ADD CONSTRAINT connected_users_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: credentials credentials_project_id_user_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.credentials
    ADD CONSTRAINT credentials_project_id_user_id_fkey FOREIGN KEY (project_id, user_id) REFERENCES driveway_fixture_schema.connected_users(project_id, id) ON DELETE CASCADE;


--
-- Name: drive_items drive_items_project_id_credential_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.drive_items
    ADD CONSTRAINT drive_items_project_id_credential_id_fkey FOREIGN KEY (project_id, credential_id) REFERENCES driveway_fixture_schema.drive_watches(project_id, credential_id) ON DELETE CASCADE;


--
-- Name: drive_watches drive_watches_project_id_credential_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.drive_watches
    ADD CONSTRAINT drive_watches_project_id_credential_id_fkey FOREIGN KEY (project_id, credential_id) REFERENCES driveway_fixture_schema.credentials(project_id, id) ON DELETE CASCADE;


--
-- Name: events events_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.events
    ADD CONSTRAINT events_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: install_sessions install_sessions_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.install_sessions
    ADD CONSTRAINT install_sessions_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: integration_client_secrets integration_client_secrets_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.integration_client_secrets
    ADD CONSTRAINT integration_client_secrets_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.integrations(project_id) ON DELETE CASCADE;


--
-- Name: integrations integrations_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.integrations
    ADD CONSTRAINT integrations_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: oauth_states oauth_states_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.oauth_states
    ADD CONSTRAINT oauth_states_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: project_secrets project_secrets_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.project_secrets
    ADD CONSTRAINT project_secrets_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: signing_keys signing_keys_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.signing_keys
    ADD CONSTRAINT signing_keys_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: step_runs step_runs_project_id_run_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.step_runs
    ADD CONSTRAINT step_runs_project_id_run_id_fkey FOREIGN KEY (project_id, run_id) REFERENCES driveway_fixture_schema.workflow_runs(project_id, id) ON DELETE CASCADE;


--
-- Name: trigger_subscriptions trigger_subscriptions_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.trigger_subscriptions
    ADD CONSTRAINT trigger_subscriptions_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: webhook_deliveries webhook_deliveries_project_id_endpoint_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_project_id_endpoint_id_fkey FOREIGN KEY (project_id, endpoint_id) REFERENCES driveway_fixture_schema.webhook_endpoints(project_id, id) ON DELETE CASCADE;


--
-- Name: webhook_endpoint_secrets webhook_endpoint_secrets_project_id_endpoint_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_endpoint_secrets
    ADD CONSTRAINT webhook_endpoint_secrets_project_id_endpoint_id_fkey FOREIGN KEY (project_id, endpoint_id) REFERENCES driveway_fixture_schema.webhook_endpoints(project_id, id) ON DELETE CASCADE;


--
-- Name: webhook_endpoints webhook_endpoints_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: webhook_outbox webhook_outbox_project_id_event_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.webhook_outbox
    ADD CONSTRAINT webhook_outbox_project_id_event_id_fkey FOREIGN KEY (project_id, event_id) REFERENCES driveway_fixture_schema.events(project_id, id) ON DELETE CASCADE;


--
-- Name: workflow_enablement workflow_enablement_project_id_workflow_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflow_enablement
    ADD CONSTRAINT workflow_enablement_project_id_workflow_id_fkey FOREIGN KEY (project_id, workflow_id) REFERENCES driveway_fixture_schema.workflows(project_id, id) ON DELETE CASCADE;


--
-- Name: workflow_runs workflow_runs_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflow_runs
    ADD CONSTRAINT workflow_runs_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- Name: workflow_versions workflow_versions_project_id_workflow_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflow_versions
    ADD CONSTRAINT workflow_versions_project_id_workflow_id_fkey FOREIGN KEY (project_id, workflow_id) REFERENCES driveway_fixture_schema.workflows(project_id, id) ON DELETE CASCADE;


--
-- Name: workflows workflows_project_id_fkey; Type: FK CONSTRAINT; Schema: driveway_fixture_schema; Owner: -
--

ALTER TABLE ONLY driveway_fixture_schema.workflows
    ADD CONSTRAINT workflows_project_id_fkey FOREIGN KEY (project_id) REFERENCES driveway_fixture_schema.projects(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict B4opYSq8ep1Exa77eQCXeC1ashF6gcyZy4G98qg7XfrdU71Pf6rjdZGWwEw7HBv

