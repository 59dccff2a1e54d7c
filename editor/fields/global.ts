// resources/edgegw-fields.js: the field validators as the browser global EdgeGatewayFields.
import { NODE_FIELDS } from './schemas';
import { defaultOf, field, validator } from './validator';

(globalThis as Record<string, unknown>).EdgeGatewayFields = { validator, defaultOf, field, schemas: NODE_FIELDS };
