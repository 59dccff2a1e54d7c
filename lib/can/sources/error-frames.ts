// Linux SocketCAN error frames (linux/can/error.h): the error class is in the id, details in the
// data bytes. candump logs record them too, so replay and SocketCAN share this decoding.
import type { CanFrame } from '../frame';

const CLASSES: Array<[bit: number, name: string]> = [
  [0x001, 'TX timeout'],
  [0x002, 'arbitration lost'],
  [0x004, 'controller problem'],
  [0x008, 'protocol violation'],
  [0x010, 'transceiver status'],
  [0x020, 'no ACK on transmission'],
  [0x040, 'bus off'],
  [0x080, 'bus error'],
  [0x100, 'controller restarted'],
  [0x200, 'error counters'],
];

const CONTROLLER: Array<[bit: number, name: string]> = [
  [0x01, 'RX buffer overflow'],
  [0x02, 'TX buffer overflow'],
  [0x04, 'RX error warning'],
  [0x08, 'TX error warning'],
  [0x10, 'RX error passive'],
  [0x20, 'TX error passive'],
  [0x40, 'back to error active'],
];

export const CAN_ERR_BUSOFF = 0x40;
export const CAN_ERR_RESTARTED = 0x100;
export const CAN_ERR_CRTL = 0x04;

export interface ErrorFrameInfo {
  /** the error class names set in the id */
  classes: string[];
  /** controller state details (data[1]) when the class says "controller problem" */
  controller: string[];
  busOff: boolean;
  restarted: boolean;
  /** one line for status and logs */
  text: string;
}

export function describeErrorFrame(frame: CanFrame): ErrorFrameInfo {
  const classes = CLASSES.filter(([bit]) => frame.id & bit).map(([, name]) => name);
  const controller = frame.id & CAN_ERR_CRTL && frame.data.length > 1 ? CONTROLLER.filter(([bit]) => frame.data[1] & bit).map(([, name]) => name) : [];
  const parts = classes.length ? classes : ['unspecified error'];
  const text = controller.length ? `${parts.join(', ')} (${controller.join(', ')})` : parts.join(', ');
  return {
    classes,
    controller,
    busOff: (frame.id & CAN_ERR_BUSOFF) !== 0,
    restarted: (frame.id & CAN_ERR_RESTARTED) !== 0,
    text,
  };
}
