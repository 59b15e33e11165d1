/**
 * The report as data: sections of paragraphs, lists, tables and charts. The HTML page and the
 * Markdown file are two renderings of the same object, so they cannot disagree.
 */

export type Block =
  | { readonly kind: 'p'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | {
      readonly kind: 'table';
      readonly id: string;
      readonly caption: string;
      readonly columns: readonly string[];
      readonly rows: readonly (readonly string[])[];
    }
  | { readonly kind: 'chart'; readonly id: string; readonly caption: string; readonly svg: string };

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface Report {
  readonly title: string;
  readonly intro: readonly Block[];
  readonly sections: readonly Section[];
}

export const p = (text: string): Block => ({ kind: 'p', text });
export const list = (items: readonly string[]): Block => ({ kind: 'list', items });
export const table = (
  id: string,
  caption: string,
  columns: readonly string[],
  rows: readonly (readonly string[])[],
): Block => ({
  kind: 'table',
  id,
  caption,
  columns,
  rows,
});
export const chart = (id: string, caption: string, svg: string): Block => ({
  kind: 'chart',
  id,
  caption,
  svg,
});
