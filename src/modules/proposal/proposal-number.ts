/** `PROP-2026-000042`: the year it was generated and its place in `proposal_number_seq`. */
export function formatProposalNumber(year: number, sequence: bigint | number): string {
  return `PROP-${year}-${String(sequence).padStart(6, '0')}`;
}
