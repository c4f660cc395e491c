import type { UserRole } from '@ledgerbase/db';

export type User = {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  createdAt: string;
  updatedAt: string;
};

/** A user row with email and name decrypted (users store): what services work with, never stored as is. */
export type UserRecord = {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: UserRole;
  disabled_at: Date | null;
  /** Read from the database; a record about to be inserted starts at 0. */
  session_epoch?: number;
  created_at: Date;
  updated_at: Date;
};

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export function toUser(row: UserRecord): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
