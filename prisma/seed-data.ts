/**
 * The fixed facts behind the demo data: who the brokers are and who their clients are (airports are in
 * seed-airports.ts, operators in seed-fleet.ts). Companies, people, e-mail domains (`.example`) and phone
 * numbers (555-01xx and the other ranges reserved for fiction) are made up.
 */

/** Every timestamp in the demo data is measured back from this instant, never from the clock. */
export const DEMO_BASE_DATE = new Date('2026-11-01T00:00:00.000Z');

/**
 * The identity-provider subject of a demo agent. The token command derives it from the e-mail alone, so it
 * can print a token without opening the (single-process) embedded database.
 */
export function demoAuthSubject(email: string): string {
  return `demo|${email}`;
}

export type Region = 'us-east' | 'us-west' | 'europe';

export type DemoAgent = {
  key: string;
  email: string;
  fullName: string;
  role: 'AGENT' | 'ADMIN';
};

export const DEMO_AGENTS: readonly DemoAgent[] = [
  { key: 'agent1', email: 'agent1@example.com', fullName: 'Alex Morgan', role: 'AGENT' },
  { key: 'agent2', email: 'agent2@example.com', fullName: 'Jordan Reyes', role: 'AGENT' },
  { key: 'agent3', email: 'agent3@example.com', fullName: 'Priya Shah', role: 'AGENT' },
  { key: 'admin', email: 'admin@example.com', fullName: 'Sam Whitaker', role: 'ADMIN' },
];

export type DemoClient = {
  agentKey: string;
  companyName: string;
  contactName: string;
  email: string;
  phone: string | null;
  /** Where the client usually flies from: picks the trips they ask for. */
  home: Region;
};

const client = (
  agentKey: string,
  companyName: string,
  contactName: string,
  email: string,
  phone: string | null,
  home: Region,
): DemoClient => ({ agentKey, companyName, contactName, email, phone, home });

export const DEMO_CLIENTS: readonly DemoClient[] = [
  client(
    'agent1',
    'Hollister Capital Partners',
    'Emma Hollister',
    'emma@hollistercapital.example',
    '+1 212 555 0142',
    'us-east',
  ),
  client(
    'agent1',
    'Brightwater Media Group',
    'Marcus Chen',
    'm.chen@brightwatermedia.example',
    '+1 646 555 0117',
    'us-east',
  ),
  client(
    'agent1',
    'Northbridge Family Office',
    'Caroline Ashby',
    'cashby@northbridgefo.example',
    '+1 203 555 0188',
    'us-east',
  ),
  client(
    'agent1',
    'Vega Biotherapeutics',
    'Dr. Samuel Okafor',
    'sokafor@vegabio.example',
    '+1 617 555 0163',
    'us-east',
  ),
  client(
    'agent1',
    'Albion Wealth Management',
    'Oliver Pennington',
    'o.pennington@albionwm.example',
    '+44 20 7946 0321',
    'europe',
  ),
  client(
    'agent1',
    'Sterling Ridge Hospitality',
    'Natalie Brooks',
    'nbrooks@sterlingridge.example',
    '+1 305 555 0174',
    'us-east',
  ),
  client('agent1', 'Pinecrest Ventures', 'Daniel Foster', 'dfoster@pinecrest.example', null, 'us-west'),
  client('agent2', 'Marlowe Entertainment', 'Sofia Marlowe', 'sofia@marlowe-ent.example', '+1 310 555 0129', 'us-west'),
  client(
    'agent2',
    'Aurora Sports Management',
    'Tyler Grant',
    'tgrant@aurorasports.example',
    '+1 480 555 0151',
    'us-west',
  ),
  client(
    'agent2',
    'Redfern Architecture',
    'Isabel Redfern',
    'isabel@redfern-arch.example',
    '+1 415 555 0136',
    'us-west',
  ),
  client(
    'agent2',
    'Keystone Energy Holdings',
    'Robert Hale',
    'rhale@keystoneenergy.example',
    '+1 214 555 0190',
    'us-west',
  ),
  client(
    'agent2',
    'Oakmont Medical Group',
    'Dr. Hannah Weiss',
    'hweiss@oakmontmed.example',
    '+1 702 555 0108',
    'us-west',
  ),
  client(
    'agent2',
    'Blue Harbor Yachts',
    'Lucas Moreau',
    'lucas@blueharboryachts.example',
    '+1 561 555 0177',
    'us-east',
  ),
  client(
    'agent3',
    'Maison Castellane',
    'Camille Castellane',
    'camille@maisoncastellane.example',
    '+33 1 99 00 42 17',
    'europe',
  ),
  client('agent3', 'Lémanique Private Bank', 'Thomas Favre', 't.favre@lemanique.example', '+41 22 555 01 64', 'europe'),
  client('agent3', 'Harrow & Finch LLP', 'Eleanor Finch', 'efinch@harrowfinch.example', '+44 20 7946 0877', 'europe'),
  client('agent3', 'Calloway Group', 'James Calloway', 'jc@callowaygroup.example', '+1 212 555 0199', 'us-east'),
  client('admin', 'Summit Peak Resorts', 'Grace Holloway', 'grace@summitpeak.example', '+1 970 555 0112', 'us-west'),
  client('admin', 'Atlas Freight Partners', 'Victor Lindqvist', 'vlindqvist@atlasfreight.example', null, 'us-east'),
];
