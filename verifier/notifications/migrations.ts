import type { Migration } from '@interop-lab/common/db'

export const programInboxMigrations: Migration[] = [
  {
    id: 'program-inbox-1',
    sql: `CREATE TABLE program_inbox (
      program_key TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL, publisher TEXT NOT NULL,
      issued_at TEXT NOT NULL, data TEXT NOT NULL, jws TEXT NOT NULL, received_at TEXT NOT NULL,
      redeliveries INTEGER NOT NULL, PRIMARY KEY (program_key, event_id))`,
  },
  {
    // the order notifications arrived in, per program: a reader's cursor (GET …/inbox?after=<seq>)
    id: 'program-inbox-2-sequence',
    sql: 'ALTER TABLE program_inbox ADD COLUMN seq INTEGER',
    async run(tx) {
      const rows = await tx.query<{ program_key: string; event_id: string }>('SELECT program_key, event_id FROM program_inbox ORDER BY program_key, received_at, event_id')
      const next = new Map<string, number>()
      for (const row of rows) {
        const seq = (next.get(row.program_key) ?? 0) + 1
        next.set(row.program_key, seq)
        await tx.run('UPDATE program_inbox SET seq = ? WHERE program_key = ? AND event_id = ?', [seq, row.program_key, row.event_id])
      }
      await tx.exec('CREATE UNIQUE INDEX program_inbox_seq ON program_inbox (program_key, seq)')
    },
  },
]
