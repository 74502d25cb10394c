import { builder } from '../../graphql/builder.js';
import { AgentNode } from './agent.type.js';

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: AgentNode,
    nullable: true,
    description: 'The signed-in agent, from the token’s `sub`; null for integration (service) tokens.',
    resolve: (query, _root, _args, context) =>
      context.viewer.kind === 'agent'
        ? context.prisma.agent.findUnique({ ...query, where: { id: context.viewer.agent.id } })
        : null,
  }),
);
