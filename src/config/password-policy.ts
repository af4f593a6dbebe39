/**
 * The password policy. It lives with the configuration, which holds `ADMIN_PASSWORD` to it at start-up, so that
 * `config/` needs nothing from `auth/`; `auth/` holds every password a user is created with to the same rule.
 */

/** Minimum password length: NIST SP 800-63B asks for at least 8; 12 keeps offline guessing out of reach. */
export const MIN_PASSWORD_LENGTH = 12;

/** A few of the most common passwords and patterns; long enough to catch the obvious, short enough to read. */
const COMMON = ['password', 'passw0rd', 'qwerty', 'letmein', 'welcome', 'admin', 'changeme', 'iloveyou', 'infergraph'];

/**
 * Why a password is too weak, or `undefined` when it is acceptable: long enough, not mostly one character, not a
 * common password with decorations, and not the username.
 */
export function passwordWeakness(password: string, username?: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 1024) return 'must be at most 1024 characters';
  if (new Set(password).size < 5) return 'must use at least 5 different characters';
  const lower = password.toLowerCase();
  if (username !== undefined && lower.includes(username.toLowerCase())) return 'must not contain the username';
  const bare = lower.replace(/[^a-z]/g, '');
  if (COMMON.some((word) => bare === word || (bare.startsWith(word) && bare.length - word.length < 4))) {
    return 'must not be a common password';
  }
  if (/^(0123456789|1234567890|abcdefghij)/.test(lower)) return 'must not be a sequence';
  return undefined;
}
