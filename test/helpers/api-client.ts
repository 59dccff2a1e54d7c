// A small HTTP client for the operator API tests: one request, its status, headers and body
// (parsed as JSON when it is JSON, else left as text).
import { request } from 'node:http';

export interface ApiReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** `body` goes as it is when a string (malformed JSON on purpose), as JSON otherwise. */
export function apiCall(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: text === undefined ? headers : { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(raw);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: raw, json });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}
