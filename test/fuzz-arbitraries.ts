import fc from 'fast-check';

/**
 * Generators for test/fuzz.test.ts: GraphQL variables for every mutation and query.
 *
 * Each input field has a valid generator and a hostile one (strings at and past column
 * limits, unicode edge cases, NUL, lone surrogates, huge/negative/fractional numbers,
 * bad Decimals and dates, bad and foreign global ids, wrong JSON types, cursor garbage).
 * An input is a valid one with one or two fields spoiled, so each hostile value gets
 * past validation of the others and reaches the code (and the database) behind it;
 * sometimes required fields are dropped, unknown fields added, or the whole input is
 * the wrong JSON type. Shrinking then narrows a failure down to the field that causes it.
 *
 * Ids that only exist at run time (sessions, quotes, ... the test created) are generated
 * as `{ $ref, pick }` placeholders and resolved just before sending.
 */

export const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
const b64 = (text: string) => Buffer.from(text).toString('base64');

export const REF_KINDS = [
  'session',
  'foreignSession',
  'quote',
  'foreignQuote',
  'client',
  'foreignClient',
  'conversation',
  'foreignConversation',
  'agent',
  'otherAgent',
  'adminAgent',
  'proposal',
  'message',
  'request',
  'leg',
  'operator',
  'event',
  'tripId',
  'foreignTripId',
  'quoteKey',
  'messageKey',
  'companyId',
  'version',
  'sessionCursor',
  'eventCursor',
  'quoteCursor',
  'messageCursor',
] as const;
export type RefKind = (typeof REF_KINDS)[number];
export type Ref = { $ref: RefKind; pick: number };
export type Refs = Record<RefKind, unknown[]>;

export const emptyRefs = (): Refs => Object.fromEntries(REF_KINDS.map((kind) => [kind, []])) as unknown as Refs;

const ref = (kind: RefKind): fc.Arbitrary<Ref> => fc.nat({ max: 999 }).map((pick) => ({ $ref: kind, pick }));

const NIL = '00000000-0000-4000-8000-000000000000';
const FALLBACK: Partial<Record<RefKind, unknown>> = {
  session: gid('ChatSession', NIL),
  foreignSession: gid('ChatSession', NIL),
  quote: gid('Quote', NIL),
  foreignQuote: gid('Quote', NIL),
  client: gid('Client', NIL),
  foreignClient: gid('Client', NIL),
  conversation: gid('Conversation', NIL),
  foreignConversation: gid('Conversation', NIL),
  agent: gid('Agent', NIL),
  otherAgent: gid('Agent', NIL),
  adminAgent: gid('Agent', NIL),
  proposal: gid('Proposal', NIL),
  message: gid('Message', NIL),
  request: gid('TripRequest', NIL),
  leg: gid('TripLeg', NIL),
  operator: gid('Operator', NIL),
  event: gid('SessionEvent', '1'),
  version: 1,
};

/** Replaces every `{ $ref, pick }` with a value from the refs; everything else is copied as is (`__proto__` keys included). */
export function resolve(value: unknown, refs: Refs): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, refs));
  if (value && typeof value === 'object') {
    const candidate = value as Partial<Ref>;
    if (typeof candidate.$ref === 'string' && typeof candidate.pick === 'number' && Object.keys(value).length === 2) {
      const pool = refs[candidate.$ref];
      if (pool.length) return pool[candidate.pick % pool.length];
      return FALLBACK[candidate.$ref] ?? `${candidate.$ref}-${candidate.pick}`;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) define(copy, key, resolve(inner, refs));
    return copy;
  }
  return value;
}

/** Assignment that keeps a `__proto__` key as an own property instead of changing the prototype. */
const define = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });

// ---------------------------------------------------------------- hostile primitives

const long = (length: number, unit = 'x') => unit.repeat(length);

const LENGTHS = ['', ' ', 'a', long(255), long(256), long(10_000), long(100_000), long(300, ' ')];
const CONTROL = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFF',
  '\uDBFF\uDFFF',
  '\uFEFF',
  '\u2028\u2029',
  '\t\n\r',
  '\u001B[31m',
];
const UNICODE = [
  '😀',
  long(256, '😀'),
  '👩‍👩‍👧‍👦',
  'مرحبا بالعالم',
  '\u202Egnp.exe',
  'e\u0301\u0302\u0303',
  'Z\u0351\u0352a\u0300\u0301\u0302',
  'ǅ ß ﬃ İ',
];
const INJECTION = [
  "'; DROP TABLE chat_sessions; --",
  "' OR '1'='1",
  '%_%',
  '\\',
  '"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text of a Log4Shell probe
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'NaN',
  '__proto__',
  '{{7*7}}',
];

