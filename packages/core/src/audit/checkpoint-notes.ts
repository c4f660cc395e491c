import { NoteError } from './signed-note.ts';
import type { CheckpointNote } from './verify-checks.ts';

/** Checkpoint notes from the database and from elsewhere (`--checkpoint`), merged by tree size. */
/** Tree size from a note's second line, to merge it in order; the signature is checked later. */
export function noteTreeSize(note: string): number {
  const size = note.split('\n')[1];
  if (!size || !/^(0|[1-9][0-9]*)$/.test(size)) throw new NoteError('not a checkpoint note (no tree size)');
  return Number(size);
}

/** Merges two checkpoint sources sorted by tree size. */
export async function* mergeCheckpoints(
  stored: AsyncIterable<CheckpointNote>,
  external: readonly CheckpointNote[],
): AsyncGenerator<CheckpointNote> {
  const extra = [...external].sort((a, b) => a.treeSize - b.treeSize);
  let i = 0;
  for await (const checkpoint of stored) {
    while (i < extra.length && extra[i]!.treeSize <= checkpoint.treeSize) yield extra[i++]!;
    yield checkpoint;
  }
  while (i < extra.length) yield extra[i++]!;
}

export function externalNotes(notes: readonly string[] = []): CheckpointNote[] {
  return notes.map((note, index) => ({
    note,
    treeSize: noteTreeSize(note),
    source: `external checkpoint ${index + 1}`,
  }));
}
