#!/usr/bin/env node
// nodes7 as a second, independent S7 client for the nf_tpkt tests.
//
//   node nodes7_client.js ADDR [--port 102] [--rack 0] [--slot 1] [--pdu N]
//        [--db 1] [--sizes 1,2,...] [--seed N] [--timeout 60]
//        [--job-timeout 10] [--verbose] [--debug]
//
// nodes7 (npm) is pure JavaScript with its own ISO-on-TCP and S7 code, so
// against server.js (snap7's S7Server) the two ends of the connection share
// no code.  One connection, one run:
//
//   1. connect: COTP CR/CC, then S7 "setup communication" (the PDU size);
//   2. write one region of the DB per size, all in one writeItems() call:
//      nodes7 packs small items together into PDUs, splits items larger than
//      a PDU into several, and keeps up to 8 jobs in flight;
//   3. read every region back (one readAllItems()) and compare;
//   4. read the whole span of the DB those regions lie in, as items of 8192
//      bytes (the most nodes7 takes; it splits each into PDU-sized reads),
//      and compare it with the expected
//      image: written bytes where the regions are, the server's initial
//      pattern (byte i = i & 0xff, see server.js) in the gaps between them,
//      so a write that spilled over its region, or landed elsewhere, shows;
//   5. close (FIN) and print one machine-readable line:
//
//   RESULT peer=nodes7 status=ok pdu=960 cr_tpdu=1024 ops=39 writes=18 reads=21
//          bytes=65459 sizes=18 tx=24685 rx=45754 ... span=21927 ...
//   RESULT peer=nodes7 status=fail ... reason="..."
//
// pdu is the negotiated S7 PDU size, cr_tpdu the TPDU size nodes7 proposes
// in its CR; writes and reads count items (one per region, and the span's
// items), bytes the data written and read back; tx and rx are the bytes
// the client's TCP socket sent and received (TPKT, COTP and S7 included).
//
// Exit 0 when every byte matched, 1 on any error, mismatch or timeout,
// 2 on bad usage.  The regions are laid out from the size list alone and
// the gaps are expected to hold the server's initial pattern: runs with
// different size lists against one server should use different DBs
// (server.js --db 1,2,...).
//
// nodes7 is installed by scripts/deps.sh (install_nodes7) outside the source
// tree; NODES7_DIR points at it.
'use strict';

const NODES7_DIR = process.env.NODES7_DIR ||
	'/opt/nf_tpkt-deps/nodes7/node_modules/nodes7';
const DB_SIZE = 0xFFFF;	// server.js's DBs (snap7's largest area)
const GAP = 8;		// untouched bytes around each region: more than
			// nodes7's maxGap (5), so it never merges two regions
			// into one read
const MAX_ITEMS = 20;	// snap7's server answers at most 20 items per job
const MAX_ITEM = 8192;	// nodes7 keeps each item's data in 8192-byte buffers

function usage(msg) {
	if (msg) process.stderr.write(`nodes7_client.js: ${msg}\n`);
	process.stderr.write('usage: node nodes7_client.js ADDR [--port N] [--rack N] ' +
		'[--slot N] [--pdu N] [--db N] [--sizes a,b,...] [--seed N] ' +
		'[--timeout S] [--job-timeout S] [--verbose] [--debug]\n');
	process.exit(2);
}

const opt = { addr: null, port: 102, rack: 0, slot: 1, pdu: 0, db: 1, sizes: null,
	seed: null, timeout: 60, jobTimeout: 10, verbose: false, debug: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
	const num = () => { const v = Number(val()); if (!Number.isInteger(v)) usage(`${a}: not an integer`); return v; };
	if (a === '--port') opt.port = num();
	else if (a === '--rack') opt.rack = num();
	else if (a === '--slot') opt.slot = num();
	else if (a === '--pdu') opt.pdu = num();
	else if (a === '--db') opt.db = num();
	else if (a === '--seed') opt.seed = num() >>> 0;
	else if (a === '--timeout') opt.timeout = num();
	else if (a === '--job-timeout') opt.jobTimeout = num();
	else if (a === '--sizes') opt.sizes = val().split(',').map(Number);
	else if (a === '--verbose' || a === '-v') opt.verbose = true;
	else if (a === '--debug') opt.debug = true;	// nodes7's own log, every value
	else if (a === '-h' || a === '--help') usage();
	else if (opt.addr === null && !a.startsWith('-')) opt.addr = a;
	else usage(`unknown argument ${a}`);
}
if (opt.addr === null) usage('no address');
if (opt.port < 1 || opt.port > 65535 || opt.db < 1 || opt.db > 65535) usage('bad port or DB');
if (opt.rack < 0 || opt.rack > 7 || opt.slot < 0 || opt.slot > 31) usage('bad rack or slot');
// nodes7 builds its requests in fixed 1500-byte buffers, so it cannot send
// a full PDU above 1493 (1500 - 4 TPKT - 3 COTP); snap7 wants at least 240.
if (opt.pdu !== 0 && (opt.pdu < 240 || opt.pdu > 1493)) usage('--pdu must be 240..1493');
if (opt.sizes && (opt.sizes.length === 0 || opt.sizes.length > MAX_ITEMS ||
    !opt.sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_ITEM)))
	usage(`--sizes: 1..${MAX_ITEMS} sizes of 1..${MAX_ITEM}`);
