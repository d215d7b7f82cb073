/**
 * Keyboard: type shortcuts, Esc, Delete, Enter, Backspace, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y;
 * screening's keys (screening_panel.js) first, so while screening they win over type shortcuts.
 */

function typing(target) {
  return target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function bindKeys({ palette, drawing, editing, history, tools, screening = null }) {
  document.addEventListener('keydown', (event) => {
    if (typing(event.target)) return;
    const ctrl = event.ctrlKey || event.metaKey;
    const key = event.key;
    if (ctrl && key.toLowerCase() === 'z') {
      tools.restore(event.shiftKey ? history.redo() : history.undo());
    } else if (ctrl && key.toLowerCase() === 'y') {
      tools.restore(history.redo());
    } else if (ctrl || event.altKey) {
      return;
    } else if (screening && screening.handleKey(event)) {
      // a screening key: handled
    } else if (key === 'Escape') {
      tools.select();
    } else if (key === 'Enter' && drawing.active) {
      drawing.finish();
    } else if (key === 'Backspace' && drawing.active) {
      drawing.removeLastPoint();
    } else if (key === 'Delete' || key === 'Backspace') {
      editing.deleteSelected();
    } else {
      const type = palette.typeForKey(key);
      if (!type) return;
      tools.pick(type);
    }
    event.preventDefault();
  });
}
