#!/usr/bin/env node
// Checks an SDK self-test guest (sdk/c/test/sdk_test.c, sdk/zig/test/sdk_test.zig) under the
// mock host of examples/check_enrich.mjs: every pulsar_v1 function through the SDK wrappers
// (statuses, the out-buffer convention with result_get, effects), pulsar_user shapes long2 and
// bytes, the record reader, the output-record builder, results, and the allocator.
//
// Usage: node sdk/c/test/check_sdk.mjs <sdk_test.wasm>      Exit 0 when everything matches.

import { readFileSync } from 'node:fs';
import {
  MockHost, encodeInputRecord, NOT_PERMITTED, UNAVAILABLE,
} from '../../../examples/check_enrich.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node sdk/c/test/check_sdk.mjs <sdk_test.wasm>');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(file));
const user = {
  upper: {
    shape: 'bytes',
    fn: (b) => (Buffer.from(b).toString() === 'null' ? null : Buffer.from(Buffer.from(b).toString('latin1').toUpperCase(), 'latin1')),
  },
  add: { shape: 'long2', fn: (a, b) => a + b },
};
const config = { k1: 'v1', big: 'B'.repeat(1000), num: 7 };

let failures = 0;
let count = 0;
const str = (b) => Buffer.from(b).toString();
const effStr = (e) => {
  switch (e.kind) {
    case 'log': return `log(${e.level},${e.message})`;
    case 'state_put': return `state_put(${e.key},${str(e.value)})`;
    case 'state_delete': return `state_delete(${e.key})`;
    case 'counter_incr': return `counter_incr(${e.key},${e.delta})`;
    case 'metric': return `metric(${e.name},${e.value})`;
    case 'publish': return e.record ? `publish(${e.topic},record)` : `publish(${e.topic},${str(e.value)})`;
    default: return JSON.stringify(e);
  }
};

function rec(value, extra = {}) {
  return encodeInputRecord({ value, topic: 'persistent://public/default/in', props: [], ...extra });
}

/** Runs one input; want: { kind, value?, message?, check?(out), effects?: [strings] }. */
function expect(host, name, input, want) {
  count++;
  const got = host.process(input);
  const errs = [];
  if (got.kind !== want.kind) {
    errs.push(`kind ${got.kind}${got.message ? ` (${got.message})` : ''}, expected ${want.kind}`);
  } else {
    if (want.value !== undefined && str(got.value) !== want.value) {
      const g = str(got.value);
      errs.push(`value ${JSON.stringify(g.length > 120 ? `${g.slice(0, 120)}...(${g.length})` : g)}, expected ${JSON.stringify(want.value.length > 120 ? `${want.value.slice(0, 120)}...(${want.value.length})` : want.value)}`);
    }
    if (want.message !== undefined && !want.message.test(got.message)) {
      errs.push(`message ${JSON.stringify(got.message)} does not match ${want.message}`);
    }
    if (want.check) errs.push(...want.check(got));
  }
  if (want.effects) {
    const g = got.effects.filter((e) => e.origin !== 'host').map(effStr).join(' | ');
    const w = want.effects.join(' | ');
    if (g !== w) errs.push(`effects [${g}], expected [${w}]`);
  }
  if (errs.length) {
    failures++;
    console.log(`  FAIL ${name}:\n${errs.map((e) => `      ${e}`).join('\n')}`);
  }
  return got;
}

