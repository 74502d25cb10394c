import { AgentRole } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { agentVisibleTo } from '../visibility.js';

export const AgentRoleEnum = builder.enumType(AgentRole, { name: 'AgentRole' });

export const AgentNode = builder.prismaNode('Agent', {
  description: 'A broker user (an ISO agent).',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...agentVisibleTo(context.viewer) }),
  fields: (t) => ({
    email: t.exposeString('email'),
    fullName: t.exposeString('fullName'),
    role: t.expose('role', { type: AgentRoleEnum }),
    isActive: t.exposeBoolean('isActive'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
