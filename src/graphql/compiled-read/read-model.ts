/**
 * What the compiled read path knows of the schema: for each object type, the table behind
 * it and the fields it can answer in SQL, each exactly as the Pothos field answers it (a
 * column exposed as is, a relation by its foreign key, a connection over a child table).
 * A field missing here is simply not compiled: the operation then runs through the Pothos
 * resolvers, so adding a field to a type can never make this path answer it wrongly.
 * test/compiled-read.test.ts checks every field listed here against the Pothos path.
 */

export type ScalarKind = 'plain' | 'datetime' | 'decimal' | 'json';

export type Scalar = { kind: 'scalar'; column: string; scalar: ScalarKind };
/** A to-one relation: this row's foreign key column → the target's id. */
export type ToOne = { kind: 'toOne'; type: string; foreignKey: string };
/** A plain list of children (no pagination), e.g. a request's legs. */
export type ChildList = { kind: 'list'; type: string; childKey: string; orderBy: string };
/**
 * A Relay connection over child rows. `parentKey` is the parent's column the children point
 * at (a session's quotes hang off its request); `cursor` how Pothos encodes an edge's cursor.
 */
export type Connection = {
  kind: 'connection';
  type: string;
  parentKey: string;
  childKey: string;
  orderBy: string;
  cursor: 'string-id' | 'bigint-id';
  totalCount: boolean;
};

export type Field = Scalar | ToOne | ChildList | Connection;
export type ObjectModel = { table: string; fields: Record<string, Field> };

const plain = (column: string): Scalar => ({ kind: 'scalar', column, scalar: 'plain' });
const datetime = (column: string): Scalar => ({ kind: 'scalar', column, scalar: 'datetime' });
const decimal = (column: string): Scalar => ({ kind: 'scalar', column, scalar: 'decimal' });
const json = (column: string): Scalar => ({ kind: 'scalar', column, scalar: 'json' });
const toOne = (type: string, foreignKey: string): ToOne => ({ kind: 'toOne', type, foreignKey });

