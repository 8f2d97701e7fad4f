/**
 * The page checked is the page on screen: when a check cell (one that calls open_page) is
 * run, first run the setup cell and every page cell whose source changed since it last ran
 * in this kernel, or that has not run since the kernel (re)started.
 *
 * NotebookActions.executionScheduled is emitted just before a cell's execute request is
 * sent; CodeCell.execute sends its request at once, so cells run from the handler reach the
 * kernel first and run before the check, in notebook order.
 */
import { Notification } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { isCheckCell, isSetupCell, pageName } from './pagecells';
import { text } from './texts';

/** Per notebook: cell id -> the source it last ran with, in the current kernel. */
const ranWith = new WeakMap<NotebookPanel, Map<string, string>>();

function runs(panel: NotebookPanel): Map<string, string> {
  let map = ranWith.get(panel);
  if (!map) {
    map = new Map();
    ranWith.set(panel, map);
    const forget = () => map!.clear();
    panel.sessionContext.kernelChanged.connect(forget);
    panel.sessionContext.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting' || status === 'starting' || status === 'dead') {
        forget();
      }
    });
  }
  return map;
}

export function runPagesBeforeChecks(tracker: INotebookTracker): void {
  tracker.widgetAdded.connect((_, panel) => runs(panel));
  NotebookActions.executionScheduled.connect((_, { notebook, cell }) => {
    const panel = tracker.find(widget => widget.content === notebook);
    if (!panel || cell.model.type !== 'code') {
      return;
    }
    const map = runs(panel);
    const source = cell.model.sharedModel.getSource();
    map.set(cell.model.id, source);
    if (!isCheckCell(source)) {
      return;
    }
    const ran: string[] = [];
    for (const other of notebook.widgets) {
      if (other === cell || other.model.type !== 'code') {
        continue;
      }
      const otherSource = other.model.sharedModel.getSource();
      const needed = pageName(otherSource) !== null || isSetupCell(otherSource);
      if (needed && map.get(other.model.id) !== otherSource) {
        map.set(other.model.id, otherSource);
        ran.push(pageName(otherSource) ?? text('fresh.setup'));
        void CodeCell.execute(other as CodeCell, panel.sessionContext, { deletedCells: [] }).catch(() => undefined);
      }
    }
    // The kernel keeps only the pages whose cells are on screen: a cell whose %%page line was
    // deleted no longer gives the check its old file. Names follow the page-name rule, so
    // they are plain strings; a silent request, after the page cells and before the check.
    const onScreen = notebook.widgets
      .filter(other => other.model.type === 'code')
      .map(other => pageName(other.model.sharedModel.getSource()))
      .filter((name): name is string => name !== null);
    const kernel = panel.sessionContext.session?.kernel;
    if (kernel) {
      kernel.requestExecute({
        code: `__import__("webgrader.pages").pages.keep_only(${JSON.stringify(onScreen)})`,
        silent: true,
        store_history: false
      });
    }
    if (ran.length) {
      Notification.info(text('fresh.ran', { cells: ran.join(', ') }), { autoClose: 6000 });
    }
  });
}
