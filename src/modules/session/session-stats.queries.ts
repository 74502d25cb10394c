import { SessionStatus, WorkflowStep } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { SessionStatusEnum, WorkflowStepEnum } from './session.enums.js';
import { SessionFilterInput, sessionWhere } from './session.filters.js';

type StatusCount = { status: SessionStatus; count: number };
type StepCount = { step: WorkflowStep; count: number };
type SessionStats = {
  total: number;
  byStatus: StatusCount[];
  byStep: StepCount[];
  quotesReceived: number;
  quotesExpected: number;
  messages: number;
};

const StatusCountType = builder.objectRef<StatusCount>('SessionStatusCount').implement({
  description: 'How many of the matching sessions have one status.',
  fields: (t) => ({
    status: t.expose('status', { type: SessionStatusEnum, description: 'The status counted.' }),
    count: t.exposeInt('count', { description: 'Matching sessions with this status; 0 included.' }),
  }),
});

const StepCountType = builder.objectRef<StepCount>('WorkflowStepCount').implement({
  description: 'How many of the matching sessions are at one step.',
  fields: (t) => ({
    step: t.expose('step', { type: WorkflowStepEnum, description: 'The step counted.' }),
    count: t.exposeInt('count', { description: 'Matching sessions at this step; 0 included.' }),
  }),
});

const SessionStatsType = builder.objectRef<SessionStats>('SessionStats').implement({
  description: 'Dashboard figures over the sessions matching a filter.',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'How many sessions match.' }),
    byStatus: t.field({
      type: [StatusCountType],
      resolve: (stats) => stats.byStatus,
      description: 'Every status, zeros included.',
    }),
    byStep: t.field({
      type: [StepCountType],
      resolve: (stats) => stats.byStep,
      description: 'Every step, zeros included.',
    }),
    quotesReceived: t.exposeInt('quotesReceived', { description: 'Their `quotesReceivedCount`, summed.' }),
    quotesExpected: t.exposeInt('quotesExpected', { description: 'Their `quotesExpectedCount`, summed.' }),
    messages: t.exposeInt('messages', { description: 'Their `messageCount`, summed.' }),
  }),
});

builder.queryField('sessionStats', (t) =>
  t.field({
    type: SessionStatsType,
    description: 'Dashboard figures over the sessions you may see that match the filter (all of them without one).',
    args: {
      filter: t.arg({
        type: SessionFilterInput,
        required: false,
        description: 'The same conditions as `sessions` takes.',
      }),
    },
    resolve: async (_root, args, context) => {
      const where = sessionWhere(context.viewer, args.filter);
      const [byStatus, byStep, sums] = await Promise.all([
        context.prisma.chatSession.groupBy({ by: ['status'], where, _count: { _all: true } }),
        context.prisma.chatSession.groupBy({ by: ['currentStep'], where, _count: { _all: true } }),
        context.prisma.chatSession.aggregate({
          where,
          _count: { _all: true },
          _sum: { quotesReceivedCount: true, quotesExpectedCount: true, messageCount: true },
        }),
      ]);
      const statusCounts = new Map(byStatus.map((row) => [row.status, row._count._all]));
      const stepCounts = new Map(byStep.map((row) => [row.currentStep, row._count._all]));
      return {
        total: sums._count._all,
        byStatus: Object.values(SessionStatus).map((status) => ({ status, count: statusCounts.get(status) ?? 0 })),
        byStep: Object.values(WorkflowStep).map((step) => ({ step, count: stepCounts.get(step) ?? 0 })),
        quotesReceived: sums._sum.quotesReceivedCount ?? 0,
        quotesExpected: sums._sum.quotesExpectedCount ?? 0,
        messages: sums._sum.messageCount ?? 0,
      };
    },
  }),
);
