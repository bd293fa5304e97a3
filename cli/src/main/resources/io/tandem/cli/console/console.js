// Tandem console: draws the state the console's server pushes (server-sent events), every time
// it changes. Text from the services goes in through textContent only.
'use strict';

const results = {};
/** How many minutes the timeline spans (the console keeps an hour). */
let windowMinutes = 60;
let lastState = null;
/** What the pairs section shows now: it is drawn again only when that changes, not under the mouse each second. */
let pairsShown = '';
let pendingSwitchover = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child === undefined ? '' : String(child)));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function time(ms) {
  return new Date(ms).toLocaleTimeString([], {hour12: false}) + '.' + String(ms % 1000).padStart(3, '0');
}

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map(h => el('th', {}, h)))),
    el('tbody', {}, ...rows));
}

function renderPairs(state) {
  const shown = JSON.stringify([state.pairs, state.management, state.managementProblem]);
  if (shown === pairsShown) return;
  pairsShown = shown;
  const box = document.getElementById('pairs');
  box.replaceChildren();
  if (state.managementProblem) {
    box.append(el('p', {class: 'problem'}, 'The Management Layer at ' + state.management + ' did not answer: '
      + state.managementProblem));
  }
  for (const pair of state.pairs || []) {
    const button = el('button', {'data-pair': pair.name, class: 'switchover'}, 'Switchover…');
    button.disabled = pair.members.length !== 2;
    button.addEventListener('click', () => askSwitchover(pair));
    const result = el('span', {id: 'switchover-result', 'data-pair': pair.name}, results[pair.name] || '');
    const head = el('div', {class: 'pair-head'}, el('span', {class: 'name'}, pair.name),
      el('span', {}, 'epoch ' + pair.epoch),
      el('span', {}, 'last switchover: ' + (pair.lastSwitchover ? time(pair.lastSwitchoverAtMs) + ' '
        + pair.lastSwitchover : 'none')),
      button, result);
    const rows = pair.members.map(m => el('tr', {'data-application': m.application},
      el('td', {}, m.application),
      el('td', {class: 'role-' + m.mode, 'data-field': 'mode'}, m.mode),
      el('td', {}, m.acknowledged ? 'yes' : 'no'),
      el('td', {}, m.epoch),
      el('td', {}, m.status),
      el('td', {}, m.connected),
      el('td', {class: m.unreachable ? 'problem' : (m.serving ? 'serving-yes' : 'serving-no'), 'data-field': 'serving'},
        m.unreachable ? 'unreachable' : (m.serving ? 'SERVING' : 'NOT SERVING (' + m.notServingReason + ')')),
      el('td', {}, m.unreachable ? '-' : m.configState + (m.reloadMode && m.reloadMode !== 'NONE' ? ' ' + m.reloadMode : '')),
      el('td', {}, m.unreachable ? '-' : m.lastEventId),
      el('td', {}, m.unreachable ? '-' : m.lag),
      el('td', {}, m.unreachable ? '-' : m.reloads),
      el('td', {}, m.unreachable ? '-' : m.lastReloadMs + ' ms')));
    box.append(el('div', {class: 'pair', 'data-pair': pair.name}, head,
      table(['Application', 'Mode', 'Ack', 'Epoch', 'Status', 'Connected', 'Serving', 'Configuration',
        'Last event', 'Lag', 'Reloads', 'Last reload'], rows)));
  }
  if ((state.pairs || []).length === 0 && !state.managementProblem) {
    box.append(el('p', {}, 'No pairs known to the Management Layer yet.'));
  }
}

function askSwitchover(pair) {
  const primary = pair.members.find(m => m.mode === 'PRIMARY');
  pendingSwitchover = pair;
  document.getElementById('confirm-text').textContent = 'Switch pair ' + pair.name + ' over? '
    + (primary ? primary.application + ' becomes backup.' : 'Neither member is primary now.');
  document.getElementById('confirm').showModal();
}

