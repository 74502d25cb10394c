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
  fields: (t) => ({ status: t.expose('status', { type: SessionStatusEnum }), count: t.exposeInt('count') }),
});

const StepCountType = builder.objectRef<StepCount>('WorkflowStepCount').implement({
  fields: (t) => ({ step: t.expose('step', { type: WorkflowStepEnum }), count: t.exposeInt('count') }),
});

const SessionStatsType = builder.objectRef<SessionStats>('SessionStats').implement({
  description: 'Dashboard figures over the sessions matching a filter.',
  fields: (t) => ({
    total: t.exposeInt('total'),
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
    quotesReceived: t.exposeInt('quotesReceived'),
    quotesExpected: t.exposeInt('quotesExpected'),
    messages: t.exposeInt('messages'),
  }),
});

builder.queryField('sessionStats', (t) =>
  t.field({
    type: SessionStatsType,
    args: { filter: t.arg({ type: SessionFilterInput, required: false }) },
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
