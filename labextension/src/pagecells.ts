/** What a cell is to webgrader, from its source: a page cell, the setup cell or a check. */

const PAGE_LINE = /^\s*%%page\s+(\S+)\s*$/;

/** NAME of a `%%page NAME` cell, else null. */
export function pageName(source: string): string | null {
  const match = PAGE_LINE.exec(source.split('\n', 1)[0]);
  return match ? match[1] : null;
}

export function isSetupCell(source: string): boolean {
  return /^\s*%load_ext\s+webgrader\b/m.test(source);
}

export function isCheckCell(source: string): boolean {
  return /\bopen_page\s*\(/.test(source) && pageName(source) === null;
}

const MIME_BY_SUFFIX: { [suffix: string]: string } = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript'
};

/** The editor MIME type of a page file, from its name's suffix (null: not one we know). */
export function pageMimeType(name: string): string | null {
  const suffix = name.split('.').pop()?.toLowerCase() ?? '';
  return MIME_BY_SUFFIX[suffix] ?? null;
}
