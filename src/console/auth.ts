/**
 * Login checks: a generated password when none is given, and a constant-time comparison of what a
 * client typed with the configured username and password. Must never log or echo a typed password,
 * and never return early on a mismatch.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random password: 16 URL-safe characters (96 bits). */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares typed credentials with the expected ones in time that depends on neither. */
export class Credentials {
  private readonly username: Buffer;
  private readonly password: Buffer;

  constructor(username: string, password: string) {
    // Hashing first gives equal-length buffers, as timingSafeEqual needs, without revealing lengths.
    this.username = digest(username);
    this.password = digest(password);
  }

  check(username: string, password: string): boolean {
    const userOk = timingSafeEqual(this.username, digest(username));
    const passwordOk = timingSafeEqual(this.password, digest(password));
    return userOk && passwordOk;
  }
}
