/**
 * Learner JavaScript, made unable to block the page: every loop stops after about a second.
 *
 * The code is parsed with acorn (a real JS parser) and guards are spliced into the source
 * text without adding line breaks, so the browser's line numbers stay the learner's.
 */
import { parse, Node as AcornNode } from 'acorn';
import { ancestor } from 'acorn-walk';

/** Seconds-ish budget of one loop, in milliseconds. */
export const LOOP_BUDGET_MS = 1000;

export interface GuardResult {
  code: string;
  /** Set when the code does not parse: it must not run. */
  syntaxError?: { line: number; message: string };
}

interface Insertion {
  pos: number;
  text: string;
  /** Opening texts go shallow-to-deep at one position, closing texts deep-to-shallow. */
  closing: boolean;
  depth: number;
}

const LOOPS = [
  'WhileStatement',
  'DoWhileStatement',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement'
];

/**
 * `file` and `lineOffset` name where the code stands (an inline script starts at a line of
 * its HTML file); `asModule` for <script type="module">, `asHandler` for onclick="..." code.
 */
export function guardLoops(
  source: string,
  file: string,
  lineOffset = 0,
  asModule = false,
  asHandler = false
): GuardResult {
  let ast: AcornNode;
  try {
    ast = parse(source, {
      ecmaVersion: 'latest',
      sourceType: asModule ? 'module' : 'script',
      locations: true,
      allowReturnOutsideFunction: asHandler,
      allowHashBang: true
    });
  } catch (err: any) {
    const line = (err.loc?.line ?? 1) + lineOffset;
    const message = String(err.message || err).replace(/\s*\(\d+:\d+\)$/, '');
    return { code: '', syntaxError: { line, message } };
  }
  const insertions: Insertion[] = [];
  const name = JSON.stringify(file);
  const visitor: any = {};
  for (const kind of LOOPS) {
    visitor[kind] = (node: any, ancestors: any[]) => {
      // Wrap the loop with its labels, so that `break label` still finds them.
      let outer = node;
      for (let i = ancestors.length - 2; i >= 0; i--) {
        if (ancestors[i].type === 'LabeledStatement' && ancestors[i].body === outer) {
          outer = ancestors[i];
        } else {
          break;
        }
      }
      const depth = ancestors.length;
      const line = node.loc.start.line + lineOffset;
      const check = `if(__wgLoop.stopped||__wgLoop.now()-__wgT>${LOOP_BUDGET_MS})__wgLoop(${name},${line});`;
      insertions.push({ pos: outer.start, text: '{let __wgT=__wgLoop.now();', closing: false, depth });
      insertions.push({ pos: outer.end, text: '}', closing: true, depth });
      const body = node.body;
      if (body.type === 'BlockStatement') {
        insertions.push({ pos: body.start + 1, text: check, closing: false, depth: depth + 1 });
      } else {
        insertions.push({ pos: body.start, text: '{' + check, closing: false, depth: depth + 1 });
        insertions.push({ pos: body.end, text: '}', closing: true, depth: depth + 1 });
      }
    };
  }
  ancestor(ast, visitor);
  insertions.sort((a, b) => {
    if (a.pos !== b.pos) {
      return b.pos - a.pos; // applied from the end, so earlier positions stay valid
    }
    // Applied from the end: at one position the text applied first ends up last.
    if (a.closing !== b.closing) {
      return a.closing ? 1 : -1; // closings end up before openings
    }
    return a.closing ? a.depth - b.depth : b.depth - a.depth;
  });
  let code = source;
  for (const ins of insertions) {
    code = code.slice(0, ins.pos) + ins.text + code.slice(ins.pos);
  }
  return { code };
}
