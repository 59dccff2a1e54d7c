// Moving a tag table in and out of the dialog: a file the user picks, a download, and the
// server's conversion of the table between CSV and JSON (POST edgegw/modbus/tag-table, which
// applies the runtime's rules). What the server answers is worded in table-answer.ts.
import type { Translate } from '../translate';
import { refusalText, type TagTableAnswer } from './table-answer';

export interface TagTableRequest {
  text: string;
  notation: string | undefined;
  groups?: string[];
  maxGap?: string;
  maxRegisters?: string;
  to?: 'csv' | 'json';
}

/** Asks the server to check or convert a table; a failed request shows as a notification. */
export function tagTableRequest(body: TagTableRequest, translate: Translate, done: (answer: TagTableAnswer) => void): void {
  $.ajax<TagTableAnswer>({ url: 'edgegw/modbus/tag-table', method: 'POST', contentType: 'application/json', data: JSON.stringify(body), dataType: 'json' })
    .done(done)
    .fail((xhr) => RED.notify(refusalText(xhr.responseJSON, xhr.statusText, translate), 'error'));
}

/** Saves text as a file in the browser's downloads. */
export function download(name: string, type: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 0);
}

/** Reads the file the user picked in a file input, as text. */
export function readPickedFile(input: HTMLElement, done: (name: string, text: string) => void): void {
  const file = input instanceof HTMLInputElement ? input.files?.[0] : undefined;
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => done(file.name, typeof reader.result === 'string' ? reader.result : '');
  reader.readAsText(file);
}
