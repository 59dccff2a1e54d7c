// The gateway's id as the gateway-heartbeat and ha-discovery nodes take it: it becomes part of
// MQTT topics and Home Assistant's ids, so letters, digits, _ and - only (blank: the runtime's id).
import { t } from './i18n';
const GATEWAY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The `gatewayId` property; `errorKey` is the node's catalogue key of the field's error. */
export function gatewayIdProperty(errorKey: string): NodePropertyDefinition<EditorNodeInstance> {
  return {
    value: '',
    validate(v: string) {
      return !v || GATEWAY_ID.test(v) || t(errorKey);
    },
  };
}
