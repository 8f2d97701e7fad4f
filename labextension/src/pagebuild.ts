/**
 * The learner's page, made into a document for the preview frame under the grader's rules:
 * page files only from the page cells (same case-sensitive names), images and other files
 * from the notebook's folder, nothing from other servers, every loop guarded.
 *
 * The HTML is rewritten in place (never re-serialised) and keeps its line breaks. Every
 * script, inline ones too, runs as a blob: file made in the frame, so that an error names
 * the learner's file and line.
 */
import { guardLoops } from './loopguard';
import { text } from './texts';

export interface PreviewData {
  version: number;
  entry: string;
  files: { [name: string]: string };
  saved?: string;
}

export interface Asset {
  bytes: ArrayBuffer;
  type: string;
}

/** What the folder of the notebook holds, case-sensitive, as the grader sees it. */
export interface AssetFolder {
  /** The file at `path` (relative to the notebook's folder), or why there is none. */
  get(path: string): Promise<Asset | { problem: string }>;
}

/** One file the frame turns into a blob: URL of its own (only the frame can load those). */
export interface FrameAsset extends Asset {
  token: string;
  /** For scripts: the learner's file name, to name it in errors, and the line it starts after. */
  file?: string;
  line?: number;
}

export interface BuiltPage {
  html: string;
  assets: FrameAsset[];
  problems: string[];
}

const PAGE_SUFFIXES = ['.html', '.htm', '.css', '.js', '.mjs'];
const JS_TYPES = ['', 'text/javascript', 'application/javascript', 'module'];

export const CSP =
  "default-src 'none'; img-src blob: data:; media-src blob: data:; font-src blob: data:; " +
  "style-src 'unsafe-inline' blob:; script-src 'unsafe-inline' blob:; form-action 'none'";

/** Runs first in the frame: reports loops stopped, errors, refusals and the page's height. */
export const BOOTSTRAP = `(function(){
var post=function(m){try{parent.postMessage(m,'*');}catch(e){}};
var now=performance.now.bind(performance),blobs=__WG_BLOBS__,entry=__WG_ENTRY__;
var loop=function(file,line){if(!loop.stopped){loop.stopped=true;post({wg:'loop',file:file,line:line});}throw new Error('webgrader: loop stopped');};
loop.now=now;loop.stopped=false;
Object.defineProperty(window,'__wgLoop',{value:loop,writable:false,configurable:false});
var where=function(url,line){var b=url&&blobs[url];return b?{file:b.file,line:line+b.line}:{file:entry,line:line};};
addEventListener('error',function(e){if(loop.stopped&&String(e.message).indexOf('webgrader: loop stopped')>=0)return;if(e.target&&e.target!==window)return;var w=where(e.filename,e.lineno||0);post({wg:'error',file:w.file,line:w.line,message:String(e.message)});},true);
addEventListener('unhandledrejection',function(e){var r=e.reason;post({wg:'error',file:'',line:0,message:String(r&&r.message||r)});});
document.addEventListener('securitypolicyviolation',function(e){post({wg:'refused',url:String(e.blockedURI||''),directive:String(e.effectiveDirective||'')});});
document.addEventListener('click',function(e){var a=e.target&&e.target.closest?e.target.closest('a[href]'):null;if(!a||e.defaultPrevented)return;var h=a.getAttribute('href')||'';if(h.charAt(0)==='#'||/^javascript:/i.test(h))return;e.preventDefault();post({wg:'link',href:h.slice(0,300)});});
var size=function(){post({wg:'height',height:document.documentElement.offsetHeight});};
addEventListener('load',size);if(window.ResizeObserver){new ResizeObserver(size).observe(document.documentElement);}
})();`;

/** The frame's first document: waits for the page, makes the blob: URLs, writes the page. */
export const LOADER = `<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="${CSP}"><script>
addEventListener('message',function(e){if(e.source!==parent)return;var d=e.data,html=d.html,blobs={};
d.assets.forEach(function(a){var u=URL.createObjectURL(new Blob([a.bytes],{type:a.type}));html=html.split(a.token).join(u);if(a.file)blobs[u]={file:a.file,line:a.line||0};});
html=html.split('__WG_BLOBS__').join(JSON.stringify(blobs).replace(/</g,'\\\\u003c'));
document.open();document.write(html);document.close();},{once:true});
parent.postMessage({wg:'ready'},'*');
</script>`;

