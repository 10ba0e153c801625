#!/usr/bin/env node
// A small SMSC (SMPP v3.4 message centre) built on the npm package "smpp", for
// the tests of the Go SMPP client in internal/notify. It is a peer that the Go
// code's authors did not write: the PDUs are decoded and encoded by that
// package.
//
// Usage: node server.js [port]
//
// It listens on 127.0.0.1 at the port given as the first argument or in
// SMPP_PORT (0, the default, picks a free port) and writes one JSON object a
// line on stdout. The first line is {"event":"listening","port":N}; after it
// come bind_transmitter, submit_sm, enquire_link, enquire_link_resp and unbind
// events, each with what the peer decoded.
//
// Environment:
//   SMPP_SYSTEM_ID, SMPP_PASSWORD  accepted credentials (vneid / secret)
//   SMPP_FAIL                      command_status (e.g. 0x58) to answer every
//                                  submit_sm with
//   SMPP_FAIL_COUNT                answer only the first N submit_sm with
//                                  SMPP_FAIL, then succeed
//   SMPP_NACK                      answer submit_sm with a generic_nack of this
//                                  status instead
//   SMPP_INVALID_DEST              comma-separated destinations answered with
//                                  ESME_RINVDSTADR (0x0B)
//   SMPP_ENQUIRE_LINK_MS           send enquire_link to each bound session at
//                                  this interval
//
// Standard error carries diagnostics only.
'use strict';

const smpp = require('smpp');

function env(name, fallback) {
	const v = process.env[name];
	return v === undefined || v === '' ? fallback : v;
}

function status(name) {
	const v = env(name, '');
	if (v === '') {
		return 0;
	}
	const n = Number(v); // accepts "0x58" and "88"
	if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
		throw new Error(name + ': not a command_status: ' + v);
	}
	return n;
}

const systemID = env('SMPP_SYSTEM_ID', 'vneid');
const password = env('SMPP_PASSWORD', 'secret');
const failStatus = status('SMPP_FAIL');
let failCount = Number(env('SMPP_FAIL_COUNT', '-1')); // -1: always
const nackStatus = status('SMPP_NACK');
const invalidDest = new Set(env('SMPP_INVALID_DEST', '').split(',').filter(Boolean));
const enquireMS = Number(env('SMPP_ENQUIRE_LINK_MS', '0'));
const port = Number(process.argv[2] || env('SMPP_PORT', '0'));

function emit(obj) {
	process.stdout.write(JSON.stringify(obj) + '\n');
}

// The package decodes short_message into text (and a UDH); keep the octets it
// was decoded from too, so the tests can check them exactly.
function keepRaw(command, param) {
	const p = smpp.commands[command].params[param];
	const orig = p.filter;
	p.filter = {
		encode: orig.encode,
		decode: function (value, skip) {
			const decoded = orig.decode.call(this, value, skip);
			Object.defineProperty(this, 'raw_' + param, {value: value, enumerable: false});
			return decoded;
		},
	};
}
keepRaw('submit_sm', 'short_message');
keepRaw('submit_sm', 'validity_period');

function hex(buf) {
	return Buffer.isBuffer(buf) ? buf.toString('hex') : '';
}

let nextMessageID = 1;
let nextSessionID = 1;

const server = smpp.createServer(function (session) {
	const sessionID = nextSessionID++;
	let bound = false;
	let timer = null;

	session.on('error', function (err) {
		process.stderr.write('session ' + sessionID + ': ' + err.message + '\n');
	});
	session.on('close', function () {
		if (timer) {
			clearInterval(timer);
		}
		emit({event: 'close', session: sessionID});
	});

	session.on('bind_transmitter', function (pdu) {
		const ok = pdu.system_id === systemID && pdu.password === password;
		emit({
			event: 'bind_transmitter', session: sessionID, ok: ok,
			system_id: pdu.system_id, system_type: pdu.system_type,
			interface_version: pdu.interface_version, addr_ton: pdu.addr_ton, addr_npi: pdu.addr_npi,
		});
		if (!ok) {
			session.send(pdu.response({command_status: smpp.ESME_RINVPASWD}));
			session.close();
			return;
		}
		bound = true;
		session.send(pdu.response({system_id: 'vneid-peer'}));
		if (enquireMS > 0) {
			timer = setInterval(function () {
				session.enquire_link(function (resp) {
					emit({event: 'enquire_link_resp', session: sessionID, status: resp.command_status});
				});
			}, enquireMS);
		}
	});

	session.on('submit_sm', function (pdu) {
		const sm = pdu.short_message || {};
		const ev = {
			event: 'submit_sm', session: sessionID, sequence: pdu.sequence_number,
			service_type: pdu.service_type,
			source_addr_ton: pdu.source_addr_ton, source_addr_npi: pdu.source_addr_npi, source_addr: pdu.source_addr,
			dest_addr_ton: pdu.dest_addr_ton, dest_addr_npi: pdu.dest_addr_npi, destination_addr: pdu.destination_addr,
			esm_class: pdu.esm_class, registered_delivery: pdu.registered_delivery, data_coding: pdu.data_coding,
			validity_period: pdu.raw_validity_period || '',
			short_message: hex(pdu.raw_short_message),
			udh: (sm.udh || []).map(hex).join(''),
			text: typeof sm.message === 'string' ? sm.message : hex(sm.message),
		};
		if (!bound) {
			ev.status = smpp.ESME_RINVBNDSTS;
			emit(ev);
			session.send(pdu.response({command_status: smpp.ESME_RINVBNDSTS}));
			return;
		}
		if (nackStatus) {
			ev.status = nackStatus;
			ev.nack = true;
			emit(ev);
			session.send(new smpp.PDU('generic_nack', {sequence_number: pdu.sequence_number, command_status: nackStatus}));
			return;
		}
		let st = 0;
		if (invalidDest.has(pdu.destination_addr)) {
			st = smpp.ESME_RINVDSTADR;
		} else if (failStatus && failCount !== 0) {
			st = failStatus;
			if (failCount > 0) {
				failCount--;
			}
		}
		ev.status = st;
		if (st) {
			emit(ev);
			session.send(pdu.response({command_status: st}));
			return;
		}
		ev.message_id = 'vneid-peer-' + nextMessageID++;
		emit(ev);
		session.send(pdu.response({message_id: ev.message_id}));
	});

	session.on('enquire_link', function (pdu) {
		emit({event: 'enquire_link', session: sessionID});
		session.send(pdu.response());
	});

	session.on('unbind', function (pdu) {
		emit({event: 'unbind', session: sessionID});
		session.send(pdu.response());
		session.close();
	});

	session.on('unknown', function (pdu) {
		emit({event: 'unknown', session: sessionID, command_id: pdu.command_id});
		session.send(pdu.response());
	});
});

server.on('error', function (err) {
	process.stderr.write('server: ' + err.message + '\n');
	process.exit(1);
});

server.listen(port, '127.0.0.1', function () {
	emit({event: 'listening', port: server.address().port});
});

// Stop when the test that started us closes our stdin or ends us.
process.stdin.on('end', function () { process.exit(0); });
process.stdin.resume();
process.on('SIGTERM', function () { process.exit(0); });