document.addEventListener('DOMContentLoaded', () => {
  const dialog = document.getElementById('confirm');
  dialog.addEventListener('close', async () => {
    const pair = pendingSwitchover;
    pendingSwitchover = null;
    if (dialog.returnValue !== 'ok' || !pair) return;
    results[pair.name] = 'switching over…';
    try {
      const response = await fetch('/api/switchover', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({application: pair.members[0].application})});
      const text = await response.text();
      if (!response.ok) {
        results[pair.name] = 'refused: ' + text;
      } else {
        const r = JSON.parse(text);
        results[pair.name] = r.result === 'DONE' ? 'DONE in ' + r.ms + ' ms: ' + r.primary + ' is primary'
          : r.result + ': ' + r.message;
      }
    } catch (e) {
      results[pair.name] = 'failed: ' + e;
    }
    const shown = document.querySelector('#switchover-result[data-pair="' + CSS.escape(pair.name) + '"]');
    if (shown) shown.textContent = results[pair.name];
  });
  document.getElementById('window').addEventListener('change', event => {
    windowMinutes = Number(event.target.value);
    if (lastState) renderTimeline(lastState);
  });
  follow();
});

function lanes(state) {
  const names = [];
  for (const pair of state.pairs || []) {
    names.push(pair.name);
    for (const m of pair.members) names.push(m.application);
  }
  for (const item of [...state.timeline.spans, ...state.timeline.marks]) {
    if (!names.includes(item.lane)) names.push(item.lane);
  }
  return names;
}

function renderTimeline(state) {
  const t = state.timeline;
  const fromMs = Math.max(t.fromMs, t.toMs - windowMinutes * 60000);
  const names = lanes(state);
  const width = 1100, labelWidth = 170, laneHeight = 26, top = 22;
  const height = top + names.length * laneHeight + 6;
  const x = ms => labelWidth + (Math.max(ms, fromMs) - fromMs) / (t.toMs - fromMs) * (width - labelWidth - 10);
  const chart = svg('svg', {width, height, viewBox: '0 0 ' + width + ' ' + height, id: 'timeline-chart'});
  for (let tick = 0; tick <= 6; tick++) {
    const ago = windowMinutes * (6 - tick) / 6;
    const at = t.toMs - ago * 60000;
    chart.append(svg('line', {x1: x(at), x2: x(at), y1: 14, y2: height, stroke: '#e1e4ea'}));
    const label = svg('text', {x: x(at) - 14, y: 12});
    label.textContent = tick === 6 ? 'now' : '-' + (ago >= 1 ? ago + ' min' : ago * 60 + ' s');
    chart.append(label);
  }
  names.forEach((name, i) => {
    const label = svg('text', {x: 4, y: top + i * laneHeight + 16});
    label.textContent = name;
    chart.append(label);
  });
  for (const s of t.spans) {
    const lane = names.indexOf(s.lane);
    const end = s.endMs === undefined ? t.toMs : s.endMs;
    const kind = s.kind === 'RELOAD' && s.label.startsWith('reload after protected mode') ? 'RELOAD_AFTER' : s.kind;
    const left = x(s.startMs);
    const rect = svg('rect', {x: left, y: top + lane * laneHeight + 3, width: Math.max(3, x(end) - left),
      height: laneHeight - 8, class: kind, 'data-kind': s.kind, 'data-lane': s.lane, 'data-start': s.startMs,
      'data-end': s.endMs === undefined ? '' : s.endMs,
      'data-span': s.startMs + '-' + (s.endMs === undefined ? '' : s.endMs)});
    const title = svg('title');
    title.textContent = time(s.startMs) + ' – ' + (s.endMs === undefined ? 'now' : time(s.endMs)) + ': ' + s.label;
    rect.append(title);
    chart.append(rect);
  }
  for (const m of t.marks) {
    const lane = names.indexOf(m.lane);
    const cx = x(m.atMs), y = top + lane * laneHeight + 2;
    const mark = svg('path', {d: `M${cx - 5},${y} L${cx + 5},${y} L${cx},${y + 9} Z`, class: 'mark ' + m.kind,
      'data-kind': m.kind, 'data-lane': m.lane, 'data-start': m.atMs});
    const title = svg('title');
    title.textContent = time(m.atMs) + ': ' + m.lane + ' ' + m.label;
    mark.append(title);
    chart.append(mark);
  }
  const items = [...t.spans.map(s => ({at: s.startMs, lane: s.lane, what: s.label,
      until: s.endMs === undefined ? 'still' : (s.endMs - s.startMs) + ' ms', kind: s.kind})),
    ...t.marks.map(m => ({at: m.atMs, lane: m.lane, what: m.label, until: '', kind: m.kind}))]
    .sort((a, b) => a.at - b.at).slice(-12);
  const list = table(['Started', 'Where', 'What', 'Lasted'], items.map(i => el('tr', {'data-kind': i.kind},
    el('td', {}, time(i.at)), el('td', {}, i.lane), el('td', {class: i.kind === 'DARK' ? 'problem' : ''}, i.what),
    el('td', {}, i.until))));
  document.getElementById('timeline').replaceChildren(chart, list);
}

