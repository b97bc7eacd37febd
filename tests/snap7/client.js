#!/usr/bin/env node
// snap7 S7 client as a third-party peer for the nf_tpkt tests.
//
//   node client.js ADDR [--sizes 1,2,...] [--rack 0] [--slot 1] [--port 102]
//                       [--pdu 480] [--db 1] [--dbsize 65535] [--seed N]
//                       [--timeout 120]
//
// Connects to an S7 server (snap7's server.js here, but any S7 PLC would do)
// with S7Client.ConnectTo, reads the negotiated PDU length, then for every
// size writes a pattern into DB1 with DBWrite, reads it back with DBRead and
// compares.  Default sizes, with W = PDU-28 (largest DBWrite carried in one
// S7 job: 10 header + 2 function/count + 12 item + 4 data header) and
// R = PDU-18 (largest DBRead answered in one PDU: 12 + 2 + 4):
//   1..W            every size that fits a single write and a single read
//   W+1..R+1        writes split in two by snap7; reads go from one to two
//   2W, 2W+1, 1000, 4096, 65000, 65535   multi-PDU transfers snap7 splits
// Sizes up to R+1 use one offset derived from the size; the larger ones use
// offset 0 and the end of the DB.  The pattern is a function of (seed, size,
// offset); the seed defaults to a per-run value so that a write that never
// reached the server cannot be hidden by an earlier run's identical data.
//
// Prints one line per size, then one machine-readable line:
//   SNAP7 status=ok pdu=480 checks=N bytes=M ...
//   SNAP7 status=fail pdu=480 checks=N bytes=M ... reason="..."
// and exits 0 on success, 1 on any error or mismatch, 2 on bad usage.
// Every call is asynchronous (snap7 runs it on a worker thread) so that the
// watchdog (--timeout seconds, whole run) can always fire; snap7's own socket
// timeouts are set too.
//
// node-snap7 is built by scripts/deps.sh (install_snap7) outside the source
// tree; SNAP7_DIR points at it.
'use strict';

const SNAP7_DIR = process.env.SNAP7_DIR ||
	'/opt/nf_tpkt-deps/snap7/node_modules/node-snap7';

function usage(msg) {
	if (msg) process.stderr.write(`client.js: ${msg}\n`);
	process.stderr.write('usage: node client.js ADDR [--sizes 1,2,...] [--rack 0] [--slot 1] ' +
		'[--port 102] [--pdu N] [--db 1] [--dbsize 65535] [--seed N] [--timeout S]\n');
	process.exit(2);
}

const opt = {
	addr: null, sizes: null, rack: 0, slot: 1, port: 102, pdu: 0, db: 1,
	dbsize: 65535, seed: null, timeout: 120,
};
{
	const argv = process.argv.slice(2);
	const num = (name, v, lo, hi) => {
		if (!/^\d+$/.test(v || '') || Number(v) < lo || Number(v) > hi)
			usage(`${name}: expected an integer in ${lo}..${hi}, got "${v}"`);
		return Number(v);
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
		switch (a) {
		case '--sizes':
			opt.sizes = val().split(',').filter((s) => s !== '')
				.map((s) => num('--sizes', s, 1, 65535));
			if (!opt.sizes.length) usage('--sizes: empty list');
			break;
		case '--rack': opt.rack = num(a, val(), 0, 7); break;
		case '--slot': opt.slot = num(a, val(), 0, 31); break;
		case '--port': opt.port = num(a, val(), 1, 65535); break;
		case '--pdu': opt.pdu = num(a, val(), 240, 4096); break;
		case '--db': opt.db = num(a, val(), 1, 65535); break;
		case '--dbsize': opt.dbsize = num(a, val(), 1, 65535); break;
		case '--seed': opt.seed = num(a, val(), 0, 0xffffffff); break;
		case '--timeout': opt.timeout = num(a, val(), 1, 86400); break;
		case '-h': case '--help': usage(); break;
		default:
			if (opt.addr === null && !a.startsWith('-')) opt.addr = a;
			else usage(`unexpected argument "${a}"`);
		}
	}
	if (opt.addr === null) usage('ADDR missing');
	if (opt.seed === null) opt.seed = (Date.now() ^ (process.pid << 16)) >>> 0;
}

const st = { pdu: 0, checks: 0, bytes: 0, sizes: 0 };

function summary(status, extra) {
	let line = `SNAP7 status=${status} pdu=${st.pdu} checks=${st.checks} bytes=${st.bytes} ` +
		`sizes=${st.sizes} addr=${opt.addr} port=${opt.port} seed=${opt.seed}`;
	if (extra) line += ` ${extra}`;
	process.stdout.write(line + '\n');
}

function fail(reason) {
	summary('fail', `reason="${String(reason).replace(/"/g, "'")}"`);
	process.exit(1);
}

