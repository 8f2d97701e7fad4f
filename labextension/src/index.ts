import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { EditorExtensionRegistry, IEditorExtensionRegistry } from '@jupyterlab/codemirror';
import { INotebookTracker } from '@jupyterlab/notebook';
import { syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { runPagesBeforeChecks } from './freshpages';
import { highlightPageCells } from './highlight';
import { rendererFactory } from './preview';
import { explainValidation } from './validate';

const pageCells: JupyterFrontEndPlugin<void> = {
  id: 'webgrader-labextension:page-cells',
  description: 'Page cells highlighted in their own language; changed page cells run before a check.',
  autoStart: true,
  requires: [INotebookTracker, IEditorExtensionRegistry],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker, editors: IEditorExtensionRegistry) => {
    // Token classes (tok-tagName, tok-keyword, ...) next to JupyterLab's own colours: they
    // style nothing, and say in the page which language an editor highlights.
    editors.addExtension({
      name: 'webgrader:token-classes',
      factory: () => EditorExtensionRegistry.createImmutableExtension(syntaxHighlighting(classHighlighter))
    });
    highlightPageCells(tracker);
    runPagesBeforeChecks(tracker);
    explainValidation(tracker);
  }
};

const preview: JupyterFrontEndPlugin<void> = {
  id: 'webgrader-labextension:preview',
  description: 'A safe preview of the learner page, under the grader rules.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry) => {
    const factory = rendererFactory(app.serviceManager.contents);
    rendermime.addFactory(factory, factory.defaultRank);
  }
};

export default [pageCells, preview];
