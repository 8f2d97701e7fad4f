/**
 * Page cells edited in their file's own language: a code cell whose first line is
 * `%%page NAME` gets NAME's editor MIME type (HTML, CSS or JavaScript), so CodeMirror
 * highlights it as such, and follows when the first line changes.
 *
 * The notebook sets every code cell's MIME type from the kernel's language (on open and
 * on every kernel start), so the cell's type is set again whenever that happens.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { pageMimeType, pageName } from './pagecells';

const watched = new WeakSet<ICellModel>();

function apply(panel: NotebookPanel, cell: ICellModel): void {
  if (cell.type !== 'code') {
    return;
  }
  const name = pageName(cell.sharedModel.getSource());
  const wanted = (name && pageMimeType(name)) || panel.content.codeMimetype;
  if (cell.mimeType !== wanted) {
    cell.mimeType = wanted;
  }
}

function watch(panel: NotebookPanel, cell: ICellModel): void {
  if (watched.has(cell)) {
    return;
  }
  watched.add(cell);
  cell.contentChanged.connect(() => apply(panel, cell));
  cell.mimeTypeChanged.connect(() => apply(panel, cell));
  apply(panel, cell);
}

function watchAll(panel: NotebookPanel): void {
  const model = panel.content.model;
  if (!model) {
    return;
  }
  for (let i = 0; i < model.cells.length; i++) {
    watch(panel, model.cells.get(i));
  }
}

export function highlightPageCells(tracker: INotebookTracker): void {
  tracker.widgetAdded.connect((_, panel) => {
    const start = () => {
      watchAll(panel);
      panel.content.model?.cells.changed.connect(() => watchAll(panel));
    };
    panel.context.ready.then(start);
    panel.content.modelChanged.connect(start);
  });
}
