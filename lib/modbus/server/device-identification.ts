// Function 43 / MEI type 14, Read Device Identification (Modbus Application Protocol v1.1b3,
// section 6.21): the basic objects (VendorName, ProductCode, MajorMinorRevision) and the regular
// ones (VendorUrl, ProductName, ModelName, UserApplicationName), read as a stream (read device id
// codes 01 basic, 02 regular, 03 extended) or one at a time (04). This server has no extended
// objects (0x80..0xFF), so a code 03 request is answered at its actual level, regular, as the
// specification asks of a device asked above its conformity level.

import { DEVICE_ID_OBJECTS, type DeviceIdObjectName } from '../device-id-objects';

/** The identification a server answers with: the basic objects always, a regular one when not blank. */
export type DeviceIdentification = Readonly<Record<DeviceIdObjectName, string>>;

export const MEI_READ_DEVICE_ID = 0x0e;
const FC_ENCAPSULATED = 0x2b;

const CODE_BASIC = 0x01;
const CODE_SPECIFIC = 0x04;

/** 0x80: individual access (code 04) supported, besides the stream level in the low bits. */
const INDIVIDUAL_ACCESS = 0x80;
const LEVEL_BASIC = 0x01;
const LEVEL_REGULAR = 0x02;

const MAX_PDU = 253;
/** function, MEI type, code, conformity level, more follows, next object id, number of objects */
const RESPONSE_HEAD = 7;
/** The longest object value: one object (id and length bytes) must fit in one response PDU. */
export const MAX_DEVICE_ID_VALUE = MAX_PDU - RESPONSE_HEAD - 2;

const LAST_BASIC = DEVICE_ID_OBJECTS.majorMinorRevision;
const LAST_REGULAR = DEVICE_ID_OBJECTS.userApplicationName;

/** How a request was refused: the exception code (01, 02 or 03). */
export type DeviceIdAnswer = { response: Buffer } | { exception: 1 | 2 | 3 };

/** The objects a server holds, by id: the basic ones always, the regular ones when not blank. */
function objectsOf(id: DeviceIdentification): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (const [name, objectId] of Object.entries(DEVICE_ID_OBJECTS) as Array<[DeviceIdObjectName, number]>) {
    const text = id[name] ?? '';
    if (objectId > LAST_BASIC && text === '') continue;
    // the specification's objects are ASCII strings; the fields refuse anything else, this cut is a last guard
    out.set(objectId, Buffer.from(text, 'latin1').subarray(0, MAX_DEVICE_ID_VALUE));
  }
  return out;
}

/**
 * Answers a function 43 request PDU (function code first). Exceptions as section 6.21 has them:
 * 01 for an MEI type other than 14, 03 for a read device id code other than 01..04 (or a request
 * of the wrong length), 02 for an object id a code 04 request names that the server does not have.
 */
export function readDeviceIdentification(pdu: Buffer, id: DeviceIdentification): DeviceIdAnswer {
  if (pdu.length < 2 || pdu[1] !== MEI_READ_DEVICE_ID) return { exception: 1 };
  if (pdu.length !== 4) return { exception: 3 };
  const code = pdu[2];
  const requested = pdu[3];
  if (code < CODE_BASIC || code > CODE_SPECIFIC) return { exception: 3 };
  const objects = objectsOf(id);
  const hasRegular = [...objects.keys()].some((k) => k > LAST_BASIC);
  const conformity = INDIVIDUAL_ACCESS | (hasRegular ? LEVEL_REGULAR : LEVEL_BASIC);
  if (code === CODE_SPECIFIC) {
    const value = objects.get(requested);
    if (!value) return { exception: 2 };
    return { response: answer(code, conformity, 0, [[requested, value]]) };
  }
  // 02 and 03 (extended, which this server has none of) are answered at the device's level
  const last = code !== CODE_BASIC && hasRegular ? LAST_REGULAR : LAST_BASIC;
  const stream = [...objects.entries()].filter(([k]) => k <= last).sort((a, b) => a[0] - b[0]);
  // an object id the stream does not hold restarts it at its beginning (object 0)
  let first = stream.findIndex(([k]) => k === requested);
  if (first < 0) first = 0;
  const included: Array<[number, Buffer]> = [];
  let size = RESPONSE_HEAD;
  for (let i = first; i < stream.length; i++) {
    const [objectId, value] = stream[i];
    if (size + 2 + value.length > MAX_PDU) return { response: answer(code, conformity, objectId, included) };
    included.push([objectId, value]);
    size += 2 + value.length;
  }
  return { response: answer(code, conformity, 0, included) };
}

/** The response PDU; `nextObjectId` non-zero means "more follows" from that object. */
function answer(code: number, conformity: number, nextObjectId: number, objects: ReadonlyArray<[number, Buffer]>): Buffer {
  const more = nextObjectId !== 0;
  const head = Buffer.from([FC_ENCAPSULATED, MEI_READ_DEVICE_ID, code, conformity, more ? 0xff : 0x00, more ? nextObjectId : 0x00, objects.length]);
  return Buffer.concat([head, ...objects.map(([objectId, value]) => Buffer.concat([Buffer.from([objectId, value.length]), value]))]);
}