const watchdog = setTimeout(() => fail(`timeout after ${opt.timeout}s`), opt.timeout * 1000);

let snap7;
try {
	snap7 = require(SNAP7_DIR);
} catch (e) {
	fail(`cannot load node-snap7 from ${SNAP7_DIR} (run scripts/deps.sh): ${e.message}`);
}

const client = new snap7.S7Client();

function errText(err) {
	return `${client.ErrorText(err).trim()} (0x${(err >>> 0).toString(16)})`;
}

function call(what, fn, ...args) {
	return new Promise((resolve, reject) => {
		fn.call(client, ...args, (err, data) => {
			if (err) reject(new Error(`${what}: ${errText(err)}`));
			else resolve(data);
		});
	});
}

// Deterministic pattern: xorshift32 seeded from (seed, size, offset).
function pattern(size, off) {
	let x = (opt.seed ^ Math.imul(size, 0x9e3779b1) ^ Math.imul(off + 1, 0x85ebca6b)) >>> 0;
	if (x === 0) x = 0x6d2b79f5;
	const b = Buffer.alloc(size);
	for (let i = 0; i < size; i++) {
		x ^= x << 13; x >>>= 0;
		x ^= x >>> 17;
		x ^= x << 5; x >>>= 0;
		b[i] = x & 0xff;
	}
	return b;
}

function defaultSizes(W, R) {
	const s = [];
	for (let n = 1; n <= W; n++) s.push(n);
	for (let n = W + 1; n <= R + 1; n++) s.push(n);
	s.push(2 * W, 2 * W + 1, 1000, 4096, 65000, 65535);
	return s;
}

function offsetsFor(size, R) {
	const room = opt.dbsize - size;		// last valid offset
	if (size <= R + 1) return [(size * 97 + 13) % (room + 1)];
	return room === 0 ? [0] : [0, room];
}

async function main() {
	// snap7 socket timeouts, in ms (connect ping, send, receive).
	const tmo = Math.min(opt.timeout * 1000, 10000);
	client.SetParam(client.PingTimeout, tmo);
	client.SetParam(client.SendTimeout, tmo);
	client.SetParam(client.RecvTimeout, tmo);
	if (opt.port !== 102) client.SetParam(client.RemotePort, opt.port);
	if (opt.pdu) client.SetParam(client.PDURequest, opt.pdu);

	await call(`ConnectTo(${opt.addr}:${opt.port}, rack ${opt.rack}, slot ${opt.slot})`,
		client.ConnectTo, opt.addr, opt.rack, opt.slot);
	st.pdu = client.PDULength();
	if (!(st.pdu >= 240)) throw new Error(`implausible negotiated PDU length ${st.pdu}`);
	const W = st.pdu - 28, R = st.pdu - 18;
	process.stdout.write(`connected addr=${opt.addr} port=${opt.port} rack=${opt.rack} ` +
		`slot=${opt.slot} pdu_requested=${client.PDURequested()} pdu=${st.pdu} ` +
		`single_write_max=${W} single_read_max=${R} seed=${opt.seed}\n`);

	const sizes = opt.sizes || defaultSizes(W, R);
	for (const size of sizes) {
		if (size > opt.dbsize) throw new Error(`size ${size} exceeds the DB size ${opt.dbsize}`);
		const offs = offsetsFor(size, R);
		for (const off of offs) {
			const out = pattern(size, off);
			await call(`DBWrite(DB${opt.db}, ${off}, ${size})`, client.DBWrite, opt.db, off, size, out);
			const back = await call(`DBRead(DB${opt.db}, ${off}, ${size})`, client.DBRead, opt.db, off, size);
			if (!Buffer.isBuffer(back) || back.length !== size)
				throw new Error(`DBRead(DB${opt.db}, ${off}, ${size}) returned ` +
					`${Buffer.isBuffer(back) ? back.length : typeof back} bytes`);
			if (!out.equals(back)) {
				let i = 0;
				while (out[i] === back[i]) i++;
				throw new Error(`mismatch size=${size} offset=${off} at byte ${i}: ` +
					`wrote 0x${out[i].toString(16)} read 0x${back[i].toString(16)}`);
			}
			st.checks++;
			st.bytes += size;
		}
		st.sizes++;
		process.stdout.write(`size=${size} offsets=${offs.join(',')} ` +
			`write_pdus=${Math.ceil(size / W)} read_pdus=${Math.ceil(size / R)} ok\n`);
	}
	client.Disconnect();
	clearTimeout(watchdog);
	summary('ok', `single_write_max=${W} single_read_max=${R}`);
	process.exit(0);
}

main().catch((e) => {
	try { client.Disconnect(); } catch (_) { /* already gone */ }
	fail(e.message);
});
