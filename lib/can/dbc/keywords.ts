// The statement keywords of the DBC format.

/** Statements we parse and use. */
export const USED_KEYWORDS = new Set([
  'VERSION',
  'NS_',
  'BS_',
  'BU_',
  'BO_',
  'SG_',
  'CM_',
  'BA_DEF_',
  'BA_DEF_DEF_',
  'BA_',
  'VAL_',
  'VAL_TABLE_',
  'SIG_VALTYPE_',
  'SG_MUL_VAL_',
  'BO_TX_BU_',
  'SIG_GROUP_',
]);

/** Statements of the format we recognise but do not use: skipped, with one warning per kind. */
export const SKIPPED_KEYWORDS: Record<string, string> = {
  EV_: 'environment variables',
  ENVVAR_DATA_: 'environment variable data',
  SGTYPE_: 'signal types',
  SGTYPE_VAL_: 'signal type value tables',
  BA_DEF_SGTYPE_: 'signal type attribute definitions',
  BA_SGTYPE_: 'signal type attributes',
  SIG_TYPE_REF_: 'signal type references',
  SIGTYPE_VALTYPE_: 'signal type value types',
  CAT_DEF_: 'categories',
  CAT_: 'categories',
  FILTER: 'filters',
  BA_DEF_REL_: 'relation attribute definitions',
  BA_REL_: 'relation attributes',
  BA_DEF_DEF_REL_: 'relation attribute defaults',
  BU_SG_REL_: 'node-signal relations',
  BU_EV_REL_: 'node-environment variable relations',
  BU_BO_REL_: 'node-message relations',
  NS_DESC_: 'symbol descriptions',
  EV_DATA_: 'environment variable data',
};

export function isSkippedKeyword(word: string): boolean {
  return Object.prototype.hasOwnProperty.call(SKIPPED_KEYWORDS, word);
}

export function isDbcKeyword(word: string): boolean {
  return USED_KEYWORDS.has(word) || isSkippedKeyword(word);
}
