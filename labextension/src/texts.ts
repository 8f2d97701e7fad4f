/**
 * Every English sentence the extension shows, in one table, so that it can be translated.
 * Placeholders are written {name} and filled by text().
 */
export const EN = {
  'preview.title': 'Preview of {entry}',
  'preview.saved': 'Saved {name}. Preview of {entry}:',
  'preview.problems': 'Problems in this preview',
  'preview.form':
    'Your form was sent to another page; the preview stays on this one. To handle the form in JavaScript, call event.preventDefault() in its submit listener.',
  'preview.reloaded':
    'Your page loaded again: a form was sent (a form without an action loads its page again), or the page reloaded itself. To handle a form in JavaScript, call event.preventDefault() in its submit listener.',
  'preview.link':
    'The preview does not follow links to other pages (you clicked a link to {href}); the page stays where it is.',
  'loop.stopped':
    'The preview stopped your script: the loop in {file} on line {line} ran for more than a second.',
  'loop.hint':
    'A loop must end: check that its condition becomes false, for example that i grows in while (i < 10) { … i++; }.',
  'js.error': 'JavaScript error in {file} on line {line}: {message}',
  'js.error.nowhere': 'JavaScript error: {message}',
  'js.syntax':
    'JavaScript error in {file} on line {line}: {message}. The preview did not run this script.',
  'ref.missing': 'There is no file called {name} next to your notebook.',
  'ref.wrong_case':
    'There is no {name}; did you mean {other}? Capital letters count, for the grader too.',
  'ref.outside':
    '{name} is outside your exercise folder; keep every file your page needs next to the notebook.',
  'ref.other_server':
    'Your page asks for {url} from another server. The grader allows none (there is no internet while grading): keep every file your page needs next to it.',
  'ref.page_file':
    'There is no page cell for {name}. Write it in a cell that starts with %%page {name}, and run that cell.',
  'ref.too_big': '{name} is {size} MB; the preview shows files of at most {limit} MB.',
  'ref.refused':
    'Your page tried to load {url}. The grader allows only the files of your page, so the preview refused it.',
  'ref.dynamic':
    'Your script loaded {name} while the page ran. The preview shows only files named in the HTML or CSS; the grader serves it if it exists.',
  'ref.eval':
    'Your page runs code from a string (eval, new Function or setTimeout with a string); the preview does not run such code. Pass a function instead.',
  'fresh.ran': 'Before this check, webgrader ran the cells you changed or had not run yet: {cells}.',
  'fresh.setup': 'the first cell (%load_ext webgrader)',
  'validate.hidden.one': '1 more check runs when your work is graded.',
  'validate.hidden.many': '{n} more checks run when your work is graded.'
};

export type TextKey = keyof typeof EN;

export function text(key: TextKey, values: { [name: string]: string | number } = {}): string {
  return EN[key].replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole
  );
}
