/** Reading Redis Streams replies: entry ids and XINFO field lists, shared by the log's housekeeping. */

/** A stream entry id (`<ms>-<seq>`) as two numbers, for comparing ids. */
export type EntryId = readonly [ms: number, seq: number];

export const parseId = (id: string): EntryId => {
  const [ms = '0', seq = '0'] = id.split('-');
  return [Number(ms), Number(seq)];
};
export const formatId = ([ms, seq]: EntryId): string => `${ms}-${seq}`;
export const isBefore = (a: EntryId, b: EntryId): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** An XINFO reply: a flat list of field names and values (values may be nested replies). */
export type InfoReply = (string | number | null | InfoReply)[];

export const fieldsOf = (info: InfoReply): Map<string, InfoReply[number]> => {
  const fields = new Map<string, InfoReply[number]>();
  for (let i = 0; i < info.length - 1; i += 2) fields.set(String(info[i]), info[i + 1] ?? null);
  return fields;
};

/** XINFO on a stream that does not exist. */
export const isMissingStream = (error: unknown): boolean =>
  /no such key/i.test(String((error as Error).message));
