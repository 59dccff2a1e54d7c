// CAN id filters as the can-in and can-interface dialogs take them: `id`, `id:mask` or
// `from~to` (hex, 0x optional), separated by spaces, commas or semicolons.
const FILTER = /^(0x)?[0-9a-f]+([:~](0x)?[0-9a-f]+)?$/i;

export function canFiltersValid(v: string | undefined): boolean {
  return String(v || '')
    .split(/[\s,;]+/)
    .filter((p) => p)
    .every((p) => FILTER.test(p));
}
