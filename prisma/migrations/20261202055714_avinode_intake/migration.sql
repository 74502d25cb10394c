-- CreateEnum
CREATE TYPE "AvinodeNotificationStatus" AS ENUM ('PENDING', 'PROCESSING', 'APPLIED', 'UNMATCHED', 'IGNORED', 'UNPARSEABLE', 'REJECTED', 'DEAD_LETTERED');

-- CreateEnum
CREATE TYPE "AvinodeNotificationSource" AS ENUM ('WEBHOOK', 'TRIP_LOOKUP');

-- AlterTable
ALTER TABLE "chat_sessions" ADD COLUMN     "avinode_trip_code" TEXT;

-- CreateTable
CREATE TABLE "avinode_notifications" (
    "id" UUID NOT NULL,
    "source" "AvinodeNotificationSource" NOT NULL DEFAULT 'WEBHOOK',
    "resource_id" TEXT NOT NULL,
    "resource_type" TEXT NOT NULL,
    "href" TEXT NOT NULL,
    "event" TEXT,
    "trip_code" TEXT,
    "rfq_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "body" JSONB NOT NULL,
    "status" "AvinodeNotificationStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "give_up_at" TIMESTAMPTZ(3) NOT NULL,
    "claim_id" UUID,
    "claimed_until" TIMESTAMPTZ(3),
    "rematch" BOOLEAN NOT NULL DEFAULT false,
    "session_ids" UUID[] DEFAULT ARRAY[]::UUID[],
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "avinode_notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "avinode_notifications_status_next_attempt_at_idx" ON "avinode_notifications"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "avinode_notifications_trip_code_idx" ON "avinode_notifications"("trip_code");

-- CreateIndex
CREATE INDEX "avinode_notifications_resource_type_resource_id_idx" ON "avinode_notifications"("resource_type", "resource_id");

-- CreateIndex
CREATE INDEX "avinode_notifications_received_at_idx" ON "avinode_notifications"("received_at" DESC);

-- CreateIndex
CREATE INDEX "chat_sessions_avinode_trip_code_idx" ON "chat_sessions"("avinode_trip_code");
