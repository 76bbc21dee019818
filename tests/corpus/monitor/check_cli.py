#!/usr/bin/env python3
"""The `voipsec monitor` contract (docs/cli/monitor.md) as a user meets it: help, usage errors and
exit codes, unreadable and non-capture files, config file errors with file:line, JSON shape (one
finding per line, stats last), the SIP message count against tshark's on every public capture,
--output file mode, --fail-on, and the store (findings and devices written, mode 0600)."""
import json, os, shutil, sqlite3, stat, subprocess, sys, tempfile

binary, root, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
pcaps = os.path.join(corpus, 'pcap')
if not os.path.isdir(pcaps):
    print(f'SKIP: no captures under {pcaps}')
    sys.exit(77)
failures, passed = [], 0

def run(args, timeout=120):
    p = subprocess.run([binary] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')

def check(name, cond, detail=''):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f'{name}: {detail}')

scan = os.path.join(pcaps, 'initconf-BadUserAgent-sipvicious.pcap')
rc, out, _ = run(['monitor', '--help'])
check('--help', rc == 0 and '-r, --read' in out and '--fail-on' in out, f'rc={rc}')
rc, _, err = run(['monitor'])
check('no input', rc == 2 and 'either -r' in err, f'rc={rc} {err[:200]}')
rc, _, err = run(['monitor', '-r', scan, '-i', 'lo'])
check('both -r and -i', rc == 2, f'rc={rc}')
rc, _, err = run(['monitor', '-r', '/nonexistent.pcap', '--no-db'])
check('missing capture', rc == 2 and '/nonexistent.pcap' in err, f'rc={rc} {err[:200]}')
with tempfile.TemporaryDirectory() as tmp:
    junk = os.path.join(tmp, 'junk.pcap')
    open(junk, 'wb').write(b'this is not a capture file at all\n' * 10)
    rc, _, err = run(['monitor', '-r', junk, '--no-db'])
    check('not a capture', rc == 2 and 'junk.pcap' in err, f'rc={rc} {err[:200]}')
    # a truncated capture: the packets before the cut are still processed, exit 2, message
    data = open(scan, 'rb').read()
    cut = os.path.join(tmp, 'cut.pcap')
    open(cut, 'wb').write(data[:len(data) * 2 // 3])
    rc, out, err = run(['monitor', '-r', cut, '--no-db', '--format', 'json'])
    objs = [json.loads(l) for l in out.splitlines()]
    check('truncated capture', rc == 2 and objs and 'stats' in objs[-1]
          and objs[-1]['stats']['sip_messages'] > 0 and 'cut.pcap' in err, f'rc={rc} {err[:200]}')
    # config errors name the file and line
    conf = os.path.join(tmp, 'bad.conf')
    open(conf, 'w').write('[scan]\nwindow = 60\nwindoww = 5\n')
    rc, _, err = run(['monitor', '-r', scan, '--no-db', '-c', conf])
    check('config unknown key', rc == 2 and 'bad.conf:3' in err and 'windoww' in err, err[:200])
    open(conf, 'w').write('[bruteforce]\nmin_failures = lots\n')
    rc, _, err = run(['monitor', '-r', scan, '--no-db', '-c', conf])
    check('config bad value', rc == 2 and 'bad.conf:2' in err, err[:200])
    open(conf, 'w').write('[nonsense]\n')
    rc, _, err = run(['monitor', '-r', scan, '--no-db', '-c', conf])
    check('config unknown section', rc == 2 and 'bad.conf:1' in err, err[:200])
    rc, _, _ = run(['monitor', '-r', scan, '--no-db', '-c', os.path.join(root, 'examples', 'monitor.conf')])
    check('example config loads', rc == 0, f'rc={rc}')
    # --output: file created 0600 with the same content as stdout
    outp = os.path.join(tmp, 'findings.json')
    rc, _, _ = run(['monitor', '-r', scan, '--no-db', '--format', 'json', '-o', outp])
    mode = stat.S_IMODE(os.stat(outp).st_mode) if os.path.exists(outp) else None
    lines = open(outp).read().splitlines() if mode is not None else []
    check('--output', rc == 0 and mode == 0o600 and lines and 'stats' in json.loads(lines[-1]),
          f'rc={rc} mode={mode}')
    # --fail-on: the scan is medium
    rc, _, _ = run(['monitor', '-r', scan, '--no-db', '--fail-on', 'medium'])
    check('--fail-on medium', rc == 1, f'rc={rc}')
    rc, _, _ = run(['monitor', '-r', scan, '--no-db', '--fail-on', 'critical'])
    check('--fail-on critical', rc == 0, f'rc={rc}')
    rc, _, err = run(['monitor', '-r', scan, '--no-db', '--fail-on', 'dire'])
    check('--fail-on bad', rc == 2, f'rc={rc}')
    # the store: findings and devices recorded, file 0600
    db = os.path.join(tmp, 'sub', 'v.db')
    rc, out, _ = run(['monitor', '-r', scan, '--format', 'json', '--db', db])
    nfind = sum(1 for l in out.splitlines() if 'rule' in json.loads(l))
    con = sqlite3.connect(db)
    rows = con.execute('select count(*) from findings').fetchone()[0]
    devs = con.execute("select count(*) from devices where user_agent = 'friendly-scanner'").fetchone()[0]
    con.close()
    check('store findings', rc == 0 and rows == nfind and rows > 0, f'rows={rows} printed={nfind}')
    check('store devices', devs > 0, f'devices={devs}')
    check('store mode', stat.S_IMODE(os.stat(db).st_mode) == 0o600, oct(os.stat(db).st_mode))

# The SIP message count of each capture equals tshark's.
tshark = shutil.which('tshark')
if not tshark:
    print('note: tshark not installed; message counts not compared')
else:
    for cap in sorted(os.listdir(pcaps)):
        if not cap.endswith(('.pcap', '.pcapng')):
            continue
        path = os.path.join(pcaps, cap)
        # tshark decodes by port first (UDP 1293 becomes PKTC, TCP 6060 X11); voipsec recognises
        # SIP by content on any port, so ask tshark to try its SIP heuristics first as well
        t = subprocess.run([tshark, '-o', 'udp.try_heuristic_first:TRUE', '-o',
                            'tcp.try_heuristic_first:TRUE', '-r', path, '-Y', 'sip', '-T', 'fields',
                            '-e', 'sip.CSeq'], capture_output=True, timeout=120)
        # one line per frame; a frame with several messages lists several CSeq values
        want = sum(len(l.split(',')) for l in t.stdout.decode().splitlines() if l.strip())
        rc, out, err = run(['monitor', '-r', path, '--no-db', '--format', 'json'])
        got = json.loads(out.splitlines()[-1])['stats']['sip_messages'] if rc == 0 and out else None
        check(f'count {cap}', got == want, f'voipsec {got}, tshark {want}')

for f in failures:
    print('FAIL', f)
print(f'{passed} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
