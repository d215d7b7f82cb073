/**
 * The verification page: one annotation at a time, with a crop around it. Accept with a or
 * Enter, reject with r, move with the arrow keys, e opens it in the viewer. The next crops are
 * fetched ahead, so stepping through a set waits for nothing.
 */

import { createApi } from './api.js';

const PRELOAD = 3;

/** Index of the next item not judged yet after `from` (wrapping), or -1 when all are. */
export function nextOpen(items, judged, from) {
  for (let step = 1; step <= items.length; step += 1) {
    const index = (from + step) % items.length;
    if (!judged.has(items[index].id)) return index;
  }
  return -1;
}

function start(root, config) {
  const $ = (role) => root.querySelector(`[data-role=${role}]`);
  const api = createApi({ cookie: () => document.cookie });
  const items = config.items || [];
  const judged = new Map(); // annotation id -> true (accepted) | false (rejected)
  const preloaded = new Set();
  let index = 0;
  let progress = { done: config.done || 0, total: config.total || 0 };

  const cropUrl = (item) => (item.crop ? item.crop.url : item.thumbnail);
  const preload = () => {
    for (let k = 1; k <= PRELOAD && items.length; k += 1) {
      const url = cropUrl(items[(index + k) % items.length]);
      if (preloaded.has(url)) continue;
      preloaded.add(url);
      new Image().src = url;
    }
  };

  const showProgress = () => {
    $('progress').max = Math.max(progress.total, 1);
    $('progress').value = progress.done;
    $('progress-text').textContent = `${progress.done} of ${progress.total} verified by you`;
  };

  const show = () => {
    showProgress();
    if (!items.length) {
      $('caption').textContent = 'Nothing left to verify for this type.';
      $('frame').hidden = true;
      for (const role of ['accept', 'reject', 'previous', 'next', 'edit']) $(role).hidden = true;
      return;
    }
    const item = items[index];
    $('crop').src = cropUrl(item);
    const box = $('box');
    box.hidden = !item.crop;
    if (item.crop) {
      const [left, top, width, height] = item.crop.box;
      Object.assign(box.style, { left: `${left}%`, top: `${top}%`, width: `${width}%`, height: `${height}%` });
    }
    const state = judged.has(item.id) ? (judged.get(item.id) ? ' · accepted' : ' · rejected') : '';
    const score = item.generated && typeof item.score === 'number' ? ` · model score ${item.score.toFixed(2)}` : '';
    $('caption').textContent = `${index + 1} / ${items.length} · #${item.id} on ${item.image_name}${score}${state}`;
    root.dataset.annotation = String(item.id);
    $('edit').href = item.viewer_url;
    preload();
  };

  const move = (delta) => {
    if (!items.length) return;
    index = (index + delta + items.length) % items.length;
    show();
  };

  const judge = async (accept) => {
    if (!items.length) return;
    const item = items[index];
    const url = config.verify_url.replace(/\/0\/$/, `/${item.id}/`);
    try {
      const answer = await api.request('POST', url, { state: accept ? 'accept' : 'reject' });
      judged.set(item.id, accept);
      progress = { done: answer.done, total: answer.total };
      $('message').textContent = `#${item.id} ${accept ? 'accepted' : 'rejected'}.`;
      const next = nextOpen(items, judged, index);
      if (next >= 0) index = next;
      else $('message').textContent = 'All annotations of this type are verified.';
      show();
    } catch (error) {
      $('message').textContent = `Not saved: ${error.detail || error.message}`;
    }
  };

  $('accept').addEventListener('click', () => judge(true));
  $('reject').addEventListener('click', () => judge(false));
  $('previous').addEventListener('click', () => move(-1));
  $('next').addEventListener('click', () => move(1));
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(event.target.tagName)) return;
    const actions = {
      a: () => judge(true),
      Enter: () => judge(true),
      r: () => judge(false),
      ArrowRight: () => move(1),
      ArrowLeft: () => move(-1),
      e: () => items.length && window.location.assign(items[index].viewer_url),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  show();
  root.dataset.ready = 'true';
}

const root = typeof document !== 'undefined' ? document.getElementById('verify') : null;
if (root) start(root, JSON.parse(document.getElementById('verify-config').textContent));
