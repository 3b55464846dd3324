/**
 * The host's own users and workspaces. keygate knows none of this: the host
 * turns its signed-in user into an actor (`{ id, tenantId: workspace, role }`)
 * and keygate decides what that role may do.
 *
 * Passwords are hashed with node's scrypt at one of OWASP's equivalent minimum
 * settings (N=2^14, r=8, p=5: 16 MiB per hash rather than 2^17's 128 MiB) and
 * compared in constant time.
 *
 * @module
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** keygate's default roles, which the examples use as they are. */
export type Role = 'super_admin' | 'admin' | 'developer' | 'viewer';

/** A workspace: the host's tenant, and keygate's `tenantId`. */
export interface Workspace {
  id: string;
  name: string;
}

/** A user as the pages see it (never the password hash). */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  workspace: Workspace;
}

/** A seeded demo login, printed at start and shown on the sign-in page. */
export interface DemoLogin {
  email: string;
  role: Role;
  workspace: string;
}

const SCRYPT: ScryptOptions = { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$<salt>$<hash>` (base64url) for `password`, with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `password` matches `stored` (from {@link hashPassword}); false for a malformed record. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'));
  return timingSafeEqual(actual, expected);
}

/** The demo's workspaces. */
export const WORKSPACES: readonly Workspace[] = [
  { id: 'acme', name: 'Acme Weather' },
  { id: 'globex', name: 'Globex Forecasts' },
];

const SEED: readonly { id: string; email: string; name: string; role: Role; workspace: string }[] = [
  { id: 'u_root', email: 'root@acme.test', name: 'Rita Root', role: 'super_admin', workspace: 'acme' },
  { id: 'u_admin', email: 'admin@acme.test', name: 'Ada Admin', role: 'admin', workspace: 'acme' },
  { id: 'u_dev', email: 'dev@acme.test', name: 'Dev Developer', role: 'developer', workspace: 'acme' },
  { id: 'u_viewer', email: 'viewer@acme.test', name: 'Vic Viewer', role: 'viewer', workspace: 'acme' },
  { id: 'u_globex', email: 'admin@globex.test', name: 'Gus Globex', role: 'admin', workspace: 'globex' },
];

interface StoredUser extends User {
  passwordHash: string;
}

/** The host's user directory: seeded demo users, looked up by id or signed in by email and password. */
export class UserDirectory {
  readonly #byId = new Map<string, StoredUser>();
  readonly #byEmail = new Map<string, StoredUser>();
  // Any stored hash: checking an unknown email against it costs as much as a wrong password.
  #decoy = '';

  /** Seeds the demo users, each with `password` (hashed, one salt each). */
  static async seeded(password: string): Promise<UserDirectory> {
    const directory = new UserDirectory();
    const hashes = await Promise.all(SEED.map(() => hashPassword(password)));
    directory.#decoy = hashes[0]!;
    SEED.forEach((seed, i) => {
      const workspace = WORKSPACES.find((w) => w.id === seed.workspace)!;
      const user: StoredUser = { id: seed.id, email: seed.email, name: seed.name, role: seed.role, workspace, passwordHash: hashes[i]! };
      directory.#byId.set(user.id, user);
      directory.#byEmail.set(user.email, user);
    });
    return directory;
  }

  /** The user with this id, without the password hash. */
  byId(id: string): User | undefined {
    const user = this.#byId.get(id);
    return user && publicUser(user);
  }

  /** The user these credentials belong to, or undefined (same cost whether or not the email exists). */
  async authenticate(email: unknown, password: unknown): Promise<User | undefined> {
    if (typeof email !== 'string' || typeof password !== 'string' || password.length > 1024) return undefined;
    const user = this.#byEmail.get(email.trim().toLowerCase());
    const ok = await verifyPassword(password, user?.passwordHash ?? this.#decoy);
    return ok && user ? publicUser(user) : undefined;
  }

  /** The seeded logins, for the start banner and the sign-in page. */
  demoLogins(): DemoLogin[] {
    return [...this.#byId.values()].map((u) => ({ email: u.email, role: u.role, workspace: u.workspace.name }));
  }
}

function publicUser({ passwordHash: _hash, ...user }: StoredUser): User {
  return user;
}
