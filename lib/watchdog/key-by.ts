/** What a watchdog key is made of (kept apart from keys.ts so the editor's field rules can use it alone). */
export const KEY_BY = ['topic', 'device', 'tag'] as const;
export type KeyBy = (typeof KEY_BY)[number];