export const READ_MODEL: Record<string, ObjectModel> = {
  ChatSession: {
    table: 'chat_sessions',
    fields: {
      status: plain('status'),
      currentStep: plain('current_step'),
      avinodeTripId: plain('avinode_trip_id'),
      avinodeRfpId: plain('avinode_rfp_id'),
      avinodeRfqId: plain('avinode_rfq_id'),
      startedAt: datetime('session_started_at'),
      endedAt: datetime('session_ended_at'),
      lastActivityAt: datetime('last_activity_at'),
      createdAt: datetime('created_at'),
      updatedAt: datetime('updated_at'),
      workflowState: json('workflow_state'),
      metadata: json('metadata'),
      messageCount: plain('message_count'),
      quotesReceivedCount: plain('quotes_received_count'),
      quotesExpectedCount: plain('quotes_expected_count'),
      operatorsContactedCount: plain('operators_contacted_count'),
      version: plain('version'),
      agent: toOne('Agent', 'iso_agent_id'),
      conversation: toOne('Conversation', 'conversation_id'),
      request: toOne('TripRequest', 'request_id'),
      primaryQuote: toOne('Quote', 'primary_quote_id'),
      proposal: toOne('Proposal', 'proposal_id'),
      quotes: {
        kind: 'connection',
        type: 'Quote',
        parentKey: 'request_id',
        childKey: 'request_id',
        orderBy: 'id ASC',
        cursor: 'string-id',
        totalCount: true,
      },
      events: {
        kind: 'connection',
        type: 'SessionEvent',
        parentKey: 'id',
        childKey: 'session_id',
        orderBy: 'id ASC',
        cursor: 'bigint-id',
        totalCount: true,
      },
    },
  },
  Agent: {
    table: 'iso_agents',
    fields: {
      email: plain('email'),
      fullName: plain('full_name'),
      role: plain('role'),
      isActive: plain('is_active'),
      createdAt: datetime('created_at'),
    },
  },
  Client: {
    table: 'clients',
    fields: {
      companyName: plain('company_name'),
      contactName: plain('contact_name'),
      email: plain('email'),
      phone: plain('phone'),
      createdAt: datetime('created_at'),
    },
  },
  Conversation: {
    table: 'conversations',
    fields: {
      subject: plain('subject'),
      lastMessageAt: datetime('last_message_at'),
      createdAt: datetime('created_at'),
      agent: toOne('Agent', 'iso_agent_id'),
      messages: {
        kind: 'connection',
        type: 'Message',
        parentKey: 'id',
        childKey: 'conversation_id',
        orderBy: 'created_at DESC, id DESC',
        cursor: 'string-id',
        totalCount: true,
      },
    },
  },
  Message: {
    table: 'messages',
    fields: {
      senderType: plain('sender_type'),
      senderName: plain('sender_name'),
      content: plain('content'),
      externalId: plain('external_id'),
      createdAt: datetime('created_at'),
      conversation: toOne('Conversation', 'conversation_id'),
    },
  },
  TripRequest: {
    table: 'requests',
    fields: {
      tripType: plain('trip_type'),
      passengers: plain('passengers'),
      aircraftCategory: plain('aircraft_category'),
      budget: decimal('budget'),
      currency: plain('currency'),
      specialRequirements: plain('special_requirements'),
      createdAt: datetime('created_at'),
      client: toOne('Client', 'client_id'),
      legs: { kind: 'list', type: 'TripLeg', childKey: 'request_id', orderBy: 'sequence ASC' },
      quotes: {
        kind: 'connection',
        type: 'Quote',
        parentKey: 'id',
        childKey: 'request_id',
        orderBy: 'received_at ASC, id ASC',
        cursor: 'string-id',
        totalCount: true,
      },
    },
  },
  TripLeg: {
    table: 'request_legs',
    fields: {
      sequence: plain('sequence'),
      departureAirport: plain('departure_airport'),
      arrivalAirport: plain('arrival_airport'),
      departureAt: datetime('departure_at'),
    },
  },
  Operator: {
    table: 'operators',
    fields: { avinodeCompanyId: plain('avinode_company_id'), name: plain('name') },
  },
  Quote: {
    table: 'quotes',
    fields: {
      avinodeQuoteId: plain('avinode_quote_id'),
      aircraftType: plain('aircraft_type'),
      tailNumber: plain('tail_number'),
      seats: plain('seats'),
      totalPrice: decimal('total_price'),
      currency: plain('currency'),
      validUntil: datetime('valid_until'),
      status: plain('status'),
      declineReason: plain('decline_reason'),
      receivedAt: datetime('received_at'),
      updatedAt: datetime('updated_at'),
      operator: toOne('Operator', 'operator_id'),
      request: toOne('TripRequest', 'request_id'),
    },
  },
  Proposal: {
    table: 'proposals',
    fields: {
      number: plain('number'),
      title: plain('title'),
      subtotal: decimal('subtotal'),
      marginPercent: decimal('margin_percent'),
      total: decimal('total'),
      currency: plain('currency'),
      status: plain('status'),
      sentAt: datetime('sent_at'),
      sentTo: plain('sent_to'),
      createdAt: datetime('created_at'),
      quote: toOne('Quote', 'quote_id'),
      client: toOne('Client', 'client_id'),
      request: toOne('TripRequest', 'request_id'),
    },
  },
  // Not `data`: what an event's data shows is the activity module's business.
  SessionEvent: {
    table: 'session_events',
    fields: {
      type: plain('type'),
      fromStep: plain('from_step'),
      toStep: plain('to_step'),
      fromStatus: plain('from_status'),
      toStatus: plain('to_status'),
      actorId: plain('actor_id'),
      createdAt: datetime('created_at'),
    },
  },
};
