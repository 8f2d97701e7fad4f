/**
 * The renderer of application/vnd.webgrader.preview+json: the learner's page in a sandboxed
 * frame (scripts, but no same-origin rights, so it cannot touch JupyterLab), built under the
 * grader's rules, with what the preview refused or stopped listed under it in plain words.
 */
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Contents } from '@jupyterlab/services';
import { PathExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { Asset, AssetFolder, LOADER, PageBuilder, PreviewData } from './pagebuild';
import { text } from './texts';

export const MIME_TYPE = 'application/vnd.webgrader.preview+json';
/** Same limit as the grader's (sandbox.MAX_ASSET_BYTES). */
const MAX_ASSET_MB = 20;

function base64ToBytes(data: string): ArrayBuffer {
  const binary = atob(data.replace(/\s/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes.buffer;
}

/** The notebook's folder through JupyterLab's contents API (authenticated, case-sensitive). */
export class ContentsFolder implements AssetFolder {
  private listings = new Map<string, Promise<Contents.IModel[] | null>>();

  constructor(private contents: Contents.IManager, private root: string) {}

  private list(dir: string): Promise<Contents.IModel[] | null> {
    let listing = this.listings.get(dir);
    if (!listing) {
      listing = this.contents
        .get(PathExt.join(this.root, dir), { content: true, type: 'directory' })
        .then(model => model.content as Contents.IModel[])
        .catch(() => null);
      this.listings.set(dir, listing);
    }
    return listing;
  }

  async get(path: string): Promise<Asset | { problem: string }> {
    const dir = PathExt.dirname(path);
    const name = PathExt.basename(path);
    const listing = await this.list(dir === '.' ? '' : dir);
    const item = listing?.find(entry => entry.name === name && entry.type !== 'directory');
    if (!item) {
      const other = listing?.find(entry => entry.name.toLowerCase() === name.toLowerCase());
      if (other) {
        const suggestion = dir && dir !== '.' ? `${dir}/${other.name}` : other.name;
        return { problem: text('ref.wrong_case', { name: path, other: suggestion }) };
      }
      return { problem: text('ref.missing', { name: path }) };
    }
    if (item.size && item.size > MAX_ASSET_MB * 1024 * 1024) {
      return { problem: text('ref.too_big', { name: path, size: (item.size / 1048576).toFixed(1), limit: MAX_ASSET_MB }) };
    }
    const model = await this.contents.get(PathExt.join(this.root, path), { content: true, format: 'base64', type: 'file' });
    const bytes = model.format === 'base64' ? base64ToBytes(model.content) : new TextEncoder().encode(model.content).buffer;
    return { bytes: bytes as ArrayBuffer, type: model.mimetype || 'application/octet-stream' };
  }
}

export class PreviewRenderer extends Widget implements IRenderMime.IRenderer {
  private frame: HTMLIFrameElement;
  private caption: HTMLElement;
  private list: HTMLUListElement;
  private messages: string[] = [];
  private onMessage = (event: MessageEvent) => this.handle(event);

  constructor(private options: IRenderMime.IRendererOptions, private contents: Contents.IManager) {
    super();
    this.addClass('jp-webgrader-preview');
    this.caption = document.createElement('div');
    this.caption.className = 'jp-webgrader-preview-caption';
    this.frame = document.createElement('iframe');
    // Scripts run, with an origin of their own (no allow-same-origin): no access to JupyterLab.
    // allow-forms so that submit listeners run; the CSP's form-action stops the navigation.
    this.frame.setAttribute('sandbox', 'allow-scripts allow-forms');
    this.frame.className = 'jp-webgrader-preview-frame';
    this.list = document.createElement('ul');
    this.list.className = 'jp-webgrader-preview-problems';
    this.list.setAttribute('aria-label', text('preview.problems'));
    this.node.append(this.caption, this.frame, this.list);
    window.addEventListener('message', this.onMessage);
  }

  dispose(): void {
    window.removeEventListener('message', this.onMessage);
    super.dispose();
  }

  private pending: Promise<{ html: string; assets: any[] }> | null = null;
  private loads = 0;

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[MIME_TYPE] as unknown as PreviewData;
    this.messages = [];
    this.list.replaceChildren();
    this.caption.textContent = data.saved
      ? text('preview.saved', { name: data.saved, entry: data.entry })
      : text('preview.title', { entry: data.entry });
    this.frame.title = text('preview.title', { entry: data.entry });
    const notebookPath = (this.options.resolver as any)?.path ?? '';
    const folder = new ContentsFolder(this.contents, PathExt.dirname(notebookPath));
    this.pending = new PageBuilder(data, folder).build().then(built => {
      built.problems.forEach(problem => this.report(problem));
      return built;
    });
    this.loads = 0;
    this.frame.srcdoc = LOADER;
    await this.pending;
  }

  private report(message: string): void {
    if (this.messages.includes(message) || this.messages.length >= 20) {
      return;
    }
    this.messages.push(message);
    const item = document.createElement('li');
    item.textContent = message; // text from the frame is never markup
    this.list.append(item);
  }

  private async handle(event: MessageEvent): Promise<void> {
    if (event.source !== this.frame.contentWindow || !event.data || typeof event.data !== 'object') {
      return;
    }
    const data = event.data;
    const str = (value: unknown) => String(value ?? '').slice(0, 500);
    switch (data.wg) {
      case 'ready': {
        if (!this.pending) {
          return;
        }
        if (this.loads++ > 0) {
          // A form without an action was sent, or the page reloaded itself: as in a browser,
          // the page loads again.
          this.report(text('preview.reloaded'));
        }
        const built = await this.pending;
        const buffers = built.assets.map((asset: any) => asset.bytes.slice(0));
        const assets = built.assets.map((asset: any, i: number) => ({ ...asset, bytes: buffers[i] }));
        this.frame.contentWindow?.postMessage({ html: built.html, assets }, '*', buffers);
        break;
      }
      case 'loop':
        this.report(text('loop.stopped', { file: str(data.file), line: Number(data.line) || 0 }));
        this.report(text('loop.hint'));
        this.node.classList.add('jp-webgrader-preview-stopped');
        break;
      case 'error':
        if (data.file) {
          this.report(text('js.error', { file: str(data.file), line: Number(data.line) || 0, message: str(data.message) }));
        } else {
          this.report(text('js.error.nowhere', { message: str(data.message) }));
        }
        break;
      case 'refused': {
        const url = str(data.url);
        const directive = str(data.directive);
        if (directive === 'form-action') {
          this.report(text('preview.form'));
        } else if (url === 'eval') {
          this.report(text('ref.eval'));
        } else if (url.startsWith(location.origin) && /^(img|media|font|style|script|connect)-src/.test(directive)) {
          this.report(text('ref.dynamic', { name: decodeURIComponent(url.split('/').pop() || url) }));
        } else if (url && url !== 'inline') {
          this.report(text('ref.refused', { url }));
        }
        break;
      }
      case 'link':
        this.report(text('preview.link', { href: str(data.href) }));
        break;
      case 'height': {
        const height = Math.min(Math.max(Number(data.height) || 0, 120), 900);
        this.frame.style.height = `${height + 4}px`;
        break;
      }
    }
  }
}

export function rendererFactory(contents: Contents.IManager): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [MIME_TYPE],
    defaultRank: 0,
    createRenderer: options => new PreviewRenderer(options, contents)
  };
}
