import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { SenderType } from '../../generated/prisma/enums.js';
import { ValidationError } from '../errors.js';
import { changeSession } from '../session/session-change.js';
import { externalId, ID_IN_USE_ELSEWHERE, parseInput, text } from '../validation.js';

const recordMessageSchema = z.object({
  sessionId: z.string(),
  senderType: z.enum(SenderType),
  senderName: text(200).nullish(),
  content: text(20_000),
  externalId: externalId.nullish(),
  sentAt: z.date().nullish(),
  expectedVersion: z.number().int().nullish(),
});

export type RecordMessageInput = z.input<typeof recordMessageSchema>;

/**
 * Appends a message to the session's conversation. Keyed by `externalId`: a
 * re-delivered message is returned as it was, adding no row, count or event.
 */
export async function recordMessage(prisma: PrismaClient, viewer: Viewer, raw: RecordMessageInput) {
  const input = parseInput(recordMessageSchema, raw);
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    if (input.externalId) {
      const known = await tx.message.findUnique({ where: { externalId: input.externalId } });
      if (known) {
        if (known.conversationId !== session.conversationId) {
          throw ValidationError.of('externalId', ID_IN_USE_ELSEWHERE);
        }
        return change.unchanged({ session, message: known, created: false });
      }
    }
    change.transition('RECORD_MESSAGE');
    await change.settle();
    const sentAt = input.sentAt ?? now();
    const message = await tx.message.create({
      data: {
        conversationId: session.conversationId,
        senderType: input.senderType,
        senderName: input.senderName ?? null,
        content: input.content,
        externalId: input.externalId ?? null,
        createdAt: sentAt,
      },
    });
    // A late-delivered older message must not move the conversation's clock backwards.
    await tx.conversation.updateMany({
      where: { id: session.conversationId, OR: [{ lastMessageAt: null }, { lastMessageAt: { lt: sentAt } }] },
      data: { lastMessageAt: sentAt },
    });
    return {
      increment: { messageCount: 1 },
      // Ids and sender only: message contents stay out of the activity log.
      events: [{ type: 'MESSAGE_RECORDED' as const, data: { messageId: message.id, senderType: message.senderType } }],
      result: (updated) => ({ session: updated, message, created: true }),
    };
  });
}
