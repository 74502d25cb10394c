import type { Context } from '../graphql/context.js';
import { isBigintId, UUID } from '../graphql/global-ids.js';
import { cursorRowId, notACursorError } from '../graphql/pagination.js';
import { ownedBy, ownedViaConversation, ownedViaRequest } from './visibility.js';

type CursorArgs = { after?: string | null; before?: string | null };
/** Whether the viewer may see the row with this id (a cursor's row). */
type RowVisible = (id: string, context: Context) => Promise<boolean>;

/** Per request: a cursor is checked once, however often the planner asks. */
const checked = new WeakMap<Context, Map<RowVisible, Map<string, Promise<boolean>>>>();

function visibleOnce(visible: RowVisible, id: string, context: Context): Promise<boolean> {
  const byCheck = checked.get(context) ?? new Map<RowVisible, Map<string, Promise<boolean>>>();
  checked.set(context, byCheck);
  const byId = byCheck.get(visible) ?? new Map<string, Promise<boolean>>();
  byCheck.set(visible, byId);
  const answer = byId.get(id) ?? visible(id, context);
  byId.set(id, answer);
  return answer;
}

async function isCursorVisible(args: CursorArgs, context: Context, visible: RowVisible): Promise<boolean> {
  for (const cursor of [args.after, args.before]) {
    if (cursor == null) continue;
    const id = cursorRowId(cursor);
    if (id === undefined || !(await visibleOnce(visible, id, context))) return false;
  }
  return true;
}

/**
 * A cursor names a row, and the database positions the page at that row's ordering
 * values (last activity, time sent, time received). A row the viewer may not see
 * must never position a page, or its existence and its position would show through
 * what comes back. Spread into a connection field: a cursor is refused, with the same
 * answer as a malformed one, unless its row exists and the viewer may see it.
 */
export function cursorMustBeVisible(visible: RowVisible) {
  return {
    authScopes: (_parent: unknown, args: CursorArgs, context: Context) => isCursorVisible(args, context, visible),
    unauthorizedError: (_parent: unknown, args: CursorArgs) =>
      notACursorError(args.before == null ? 'after' : 'before'),
  };
}

const exists = (count: number) => count > 0;

export const sessionRowVisible: RowVisible = async (id, context) =>
  UUID.test(id) && exists(await context.prisma.chatSession.count({ where: { id, ...ownedBy(context.viewer) } }));

export const eventRowVisible: RowVisible = async (id, context) =>
  isBigintId(id) &&
  exists(await context.prisma.sessionEvent.count({ where: { id: BigInt(id), ...ownedBy(context.viewer) } }));

export const messageRowVisible: RowVisible = async (id, context) =>
  UUID.test(id) &&
  exists(await context.prisma.message.count({ where: { id, ...ownedViaConversation(context.viewer) } }));

export const quoteRowVisible: RowVisible = async (id, context) =>
  UUID.test(id) && exists(await context.prisma.quote.count({ where: { id, ...ownedViaRequest(context.viewer) } }));
