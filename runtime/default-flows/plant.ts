// What the pipeline tabs take from the plant they serve. The default flows serve the simulated
// plant (a boiler, a meter, a CAN bus); a settings file's `devices:` list is a plant too, and gets
// the same tabs (runtime/flows-from-devices.ts).

export interface Plant {
  /** the devices that take commands on devices/<id>/commands, each behind a link in `edgegw.acq.cmd.<id>` */
  commandDevices: string[];
  /** the devices the watchdog expects a scan from */
  watchedDevices: string[];
  /** seconds without a scan after which the watchdog calls a device silent */
  silenceAfterS: number;
  /** the alarm node's rule table (CSV) */
  alarmRules: string;
  /** tag-calc definitions; none: no derived tags (no calc node) */
  derivedTags?: string;
  /** the supervision tab's digital twin behind a circuit breaker (a demonstration of the simulated plant) */
  twin: boolean;
  /** the read-me texts of the stage tabs (readme/<name>.md) */
  readme: { processing: string; commands: string; supervision: string };
}

/** The link in of a device's commands (on the tab of the device) and the link out that feeds it (Commands tab). */
export const commandsLinkIn = (device: string): string => `edgegw.acq.cmd.${device}`;
export const commandsLinkOut = (device: string): string => `edgegw.cmd.to.${device}`;

/** The seam between acquisition and the rest: every scan leaves through this link out. */
export const ACQUISITION_OUT = 'edgegw.acq.out';
/** The Forwarding tab's link in of Home Assistant discovery (acquired and derived scans). */
export const HA_SCANS_IN = 'edgegw.fwd.ha.in';
/** The link ins of the stage tabs that take every acquired scan. */
export const ACQUISITION_TARGETS = ['edgegw.proc.in', 'edgegw.fwd.in', HA_SCANS_IN, 'edgegw.sup.in'];
/** The link out that carries each command's outcome (Complete, Catch) to the Commands tab. */
export const COMMAND_OUTCOMES_OUT = 'edgegw.acq.results';
/** Where derived scans leave the Processing tab (when the plant has derived tags). */
export const DERIVED_OUT = 'edgegw.proc.calc.out';
