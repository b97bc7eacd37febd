#!/usr/bin/env node
// snap7 S7 server as a third-party peer for the nf_tpkt tests.
//
//   node server.js PORT [--addr 0.0.0.0] [--pdu N] [--db N[,N...]] [--verbose]
//
// Starts snap7's S7Server on ADDR:PORT (102 in the VM suite), registers DB
// areas (DB1 by default; --db 1,2,3 for several, each with its own buffer)
// of 65535 bytes each, byte i holding i & 0xff -- the largest area snap7 accepts
// (node-snap7's RegisterArea takes at most 0xFFFF bytes, snap7 keeps area
// sizes in a 16-bit word) -- prints READY on stdout once the listener is
// bound, and runs until SIGTERM/SIGINT, then stops the server and exits 0.
//
// --pdu N forces the PDU size the server answers (snap7 allows 240..4096);
// without it the server accepts the client's proposal (clamped to that range).
//
// node-snap7 is built by scripts/deps.sh (install_snap7) outside the source
// tree; SNAP7_DIR points at it.
'use strict';

const SNAP7_DIR = process.env.SNAP7_DIR ||
	'/opt/nf_tpkt-deps/snap7/node_modules/node-snap7';
const DB_SIZE = 0xFFFF;	// 65535: snap7's maximum area size

function die(msg) {
	process.stderr.write(`server.js: ${msg}\n`);
	process.exit(2);
}

function usage() {
	die('usage: node server.js PORT [--addr A] [--pdu N] [--db N[,N...]] [--verbose]');
}

const opt = { port: null, addr: '0.0.0.0', pdu: 0, db: [1], verbose: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	const val = () => (i + 1 < argv.length ? argv[++i] : usage());
	if (a === '--addr') opt.addr = val();
	else if (a === '--pdu') opt.pdu = Number(val());
	else if (a === '--db') opt.db = val().split(',').map(Number);
	else if (a === '--verbose' || a === '-v') opt.verbose = true;
	else if (a === '-h' || a === '--help') usage();
	else if (opt.port === null && /^\d+$/.test(a)) opt.port = Number(a);
	else usage();
}
if (opt.port === null || opt.port < 1 || opt.port > 65535) usage();
if (!opt.db.every((n) => Number.isInteger(n) && n >= 1 && n <= 65535) ||
    new Set(opt.db).size !== opt.db.length) usage();
if (!Number.isInteger(opt.pdu) || (opt.pdu !== 0 && (opt.pdu < 240 || opt.pdu > 4096)))
	die('--pdu must be 0 or 240..4096');

let snap7;
try {
	snap7 = require(SNAP7_DIR);
} catch (e) {
	die(`cannot load node-snap7 from ${SNAP7_DIR} (run scripts/deps.sh): ${e.message}`);
}

const server = new snap7.S7Server();

// Initial contents: a recognisable pattern (byte i = i & 0xff), which
// nodes7_client.js expects where it has not written.  (node-snap7's
// RegisterArea copies the buffer: each DB is its own area.)
function initialDB() {
	const db = Buffer.alloc(DB_SIZE);
	for (let i = 0; i < DB_SIZE; i++) db[i] = i & 0xff;
	return db;
}

function check(ok, what) {
	if (ok === false) {
		const err = server.LastError();
		die(`${what} failed: ${server.ErrorText(err)} (0x${(err >>> 0).toString(16)})`);
	}
}

check(server.SetParam(server.LocalPort, opt.port), `SetParam(LocalPort, ${opt.port})`);
check(server.SetParam(server.PDURequest, opt.pdu), `SetParam(PDURequest, ${opt.pdu})`);
for (const n of opt.db)
	check(server.RegisterArea(server.srvAreaDB, n, initialDB()), `RegisterArea(DB${n}, ${DB_SIZE})`);

if (opt.verbose) {
	server.on('event', (ev) => process.stderr.write(`snap7: ${server.EventText(ev)}\n`));
} else {
	// Only what helps when a test fails.
	server.SetEventMask(server.evcListenerCannotStart | server.evcClientRejected |
		server.evcClientNoRoom | server.evcClientException);
	server.on('event', (ev) => process.stderr.write(`snap7: ${server.EventText(ev)}\n`));
}

check(server.StartTo(opt.addr), `StartTo(${opt.addr}:${opt.port})`);

// (node-snap7's S7Server.GetParam returns only true/false, not the value.)
process.stdout.write(`READY addr=${opt.addr} port=${opt.port} db=${opt.db} ` +
	`dbsize=${DB_SIZE} pdu=${opt.pdu || 'client'}\n`);

// Keep the event loop alive whatever the addon does with its handles.
const keepalive = setInterval(() => {}, 1 << 30);

let stopping = false;
function stop(sig) {
	if (stopping) return;
	stopping = true;
	clearInterval(keepalive);
	server.Stop();
	process.stderr.write(`server.js: ${sig}, stopped\n`);
	process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
