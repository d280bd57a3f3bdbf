// /ui/: one small page (inline JS) that lists the functions with their replicas and invocation
// counts and invokes one with a body. Served under basic auth; the browser sends the same
// credentials on the page's own /system/* calls.
#include <string_view>

#include "core/http/respond.hpp"
#include "gateway/context.hpp"

namespace faas::gateway {

namespace {

constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faas</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.4rem; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .8rem; text-align: left; }
tr.sel { background: #eef4ff; }
tr:hover { cursor: pointer; background: #f6f6f6; }
textarea { width: 100%; max-width: 50rem; height: 6rem; font-family: monospace; }
pre { background: #f4f4f4; padding: .8rem; max-width: 50rem; overflow: auto; )html"
    R"html(white-space: pre-wrap; }
.muted { color: #777; }
</style>
</head>
<body>
<h1>faas functions</h1>
<p class="muted" id="info"></p>
<table>
<thead><tr><th>Name</th><th>Namespace</th><th>Image</th><th>Replicas</th><th>Ready</th>)html"
    R"html(<th>Invocations</th></tr></thead>
<tbody id="fns"><tr><td colspan="6" class="muted">loading...</td></tr></tbody>
</table>
<h2 id="title">Invoke</h2>
<p>
<label>Function <input id="fn" size="30" placeholder="name.namespace"></label>
<label>Method <select id="method"><option>POST</option><option>GET</option>)html"
    R"html(<option>PUT</option><option>PATCH</option><option>DELETE</option></select></label>
<button id="go">Invoke</button>
</p>
<textarea id="body" placeholder="request body"></textarea>
<p id="status" class="muted"></p>
<pre id="out"></pre>
<script>
const $ = (id) => document.getElementById(id);
function cell(tr, text) { const td = document.createElement('td'); td.textContent = text; )html"
    R"html(tr.appendChild(td); }
async function load() {
  try {
    const r = await fetch('../system/functions');
    if (!r.ok) { $('fns').innerHTML = ''; $('info').textContent = 'list failed: HTTP ' )html"
    R"html(+ r.status; return; }
    const list = await r.json();
    const tb = $('fns'); tb.innerHTML = '';
    if (list.length === 0) { tb.innerHTML = '<tr><td colspan="6" class="muted">no functions )html"
    R"html(deployed</td></tr>'; }
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const f of list) {
      const tr = document.createElement('tr');
      const full = f.name + '.' + (f.namespace || 'openfaas-fn');
      if ($('fn').value === full) tr.className = 'sel';
      cell(tr, f.name); cell(tr, f.namespace || ''); cell(tr, f.image || '');
      cell(tr, f.replicas || 0); cell(tr, f.availableReplicas || 0); )html"
    R"html(cell(tr, f.invocationCount || 0);
      tr.onclick = () => { $('fn').value = full; load(); };
      tb.appendChild(tr);
    }
  } catch (e) { $('info').textContent = 'list failed: ' + e; }
}
async function invoke() {
  const fn = $('fn').value.trim();
  if (!fn) { $('status').textContent = 'pick a function first'; return; }
  const method = $('method').value;
  const opts = { method, headers: { 'Content-Type': 'text/plain' } };
  if (method !== 'GET') opts.body = $('body').value;
  const t0 = performance.now();
  $('status').textContent = 'calling ' + fn + '...';
  try {
    const r = await fetch('../function/' + encodeURIComponent(fn), opts);
    const text = await r.text();
    const ms = (performance.now() - t0).toFixed(1);
    $('status').textContent = 'HTTP ' + r.status + ' in ' + ms + ' ms, X-Call-Id ' )html"
    R"html(+ (r.headers.get('X-Call-Id') || '-');
    $('out').textContent = text;
  } catch (e) { $('status').textContent = 'call failed: ' + e; }
  load();
}
fetch('../system/info').then(r => r.ok ? r.json() : null).then(i => {
  if (i) $('info').textContent = 'gateway ' + i.version.release + ' (' + )html"
    R"html(i.version.sha + ', ' + i.arch + ')' +
      (i.provider ? ', provider ' + i.provider.provider + ' ' + )html"
    R"html(((i.provider.version || {}).release || '') : '');
});
$('go').onclick = invoke;
load();
setInterval(load, 5000);
</script>
</body>
</html>
)html";

}  // namespace

awaitable<void> handle_ui(http::Exchange& ex) {
    const auto path = ex.path();
    if (ex.method() != "GET" && ex.method() != "HEAD") {
        http::Response refused = http::method_not_allowed_response();
        co_await http::send(ex, std::move(refused));
        co_return;
    }
    if (path == "/ui") {
        http::Response res;
        res.status = 301;
        res.headers.set("Location", "/ui/");
        co_await http::send(ex, std::move(res));
        co_return;
    }
    if (path != "/ui/" && path != "/ui/index.html") {
        http::Response missing = http::not_found_response();
        co_await http::send(ex, std::move(missing));
        co_return;
    }
    http::Response res;
    res.headers.set("Content-Type", "text/html; charset=utf-8");
    res.headers.set("Cache-Control", "no-cache");
    res.body = std::string(kPage);
    co_await http::send(ex, std::move(res));
}

}  // namespace faas::gateway
