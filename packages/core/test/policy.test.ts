import type { ApiKeyScope, GrantPermission, UserRole } from '@ledgerbase/db';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  assertAdmin,
  assertCanCreateResource,
  assertCanGrantScopes,
  assertScope,
  canManageResource,
  canSeeResource,
  canWriteResource,
  hasScope,
  listScope,
  needsGrantLookup,
  type ResourceAccess,
} from '../src/access/index.ts';
import { AppError } from '../src/errors/index.ts';

/**
 * Every role × credential × relation × action, against the policy functions, composed in the order
 * the services call them: scope first (before any lookup), then visibility (404), then the action (403).
 *
 * Legend: A = allowed, F = 403 FORBIDDEN, N = 404 NOT_FOUND.
 * Resource columns hold three letters for see (GET, history, versions), write (PUT, PATCH) and manage
 * (DELETE, restore, grants), one column per relation of the caller to the resource.
 * create = POST /resources; listOwn = GET /resources; listOther = GET /resources?ownerId=<someone else>;
 * admin = GET /users, PATCH /users/:id; keyAdmin / keyPlain = creating an API key with / without the
 * `admin` scope.
 */
type Outcome = 'A' | 'F' | 'N';
type Relation = 'owner' | 'read' | 'write' | 'stranger';
type Credential = 'token' | 'read' | 'write' | 'audit' | 'admin' | 'all';
type Row = [
  role: UserRole,
  credential: Credential,
  owner: string,
  readGrantee: string,
  writeGrantee: string,
  stranger: string,
  create: Outcome,
  listOwn: Outcome,
  listOther: Outcome,
  admin: Outcome,
  keyAdmin: Outcome,
  keyPlain: Outcome,
];

// biome-ignore format: a table reads best in aligned columns
const TABLE: Row[] = [
  // role    credential owner  read   write  stranger create listOwn listOther admin keyAdmin keyPlain
  ['admin',  'token', 'AAA', 'AAA', 'AAA', 'AAA',   'A',    'A',     'A',       'A',   'A',      'A'],
  ['admin',  'read',  'AFF', 'AFF', 'AFF', 'AFF',   'F',    'A',     'A',       'F',   'F',      'F'],
  ['admin',  'write', 'AAA', 'AAA', 'AAA', 'AAA',   'A',    'A',     'A',       'F',   'F',      'F'],
  ['admin',  'audit', 'FFF', 'FFF', 'FFF', 'FFF',   'F',    'F',     'F',       'F',   'F',      'F'],
  ['admin',  'admin', 'FFF', 'FFF', 'FFF', 'FFF',   'F',    'F',     'F',       'A',   'F',      'F'],
  ['admin',  'all',   'AAA', 'AAA', 'AAA', 'AAA',   'A',    'A',     'A',       'A',   'F',      'F'],
  ['member', 'token', 'AAA', 'AFF', 'AAF', 'NNN',   'A',    'A',     'F',       'F',   'F',      'A'],
  ['member', 'read',  'AFF', 'AFF', 'AFF', 'NFF',   'F',    'A',     'F',       'F',   'F',      'F'],
  ['member', 'write', 'AAA', 'AFF', 'AAF', 'NNN',   'A',    'A',     'F',       'F',   'F',      'F'],
  ['member', 'audit', 'FFF', 'FFF', 'FFF', 'FFF',   'F',    'F',     'F',       'F',   'F',      'F'],
  ['member', 'admin', 'FFF', 'FFF', 'FFF', 'FFF',   'F',    'F',     'F',       'F',   'F',      'F'],
  ['member', 'all',   'AAA', 'AFF', 'AAF', 'NNN',   'A',    'A',     'F',       'F',   'F',      'F'],
  // A viewer owning something (a demoted member) still only reads it; a write grant does not let a viewer write.
  ['viewer', 'token', 'AFF', 'AFF', 'AFF', 'NNN',   'F',    'A',     'F',       'F',   'F',      'A'],
  ['viewer', 'read',  'AFF', 'AFF', 'AFF', 'NFF',   'F',    'A',     'F',       'F',   'F',      'F'],
  ['viewer', 'write', 'AFF', 'AFF', 'AFF', 'NNN',   'F',    'A',     'F',       'F',   'F',      'F'],
  ['viewer', 'audit', 'FFF', 'FFF', 'FFF', 'FFF',   'F',    'F',     'F',       'F',   'F',      'F'],
  ['viewer', 'admin', 'FFF', 'FFF', 'FFF', 'FFF',   'F',    'F',     'F',       'F',   'F',      'F'],
  ['viewer', 'all',   'AFF', 'AFF', 'AFF', 'NNN',   'F',    'A',     'F',       'F',   'F',      'F'],
];

