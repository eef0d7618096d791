//! The page's stylesheet and script, inlined into every report. They are Rust string constants
//! (not files read with `include_str!`) so that the published crate, which packages `*.rs` files
//! only, builds.

/// Stylesheet.
pub const CSS: &str = r##":root{--err:#b42318;--warn:#b54708;--note:#175cd3;--none:#667085;--bg:#f8f9fb;--fg:#101828;--mut:#475467;--line:#e4e7ec}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:18px 0 8px}
.sub{color:var(--mut);margin:0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 4px}
.card{flex:1 1 150px;background:#fff;border:1px solid var(--line);border-left:6px solid var(--none);border-radius:8px;padding:12px 16px}
.card b{display:block;font-size:30px;line-height:1.1}
.card span{color:var(--mut)}
.card.error{border-left-color:var(--err)}.card.warning{border-left-color:var(--warn)}.card.note{border-left-color:var(--note)}
.explain{color:var(--mut);max-width:80ch}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line);font-size:14px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:#f2f4f7;font-weight:600;white-space:nowrap}
th.sort{cursor:pointer;user-select:none}
th.sort:after{content:" \2195";color:#98a2b3}
th.asc:after{content:" \2191";color:var(--fg)}th.desc:after{content:" \2193";color:var(--fg)}
td.loc,td.id,td.ev{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px;word-break:break-all}
td.msg{min-width:28ch}
.lvl{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;background:var(--none);white-space:nowrap}
.lvl.error{background:var(--err)}.lvl.warning{background:var(--warn)}.lvl.note{background:var(--note)}
.lvl.suppressed{background:#fff;color:var(--mut);border:1px solid var(--line)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:20px}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.bar{display:grid;grid-template-columns:minmax(90px,34%) 1fr 44px;gap:8px;align-items:center;margin:5px 0;font-size:13.5px}
.bar .label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.bar .track{display:flex;height:16px;background:#f2f4f7;border-radius:3px;overflow:hidden}
.bar .seg{height:100%}
.seg.error{background:var(--err)}.seg.warning{background:var(--warn)}.seg.note{background:var(--note)}.seg.none{background:#98a2b3}
.bar .n{text-align:right;color:var(--mut)}
.legend{font-size:12.5px;color:var(--mut);margin-top:8px}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0}
.controls input,.controls select,.controls button{font:inherit;padding:5px 8px;border:1px solid #d0d5dd;border-radius:6px;background:#fff}
.controls input{flex:1 1 260px}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0;color:var(--mut)}
.pager button{font:inherit;padding:3px 10px;border:1px solid #d0d5dd;border-radius:6px;background:#fff;cursor:pointer}
.pager button:disabled{opacity:.4;cursor:default}
.country{font-weight:600}
ul.listings{margin:0;padding-left:18px}
.muted{color:var(--mut)}
footer{margin:40px auto 30px;color:var(--mut);font-size:13px}
a{color:#1849a9}
"##;

/// Script: reads the findings from the `mg-data` JSON block and draws the table (filter, sort,
/// 100 rows a page) with `textContent` only.
pub const JS: &str = r##"(function () {
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
"##;
