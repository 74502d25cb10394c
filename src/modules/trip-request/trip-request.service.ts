import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { TripType } from '../../generated/prisma/enums.js';
import { NotFoundError } from '../errors.js';
import { changeSession } from '../session/session-change.js';
import { currencyCode, icaoAirport, money, parseInput, text } from '../validation.js';

const legSchema = z
  .object({ departureAirport: icaoAirport, arrivalAirport: icaoAirport, departureAt: z.date() })
  .refine((leg) => leg.departureAirport !== leg.arrivalAirport, {
    message: 'must differ from the departure airport',
    path: ['arrivalAirport'],
  });

const LEG_COUNTS: Record<TripType, { min: number; max: number; label: string }> = {
  ONE_WAY: { min: 1, max: 1, label: 'a one-way trip has exactly one leg' },
  ROUND_TRIP: { min: 2, max: 2, label: 'a round trip has exactly two legs' },
  MULTI_CITY: { min: 2, max: 20, label: 'a multi-city trip has 2 to 20 legs' },
};

const captureSchema = z
  .object({
    sessionId: z.string(),
    clientId: z.string().nullish(),
    tripType: z.enum(TripType),
    passengers: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100'),
    legs: z.array(legSchema).min(1, 'at least one leg is required').max(20),
    aircraftCategory: text(100).nullish(),
    budget: money.nullish(),
    currency: currencyCode.default('USD'),
    specialRequirements: text(2000).nullish(),
    expectedVersion: z.number().int().nullish(),
  })
  .superRefine((input, context) => {
    const counts = LEG_COUNTS[input.tripType];
    if (input.legs.length < counts.min || input.legs.length > counts.max) {
      context.addIssue({ code: 'custom', path: ['legs'], message: counts.label });
    }
    input.legs.forEach((leg, index) => {
      const previous = input.legs[index - 1];
      if (!previous) return;
      if (leg.departureAt <= previous.departureAt) {
        context.addIssue({
          code: 'custom',
          path: ['legs', index, 'departureAt'],
          message: 'must be after the previous leg departs',
        });
      }
      if (input.tripType === 'ROUND_TRIP') {
        // The way back is the way out, reversed (judged once every airport is a valid code).
        const airports = [leg.departureAirport, leg.arrivalAirport, previous.departureAirport, previous.arrivalAirport];
        if (!airports.every((airport) => icaoAirport.safeParse(airport).success)) return;
        if (leg.departureAirport !== previous.arrivalAirport || leg.arrivalAirport !== previous.departureAirport) {
          context.addIssue({
            code: 'custom',
            path: ['legs', index],
            message: `a round trip returns from ${previous.arrivalAirport} to ${previous.departureAirport}`,
          });
        }
      } else if (leg.departureAirport === previous.departureAirport && leg.arrivalAirport === previous.arrivalAirport) {
        context.addIssue({ code: 'custom', path: ['legs', index], message: 'repeats the previous leg' });
      }
    });
  });

export type CaptureTripRequestInput = z.input<typeof captureSchema>;

/**
 * Records what the client wants to fly and moves the session to SEARCHING_AIRCRAFT.
 * Captured again before quotes are requested, it revises the same trip request.
 */
export async function captureTripRequest(prisma: PrismaClient, viewer: Viewer, raw: CaptureTripRequestInput) {
  const input = parseInput(captureSchema, raw);
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    change.transition('CAPTURE_TRIP_REQUEST');
    if (input.clientId) {
      const client = await tx.client.findUnique({ where: { id: input.clientId } });
      if (!client || client.agentId !== session.agentId) throw new NotFoundError('Client', input.clientId);
    }
    const fields = {
      clientId: input.clientId ?? null,
      tripType: input.tripType,
      passengers: input.passengers,
      aircraftCategory: input.aircraftCategory ?? null,
      budget: input.budget == null ? null : new Prisma.Decimal(input.budget),
      currency: input.currency,
      specialRequirements: input.specialRequirements ?? null,
    };
    const legs = input.legs.map((leg, index) => ({ ...leg, sequence: index + 1 }));
    const revised = session.requestId !== null;
    const request = session.requestId
      ? await tx.tripRequest.update({
          where: { id: session.requestId },
          data: { ...fields, legs: { deleteMany: {}, create: legs } },
        })
      : await tx.tripRequest.create({
          data: { ...fields, agentId: session.agentId, legs: { create: legs }, createdAt: now() },
        });
    return {
      set: { requestId: request.id },
      events: [
        {
          type: 'TRIP_REQUEST_CAPTURED' as const,
          data: {
            requestId: request.id,
            revised,
            tripType: request.tripType,
            legs: legs.length,
            passengers: request.passengers,
          },
        },
      ],
      result: (updated) => ({ session: updated, request }),
    };
  });
}
