// A tag's unit as Home Assistant wants it: the device class it implies, HA's spelling of the unit
// and a state class that class allows (homeassistant/components/sensor/const.py,
// DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES). HA warns about every entity whose unit is not
// one it lists for the device class, so a unit HA spells differently is rewritten only when it is
// the same unit (l/min -> L/min, VAr -> var); a unit HA does not list for any class keeps its
// unit and gets no device class. test/fixtures/home-assistant/ holds HA's tables; the conformance
// test checks this table against them.

export type StateClass = 'measurement' | 'total' | 'total_increasing';

export interface UnitClass {
  unit: string;
  device_class?: string;
  state_class?: StateClass;
}

interface DeviceClassUnits {
  device_class: string;
  state_class: StateClass;
  /** HA's spelling of each unit, and the spellings tags use for the same unit */
  units: Record<string, readonly string[]>;
}

// Only units every HA release since 2025.5 accepts: kVA and mvar are accepted from later releases
// only, so they go out without a device class (which older releases would flag).
const DEVICE_CLASS_UNITS: readonly DeviceClassUnits[] = [
  { device_class: 'voltage', state_class: 'measurement', units: { V: [], mV: [], kV: [], MV: [] } },
  { device_class: 'current', state_class: 'measurement', units: { A: [], mA: [] } },
  { device_class: 'power', state_class: 'measurement', units: { mW: [], W: [], kW: [], MW: [], GW: [], TW: [] } },
  {
    device_class: 'energy',
    state_class: 'total_increasing',
    units: { mWh: [], Wh: [], kWh: [], MWh: [], GWh: [], TWh: [], J: [], kJ: [], MJ: [], GJ: [] },
  },
  { device_class: 'apparent_power', state_class: 'measurement', units: { VA: [] } },
  { device_class: 'reactive_power', state_class: 'measurement', units: { var: ['VAr', 'VAR'], kvar: ['kVAr', 'kVAR'] } },
  { device_class: 'frequency', state_class: 'measurement', units: { Hz: [], kHz: [], MHz: [], GHz: [] } },
  { device_class: 'temperature', state_class: 'measurement', units: { '°C': ['degC', 'C'], '°F': ['degF'], K: [] } },
  { device_class: 'pressure', state_class: 'measurement', units: { Pa: [], hPa: [], kPa: [], bar: [], cbar: [], mbar: [], mmHg: [], inHg: [], psi: [] } },
  {
    device_class: 'volume_flow_rate',
    state_class: 'measurement',
    units: { 'm³/h': ['m3/h'], 'm³/s': ['m3/s'], 'L/h': ['l/h'], 'L/min': ['l/min'], 'L/s': ['l/s'], 'mL/s': ['ml/s'], 'ft³/min': [], 'gal/min': [] },
  },
  { device_class: 'volume', state_class: 'total', units: { 'm³': ['m3'], L: ['l'], mL: ['ml'], 'ft³': [], gal: [] } },
];

/** unit as a tag writes it -> HA's unit with its device and state class */
const BY_TAG_UNIT = new Map<string, Required<UnitClass>>();
for (const rule of DEVICE_CLASS_UNITS) {
  for (const [haUnit, aliases] of Object.entries(rule.units)) {
    for (const spelling of [haUnit, ...aliases]) BY_TAG_UNIT.set(spelling, { unit: haUnit, device_class: rule.device_class, state_class: rule.state_class });
  }
}

// A percentage is a humidity or a battery level only when the tag's name says so (a valve position is neither).
const PERCENT_BY_NAME: ReadonlyArray<{ name: RegExp; class: Required<UnitClass> }> = [
  { name: /humid|(^|[^a-z])rh([^a-z]|$)/i, class: { unit: '%', device_class: 'humidity', state_class: 'measurement' } },
  { name: /battery|(^|[^a-z])soc([^a-z]|$)/i, class: { unit: '%', device_class: 'battery', state_class: 'measurement' } },
];

/** Home Assistant's unit, device_class and state_class for a tag; device_class only where the unit says it. */
export function classifyUnit(unit: string | undefined, tagName: string): UnitClass | undefined {
  if (!unit) return undefined;
  const u = unit.trim();
  if (u === '%') return { ...(PERCENT_BY_NAME.find((p) => p.name.test(tagName))?.class ?? { unit: '%', state_class: 'measurement' }) };
  const known = BY_TAG_UNIT.get(u);
  return known ? { ...known } : { unit: u, state_class: 'measurement' };
}

/** Every (HA unit, device class, state class) this module can announce: what the conformance test checks against HA's tables. */
export function announcedUnitClasses(): Array<Required<UnitClass>> {
  return [...new Set([...BY_TAG_UNIT.values(), ...PERCENT_BY_NAME.map((p) => p.class)])].map((c) => ({ ...c }));
}