const TAG_RE =
  /<!--[\s\S]*?(?:-->|$)|<script\b((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)(<\/script\s*>|$)|<style\b((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)(<\/style\s*>|$)|<([a-zA-Z][\w-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTR_RE = /(\s+)([^\s=\/>"']+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const CSS_URL_RE = /(url\(\s*)("[^"]*"|'[^']*'|[^)"'\s]+)(\s*\))|(@import\s+)("[^"]*"|'[^']*')/g;

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function encodeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

function unquote(value: string): string {
  return /^["']/.test(value) ? value.slice(1, -1) : value;
}

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
    }
  }
  return line;
}

/** A reference resolved like the grader's fake origin does: a path inside the folder, or why not. */
export function resolveReference(
  from: string,
  ref: string
): { path: string } | { skip: true } | { problem: string } {
  const value = ref.trim();
  if (!value || value.startsWith('#') || /^(data|blob|about|javascript|mailto|tel):/i.test(value)) {
    return { skip: true };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//')) {
    return { problem: text('ref.other_server', { url: value }) };
  }
  const bare = value.split(/[?#]/)[0];
  let decoded = bare;
  try {
    decoded = decodeURIComponent(bare);
  } catch {
    // keep it as written
  }
  const parts = decoded.startsWith('/') ? [] : from.split('/').slice(0, -1);
  for (const part of decoded.split('/')) {
    if (part === '..') {
      if (!parts.length) {
        return { problem: text('ref.outside', { name: value }) };
      }
      parts.pop();
    } else if (part && part !== '.') {
      parts.push(part);
    }
  }
  return parts.length ? { path: parts.join('/') } : { skip: true };
}

function closestName(name: string, names: string[]): string | undefined {
  return names.find(other => other.toLowerCase() === name.toLowerCase() && other !== name);
}

/** Builds the document for `data`, fetching what it needs from `folder`. */
export class PageBuilder {
  private assets: FrameAsset[] = [];
  private problems: string[] = [];
  private tokens = new Map<string, string>();

  constructor(private data: PreviewData, private folder: AssetFolder) {}

  async build(): Promise<BuiltPage> {
    const entry = this.data.entry;
    const source = this.data.files[entry] ?? '';
    const html = await this.rewriteHtml(source, entry);
    const head =
      `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
      '<script>' +
      BOOTSTRAP.replace(/\n/g, '').replace('__WG_ENTRY__', JSON.stringify(entry)) +
      '</script>';
    // After the doctype (a doctype after other markup would put the page in quirks mode).
    const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
    const at = doctype ? doctype[0].length : 0;
    return {
      html: html.slice(0, at) + head + html.slice(at),
      assets: this.assets,
      problems: this.problems
    };
  }

  private problem(message: string): void {
    if (!this.problems.includes(message)) {
      this.problems.push(message);
    }
  }

  private token(): string {
    return `__WG_ASSET_${this.assets.length}_${Math.random().toString(36).slice(2)}__`;
  }

  /** A page file (from the cells) or an asset (from the folder) as a token, or null. */
  private async reference(from: string, ref: string, kind: 'script' | 'style' | 'asset'): Promise<string | null> {
    const resolved = resolveReference(from, ref);
    if ('skip' in resolved) {
      return ref;
    }
    if ('problem' in resolved) {
      this.problem(resolved.problem);
      return null;
    }
    const path = resolved.path;
    const known = this.tokens.get(kind + ':' + path);
    if (known) {
      return known;
    }
    const isPageFile = PAGE_SUFFIXES.some(suffix => path.toLowerCase().endsWith(suffix));
    let asset: FrameAsset;
    if (isPageFile) {
      if (!(path in this.data.files)) {
        const other = closestName(path, Object.keys(this.data.files));
        this.problem(other ? text('ref.wrong_case', { name: path, other }) : text('ref.page_file', { name: path }));
        return null;
      }
      let body = this.data.files[path];
      let type = 'text/plain';
      if (kind === 'script') {
        const guarded = guardLoops(body, path, 0, false);
        if (guarded.syntaxError) {
          this.problem(text('js.syntax', { file: path, ...guarded.syntaxError }));
          return null;
        }
        body = guarded.code;
        type = 'text/javascript';
      } else if (kind === 'style' || path.endsWith('.css')) {
        body = await this.rewriteCss(body, path);
        type = 'text/css';
      }
      asset = { token: this.token(), bytes: new TextEncoder().encode(body).buffer as ArrayBuffer, type, file: path };
    } else {
      const found = await this.folder.get(path);
      if ('problem' in found) {
        this.problem(found.problem);
        return null;
      }
      asset = { token: this.token(), ...found };
    }
    this.assets.push(asset);
    this.tokens.set(kind + ':' + path, asset.token);
    return asset.token;
  }

  private async rewriteCss(css: string, file: string): Promise<string> {
    const jobs: Promise<string>[] = [];
    css.replace(CSS_URL_RE, (whole, pre, value, post, importPre, importValue) => {
      const ref = unquote(value ?? importValue);
      jobs.push(
        this.reference(file, ref, importPre ? 'style' : 'asset').then(url =>
          url === null ? whole.replace(ref, 'about:blank') : whole.replace(ref, url)
        )
      );
      return whole;
    });
    const replaced = await Promise.all(jobs);
    let i = 0;
    return css.replace(CSS_URL_RE, () => replaced[i++]);
  }

  private async rewriteAttributes(tag: string, attrs: string, file: string, scriptLine: number): Promise<string> {
    const lower = tag.toLowerCase();
    const jobs: Promise<string>[] = [];
    const rel = /\brel\s*=\s*["']?([^"'>]*)/i.exec(attrs)?.[1]?.toLowerCase() ?? '';
    attrs.replace(ATTR_RE, (whole, space, name, eq, value) => {
      const attr = String(name).toLowerCase();
      const raw = value === undefined ? '' : decodeEntities(unquote(value));
      const job = (async (): Promise<string> => {
        if (value === undefined) {
          return whole;
        }
        if (attr.startsWith('on')) {
          const guarded = guardLoops(raw, file, scriptLine - 1, false, true);
          if (guarded.syntaxError) {
            this.problem(text('js.syntax', { file, ...guarded.syntaxError }));
            return `${space}${name}${eq}""`;
          }
          return `${space}${name}${eq}"${encodeAttr(guarded.code)}"`;
        }
        if (attr === 'style') {
          return `${space}${name}${eq}"${encodeAttr(await this.rewriteCss(raw, file))}"`;
        }
        const isLink = lower === 'link' && attr === 'href';
        const isSrc =
          (attr === 'src' && lower !== 'iframe' && lower !== 'frame') ||
          (attr === 'poster' && lower === 'video') ||
          (attr === 'data' && lower === 'object');
        if (attr === 'srcset') {
          const candidates = await Promise.all(
            raw.split(',').map(async part => {
              const [url, ...rest] = part.trim().split(/\s+/);
              const done = await this.reference(file, url, 'asset');
              return done === null ? null : [done, ...rest].join(' ');
            })
          );
          return `${space}${name}${eq}"${encodeAttr(candidates.filter(c => c !== null).join(', '))}"`;
        }
        if (isLink || isSrc) {
          const kind = lower === 'script' ? 'script' : isLink && rel.includes('stylesheet') ? 'style' : 'asset';
          const done = await this.reference(file, raw, kind);
          return `${space}${name}${eq}"${encodeAttr(done ?? '')}"`;
        }
        return whole;
      })();
      jobs.push(job);
      return whole;
    });
    const replaced = await Promise.all(jobs);
    let i = 0;
    return attrs.replace(ATTR_RE, () => replaced[i++]);
  }

  private async rewriteHtml(source: string, file: string): Promise<string> {
    const parts: Promise<string>[] = [];
    let last = 0;
    TAG_RE.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = TAG_RE.exec(source))) {
      parts.push(Promise.resolve(source.slice(last, match.index)));
      last = TAG_RE.lastIndex;
      const [whole, scriptAttrs, scriptBody, scriptEnd, styleAttrs, styleBody, styleEnd, tag, attrs] = match;
      const line = lineAt(source, match.index);
      if (whole.startsWith('<!--')) {
        parts.push(Promise.resolve(whole));
      } else if (scriptAttrs !== undefined) {
        parts.push(this.rewriteScript(scriptAttrs, scriptBody, scriptEnd, file, line, lineAt(source, match.index + 7 + scriptAttrs.length + 1) ));
      } else if (styleAttrs !== undefined) {
        parts.push(this.rewriteCss(styleBody, file).then(css => `<style${styleAttrs}>${css}${styleEnd}`));
      } else {
        parts.push(this.rewriteAttributes(tag, attrs, file, line).then(done => `<${tag}${done}>`));
      }
    }
    parts.push(Promise.resolve(source.slice(last)));
    return (await Promise.all(parts)).join('');
  }

  private async rewriteScript(
    attrs: string,
    body: string,
    end: string,
    file: string,
    line: number,
    bodyLine: number
  ): Promise<string> {
    const type = (/\btype\s*=\s*["']?([^"'\s>]*)/i.exec(attrs)?.[1] ?? '').toLowerCase();
    if (!JS_TYPES.includes(type)) {
      return `<script${attrs}>${body}${end}`; // data, templates: the browser runs none of it
    }
    const hasSrc = /(^|\s)src\s*=/i.test(attrs);
    const newAttrs = await this.rewriteAttributes('script', attrs, file, line);
    if (hasSrc) {
      return `<script${newAttrs}>${body}${end}`;
    }
    const guarded = guardLoops(body, file, bodyLine - 1, type === 'module');
    if (guarded.syntaxError) {
      this.problem(text('js.syntax', { file, ...guarded.syntaxError }));
      // Not run, but its lines kept, so that later lines keep their numbers.
      return `<script${newAttrs}>${body.replace(/[^\n]/g, '')}${end}`;
    }
    // Run as a script file of its own (a blob: made in the frame), which runs at the same
    // moment as the inline script would: so its errors name the file and line.
    const token = this.token();
    this.assets.push({
      token,
      bytes: new TextEncoder().encode(guarded.code).buffer as ArrayBuffer,
      type: 'text/javascript',
      file,
      line: bodyLine - 1
    });
    // defer and async mean nothing to an inline script, but would to a script file.
    const inlineAttrs = newAttrs.replace(/\s(defer|async)(\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?(?=\s|$)/gi, '');
    return `<script${inlineAttrs} src="${token}">${body.replace(/[^\n]/g, '')}${end}`;
  }
}
