/**
 * Login attempt limits, kept in this process's memory (docs/decisions/0015-login-rate-limit.md):
 * - 5 failed attempts per account from one address in 15 minutes;
 * - 20 failed attempts from one address in 15 minutes, whatever the accounts (password spraying).
 * Beyond either, sign-in from that address (for that account) is refused with HTTP 429 and
 * Retry-After until the oldest failure in the window ages out. A successful sign-in clears the
 * account+address record. Failures from other addresses never lock an account out for its owner.
 */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;
/** Keys tracked at most; beyond it the oldest are dropped (a flood of addresses cannot exhaust memory). */
const MAX_KEYS = 50_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until an attempt is allowed again, or 0 when it is allowed now. */
  retryAfterSeconds(account: string, address: string): number {
    const t = this.now();
    const wait = Math.max(
      this.wait(`a:${account.toLowerCase()}|${address}`, MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS, t),
      this.wait(`ip:${address}`, MAX_FAILURES_PER_ADDRESS, t),
    );
    return wait > 0 ? Math.ceil(wait / 1000) : 0;
  }

  recordFailure(account: string, address: string): void {
    const t = this.now();
    for (const key of [`a:${account.toLowerCase()}|${address}`, `ip:${address}`]) {
      const list = this.recent(key, t);
      list.push(t);
      this.failures.delete(key);
      this.failures.set(key, list);
    }
    while (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  recordSuccess(account: string, address: string): void {
    this.failures.delete(`a:${account.toLowerCase()}|${address}`);
  }

  private recent(key: string, t: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => t - at < LOGIN_WINDOW_MS);
  }

  private wait(key: string, max: number, t: number): number {
    const list = this.recent(key, t);
    if (list.length < max) return 0;
    // Allowed again once enough failures have aged out of the window.
    return list[list.length - max]! + LOGIN_WINDOW_MS - t;
  }
}

export const loginLimiter = new LoginLimiter();