function renderConfig(state) {
  const parts = [table(['Config Server', 'Head', 'Oldest kept', 'History records', 'Objects', 'Sessions'],
    (state.configServers || []).map(c => c.problem
      ? el('tr', {}, el('td', {}, c.address), el('td', {class: 'problem', colspan: 5}, 'not answering: ' + c.problem))
      : el('tr', {}, el('td', {}, c.address), el('td', {}, c.head), el('td', {}, c.oldest), el('td', {}, c.records),
          el('td', {}, c.objects), el('td', {}, c.sessions))))];
  if ((state.etcd || []).length > 0) {
    parts.push(table(['etcd member', 'Leader', 'Revision', 'Term', 'Database bytes', 'Version'],
      state.etcd.map(e => e.problem
        ? el('tr', {}, el('td', {}, e.member), el('td', {class: 'problem', colspan: 5}, 'not answering: ' + e.problem))
        : el('tr', {}, el('td', {}, e.member), el('td', {}, e.leader ? 'yes' : 'no'), el('td', {}, e.revision),
            el('td', {}, e.term), el('td', {}, e.dbBytes), el('td', {}, e.version)))));
  }
  if ((state.managementLayers || []).length > 0) {
    parts.push(table(['Management Layer', 'Says'], state.managementLayers.map(m =>
      el('tr', {}, el('td', {}, m.address), el('td', {}, m.role)))));
  }
  document.getElementById('config').replaceChildren(...parts);
}

function renderEvents(state) {
  const silent = (state.eventSources || []).filter(s => s.problem);
  const rows = (state.events || []).map(e => el('tr', {},
    el('td', {}, time(e.atMs)), el('td', {}, e.source), el('td', {class: 'level-' + e.level}, e.level),
    el('td', {}, e.id), el('td', {}, e.text),
    el('td', {class: 'fields'}, Object.entries(e.fields).map(([k, v]) => k + '=' + v).join(', '))));
  document.getElementById('events').replaceChildren(
    ...silent.map(s => el('p', {class: 'problem'}, s.name + ': events not followed (' + s.problem + ')')),
    table(['Time', 'Service', 'Level', 'Id', 'Event', 'Details'], rows));
}

function render(state) {
  lastState = state;
  document.getElementById('management').textContent = 'Management Layer ' + state.management + ' · as of '
    + time(state.asOfMs);
  renderPairs(state);
  renderTimeline(state);
  renderConfig(state);
  renderEvents(state);
}

/** Whether the stream to the console is open now. */
let connected = false;

/** Says whether what the page shows is current: live, or why not (not connected, stale, a problem). */
function showConnection() {
  const connection = document.getElementById('connection');
  const stale = lastState && Date.now() - lastState.asOfMs > 10000;
  const problem = !connected ? 'not connected to the console (retrying)'
    : (lastState && lastState.problem) || (stale ? 'stale: the last state is of ' + time(lastState.asOfMs) : '');
  connection.textContent = problem || (lastState ? 'live' : 'waiting for the first state');
  connection.className = problem || !lastState ? 'problem' : 'ok';
}

function follow() {
  const source = new EventSource('/api/stream');
  source.addEventListener('open', () => { connected = true; showConnection(); });
  source.addEventListener('state', message => {
    connected = true;
    const state = JSON.parse(message.data);
    if (state.timeline) {
      render(state);
    } else if (state.problem) {
      lastState = {problem: state.problem, asOfMs: Date.now()};
    }
    showConnection();
  });
  source.addEventListener('error', () => {
    connected = false;
    showConnection();
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(follow, 3000); // the browser gives up after an answer other than 200: ask again
    }
  });
}

setInterval(showConnection, 1000);
