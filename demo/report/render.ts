/**
 * The two renderings of a report: one self-contained HTML page (styles inline, charts inline as
 * SVG: no scripts, no fonts, nothing fetched) and a Markdown file whose charts are SVG files beside
 * it (`charts/<id>.svg`).
 */
import { escapeXml } from '../charts/svg.js';
import type { Block, Report } from './model.js';

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.7em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0 1.4em; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1em 0 1.6em; } figcaption { font-size: 13px; color: #555; max-width: 760px; }
svg { max-width: 100%; height: auto; } nav a { margin-right: 1em; } code { background: #f3f3f3; padding: 0 .2em; }
`;

/** Inline `code` spans (backticks) in otherwise escaped text. */
const inline = (s: string) => escapeXml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'p':
      return `<p>${inline(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`;
    case 'table':
      return (
        `<table id="${escapeXml(b.id)}"><caption>${inline(b.caption)}</caption>` +
        `<thead><tr>${b.columns.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>` +
        b.rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('') +
        '</tbody></table>'
      );
    case 'chart':
      return `<figure id="${escapeXml(b.id)}">${b.svg}<figcaption>${inline(b.caption)}</figcaption></figure>`;
  }
}

export function renderHtml(r: Report): string {
  const nav = r.sections.map((s) => `<a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a>`).join('');
  const body = r.sections
    .map(
      (s) =>
        `<section id="${escapeXml(s.id)}"><h2>${inline(s.title)}</h2>${s.blocks.map(htmlBlock).join('\n')}</section>`,
    )
    .join('\n');
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>${escapeXml(r.title)}</title>` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"/><style>${CSS}</style></head>` +
    `<body><h1>${escapeXml(r.title)}</h1>${r.intro.map(htmlBlock).join('\n')}<nav>${nav}</nav>\n${body}</body></html>\n`
  );
}

/** A Markdown table cell: pipes escaped, no line breaks. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdBlock(b: Block): string {
  switch (b.kind) {
    case 'p':
      return b.text;
    case 'list':
      return b.items.map((i) => `- ${i}`).join('\n');
    case 'table':
      return [
        `**${b.caption}**`,
        '',
        `| ${b.columns.map(cell).join(' | ')} |`,
        `| ${b.columns.map(() => '---').join(' | ')} |`,
        ...b.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ].join('\n');
    case 'chart':
      return `![${b.caption.replace(/[[\]]/g, '')}](charts/${b.id}.svg)\n\n_${b.caption}_`;
  }
}

export function renderMarkdown(r: Report): string {
  const parts = [`# ${r.title}`, ...r.intro.map(mdBlock)];
  for (const s of r.sections) parts.push(`## ${s.title}`, ...s.blocks.map(mdBlock));
  return `${parts.join('\n\n')}\n`;
}

/** The chart files the Markdown refers to: `[id, svg]`. */
export const chartFiles = (r: Report): [string, string][] =>
  r.sections.flatMap((s) =>
    s.blocks.flatMap((b) => (b.kind === 'chart' ? [[b.id, b.svg] as [string, string]] : [])),
  );
