// Edit-to-diagnostics latency of `oomkb lsp`: opens a generated 5,000-line training script,
// then makes one-character edits (insert, then delete) and times each didChange until its
// publishDiagnostics arrives. Prints the median and p90 in ms. Usage: node lsp_latency.js BIN N
'use strict';
const { spawn } = require('child_process');
const bin = process.argv[2], edits = parseInt(process.argv[3] || '200', 10);

function script(lines) {
  const block = [
    'def train_epoch_{i}(model, loader, optimizer, criterion, scaler):',
    '    model.train()',
    '    running = 0.0',
    '    for step, batch in enumerate(loader):',
    '        inputs, targets = batch["x"].cuda(), batch["y"].cuda()',
    '        with torch.autocast("cuda", dtype=torch.bfloat16):',
    '            outputs = model(inputs)',
    '            loss = criterion(outputs, targets)',
    '        scaler.scale(loss).backward()',
    '        scaler.step(optimizer)',
    '        scaler.update()',
    '        optimizer.zero_grad(set_to_none=True)',
    '        running += loss.item()',
    '        if step % 100 == 0:',
    '            print(f"step {step}: {running / (step + 1):.4f}")',
    '    return running',
    '',
  ];
  const out = ['import torch', 'import torch.nn.functional as F', ''];
  for (let i = 0; out.length < lines - 8; i++) out.push(...block.map(l => l.replace('{i}', i)));
  out.push('history = []', 'for batch in loader:', '    loss = F.cross_entropy(model(batch), batch.y)',
           '    loss.backward()', '    optimizer.step()', '    history.append(loss)', '');
  return out.join('\n');
}

const text = script(5000);
const child = spawn(bin, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
let buf = Buffer.alloc(0), waiting = null;
child.stdout.on('data', d => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const sep = buf.indexOf('\r\n\r\n');
    if (sep < 0) return;
    const n = parseInt(/Content-Length: (\d+)/i.exec(buf.slice(0, sep).toString())[1], 10);
    if (buf.length < sep + 4 + n) return;
    const msg = JSON.parse(buf.slice(sep + 4, sep + 4 + n).toString());
    buf = buf.slice(sep + 4 + n);
    if (waiting && (msg.id === waiting.id || msg.method === waiting.method)) {
      const w = waiting; waiting = null; w.resolve(msg);
    }
  }
});
function send(m) {
  const b = Buffer.from(JSON.stringify(m));
  child.stdin.write(`Content-Length: ${b.length}\r\n\r\n`);
  child.stdin.write(b);
}
function expect(what) { return new Promise(resolve => { waiting = Object.assign(what, { resolve }); }); }

(async () => {
  const uri = 'file:///tmp/oomkb-bench/train.py';
  let p = expect({ id: 1 });
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { capabilities: {} } });
  await p;
  send({ jsonrpc: '2.0', method: 'initialized', params: {} });
  p = expect({ method: 'textDocument/publishDiagnostics' });
  send({ jsonrpc: '2.0', method: 'textDocument/didOpen',
         params: { textDocument: { uri, languageId: 'python', version: 1, text } } });
  const first = await p;
  if (first.params.diagnostics.length < 1) throw new Error('expected a finding in the script');
  const line = 2500, times = [];
  for (let i = 0; i < edits; i++) {
    const insert = i % 2 === 0;
    const range = insert ? { start: { line, character: 4 }, end: { line, character: 4 } }
                         : { start: { line, character: 4 }, end: { line, character: 5 } };
    p = expect({ method: 'textDocument/publishDiagnostics' });
    const t0 = process.hrtime.bigint();
    send({ jsonrpc: '2.0', method: 'textDocument/didChange',
           params: { textDocument: { uri, version: i + 2 },
                     contentChanges: [{ range, text: insert ? 'x' : '' }] } });
    await p;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = f => times[Math.min(times.length - 1, Math.floor(f * times.length))];
  console.log(`lsp: one-character edit in a ${text.split('\n').length}-line script -> ` +
              `publishDiagnostics: median ${q(0.5).toFixed(3)} ms, p90 ${q(0.9).toFixed(3)} ms ` +
              `(${edits} edits; target median < 5 ms)`);
  p = expect({ id: 2 });
  send({ jsonrpc: '2.0', id: 2, method: 'shutdown' });
  await p;
  send({ jsonrpc: '2.0', method: 'exit' });
})().catch(e => { console.error(e); process.exit(1); });
