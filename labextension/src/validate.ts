/**
 * nbgrader's Validate button says "Success! Your notebook passes all the tests." when every
 * check the learner can see passes: that dialog is nbgrader's own. The released notebook says
 * how many hidden checks it has (metadata.webgrader.hidden_checks, written at release by
 * SelfCheckCell), so the dialog gets one more line saying that they run when her work is graded.
 */
import { INotebookTracker } from '@jupyterlab/notebook';

import { text } from './texts';

export function explainValidation(tracker: INotebookTracker): void {
  // The dialog comes and goes with no signal of its own: look for it when the page changes
  // (one lookup by id per change).
  const observer = new MutationObserver(() => {
    const message = document.getElementById('validation-message');
    if (!message || message.dataset.webgrader) {
      return;
    }
    message.dataset.webgrader = 'seen';
    const meta = tracker.currentWidget?.model?.getMetadata('webgrader') as { hidden_checks?: unknown } | undefined;
    const hidden = typeof meta?.hidden_checks === 'number' ? meta.hidden_checks : 0;
    const note = text(hidden === 1 ? 'validate.hidden.one' : 'validate.hidden.many', { n: hidden });
    if (hidden > 0 && !(message.textContent ?? '').includes(note.replace(/\.$/, ''))) {
      const line = document.createElement('p');
      line.className = 'webgrader-validate-note';
      line.textContent = note;
      message.appendChild(line);
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
}