const SCOPES: Record<Exclude<Credential, 'token'>, ApiKeyScope[]> = {
  read: ['resources:read'],
  write: ['resources:write'],
  audit: ['audit:read'],
  admin: ['admin'],
  all: ['resources:read', 'resources:write', 'audit:read', 'admin'],
};

const ME = '0190a000-0000-7000-8000-000000000001';
const OTHER = '0190a000-0000-7000-8000-000000000002';

function actorFor(role: UserRole, credential: Credential): Actor {
  if (credential === 'token') return { type: 'user', userId: ME, role };
  return {
    type: 'api_key',
    userId: ME,
    role,
    keyId: '0190a000-0000-7000-8000-0000000000aa',
    scopes: SCOPES[credential],
  };
}

/** Runs a policy check: 'A' when it passes, 'F' when it throws FORBIDDEN (anything else fails the test). */
function outcomeOf(check: () => void): Outcome {
  try {
    check();
    return 'A';
  } catch (error) {
    if (error instanceof AppError && error.code === 'FORBIDDEN') return 'F';
    throw error;
  }
}

/** What `accessFor` hands the policy: the grant is looked up only when it can matter. */
function accessFor(actor: Actor, relation: Relation): ResourceAccess {
  const ownerId = relation === 'owner' ? ME : OTHER;
  const grant: GrantPermission | undefined =
    relation === 'read' || relation === 'write' ? relation : undefined;
  return needsGrantLookup(actor, { ownerId }) ? { ownerId, grant } : { ownerId };
}

type Action = 'see' | 'write' | 'manage';

function resourceOutcome(actor: Actor, relation: Relation, action: Action): Outcome {
  let visible = true;
  let allowed = true;
  const scoped = outcomeOf(() => {
    assertScope(actor, action === 'see' ? 'resources:read' : 'resources:write');
    const access = accessFor(actor, relation);
    visible = canSeeResource(actor, access);
    if (action === 'write') allowed = canWriteResource(actor, access);
    if (action === 'manage') allowed = canManageResource(actor, access);
  });
  if (scoped === 'F') return 'F';
  if (!visible) return 'N';
  return allowed ? 'A' : 'F';
}

const RELATIONS: Relation[] = ['owner', 'read', 'write', 'stranger'];
const ACTIONS: Action[] = ['see', 'write', 'manage'];