if (opt.seed === null) opt.seed = (Date.now() ^ (process.pid << 16)) >>> 0;

const start = Date.now();
let conn = null;
let sock = null;	// the connection's socket (nodes7 replaces it on a reset)
let pdu = 0;
let crTpdu = 0;
const tally = { writes: 0, reads: 0, bytes: 0, sizes: 0 };

function q(s) { return `"${String(s).replace(/["\\\n]/g, ' ')}"`; }

function result(status, extra) {
	process.stdout.write(`RESULT peer=nodes7 status=${status} pdu=${pdu} cr_tpdu=${crTpdu} ` +
		`ops=${tally.writes + tally.reads} writes=${tally.writes} reads=${tally.reads} ` +
		`bytes=${tally.bytes} sizes=${tally.sizes} ` +
		`tx=${sock ? sock.bytesWritten : 0} rx=${sock ? sock.bytesRead : 0} ` +
		`addr=${opt.addr} port=${opt.port} db=${opt.db} seed=${opt.seed} ` +
		`ms=${Date.now() - start}${extra || ''}\n`);
}

function fail(reason) {
	result('fail', ` reason=${q(reason)}`);
	process.exit(1);
}

// nodes7 throws from its callbacks (an item it cannot lay out, a buffer
// overrun): a failure of the run like any other
process.on('uncaughtException', (e) => {
	if (opt.debug) process.stderr.write(`${e.stack}\n`);
	fail(`exception: ${e && e.message}`);
});
const watchdog = setTimeout(() => fail(`no end after ${opt.timeout} s`), opt.timeout * 1000);

let NodeS7;
try {
	NodeS7 = require(NODES7_DIR);
} catch (e) {
	process.stderr.write(`nodes7_client.js: cannot load nodes7 from ${NODES7_DIR} ` +
		`(run scripts/deps.sh): ${e.message}\n`);
	process.exit(2);
}

// What the server holds before anyone writes (server.js fills its DBs so).
function initial(i) { return i & 0xff; }

// What this run writes at DB offset i: a hash of (seed, i), changed where it
// would equal the initial byte, so that every byte written differs from what
// was there and a write that did not happen cannot pass as one that did.
function pattern(i) {
	let x = Math.imul(i + 1, 0x9e3779b1) ^ opt.seed;
	x = Math.imul(x ^ (x >>> 15), 0x85ebca77);
	x = (x ^ (x >>> 13)) & 0xff;
	return x === initial(i) ? x ^ 0xa5 : x;
}

// The TPDU size nodes7 proposes in its CONNECT REQUEST (parameter 0xc0,
// 2^code octets).  nodes7 keeps the CR as a template (connectReq); reading
// it here lets the tests compare the gateway's view of the connection with
// what this version of nodes7 sends instead of with a constant.
function crTpduSize(cr) {
	const end = Math.min(cr.length, 5 + cr[4]);	// TPKT 4 + LI + LI octets
	for (let p = 11; p + 1 < end; p += 2 + cr[p + 1])	// after the CR's fixed part
		if (cr[p] === 0xc0 && cr[p + 1] === 1) return 1 << cr[p + 2];
	return 0;
}

// nodes7 calls an item's value a number for one byte, an array for more.
function asArray(v) { return Array.isArray(v) ? v : [v]; }

function compare(what, got, off, expect) {
	const a = asArray(got);
	if (a.length !== expect.length)
		fail(`${what}: ${a.length} bytes read, ${expect.length} expected`);
	for (let k = 0; k < a.length; k++) {
		if (a[k] !== expect[k])
			fail(`${what}: DB${opt.db}.DBB${off + k} is ${a[k]}, expected ${expect[k]}`);
	}
}

