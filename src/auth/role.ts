/** What a principal may do; each role includes the ones before it. */
export enum Role {
  /** Lists models and their metadata. */
  VIEWER = 'VIEWER',
  /** Also runs predictions. */
  PREDICTOR = 'PREDICTOR',
  /** Also manages models, users and API keys. */
  ADMIN = 'ADMIN',
}

const RANK: Readonly<Record<Role, number>> = { [Role.VIEWER]: 0, [Role.PREDICTOR]: 1, [Role.ADMIN]: 2 };

/** Whether `role` grants at least what `required` grants. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** Narrows an untrusted string (a token claim, a database value) to a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RANK, value);
}