const wrongType = fc.constantFrom<unknown>(0, -1, 1.5, true, false, {}, [], ['a'], { a: 1 });

export const nastyString: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...LENGTHS) },
  { weight: 3, arbitrary: fc.constantFrom(...CONTROL) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE) },
  { weight: 1, arbitrary: fc.constantFrom(...INJECTION) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: wrongType },
);

export const nastyInt: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(
      0,
      -1,
      101,
      1001,
      3651,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31),
      -(2 ** 31) - 1,
      2 ** 53,
      -(2 ** 53),
      2 ** 53 + 2,
      1.5,
      -0.5,
      1e308,
      -1e308,
      Number.MIN_VALUE,
    ),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('1', '2147483648', 'NaN', true, [], {}) },
);

const NASTY_DECIMALS = [
  '-1',
  '-0',
  '-0.01',
  '0.001',
  '1e5',
  '1E-2',
  'NaN',
  'Infinity',
  '-Infinity',
  '',
  ' ',
  ' 12.50 ',
  '1,000.00',
  '١٢٣',
  '0x10',
  '1.',
  '.5',
  '100.01',
  '101',
  '999',
  '10000000000',
  '99999999999.99',
  '000000000000001.5',
  '123456789012345.123456789012345',
  '1234567890123456',
  long(40, '9'),
  '1\u0000',
  '12\n',
];
export const nastyDecimal: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(...NASTY_DECIMALS) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: fc.stringMatching(/^-?\d{1,15}(\.\d{1,15})?$/) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(12.5, 0, -1, 1e21, true, [], {}) },
);

const money = fc.oneof(
  fc.constantFrom('0', '0.00', '98500.00', '9999999999.99', '0.01', ' 1500 '),
  fc
    .tuple(fc.integer({ min: 0, max: 9_999_999_999 }), fc.integer({ min: 0, max: 99 }))
    .map(([whole, cents]) => `${whole}.${String(cents).padStart(2, '0')}`),
);
const percent = fc.oneof(
  fc.constantFrom('0', '8.50', '100', '100.00', '0.01', '99.99'),
  fc
    .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
    .map(([whole, cents]) => `${whole}.${cents}`),
);

const VALID_DATES = [
  '2026-12-10T14:00:00Z',
  '2026-12-17T10:00:00.123456789Z',
  '2027-01-01T00:00:00+14:00',
  '2027-06-01T12:00-12:00',
];
const EXTREME_DATES = [
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:00:00+01:00',
  '1000-01-01T00:00Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999999999-23:59',
  '2038-01-19T03:14:08Z',
];
const MALFORMED_DATES = [
  '2026-13-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-12-10T25:00:00Z',
  '2026-12-10T14:00:00',
  '2026-12-10',
  'yesterday',
  '',
  'NaN',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2026-12-10T14:00:00+99:99',
  '2026-12-10T14:00:00Z\u0000',
  // Impossible on the calendar, though `new Date()` would roll them over.
  '2026-02-29T10:00:00Z',
  '2026-04-31T10:00:00Z',
  '2026-12-10T24:00:00Z',
  '2026-12-10T10:60:00Z',
  '2026-12-10T10:00:60Z',
  '2026-12-10T10:00:00+24:00',
];
const dateValid = fc.constantFrom(...VALID_DATES);
export const nastyDate: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...EXTREME_DATES) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...MALFORMED_DATES) },
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
      .map((date) => date.toISOString()),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 8.64e15, 1e20, true, {}, []) },
);

