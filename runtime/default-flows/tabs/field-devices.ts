// The simulated field devices' tag tables: the same table serves the simulator and the device
// that polls it, so a register's meaning is written once.
import { shippedProfiles } from '../../../lib/profiles/shipped';

export const BOILER_TAGS = `name,area,address,type,order,scale,offset,unit,access,group,deadband
flow_temp,holding,0,int16,ABCD,0.1,0,degC,r,fast,0.2
return_temp,holding,1,int16,ABCD,0.1,0,degC,r,fast,0.2
outdoor_temp,holding,2,int16,ABCD,0.1,0,degC,r,slow,0.5
pump_speed,holding,3,uint16,ABCD,1,0,rpm,r,fast,20
setpoint,holding,10,int16,ABCD,0.1,0,degC,rw,slow,
energy,input,0,float32,CDAB,1,0,kWh,r,slow,
runtime_hours,input,2,uint32,ABCD,1,0,h,r,slow,
pump_on,coil,0,bool,,,,,rw,fast,
alarm,discrete,0,bool,,,,,r,fast,
`;

/** The meter's tags: these of the Eastron SDM630 template, in this order. */
const METER_TAG_NAMES = [
  'l1_voltage',
  'l2_voltage',
  'l3_voltage',
  'l1_current',
  'l2_current',
  'l3_current',
  'l1_power',
  'l2_power',
  'l3_power',
  'l1_apparent_power',
  'l2_apparent_power',
  'l3_apparent_power',
  'l1_power_factor',
  'l2_power_factor',
  'l3_power_factor',
  'total_power',
  'total_apparent_power',
  'total_power_factor',
  'frequency',
  'import_energy',
  'export_energy',
  'total_energy',
];

/** A tag of a Modbus profile as published (Modicon addresses, before the tag-table parser). */
interface PublishedTag {
  name: string;
  address: number;
  type: string;
  unit?: string;
}

/** The meter's tag table, from its profile's published addresses (the device uses modicon notation). */
export function meterTags(): string {
  const profile = shippedProfiles().require('eastron-sdm630');
  const byName = new Map((profile.tags as unknown as PublishedTag[]).map((t) => [t.name, t]));
  const lines = ['name,area,address,type,order,scale,offset,unit,access,group'];
  for (const name of METER_TAG_NAMES) {
    const tag = byName.get(name);
    if (!tag) throw new Error(`${profile.file}: no tag ${name}`);
    lines.push(`${name},input,${tag.address},${tag.type},ABCD,1,0,${tag.unit ?? ''},r,fast`);
  }
  return lines.join('\n') + '\n';
}
