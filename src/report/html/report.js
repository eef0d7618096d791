(function () {
  'use strict';
  var el = document.getElementById('mg-data');
  var tbody = document.getElementById('mg-rows');
  if (!el || !tbody) { return; }
  var data = JSON.parse(el.textContent);
  var S = data.s;
  var RANK = { error: 4, warning: 3, note: 2, none: 1 };
  var rows = data.f.map(function (r, i) {
    return {
      i: i, path: S[r[0]], line: r[1], code: S[r[2]], check: S[r[3]], level: S[r[4]],
      ident: S[r[5]], msg: S[r[6]], matched: S[r[7]], dev: S[r[8]], sup: r[9] === 1, hay: null
    };
  });
  var state = { q: '', level: '', code: '', key: '', dir: 1, page: 0, size: 100 };
  var q = document.getElementById('mg-q');
  var level = document.getElementById('mg-level');
  var code = document.getElementById('mg-code');
  var info = document.getElementById('mg-info');
  var prev = document.getElementById('mg-prev');
  var next = document.getElementById('mg-next');
  var heads = document.querySelectorAll('th[data-key]');
  var view = rows;

  function hay(r) {
    if (r.hay === null) {
      r.hay = (r.path + ':' + r.line + '\n' + r.code + ' ' + r.check + '\n' + r.ident + '\n' +
        r.msg + '\n' + r.matched + '\n' + r.dev).toLowerCase();
    }
    return r.hay;
  }
  function cmp(a, b) {
    var k = state.key, x, y;
    if (k === 'level') {
      x = a.sup ? 0 : RANK[a.level]; y = b.sup ? 0 : RANK[b.level];
    } else if (k === 'loc') {
      x = a.path; y = b.path;
      if (x === y) { x = a.line; y = b.line; }
    } else { x = a[k]; y = b[k]; }
    if (x < y) { return -state.dir; }
    if (x > y) { return state.dir; }
    return a.i - b.i;
  }
  function compute() {
    var needle = state.q.toLowerCase();
    view = rows.filter(function (r) {
      if (state.level === 'suppressed') { if (!r.sup) { return false; } }
      else if (state.level && (r.level !== state.level || r.sup)) { return false; }
      if (state.code && r.code !== state.code) { return false; }
      return !needle || hay(r).indexOf(needle) !== -1;
    });
    if (state.key) { view.sort(cmp); }
  }
  function cell(tr, cls, text) {
    var td = document.createElement('td');
    if (cls) { td.className = cls; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function render() {
    var pages = Math.max(1, Math.ceil(view.length / state.size));
    if (state.page >= pages) { state.page = pages - 1; }
    var start = state.page * state.size;
    var end = Math.min(view.length, start + state.size);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var r = view[i];
      var tr = document.createElement('tr');
      var td = cell(tr, '', '');
      var b = document.createElement('span');
      b.className = 'lvl ' + (r.sup ? 'suppressed' : r.level);
      b.textContent = r.sup ? 'suppressed' : (r.level === 'none' ? 'inventory' : r.level);
      td.appendChild(b);
      cell(tr, '', r.code + ' ' + r.check);
      cell(tr, 'loc', r.path + ':' + r.line);
      cell(tr, 'id', r.ident);
      cell(tr, 'msg', r.msg);
      cell(tr, 'ev', r.matched);
      frag.appendChild(tr);
    }
    tbody.textContent = '';
    tbody.appendChild(frag);
    info.textContent = view.length === 0 ? 'No finding matches.' :
      'Showing ' + (start + 1) + '\u2013' + end + ' of ' + view.length +
      (view.length === rows.length ? '' : ' (filtered from ' + rows.length + ')');
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
    for (var h = 0; h < heads.length; h++) {
      var key = heads[h].getAttribute('data-key');
      heads[h].className = 'sort' + (key === state.key ? (state.dir > 0 ? ' asc' : ' desc') : '');
    }
  }
  var timer = null;
  q.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = q.value; state.page = 0; compute(); render(); }, 150);
  });
  level.addEventListener('change', function () { state.level = level.value; state.page = 0; compute(); render(); });
  code.addEventListener('change', function () { state.code = code.value; state.page = 0; compute(); render(); });
  prev.addEventListener('click', function () { state.page -= 1; render(); });
  next.addEventListener('click', function () { state.page += 1; render(); });
  for (var h = 0; h < heads.length; h++) {
    heads[h].addEventListener('click', function (ev) {
      var key = ev.currentTarget.getAttribute('data-key');
      if (state.key === key) { state.dir = -state.dir; } else { state.key = key; state.dir = key === 'level' ? -1 : 1; }
      state.page = 0; compute(); render();
    });
  }
  compute();
  render();
}());
