import { AgentRole } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { agentVisibleTo } from '../visibility.js';

export const AgentRoleEnum = builder.enumType('AgentRole', {
  description: 'What an agent may see and do.',
  values: {
    AGENT: { value: AgentRole.AGENT, description: 'Sees and changes only its own sessions and what hangs below them.' },
    ADMIN: {
      value: AgentRole.ADMIN,
      description: 'Sees every agent and session, may act for any agent, and may archive stale sessions.',
    },
  } as const,
});

export const AgentNode = builder.prismaNode('Agent', {
  description:
    'A broker user (an ISO agent). An agent sees only itself here; admins and integration (service) tokens see every agent.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...agentVisibleTo(context.viewer) }),
  fields: (t) => ({
    email: t.exposeString('email', { description: 'The agent’s email address; unique.' }),
    fullName: t.exposeString('fullName', { description: 'Name to display.' }),
    role: t.expose('role', { type: AgentRoleEnum, description: 'What the agent may see and do.' }),
    isActive: t.exposeBoolean('isActive', {
      description: 'False once the agent is deactivated: its tokens are then refused with UNAUTHENTICATED.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the agent was added.' }),
  }),
});
