// Why a frame source cannot pass frames, as a code a node status translates (the English reason
// still goes to the log and /health). Arguments are names and figures, never words.

export const CAN_PROBLEM_CODES = [
  /** the optional socketcan package is not installed */
  'noSocketcan',
  /** the socketcan package is installed but does not load */
  'socketcanBroken',
  /** no network interface of that name */
  'notFound',
  /** the network interface is not a CAN interface */
  'notCan',
  /** the CAN interface is down */
  'interfaceDown',
  /** the kernel refused a CAN socket on the interface */
  'socketOpen',
  /** the interface or the serial adapter went away */
  'disconnected',
  /** the serial port cannot be opened */
  'serialOpen',
  /** the serial port closed under the source */
  'serialClosed',
  /** the adapter answered a command with an error */
  'adapterRefused',
  /** the adapter did not answer a command */
  'adapterSilent',
  /** the candump log does not exist */
  'fileNotFound',
  /** the candump log or serial port may not be read */
  'permission',
  /** the candump log cannot be read for another reason */
  'replayUnreadable',
  /** the replay stopped part way (a read error) */
  'replayStopped',
  /** the controller is bus-off (an error frame said so) */
  'busOff',
  /** the adapter's status flags report a bus error */
  'busError',
  'failed',
] as const;

export type CanProblemCode = (typeof CAN_PROBLEM_CODES)[number];

export interface CanProblem {
  readonly code: CanProblemCode;
  /** what the status shows beside the code: an interface name, status flags */
  readonly args?: Readonly<Record<string, string | number>>;
}
