// The objects of Read Device Identification (function 43 / MEI type 14, Modbus Application
// Protocol v1.1b3 section 6.21): their ids and names, shared by the server that answers them and
// the device identity check that reads them. Browser-safe: the editor's check of a device's
// identity object uses it.

/** The basic (0x00..0x02) and regular (0x03..0x06) objects, by the key a config names them with. */
export const DEVICE_ID_OBJECTS = {
  vendorName: 0x00,
  productCode: 0x01,
  majorMinorRevision: 0x02,
  vendorUrl: 0x03,
  productName: 0x04,
  modelName: 0x05,
  userApplicationName: 0x06,
} as const;

export type DeviceIdObjectName = keyof typeof DEVICE_ID_OBJECTS;

/** An object to read: its id and how messages name it. */
export interface DeviceIdObject {
  objectId: number;
  /** the specification's name (ProductCode), or "object 0x80" for one it does not name */
  name: string;
}

const SPEC_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(DEVICE_ID_OBJECTS).map(([key, id]) => [id, key[0].toUpperCase() + key.slice(1)]));

/**
 * An object named as the specification does (ProductCode, productCode, any case) or by its id
 * (1, 0x80, 128): undefined when the text is neither.
 */
export function deviceIdObjectOf(text: string): DeviceIdObject | undefined {
  const t = text.trim();
  const byName = [...SPEC_NAMES].find(([, name]) => name.toLowerCase() === t.toLowerCase());
  if (byName) return { objectId: byName[0], name: byName[1] };
  if (!/^(0x[0-9a-f]{1,2}|\d{1,3})$/i.test(t)) return undefined;
  const objectId = Number(t);
  if (objectId > 0xff) return undefined;
  return { objectId, name: SPEC_NAMES.get(objectId) ?? `object 0x${objectId.toString(16).padStart(2, '0')}` };
}
