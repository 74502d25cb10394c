import { DEMO_BASE_DATE, type Region } from './seed-data.js';
import { demoUuid } from './seed-random.js';

/**
 * Aircraft and the (fictional) operators that fly them. Seats, range, cruise speed and hourly rates are
 * typical charter figures, close enough that the quotes a demo shows look like real ones.
 */
export type AircraftType = {
  type: string;
  category: 'Light jet' | 'Midsize jet' | 'Super-midsize jet' | 'Heavy jet' | 'Ultra-long-range jet';
  seats: number;
  rangeNm: number;
  speedKt: number;
  /** USD per flight hour, before taxes. */
  hourlyRate: number;
};

const aircraft = (
  type: string,
  category: AircraftType['category'],
  seats: number,
  rangeNm: number,
  speedKt: number,
  hourlyRate: number,
): AircraftType => ({ type, category, seats, rangeNm, speedKt, hourlyRate });

export const AIRCRAFT: readonly AircraftType[] = [
  aircraft('Phenom 300', 'Light jet', 7, 1970, 420, 3900),
  aircraft('Citation CJ3+', 'Light jet', 6, 2040, 400, 3600),
  aircraft('Citation XLS+', 'Midsize jet', 8, 2100, 430, 5200),
  aircraft('Learjet 75', 'Midsize jet', 8, 2040, 450, 4900),
  aircraft('Hawker 900XP', 'Midsize jet', 8, 2800, 430, 5000),
  aircraft('Challenger 350', 'Super-midsize jet', 9, 3200, 460, 7800),
  aircraft('Citation Longitude', 'Super-midsize jet', 9, 3500, 470, 8200),
  aircraft('Praetor 600', 'Super-midsize jet', 9, 4000, 460, 7900),
  aircraft('Gulfstream G450', 'Heavy jet', 14, 4350, 470, 9800),
  aircraft('Challenger 650', 'Heavy jet', 12, 4000, 470, 9500),
  aircraft('Falcon 7X', 'Heavy jet', 14, 5950, 480, 10800),
  aircraft('Gulfstream G650', 'Ultra-long-range jet', 16, 7000, 490, 14500),
  aircraft('Global 7500', 'Ultra-long-range jet', 16, 7700, 490, 16000),
  aircraft('Falcon 8X', 'Ultra-long-range jet', 14, 6450, 480, 13000),
];

export function aircraftType(type: string): AircraftType {
  const found = AIRCRAFT.find((a) => a.type === type);
  if (!found) throw new Error(`Unknown demo aircraft ${type}`);
  return found;
}

export type DemoOperator = {
  avinodeCompanyId: string;
  name: string;
  /** Where the operator bases aircraft: only those operators are asked to quote a trip. */
  regions: readonly Region[];
  /** [aircraft type, tail number] */
  fleet: readonly (readonly [string, string])[];
};

export const DEMO_OPERATORS: readonly DemoOperator[] = [
  {
    avinodeCompanyId: 'acomp-100234',
    name: 'Executive Jet Charter',
    regions: ['us-east', 'us-west'],
    fleet: [
      ['Gulfstream G650', 'N650GA'],
      ['Challenger 350', 'N350EJ'],
      ['Citation XLS+', 'N568EJ'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-100517',
    name: 'Meridian Air Charter',
    regions: ['us-east'],
    fleet: [
      ['Challenger 350', 'N351MA'],
      ['Learjet 75', 'N75MQ'],
      ['Phenom 300', 'N300MR'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-101288',
    name: 'Skyline Private Aviation',
    regions: ['us-east', 'us-west'],
    fleet: [
      ['Gulfstream G450', 'N450SK'],
      ['Citation Longitude', 'N700SL'],
      ['Citation CJ3+', 'N33SP'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-101745',
    name: 'Atlantic Crown Jets',
    regions: ['us-east', 'europe'],
    fleet: [
      ['Global 7500', 'N750AC'],
      ['Falcon 7X', 'N807AC'],
      ['Praetor 600', 'N600AJ'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-102063',
    name: 'Summit Peak Aviation',
    regions: ['us-west'],
    fleet: [
      ['Challenger 350', 'N352SP'],
      ['Phenom 300', 'N301PK'],
      ['Hawker 900XP', 'N900SU'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-102391',
    name: 'Pacific Coast Jet Services',
    regions: ['us-west'],
    fleet: [
      ['Gulfstream G650', 'N651PC'],
      ['Citation XLS+', 'N569PJ'],
      ['Learjet 75', 'N76PC'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-102810',
    name: 'Northstar Jet Partners',
    regions: ['us-east', 'us-west'],
    fleet: [
      ['Challenger 650', 'N650NS'],
      ['Praetor 600', 'N601NJ'],
      ['Phenom 300', 'N302NS'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-103154',
    name: 'Coral Bay Air Charter',
    regions: ['us-east'],
    fleet: [
      ['Citation XLS+', 'N570CB'],
      ['Learjet 75', 'N77CB'],
      ['Challenger 350', 'N353CB'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-103472',
    name: 'Harbour Executive Aviation',
    regions: ['europe'],
    fleet: [
      ['Gulfstream G450', 'G-HRBX'],
      ['Citation XLS+', 'G-HXLS'],
      ['Challenger 350', 'G-HEAC'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-103906',
    name: "Lumière Aviation d'Affaires",
    regions: ['europe'],
    fleet: [
      ['Falcon 8X', 'F-HLUM'],
      ['Falcon 7X', 'F-HLSX'],
      ['Phenom 300', 'F-HLPH'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-104227',
    name: 'Alpine Wings',
    regions: ['europe'],
    fleet: [
      ['Global 7500', 'HB-JAW'],
      ['Challenger 650', 'HB-JAX'],
      ['Citation CJ3+', 'HB-VAW'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-104615',
    name: 'Luxwing Aviation',
    regions: ['europe'],
    fleet: [
      ['Gulfstream G650', 'LX-LWG'],
      ['Praetor 600', 'LX-LWP'],
      ['Learjet 75', 'LX-LWL'],
    ],
  },
  {
    avinodeCompanyId: 'acomp-105032',
    name: 'Mistral Jet',
    regions: ['europe'],
    fleet: [
      ['Citation Longitude', '9H-MJL'],
      ['Hawker 900XP', '9H-MJH'],
      ['Falcon 7X', '9H-MJX'],
    ],
  },
];

/** When the demo operators were imported: long before any demo session. */
export const OPERATORS_CREATED_AT = new Date(DEMO_BASE_DATE.getTime() - 200 * 86_400_000);

/** Known without a query, so quotes can reference operators in the same `createMany` batch. */
export function demoOperatorId(operator: DemoOperator): string {
  return demoUuid(`operator:${operator.avinodeCompanyId}`, OPERATORS_CREATED_AT);
}