// nodes7's largest single items at a PDU (its prepareWritePacket and
// prepareReadPacket): what one write job carries, what one read answer does
function maxWriteItem() { return 8 * Math.floor((pdu - 30) / 8); }
function maxReadItem() { return 4 * Math.floor((pdu - 18) / 4); }

function defaultSizes() {
	// Every size up to the largest single items and around them, snap7's own
	// largest write job (PDU - 28) and the PDU itself; sizes above those are
	// split by nodes7 into several jobs, 8192 is the largest item it takes.
	const w = maxWriteItem(), r = maxReadItem();
	const s = [1, 2, 3, 4, 7, 8, 100, w - 1, w, w + 1, pdu - 28, r - 1, r, r + 1,
		pdu, 2 * w + 1, 4096, MAX_ITEM];
	return [...new Set(s)].sort((a, b) => a - b);
}

function run() {
	const sizes = opt.sizes || defaultSizes();
	// Regions one after the other, GAP untouched bytes before, between and
	// after them, at odd and even offsets alike.
	const regions = [];
	let off = GAP;
	for (const n of sizes) {
		regions.push({ tag: `DB${opt.db},BYTE${off}.${n}`, off, n });
		off += n + GAP + (regions.length & 1);
	}
	const span = off;
	if (span > DB_SIZE) fail(`the sizes need ${span} bytes, the DB has ${DB_SIZE}`);
	const image = [];
	for (let i = 0; i < span; i++) image.push(initial(i));
	for (const g of regions) {
		g.data = [];
		for (let i = g.off; i < g.off + g.n; i++) {
			image[i] = pattern(i);
			g.data.push(image[i]);
		}
	}
	tally.sizes = sizes.length;

	// 2. one write of every region
	const rc = conn.writeItems(regions.map((g) => g.tag), regions.map((g) => g.data), (bad) => {
		if (bad) fail('writeItems: a write came back with bad quality');
		tally.writes += regions.length;
		for (const g of regions) tally.bytes += g.n;

		// 3. every region read back
		conn.addItems(regions.map((g) => g.tag));
		conn.readAllItems((bad2, values) => {
			if (bad2) fail('readAllItems (regions): bad quality');
			for (const g of regions) {
				compare(g.tag, values[g.tag], g.off, g.data);
				if (opt.verbose) process.stdout.write(`size=${g.n} offset=${g.off} ok\n`);
			}
			tally.reads += regions.length;
			for (const g of regions) tally.bytes += g.n;

			// 4. the whole span, gaps and all, in the largest items
			// nodes7 takes (each larger than a PDU, so never merged)
			const chunks = [];
			for (let o = 0; o < span; o += MAX_ITEM) {
				const n = Math.min(MAX_ITEM, span - o);
				chunks.push({ tag: `DB${opt.db},BYTE${o}.${n}`, off: o, n });
			}
			conn.removeItems(regions.map((g) => g.tag));
			conn.addItems(chunks.map((c) => c.tag));
			conn.readAllItems((bad3, v3) => {
				if (bad3) fail('readAllItems (span): bad quality');
				for (const c of chunks)
					compare(c.tag, v3[c.tag], c.off, image.slice(c.off, c.off + c.n));
				tally.reads += chunks.length;
				tally.bytes += span;
				// 5. FIN; nodes7 calls back once the socket is closed
				// (the server's FIN is in) or after 2.5 s of waiting
				conn.dropConnection(() => {
					clearTimeout(watchdog);
					result('ok', ` span=${span} max_write_item=${maxWriteItem()} ` +
						`max_read_item=${maxReadItem()}`);
					process.exit(0);
				});
			});
		});
	});
	if (rc !== 0) fail('writeItems refused the write');
}

conn = new NodeS7({ silent: !opt.debug, debug: opt.debug });
if (opt.pdu) conn.requestMaxPDU = opt.pdu;	// nodes7 proposes 960 otherwise
crTpdu = crTpduSize(conn.connectReq);
conn.initiateConnection({ host: opt.addr, port: opt.port, rack: opt.rack, slot: opt.slot,
	timeout: opt.jobTimeout * 1000 }, (err) => {
	if (err) fail(`connect: ${err.code || err.message || err}`);
	pdu = conn.maxPDU;	// the smaller of nodes7's proposal and the server's
	sock = conn.isoclient;
	run();
});
