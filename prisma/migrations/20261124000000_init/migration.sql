-- CreateEnum
CREATE TYPE "AgentRole" AS ENUM ('AGENT', 'ADMIN');

-- CreateEnum
CREATE TYPE "SenderType" AS ENUM ('AGENT', 'ASSISTANT', 'OPERATOR', 'SYSTEM');

-- CreateEnum
CREATE TYPE "TripType" AS ENUM ('ONE_WAY', 'ROUND_TRIP', 'MULTI_CITY');

-- CreateEnum
CREATE TYPE "QuoteStatus" AS ENUM ('RECEIVED', 'SHORTLISTED', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "ProposalStatus" AS ENUM ('DRAFT', 'READY', 'SENT', 'ACCEPTED', 'REJECTED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "SessionStatus" AS ENUM ('ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "WorkflowStep" AS ENUM ('UNDERSTANDING_REQUEST', 'SEARCHING_AIRCRAFT', 'REQUESTING_QUOTES', 'ANALYZING_QUOTES', 'PROPOSAL_READY', 'PROPOSAL_SENT');

-- CreateEnum
CREATE TYPE "SessionEventType" AS ENUM ('SESSION_STARTED', 'MESSAGE_RECORDED', 'TRIP_REQUEST_CAPTURED', 'AVINODE_TRIP_LINKED', 'RFQS_SENT', 'QUOTE_RECEIVED', 'QUOTE_UPDATED', 'PRIMARY_QUOTE_SELECTED', 'PROPOSAL_GENERATED', 'PROPOSAL_SENT', 'STEP_CHANGED', 'STATUS_CHANGED');

-- CreateTable
CREATE TABLE "iso_agents" (
    "id" UUID NOT NULL,
    "auth_subject" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "full_name" TEXT NOT NULL,
    "role" "AgentRole" NOT NULL DEFAULT 'AGENT',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "iso_agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clients" (
    "id" UUID NOT NULL,
    "iso_agent_id" UUID NOT NULL,
    "company_name" TEXT NOT NULL,
    "contact_name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "phone" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversations" (
    "id" UUID NOT NULL,
    "iso_agent_id" UUID NOT NULL,
    "subject" TEXT,
    "last_message_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "sender_type" "SenderType" NOT NULL,
    "sender_name" TEXT,
    "content" TEXT NOT NULL,
    "external_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "requests" (
    "id" UUID NOT NULL,
    "iso_agent_id" UUID NOT NULL,
    "client_id" UUID,
    "trip_type" "TripType" NOT NULL,
    "passengers" INTEGER NOT NULL,
    "aircraft_category" TEXT,
    "budget" DECIMAL(12,2),
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "special_requirements" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "request_legs" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "departure_airport" CHAR(4) NOT NULL,
    "arrival_airport" CHAR(4) NOT NULL,
    "departure_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "request_legs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operators" (
    "id" UUID NOT NULL,
    "avinode_company_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quotes" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "operator_id" UUID NOT NULL,
    "avinode_quote_id" TEXT,
    "aircraft_type" TEXT NOT NULL,
    "tail_number" TEXT,
    "seats" INTEGER,
    "total_price" DECIMAL(12,2) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "valid_until" TIMESTAMPTZ(3),
    "status" "QuoteStatus" NOT NULL DEFAULT 'RECEIVED',
    "decline_reason" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "quotes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "proposals" (
    "id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "request_id" UUID NOT NULL,
    "quote_id" UUID NOT NULL,
    "iso_agent_id" UUID NOT NULL,
    "client_id" UUID,
    "title" TEXT NOT NULL,
    "subtotal" DECIMAL(12,2) NOT NULL,
    "margin_percent" DECIMAL(5,2) NOT NULL,
    "total" DECIMAL(12,2) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'USD',
    "status" "ProposalStatus" NOT NULL DEFAULT 'DRAFT',
    "sent_at" TIMESTAMPTZ(3),
    "sent_to" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "proposals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_sessions" (
    "id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "request_id" UUID,
    "iso_agent_id" UUID NOT NULL,
    "status" "SessionStatus" NOT NULL DEFAULT 'ACTIVE',
    "current_step" "WorkflowStep" NOT NULL DEFAULT 'UNDERSTANDING_REQUEST',
    "avinode_trip_id" TEXT,
    "avinode_rfp_id" TEXT,
    "avinode_rfq_id" TEXT,
    "primary_quote_id" UUID,
    "proposal_id" UUID,
    "session_started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "session_ended_at" TIMESTAMPTZ(3),
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "workflow_state" JSONB NOT NULL DEFAULT '{}',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "quotes_received_count" INTEGER NOT NULL DEFAULT 0,
    "quotes_expected_count" INTEGER NOT NULL DEFAULT 0,
    "operators_contacted_count" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "chat_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_events" (
    "id" BIGSERIAL NOT NULL,
    "session_id" UUID NOT NULL,
    "iso_agent_id" UUID NOT NULL,
    "type" "SessionEventType" NOT NULL,
    "from_step" "WorkflowStep",
    "to_step" "WorkflowStep",
    "from_status" "SessionStatus",
    "to_status" "SessionStatus",
    "data" JSONB NOT NULL DEFAULT '{}',
    "actor_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "iso_agents_auth_subject_key" ON "iso_agents"("auth_subject");

-- CreateIndex
CREATE UNIQUE INDEX "iso_agents_email_key" ON "iso_agents"("email");

-- CreateIndex
CREATE UNIQUE INDEX "clients_iso_agent_id_email_key" ON "clients"("iso_agent_id", "email");

-- CreateIndex
CREATE INDEX "conversations_iso_agent_id_idx" ON "conversations"("iso_agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_external_id_key" ON "messages"("external_id");

-- CreateIndex
CREATE INDEX "messages_conversation_id_created_at_id_idx" ON "messages"("conversation_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "requests_iso_agent_id_idx" ON "requests"("iso_agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "request_legs_request_id_sequence_key" ON "request_legs"("request_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "operators_avinode_company_id_key" ON "operators"("avinode_company_id");

-- CreateIndex
CREATE UNIQUE INDEX "quotes_avinode_quote_id_key" ON "quotes"("avinode_quote_id");

-- CreateIndex
CREATE INDEX "quotes_request_id_received_at_idx" ON "quotes"("request_id", "received_at");

-- CreateIndex
CREATE INDEX "quotes_operator_id_idx" ON "quotes"("operator_id");

-- CreateIndex
CREATE UNIQUE INDEX "proposals_number_key" ON "proposals"("number");

-- CreateIndex
CREATE INDEX "proposals_request_id_idx" ON "proposals"("request_id");

-- CreateIndex
CREATE INDEX "chat_sessions_iso_agent_id_status_last_activity_at_idx" ON "chat_sessions"("iso_agent_id", "status", "last_activity_at" DESC);

-- CreateIndex
CREATE INDEX "chat_sessions_last_activity_at_idx" ON "chat_sessions"("last_activity_at" DESC);

-- CreateIndex
CREATE INDEX "chat_sessions_avinode_trip_id_idx" ON "chat_sessions"("avinode_trip_id");

-- CreateIndex
CREATE INDEX "chat_sessions_avinode_rfq_id_idx" ON "chat_sessions"("avinode_rfq_id");

-- CreateIndex
CREATE INDEX "chat_sessions_request_id_idx" ON "chat_sessions"("request_id");

-- CreateIndex
CREATE UNIQUE INDEX "chat_sessions_one_open_per_conversation" ON "chat_sessions"("conversation_id") WHERE (status IN ('ACTIVE', 'PAUSED'));

-- CreateIndex
CREATE INDEX "session_events_session_id_id_idx" ON "session_events"("session_id", "id");

-- CreateIndex
CREATE INDEX "session_events_iso_agent_id_id_idx" ON "session_events"("iso_agent_id", "id");

-- AddForeignKey
ALTER TABLE "clients" ADD CONSTRAINT "clients_iso_agent_id_fkey" FOREIGN KEY ("iso_agent_id") REFERENCES "iso_agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_iso_agent_id_fkey" FOREIGN KEY ("iso_agent_id") REFERENCES "iso_agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requests" ADD CONSTRAINT "requests_iso_agent_id_fkey" FOREIGN KEY ("iso_agent_id") REFERENCES "iso_agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requests" ADD CONSTRAINT "requests_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "request_legs" ADD CONSTRAINT "request_legs_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operators"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_quote_id_fkey" FOREIGN KEY ("quote_id") REFERENCES "quotes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_iso_agent_id_fkey" FOREIGN KEY ("iso_agent_id") REFERENCES "iso_agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "requests"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_iso_agent_id_fkey" FOREIGN KEY ("iso_agent_id") REFERENCES "iso_agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_primary_quote_id_fkey" FOREIGN KEY ("primary_quote_id") REFERENCES "quotes"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_proposal_id_fkey" FOREIGN KEY ("proposal_id") REFERENCES "proposals"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "chat_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session_events" ADD CONSTRAINT "session_events_iso_agent_id_fkey" FOREIGN KEY ("iso_agent_id") REFERENCES "iso_agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------
-- Written by hand: rules schema.prisma cannot express. Prisma's diff ignores CHECK
-- constraints and sequences no column owns, so later migrations leave these alone.
-- ---------------------------------------------------------------------------

-- CreateSequence
-- Proposal numbers (PROP-2026-000042) come from nextval(): safe under concurrency, unlike MAX()+1.
CREATE SEQUENCE "proposal_number_seq";

-- AddCheckConstraint
-- Legs fly between two different ICAO airports. char(4) pads short codes with spaces,
-- which the pattern rejects.
ALTER TABLE "request_legs"
    ADD CONSTRAINT "request_legs_departure_airport_check" CHECK ("departure_airport" ~ '^[A-Z0-9]{4}$'),
    ADD CONSTRAINT "request_legs_arrival_airport_check" CHECK ("arrival_airport" ~ '^[A-Z0-9]{4}$'),
    ADD CONSTRAINT "request_legs_airports_differ_check" CHECK ("departure_airport" <> "arrival_airport");

-- AddCheckConstraint
-- A NULL passes a CHECK, so optional columns (budget, seats) are only checked when set.
ALTER TABLE "requests"
    ADD CONSTRAINT "requests_passengers_check" CHECK ("passengers" BETWEEN 1 AND 100),
    ADD CONSTRAINT "requests_budget_check" CHECK ("budget" >= 0),
    ADD CONSTRAINT "requests_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

-- AddCheckConstraint
ALTER TABLE "quotes"
    ADD CONSTRAINT "quotes_total_price_check" CHECK ("total_price" >= 0),
    ADD CONSTRAINT "quotes_seats_check" CHECK ("seats" > 0),
    ADD CONSTRAINT "quotes_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

-- AddCheckConstraint
ALTER TABLE "proposals"
    ADD CONSTRAINT "proposals_subtotal_check" CHECK ("subtotal" >= 0),
    ADD CONSTRAINT "proposals_total_check" CHECK ("total" >= 0),
    ADD CONSTRAINT "proposals_margin_percent_check" CHECK ("margin_percent" BETWEEN 0 AND 100),
    ADD CONSTRAINT "proposals_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');

-- AddCheckConstraint
ALTER TABLE "chat_sessions"
    ADD CONSTRAINT "chat_sessions_message_count_check" CHECK ("message_count" >= 0),
    ADD CONSTRAINT "chat_sessions_quotes_received_count_check" CHECK ("quotes_received_count" >= 0),
    ADD CONSTRAINT "chat_sessions_quotes_expected_count_check" CHECK ("quotes_expected_count" >= 0),
    ADD CONSTRAINT "chat_sessions_operators_contacted_count_check" CHECK ("operators_contacted_count" >= 0);
