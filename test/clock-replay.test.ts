import { describe, expect } from 'vitest';
import type { Viewer } from '../src/auth/viewer.js';
import { withClock } from '../src/clock.js';
import { recordMessage } from '../src/modules/conversation/message.service.js';
import { changeStatus, startSession } from '../src/modules/session/lifecycle.service.js';
import { it as base } from './harness/fixtures.js';

/*
 * The services write down the time from one clock (src/clock.ts), so a history can be
 * replayed through them at the moments it happened, as demo data will be: every time a
 * change stamps, on the rows and on their events, is the replayed one.
 */

const it = base.extend(
  'viewer',
  { scope: 'file' },
  async ({ agent }): Promise<Viewer> => ({ kind: 'agent', agent, isAdmin: false, expiresAt: undefined }),
);

describe('a replayed clock', () => {
  const started = new Date('2026-03-04T09:00:00.000Z');
  const spoke = new Date('2026-03-04T09:05:00.000Z');
  const completed = new Date('2026-03-05T17:30:00.000Z');
  let sessionId: string;

  it('stamps a started session, its conversation and its SESSION_STARTED event', async ({ database, viewer }) => {
    const { result } = await withClock(
      () => started,
      () => startSession(database.prisma, viewer, { subject: 'Replayed' }),
    );
    sessionId = result.session.id;
    const session = await database.prisma.chatSession.findUniqueOrThrow({
      where: { id: sessionId },
      include: { conversation: true, events: true },
    });
    expect([session.startedAt, session.createdAt, session.lastActivityAt, session.conversation.createdAt]).toEqual([
      started,
      started,
      started,
      started,
    ]);
    expect(session.events.map((event) => event.createdAt)).toEqual([started]);
  });

  it('stamps a message, the activity it makes and its event', async ({ database, viewer }) => {
    const { result } = await withClock(
      () => spoke,
      () => recordMessage(database.prisma, viewer, { sessionId, senderType: 'AGENT', content: 'Teterboro to Aspen' }),
    );
    expect(result.message.createdAt).toEqual(spoke);
    const session = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.lastActivityAt).toEqual(spoke);
    const latest = await database.prisma.sessionEvent.findFirstOrThrow({
      where: { sessionId },
      orderBy: { id: 'desc' },
    });
    expect(latest.createdAt).toEqual(spoke);
  });

  it('stamps the end of a completed session', async ({ database, viewer }) => {
    await withClock(
      () => completed,
      () => changeStatus(database.prisma, viewer, { sessionId }, 'COMPLETE'),
    );
    const session = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect([session.endedAt, session.lastActivityAt]).toEqual([completed, completed]);
  });

  it('leaves live changes on the wall clock', async ({ database, viewer }) => {
    const before = Date.now();
    const { result } = await startSession(database.prisma, viewer, { subject: 'Live' });
    expect(result.session.startedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});