describe('access policy: the full decision table', () => {
  it('covers every role and every credential exactly once', () => {
    const keys = TABLE.map(([role, credential]) => `${role}/${credential}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(3 * 6);
  });

  describe.each(TABLE)('%s with %s', (role, credential, ...expected) => {
    const actor = actorFor(role, credential);
    const [owner, read, write, stranger, create, listOwn, listOther, admin, keyAdmin, keyPlain] = expected;

    it.each(RELATIONS.map((relation, i) => [relation, [owner, read, write, stranger][i]!] as const))(
      'as %s of the resource: see/write/manage = %s',
      (relation, letters) => {
        const actual = ACTIONS.map((action) => resourceOutcome(actor, relation, action)).join('');
        expect(actual).toBe(letters);
      },
    );

    it(`create ${create}, list own ${listOwn}, list others ${listOther}`, () => {
      expect(outcomeOf(() => assertCanCreateResource(actor))).toBe(create);
      expect(outcomeOf(() => listScope(actor, undefined))).toBe(listOwn);
      expect(outcomeOf(() => listScope(actor, OTHER))).toBe(listOther);
    });

    it(`admin functions ${admin}, keys with admin scope ${keyAdmin}, other keys ${keyPlain}`, () => {
      expect(outcomeOf(() => assertAdmin(actor))).toBe(admin);
      expect(outcomeOf(() => assertCanGrantScopes(actor, ['resources:read', 'admin']))).toBe(keyAdmin);
      expect(outcomeOf(() => assertCanGrantScopes(actor, ['resources:read', 'audit:read']))).toBe(keyPlain);
    });
  });
});

describe('access policy: details', () => {
  it('lists a non-admin’s own resources plus those granted; an explicit own id means owned only', () => {
    const member = actorFor('member', 'token');
    expect(listScope(member, undefined)).toEqual({ ownerId: ME, includeGranted: true });
    expect(listScope(member, ME)).toEqual({ ownerId: ME, includeGranted: false });
    const viewer = actorFor('viewer', 'read');
    expect(listScope(viewer, undefined)).toEqual({ ownerId: ME, includeGranted: true });
    // Known to have nothing granted: the grant half is skipped; unknown means it is searched.
    expect(listScope({ ...member, hasGrants: false }, undefined)).toEqual({
      ownerId: ME,
      includeGranted: false,
    });
    expect(listScope({ ...member, hasGrants: true }, undefined)).toEqual({
      ownerId: ME,
      includeGranted: true,
    });
  });

  it('lets admins list everything or one owner, never through grants', () => {
    const admin = actorFor('admin', 'token');
    expect(listScope(admin, undefined)).toEqual({ ownerId: undefined, includeGranted: false });
    expect(listScope(admin, OTHER)).toEqual({ ownerId: OTHER, includeGranted: false });
  });

  it('resources:write implies resources:read, nothing else implies anything', () => {
    const key = (scopes: ApiKeyScope[]): Actor => ({ ...actorFor('admin', 'all'), scopes });
    expect(hasScope(key(['resources:write']), 'resources:read')).toBe(true);
    expect(hasScope(key(['resources:read']), 'resources:write')).toBe(false);
    expect(hasScope(key(['admin']), 'resources:read')).toBe(false);
    expect(hasScope(key(['admin']), 'audit:read')).toBe(false);
    expect(hasScope(key(['audit:read']), 'resources:read')).toBe(false);
    expect(hasScope(key([]), 'resources:read')).toBe(false);
    // A user token is not narrowed by scopes: its role alone decides.
    expect(hasScope(actorFor('viewer', 'token'), 'admin')).toBe(true);
  });

  it('needs a grant lookup only for callers who are neither admin nor owner', () => {
    expect(needsGrantLookup(actorFor('admin', 'token'), { ownerId: OTHER })).toBe(false);
    expect(needsGrantLookup(actorFor('member', 'token'), { ownerId: ME })).toBe(false);
    expect(needsGrantLookup(actorFor('member', 'token'), { ownerId: OTHER })).toBe(true);
    expect(needsGrantLookup(actorFor('viewer', 'read'), { ownerId: OTHER })).toBe(true);
  });

  it('API keys cannot hand out API keys, whatever their scopes and role', () => {
    for (const role of ['admin', 'member', 'viewer'] as const) {
      for (const credential of ['read', 'write', 'audit', 'admin', 'all'] as const) {
        expect(outcomeOf(() => assertCanGrantScopes(actorFor(role, credential), ['resources:read']))).toBe(
          'F',
        );
      }
    }
  });

  it('says why in the error message, in the contract error code', () => {
    const error = (() => {
      try {
        assertScope(actorFor('member', 'read'), 'resources:write');
      } catch (e) {
        return e as AppError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('FORBIDDEN');
    expect(error?.status).toBe(403);
    expect(error?.message).toMatch(/resources:write/);
  });
});