// ------------------------------------------------------------------ host with state
const h = new MockHost(module, { config, user });
expect(h, 'alloc (fresh instance)', rec('alloc'), { kind: 'value', value: 'aligned=1;distinct=1;reused=1', effects: [] });
expect(h, 'state', rec('state', { props: [['v', 'hello']] }), {
  kind: 'value', value: 'get=-1;put=0;get:hello;del=0;get=-1', effects: ['state_put(k,hello)', 'state_delete(k)'],
});
const S = 'S'.repeat(3000);
expect(h, 'state, value > scratch (result_get)', rec('state', { props: [['v', S]] }), {
  kind: 'value', value: `get=-1;put=0;get:${S};del=0;get=-1`,
});
expect(h, 'counter', rec('counter'), { kind: 'value', value: 'incr=0;get=0;value=7', effects: ['counter_incr(c,7)'] });
expect(h, 'counter again (committed)', rec('counter'), { kind: 'value', value: 'incr=0;get=0;value=14' });
expect(h, 'metric', rec('metric'), { kind: 'value', value: 'metric=0', effects: ['metric(m,2.5)'] });
expect(h, 'publish bytes', rec('publish'), {
  kind: 'value', value: 'publish=0', effects: ['publish(persistent://public/default/out2,raw-bytes)'],
});
expect(h, 'user bytes', rec('user', { props: [['v', 'abc']] }), {
  kind: 'value', value: 'user:ABC', check: (o) => (o.userCalls.length === 1 && str(o.userCalls[0].args[0]) === 'abc' ? [] : ['upper not called once with abc']),
});
expect(h, 'user bytes null', rec('user', { props: [['v', 'null']] }), { kind: 'value', value: 'user=-1' });
expect(h, 'user bytes, answer > scratch (result_get)', rec('user', { props: [['v', 'q'.repeat(700)]] }), { kind: 'value', value: `user:${'Q'.repeat(700)}` });
expect(h, 'user long2', rec('add'), { kind: 'value', value: 'add=42' });
expect(h, 'config', rec('config', { props: [['k', 'k1']] }), { kind: 'value', value: 'config:v1' });
expect(h, 'config, value > scratch (result_get)', rec('config', { props: [['k', 'big']] }), { kind: 'value', value: `config:${'B'.repeat(1000)}` });
expect(h, 'config missing', rec('config', { props: [['k', 'nope']] }), { kind: 'value', value: 'config=-1' });
expect(h, 'config JSON number', rec('config', { props: [['k', 'num']] }), { kind: 'value', value: 'config:7' });
expect(h, 'config key not UTF-8', rec('config', { props: [['k', Buffer.from([0xff, 0xfe])]] }), { kind: 'value', value: 'config=-2' });
expect(h, 'log levels', rec('loglevel'), { kind: 'value', value: 'log=-2;log=0', effects: ['log(1,debug line)'] });
expect(h, 'meta, full', rec('meta', {
  key: 'kéy', eventTime: -5n, publishTime: 1700000000123n, redelivery: 3, topic: 't/ns/x',
  messageId: Buffer.from([1, 2, 3]), props: [['a', '1'], ['', ''], ['b', 'x=y']], extraFlags: 0x40,
  trailing: Buffer.from([9, 9, 9]),
}), { kind: 'value', value: 'flags=67;et=-5;pt=1700000000123;rd=3;topic:t/ns/x;mid=3;key:kéy;props=3;a=1;=;b=x=y' });
expect(h, 'meta, bare', rec('meta', { publishTime: 0n, topic: '' }), { kind: 'value', value: 'flags=0;pt=0;rd=0;topic:;mid=0;key=-1;props=0' });
expect(h, 'meta, empty key', rec('meta', { key: '', topic: 'x' }), { kind: 'value', value: 'flags=1;pt=0;rd=0;topic:x;mid=0;key:;props=0' });
expect(h, 'record', rec('record'), {
  kind: 'record',
  check: (o) => {
    const r = o.record;
    const e = [];
    if (r.flags !== 15) e.push(`flags ${r.flags}, expected 15`);
    if (str(r.value) !== 'v' || str(r.key) !== 'k' || r.topic !== 'dest' || r.eventTime !== 1234n || r.props?.length !== 0 || r.trailing !== 0) {
      e.push(`record ${JSON.stringify({ ...r, value: str(r.value), key: r.key && str(r.key), eventTime: String(r.eventTime) })}`);
    }
    return e;
  },
});
expect(h, 'record, bare', rec('record_bare'), {
  kind: 'record', check: (o) => (o.record.flags === 0 && o.record.value.length === 0 && o.record.trailing === 0 ? [] : [`record ${JSON.stringify(o.record)}`]),
});
expect(h, 'record fields out of order', rec('order'), { kind: 'error', message: /order/i });
expect(h, 'empty value', rec('empty'), { kind: 'value', value: '' });
expect(h, 'fail', rec('fail'), { kind: 'error', message: /^boom$/ });
expect(h, 'filter', rec('filter'), { kind: 'filtered', effects: [] });
expect(h, 'big output (3 MB)', rec('big', { props: [['n', '3000000']] }), { kind: 'value', value: 'x'.repeat(3000000) });
expect(h, 'big output (0)', rec('big', { props: [['n', '0']] }), { kind: 'value', value: '' });
expect(h, 'unknown command', rec('what'), { kind: 'error', message: /^unknown command$/ });
expect(h, 'malformed envelope', new Uint8Array([2, 0, 0, 0]), { kind: 'error', message: /malformed/ });
expect(h, 'truncated envelope', rec('meta').subarray(0, 30), { kind: 'error', message: /malformed/ });
expect(h, 'after errors, the instance goes on', rec('add'), { kind: 'value', value: 'add=42' });
if (h.instances !== 1) {
  failures++;
  console.log(`  FAIL instance replaced ${h.instances - 1} time(s)`);
}

// ------------------------------------------------------------------ state store preset, denied, none
const hp = new MockHost(module, { config, user, initialState: { k: 'I'.repeat(2000) } });
expect(hp, 'state preset > scratch (result_get)', rec('state', { props: [['v', 'z']] }), {
  kind: 'value', value: `get:${'I'.repeat(2000)};put=0;get:z;del=0;get=-1`,
});
const hd = new MockHost(module, { config, user, state: 'denied' });
const denied = expect(hd, 'state denied', rec('state'), { kind: 'value', value: 'get=-3;put=-3;get=-3;del=-3;get=-3', effects: [] });
if (denied.effects.filter((e) => e.origin === 'host').length !== 1) {
  failures++;
  console.log('  FAIL state denied: expected one host warning in the effects');
}
expect(hd, 'counter denied', rec('counter'), { kind: 'value', value: 'incr=-3;get=-3;value=-1' });
const hn = new MockHost(module, { config, user, state: 'none', publish: () => NOT_PERMITTED });
expect(hn, 'no state store: reads UNAVAILABLE, writes effects', rec('state', { props: [['v', 'u']] }), {
  kind: 'value', value: `get=${UNAVAILABLE};put=0;get:u;del=0;get=-1`, effects: ['state_put(k,u)', 'state_delete(k)'],
});
expect(hn, 'no state store: counter', rec('counter'), { kind: 'value', value: `incr=0;get=${UNAVAILABLE};value=-1` });
expect(hn, 'publish not permitted', rec('publish'), { kind: 'value', value: 'publish=-3', effects: [] });

console.log(failures ? `check_sdk: FAILED: ${failures} of ${count} checks` : `check_sdk: ok: ${count} checks (${file})`);
process.exit(failures ? 1 : 0);