/** Nesting `depth` objects (or arrays) deep around `leaf`. */
const nested = (depth: number, leaf: string, array = false) =>
  JSON.parse(
    array ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`,
  ) as unknown;
const nastyJson = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      { note: '\u0000' },
      { '\u0000': 1 },
      { note: '\uD800' },
      { big: long(100_000) },
      { big: long(16_384) },
      { n: 1e308 },
      { n: -0 },
      nested(9, '1'),
      { list: Array.from({ length: 5_000 }, (_, index) => index) },
      JSON.parse('{"__proto__":{"isAdmin":true}}'),
      [1, 2],
      'text',
      42,
      true,
    ),
  },
  // Deep nesting, with and without unstorable text at the bottom.
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(10, 63, 64, 65, 100, 300)
      .chain((depth) =>
        fc.constantFrom(nested(depth, '1'), nested(depth, '"\\u0000"'), nested(depth, '"\\uD800"', true)),
      ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------- fields

/** One input field: how to fill it validly, and how to spoil it. */
type Spec = { valid: fc.Arbitrary<unknown>; nasty: fc.Arbitrary<unknown> };
const spec = (valid: fc.Arbitrary<unknown>, nasty: fc.Arbitrary<unknown>): Spec => ({ valid, nasty });

/** An optional field is validly absent, explicitly null, or set. */
const optional = ({ valid, nasty }: Spec): Spec => ({
  valid: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 4, arbitrary: valid },
  ),
  nasty,
});

/** Free text up to `max` characters: valid up to and at the limit; one past it is hostile. */
const text = (max: number) =>
  spec(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).filter((value) => value.trim() !== '') },
      { weight: 1, arbitrary: fc.constant(long(max)) },
    ),
    fc.oneof({ weight: 1, arbitrary: fc.constant(long(max + 1)) }, { weight: 5, arbitrary: nastyString }),
  );

const externalIdValid = (prefix: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.uuid().map((uuid) => `${prefix}${uuid}`) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/) },
    { weight: 1, arbitrary: fc.constant(long(100, 'a')) },
  );
const externalIdNasty = fc.oneof(
  fc.constantFrom<unknown>(long(101, 'a'), '-leading-dash', 'has space', 'ünïcode', 'a\u0000b', 'a/b'),
  nastyString,
);
const externalId = (valid: fc.Arbitrary<unknown>) => spec(valid, externalIdNasty);

const enumOf = (values: readonly string[], valid: fc.Arbitrary<unknown> = fc.constantFrom(...values)) =>
  spec(
    valid,
    fc.oneof(
      fc.constantFrom<unknown>('', 'NOPE', values[0]?.toLowerCase(), ` ${values[0]}`, 1, null, [values[0]], {}),
      nastyString,
    ),
  );
const int = (min: number, max: number) => spec(fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)), nastyInt);

/** expectedVersion: mostly absent, else the session's current version (when the context knows it) or any small int. */
const version: Spec = {
  valid: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: ref('version') },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }) },
  ),
  nasty: nastyInt,
};

// ---------------------------------------------------------------- global ids and cursors

const TYPES = [
  'ChatSession',
  'Quote',
  'Client',
  'Conversation',
  'Agent',
  'Proposal',
  'Message',
  'TripRequest',
  'TripLeg',
  'Operator',
  'SessionEvent',
];

function junkGlobalId(type: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom<unknown>(
        gid(type, 'not-a-uuid'),
        gid(type, ''),
        gid(type, '1'),
        gid(type, '-1'),
        gid(type, '9999999999999999999'),
        gid(type, '9223372036854775808'),
        gid(type, `${NIL}:extra`),
        gid(type, ` ${NIL}`),
        gid(type, NIL.toUpperCase()),
        gid(type, `{${NIL}}`),
        gid(type, NIL.replaceAll('-', '')),
        gid(type, "'; DROP TABLE chat_sessions; --"),
        gid(type, '\u0000'),
        gid(type, '😀'),
        gid(type, long(10_000)),
        b64(type),
        gid('NoSuchType', NIL),
        gid('', NIL),
        gid(type.toLowerCase(), NIL),
        NIL,
        '!!!',
        '',
        '====',
        'Q2hhdFNlc3Npb246',
        long(10_000, 'A'),
        123,
        0,
        true,
        {},
        [],
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map((id) => gid(type, id)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
}

/** A global id argument of `type`: valid is one the viewer owns; hostile is another agent's, the wrong type, unknown, or junk. */
function globalId(type: string, own: RefKind, foreign: RefKind, wrong: RefKind): Spec {
  return spec(
    ref(own),
    fc.oneof(
      { weight: 2, arbitrary: ref(foreign) },
      { weight: 1, arbitrary: ref(wrong) },
      { weight: 1, arbitrary: fc.uuid().map((uuid) => gid(type, uuid)) },
      { weight: 4, arbitrary: junkGlobalId(type) },
    ),
  );
}
const sessionId = globalId('ChatSession', 'session', 'foreignSession', 'quote');
const quoteId = globalId('Quote', 'quote', 'foreignQuote', 'session');

const NODE_REFS: RefKind[] = [
  'session',
  'foreignSession',
  'quote',
  'foreignQuote',
  'client',
  'foreignClient',
  'conversation',
  'foreignConversation',
  'agent',
  'otherAgent',
  'adminAgent',
  'proposal',
  'message',
  'request',
  'leg',
  'operator',
  'event',
];
const nodeId = spec(
  fc.constantFrom(...NODE_REFS).chain(ref),
  fc.oneof(
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...TYPES), fc.uuid()).map(([type, uuid]) => gid(type, uuid)) },
    { weight: 4, arbitrary: fc.constantFrom(...TYPES, 'NoSuchType').chain(junkGlobalId) },
    // Session events are numbered: the edges of a bigint.
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '0',
          '-1',
          '9223372036854775807',
          '9223372036854775808',
          '9999999999999999999',
          '00000000000000000001',
          '1e3',
        )
        .map((id) => gid('SessionEvent', id)),
    },
  ),
);

function cursor(own: RefKind): Spec {
  const chunk = (payload: string) => b64(`GPC:${payload}`);
  return spec(
    ref(own),
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom<unknown>(
          'garbage',
          '',
          chunk('S:not-a-uuid'),
          chunk('S:'),
          chunk(`S:${NIL}`),
          chunk('S:\u0000'),
          chunk("S:'; DROP TABLE x; --"),
          chunk('N:1'),
          chunk('N:NaN'),
          chunk('N:1e400'),
          chunk('I:1'),
          chunk('I:-1'),
          chunk('I:99999999999999999999'),
          chunk('I:abc'),
          chunk('D:0'),
          chunk('D:notadate'),
          chunk('D:99999999999999999'),
          chunk('O:{}'),
          chunk('O:true'),
          chunk('Z:'),
          chunk('M:1.5'),
          chunk('T:[]'),
          chunk('T:["S:a","N:1"]'),
          chunk('X:1'),
          'GPC:S:abc',
          b64(NIL),
          Buffer.from('evt:1').toString('base64url'),
          long(10_000, 'A'),
          1,
          true,
          {},
          [],
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((payload) => chunk(`S:${payload}`)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    ),
  );
}

// ---------------------------------------------------------------- objects

const POLLUTION = JSON.parse(
  '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
) as object;
const mapSpecs = (fields: Record<string, Spec>, pick: (field: Spec) => fc.Arbitrary<unknown>) =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, pick(field)])));

/**
 * An object of fields: valid, with one or two spoiled (less often the more `weight`),
 * sometimes with required fields dropped or unknown fields added.
 */
function object(
  fields: Record<string, Spec>,
  required: string[],
  weight: number,
): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  const spoil = (count: number) =>
    fc.subarray(keys, { minLength: Math.min(count, keys.length), maxLength: Math.min(count, keys.length) });
  return fc
    .record({
      valid: mapSpecs(fields, (field) => field.valid),
      nasty: mapSpecs(fields, (field) => field.nasty),
      spoiled: fc.oneof(
        ...(weight > 0 ? [{ weight, arbitrary: fc.constant<string[]>([]) }] : []),
        { weight: 4, arbitrary: spoil(1) },
        { weight: 2, arbitrary: spoil(2) },
      ),
      dropped: required.length
        ? fc.oneof(
            { weight: 8 * weight, arbitrary: fc.constant<string[]>([]) },
            { weight: 1, arbitrary: fc.subarray(required, { minLength: 1 }) },
          )
        : fc.constant<string[]>([]),
      extra: fc.oneof(
        { weight: 16 * weight, arbitrary: fc.constant<object>({}) },
        { weight: 1, arbitrary: fc.constantFrom<object>({ bogusField: 1 }, POLLUTION) },
      ),
    })
    .map(({ valid, nasty, spoiled, dropped, extra }) => {
      const result: Record<string, unknown> = {};
      for (const key of keys) {
        const value = spoiled.includes(key) ? nasty[key] : valid[key];
        if (value !== undefined && !dropped.includes(key)) define(result, key, value);
      }
      for (const [key, value] of Object.entries(extra)) define(result, key, value);
      return result;
    });
}

/** A mutation's `input`: an object as above, now and then not an object at all. */
const input = (fields: Record<string, Spec>, required: string[], weight: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 24 * weight, arbitrary: object(fields, required, weight) },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.constantFrom<unknown>(null, 'input', 42, [], [{}], true), fc.jsonValue({ maxDepth: 2 })),
    },
  );

// ---------------------------------------------------------------- trips

const AIRPORTS = ['KTEB', 'LFPB', 'EGLL', 'KJFK', 'LSGG', 'OMDB'];
const leg = (from: string, to: string, at: string) => ({ departureAirport: from, arrivalAirport: to, departureAt: at });
const dayAt = (day: number) => new Date(Date.UTC(2026, 11, 1 + day, 9)).toISOString();
const legsOf = (count: number) =>
  Array.from({ length: count }, (_, index) =>
    leg(AIRPORTS[index % 6] as string, AIRPORTS[(index + 1) % 6] as string, dayAt(index)),
  );
const TRIPS = [
  { tripType: 'ONE_WAY', legs: [leg('KTEB', 'LFPB', '2026-12-10T14:00:00Z')] },
  {
    tripType: 'ROUND_TRIP',
    legs: [leg('KTEB', 'LFPB', '2026-12-10T14:00:00Z'), leg('LFPB', 'KTEB', '2026-12-17T10:00:00Z')],
  },
  {
    tripType: 'MULTI_CITY',
    legs: [leg('KTEB', 'LFPB', dayAt(1)), leg('lfpb', ' egll ', dayAt(2)), leg('EGLL', 'OMDB', dayAt(3))],
  },
  { tripType: 'MULTI_CITY', legs: legsOf(20) }, // at the limit
];
const airportNasty = fc.oneof(
  fc.constantFrom<unknown>('KTE', 'KTEBB', 'K TE', 'ÄÖÜX', 'kteb\u0000', 'K\u0000EB', '😀😀', 'ßkt', 'kſan'),
  nastyString,
);
const legSpecs = (template: ReturnType<typeof leg>): Record<string, Spec> => ({
  departureAirport: spec(fc.constant(template.departureAirport), airportNasty),
  arrivalAirport: spec(fc.constant(template.arrivalAirport), airportNasty),
  departureAt: spec(fc.constant(template.departureAt), nastyDate),
});
const nastyLegs = fc.constantFrom<unknown>(
  [],
  null,
  'KTEB',
  [null],
  [{}],
  { departureAirport: 'KTEB' },
  legsOf(21),
  legsOf(500),
);
const legs = (template: (typeof TRIPS)[number]) =>
  spec(
    fc.constant(template.legs),
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .integer({ min: 0, max: template.legs.length - 1 })
          .chain((index) =>
            fc.tuple(
              ...template.legs.map((one, at) => (at === index ? object(legSpecs(one), [], 0) : fc.constant(one))),
            ),
          ),
      },
      { weight: 1, arbitrary: nastyLegs },
    ),
  );

// ---------------------------------------------------------------- mutations

/** Inputs per mutation. `weight` is how often an input stays entirely valid: 1 for fuzzing, high for workflow walks. */
export function mutationInputs(weight: number): Record<string, fc.Arbitrary<unknown>> {
  const statusChange = input(
    { sessionId, expectedVersion: version, reason: optional(text(500)) },
    ['sessionId'],
    weight,
  );
  const currency = optional(
    spec(
      fc.constantFrom('USD', 'EUR', 'gbp', ' chf '),
      fc.oneof(fc.constantFrom<unknown>('XXX', 'US', 'USDD', 'ZZZ', '€', '123'), nastyString),
    ),
  );
  const operatorFields = {
    avinodeCompanyId: externalId(fc.oneof(ref('companyId'), externalIdValid('acomp-'))),
    name: text(200),
  };
  const operator = spec(
    mapSpecs(operatorFields, (field) => field.valid),
    fc.oneof(
      { weight: 3, arbitrary: object(operatorFields, ['avinodeCompanyId', 'name'], 0) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, {}, 'Shared Jets', []) },
    ),
  );
  return {
    startSession: input(
      {
        conversationId: optional(globalId('Conversation', 'conversation', 'foreignConversation', 'session')),
        agentId: optional(globalId('Agent', 'agent', 'otherAgent', 'client')),
        subject: optional(text(300)),
        metadata: optional(
          spec(
            fc.jsonValue({ maxDepth: 2 }).map((value) => ({ value })),
            nastyJson,
          ),
        ),
      },
      [],
      weight,
    ),
    recordMessage: input(
      {
        sessionId,
        senderType: enumOf(['AGENT', 'ASSISTANT', 'OPERATOR', 'SYSTEM']),
        senderName: optional(text(200)),
        content: text(20_000),
        externalId: optional(
          externalId(
            fc.oneof({ weight: 6, arbitrary: externalIdValid('amsg-') }, { weight: 1, arbitrary: ref('messageKey') }),
          ),
        ),
        sentAt: optional(spec(dateValid, nastyDate)),
        expectedVersion: version,
      },
      ['sessionId', 'senderType', 'content'],
      weight,
    ),
    captureTripRequest: fc.constantFrom(...TRIPS).chain((template) =>
      input(
        {
          sessionId,
          clientId: optional(globalId('Client', 'client', 'foreignClient', 'session')),
          tripType: spec(
            fc.constant(template.tripType),
            fc.oneof(fc.constantFrom<unknown>('ONE_WAY', 'ROUND_TRIP', 'MULTI_CITY', 'one_way', ''), nastyString),
          ),
          passengers: int(1, 100),
          legs: legs(template),
          aircraftCategory: optional(text(100)),
          budget: optional(spec(money, nastyDecimal)),
          currency,
          specialRequirements: optional(text(2000)),
          expectedVersion: version,
        },
        ['sessionId', 'tripType', 'passengers', 'legs'],
        weight,
      ),
    ),
    linkAvinodeTrip: input(
      {
        sessionId,
        avinodeTripId: externalId(
          fc.oneof(
            { weight: 6, arbitrary: ref('tripId') },
            { weight: 1, arbitrary: ref('foreignTripId') },
            { weight: 1, arbitrary: externalIdValid('atrip-') },
          ),
        ),
        avinodeRfpId: optional(externalId(externalIdValid('arfp-'))),
        avinodeRfqId: optional(externalId(externalIdValid('arfq-'))),
        expectedVersion: version,
      },
      ['sessionId', 'avinodeTripId'],
      weight,
    ),
    recordRfqsSent: input(
      {
        sessionId,
        operatorsContacted: int(1, 1000),
        quotesExpected: int(0, 1000),
        avinodeRfqId: optional(externalId(externalIdValid('arfq-'))),
        expectedVersion: version,
      },
      ['sessionId', 'operatorsContacted', 'quotesExpected'],
      weight,
    ),
    receiveQuote: fc
      .tuple(
        fc.oneof(
          { weight: 3 * weight, arbitrary: fc.record({ sessionId: sessionId.valid }) },
          {
            weight,
            arbitrary: fc.record({
              avinodeTripId: fc.oneof(
                { weight: 4, arbitrary: ref('tripId') },
                { weight: 1, arbitrary: ref('foreignTripId') },
              ),
            }),
          },
          { weight: 1, arbitrary: fc.record({ sessionId: sessionId.nasty }) },
          { weight: 1, arbitrary: fc.record({ avinodeTripId: externalIdNasty }) },
          { weight: 1, arbitrary: fc.record({ sessionId: sessionId.valid, avinodeTripId: ref('tripId') }) },
          { weight: 1, arbitrary: fc.constant({}) },
        ),
        input(
          {
            avinodeQuoteId: externalId(
              fc.oneof({ weight: 6, arbitrary: externalIdValid('aquote-') }, { weight: 1, arbitrary: ref('quoteKey') }),
            ),
            operator,
            aircraftType: text(100),
            tailNumber: optional(text(20)),
            seats: optional(int(1, 1000)),
            totalPrice: spec(money, nastyDecimal),
            currency,
            validUntil: optional(spec(dateValid, nastyDate)),
            status: optional(
              enumOf(
                ['RECEIVED', 'DECLINED', 'WITHDRAWN', 'EXPIRED'],
                fc.oneof(
                  { weight: 4, arbitrary: fc.constant('RECEIVED') },
                  { weight: 1, arbitrary: fc.constantFrom('DECLINED', 'WITHDRAWN', 'EXPIRED') },
                ),
              ),
            ),
            declineReason: optional(text(1000)),
          },
          ['avinodeQuoteId', 'operator', 'aircraftType', 'totalPrice'],
          weight,
        ),
      )
      .map(([target, rest]) => {
        if (!rest || typeof rest !== 'object' || Array.isArray(rest)) return rest;
        const merged: Record<string, unknown> = { ...target };
        for (const [key, value] of Object.entries(rest)) define(merged, key, value);
        return merged;
      }),
    selectPrimaryQuote: input({ sessionId, quoteId, expectedVersion: version }, ['sessionId', 'quoteId'], weight),
    generateProposal: input(
      {
        sessionId,
        quoteId: optional(quoteId),
        marginPercent: spec(percent, nastyDecimal),
        title: optional(text(200)),
        expectedVersion: version,
      },
      ['sessionId', 'marginPercent'],
      weight,
    ),
    sendProposal: input(
      {
        sessionId,
        sentTo: optional(
          spec(
            fc.constantFrom('client@example.com', 'UPPER@EXAMPLE.COM', ' spaced@example.com '),
            fc.oneof(
              fc.constantFrom<unknown>(
                'not-an-email',
                'a@b',
                '@',
                `${long(250, 'a')}@example.com`,
                `a@${long(300, 'b')}.com`,
                'üñí@exämple.com',
                'a\u0000@example.com',
              ),
              nastyString,
            ),
          ),
        ),
        expectedVersion: version,
      },
      ['sessionId'],
      weight,
    ),
    pauseSession: statusChange,
    resumeSession: statusChange,
    completeSession: statusChange,
    archiveSession: statusChange,
    archiveStaleSessions: input({ olderThanDays: optional(int(1, 3650)) }, [], weight),
  };
}

// ---------------------------------------------------------------- query arguments

const filterSpecs: Record<string, Spec> = {
  status: spec(
    fc.subarray(['ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED']),
    fc.constantFrom<unknown>('ACTIVE', ['NOPE'], [null], 'active', 1),
  ),
  step: spec(
    fc.subarray([
      'UNDERSTANDING_REQUEST',
      'SEARCHING_AIRCRAFT',
      'REQUESTING_QUOTES',
      'ANALYZING_QUOTES',
      'PROPOSAL_READY',
      'PROPOSAL_SENT',
    ]),
    fc.constantFrom<unknown>('PROPOSAL_SENT', ['NOPE'], {}),
  ),
  avinodeTripId: spec(ref('tripId'), nastyString),
  avinodeRfqId: spec(fc.constantFrom('arfq-1'), nastyString),
  clientId: globalId('Client', 'client', 'foreignClient', 'session'),
  lastActivityAfter: spec(dateValid, nastyDate),
  lastActivityBefore: spec(dateValid, nastyDate),
  search: spec(
    fc.constantFrom('trip', 'ACME', 'Acme Holdings'),
    fc.oneof(nastyString, fc.constantFrom<unknown>(long(201), long(450_000, '%_'))),
  ),
  agentId: globalId('Agent', 'agent', 'otherAgent', 'client'),
};
/** Filters set a few conditions each, now and then a hostile one. */
const filter = optional(
  spec(
    fc
      .subarray(Object.keys(filterSpecs), { maxLength: 3 })
      .chain((keys) =>
        mapSpecs(Object.fromEntries(keys.map((key) => [key, filterSpecs[key] as Spec])), (field) => field.valid),
      ),
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .constantFrom(...Object.keys(filterSpecs))
          .chain((key) => (filterSpecs[key] as Spec).nasty.map((value) => ({ [key]: value }))),
      },
      { weight: 1, arbitrary: fc.constantFrom<unknown>('x', [], 1, { status: 'ACTIVE', bogus: 1 }) },
    ),
  ),
);
const pageSize = optional(int(0, 100));

export const queryVariables = {
  session: object(
    {
      id: globalId('ChatSession', 'session', 'foreignSession', 'quote'),
      ef: pageSize,
      ea: optional(cursor('eventCursor')),
      el: pageSize,
      eb: optional(cursor('eventCursor')),
      qf: pageSize,
      qa: optional(cursor('quoteCursor')),
      ql: pageSize,
      qb: optional(cursor('quoteCursor')),
      mf: pageSize,
      ma: optional(cursor('messageCursor')),
      ml: pageSize,
      mb: optional(cursor('messageCursor')),
    },
    ['id'],
    1,
  ),
  node: object(
    {
      id: spec(
        nodeId.valid,
        fc.oneof(
          { weight: 8, arbitrary: nodeId.nasty },
          { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 1, [], {}) },
        ),
      ),
    },
    ['id'],
    1,
  ),
  nodes: object(
    {
      ids: spec(
        fc.array(nodeId.valid, { maxLength: 6 }),
        fc.oneof(
          {
            weight: 6,
            arbitrary: fc
              .tuple(fc.array(nodeId.valid, { maxLength: 4 }), nodeId.nasty)
              .map(([ids, bad]) => [...ids, bad]),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom<unknown>(
              null,
              'x',
              [null],
              Array.from({ length: 150 }, () => gid('ChatSession', NIL)),
              Array.from({ length: 5000 }, () => gid('Quote', NIL)),
            ),
          },
        ),
      ),
    },
    ['ids'],
    1,
  ),
  sessions: object(
    {
      filter,
      orderBy: optional(
        spec(
          object(
            {
              field: enumOf(['LAST_ACTIVITY_AT', 'STARTED_AT', 'UPDATED_AT']),
              direction: optional(enumOf(['ASC', 'DESC'])),
            },
            ['field'],
            4,
          ),
          fc.constantFrom<unknown>({}, 'LAST_ACTIVITY_AT', [], { direction: 'ASC' }, { field: 'NOPE' }),
        ),
      ),
      first: pageSize,
      after: optional(cursor('sessionCursor')),
      last: pageSize,
      before: optional(cursor('sessionCursor')),
    },
    [],
    1,
  ),
  sessionStats: object({ filter }, [], 1),
};

// ---------------------------------------------------------------- subscription arguments

const EVENT_TYPES = [
  'SESSION_STARTED',
  'MESSAGE_RECORDED',
  'TRIP_REQUEST_CAPTURED',
  'AVINODE_TRIP_LINKED',
  'RFQS_SENT',
  'QUOTE_RECEIVED',
  'QUOTE_UPDATED',
  'PRIMARY_QUOTE_SELECTED',
  'PROPOSAL_GENERATED',
  'PROPOSAL_SENT',
  'STEP_CHANGED',
  'STATUS_CHANGED',
];
const activityFilterSpecs: Record<string, Spec> = {
  status: filterSpecs['status'] as Spec,
  step: filterSpecs['step'] as Spec,
  types: spec(fc.subarray(EVENT_TYPES), fc.constantFrom<unknown>('QUOTE_RECEIVED', ['NOPE'], [null], 1)),
  agentId: filterSpecs['agentId'] as Spec,
};
const activityFilter = optional(
  spec(
    fc
      .subarray(Object.keys(activityFilterSpecs), { maxLength: 3 })
      .chain((keys) =>
        mapSpecs(
          Object.fromEntries(keys.map((key) => [key, activityFilterSpecs[key] as Spec])),
          (field) => field.valid,
        ),
      ),
    fc
      .constantFrom(...Object.keys(activityFilterSpecs))
      .chain((key) => (activityFilterSpecs[key] as Spec).nasty.map((value) => ({ [key]: value }))),
  ),
);

export const subscriptionVariables = {
  sessionEvents: object(
    {
      sessionId: globalId('ChatSession', 'session', 'foreignSession', 'quote'),
      after: optional(cursor('eventCursor')),
    },
    ['sessionId'],
    1,
  ),
  activityFeed: object({ filter: activityFilter, after: optional(cursor('eventCursor')) }, [], 1),
  sessionUpdated: object({ id: globalId('ChatSession', 'session', 'foreignSession', 'quote') }, ['id'], 1),
};

// ---------------------------------------------------------------- viewers

export type TokenKind = 'agent' | 'other' | 'admin' | 'service' | 'none' | 'garbage';
export const tokenKind: fc.Arbitrary<TokenKind> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<TokenKind>('agent') },
  { weight: 2, arbitrary: fc.constant<TokenKind>('other') },
  { weight: 3, arbitrary: fc.constant<TokenKind>('admin') },
  { weight: 3, arbitrary: fc.constant<TokenKind>('service') },
  { weight: 1, arbitrary: fc.constantFrom<TokenKind>('none', 'garbage') },
);
