/**
 * Every data problem is reported as a DataError whose message starts with where it happened
 * (file, line or record, field), so a user can open the file at the right place.
 */
export interface DataErrorLocation {
  source: string;
  line?: number;
  column?: number;
  record?: number;
  field?: string;
}

export class DataError extends Error {
  readonly location: DataErrorLocation;

  constructor(location: DataErrorLocation, problem: string) {
    super(`${formatLocation(location)}: ${problem}`);
    this.name = 'DataError';
    this.location = location;
  }
}

export function formatLocation(loc: DataErrorLocation): string {
  let where = loc.source;
  if (loc.line !== undefined) where += `:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ''}`;
  if (loc.record !== undefined) where += ` record ${loc.record}`;
  if (loc.field !== undefined) where += ` field "${loc.field}"`;
  return where;
}
