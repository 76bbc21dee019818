#!/usr/bin/env python3
"""The `voipsec creds` contract (docs/cli/creds.md) as a user meets it: help and usage errors,
import of an example Asterisk directory into a fresh store, status as text and JSON lines with
--fail-on, check (allowed, refused, unknown account), generate for every kind, rotate on a copy
of the example (the secret printed once, mode and backup kept, refusals after a hand edit, for an
unknown account and for a weak --secret-stdin), a corrupted store and a missing one (a clear
message, exit 2, nothing written), and no planted secret in any output or in the store file.

usage: check_creds_cli.py VOIPSEC_BINARY SOURCE_ROOT"""
import json, os, re, subprocess, sys, tempfile

binary, root = sys.argv[1], sys.argv[2]
example = os.path.join(root, 'examples', 'audit', 'small-office-pjsip')
if not os.path.isdir(example):
    print(f'SKIP: no example at {example}')
    sys.exit(77)
# The secrets planted in the example (tests/corpus/audit/check_audit_cli.py lists the same). The
# four-digit PINs are left out of the byte search: "1234" and "0000" can occur by chance in a
# database page or a date, and mean nothing there.
SECRETS = ['welcome1', 'Harbour-Lantern-58', 'sip4471office', 'amp111', '730519', '918264']

failures, passed = [], 0
tmp = tempfile.mkdtemp(prefix='vs-creds-cli-')
env = dict(os.environ, VOIPSEC_DATA_DIR=os.path.join(root, 'data'),
           VOIPSEC_DB=os.path.join(tmp, 'default.db'))
outputs = []


def run(args, stdin=b''):
    p = subprocess.run([binary] + args, capture_output=True, timeout=120, input=stdin, env=env)
    out, err = p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')
    outputs.append(out + err)
    return p.returncode, out, err


def check(name, cond, detail=''):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f'{name}: {detail}')


db = os.path.join(tmp, 'voipsec.db')

# ---- help and usage
for args in (['creds', '--help'], ['creds', 'import', '--help'], ['creds', 'status', '--help'],
             ['creds', 'check', '--help'], ['creds', 'generate', '--help']):
    rc, out, _ = run(args)
    check(' '.join(args), rc == 0 and 'usage: voipsec creds' in out, f'rc={rc}')
rc, out, _ = run(['--help'])
check('top-level help lists creds', rc == 0 and re.search(r'^\s+creds\s', out, re.M), out)
for args, why in ((['creds'], 'no subcommand'), (['creds', 'rotate-all'], 'unknown subcommand'),
                  (['creds', 'import'], 'no PATH'), (['creds', 'generate'], 'no --kind'),
                  (['creds', 'generate', '--kind', 'fax'], 'unknown kind'),
                  (['creds', 'import', '--no-db', example], '--no-db (creds needs the store)'),
                  (['creds', 'status', '--format', 'xml', '--db', db], 'unknown format'),
                  (['creds', 'status', '--fail-on', 'severe', '--db', db], 'unknown severity'),
                  (['creds', 'generate', '--kind', 'sip', '--preset', 'cia'], 'unknown preset')):
    rc, _, err = run(args)
    check(f'usage error ({why})', rc == 2 and err.strip(), f'rc={rc} err={err!r}')
check('usage errors create no store', not os.path.exists(db), 'store created')

# ---- a store that is not there yet: status and check refuse without creating it
rc, _, err = run(['creds', 'status', '--db', db])
check('status without a store', rc == 2 and 'import' in err and not os.path.exists(db), err)

# ---- import
rc, out, err = run(['creds', 'import', '--db', db, example])
check('import', rc == 0 and re.match(r'10 accounts: 10 new', out), f'rc={rc} {out} {err}')
check('store is 0600', os.path.exists(db) and (os.stat(db).st_mode & 0o777) == 0o600)
rc, out, _ = run(['creds', 'import', '--db', db, example])
check('import again: unchanged', rc == 0 and '10 unchanged' in out, out)
rc, _, err = run(['creds', 'import', '--db', db, os.path.join(tmp, 'nowhere')])
check('import of a missing directory', rc == 2 and 'nowhere' in err, f'rc={rc} {err}')

# ---- status
rc, out, _ = run(['creds', 'status', '--db', db])
check('status text', rc == 0 and 'ACCOUNT' in out and '10 accounts (policy seed)' in out, out)
check('status text names the rules', 'creds.weak-secret' in out and 'creds.secret-reuse' in out)
rc, out, _ = run(['creds', 'status', '--db', db, '--format', 'json', '--fail-on', 'high'])
lines = [json.loads(l) for l in out.splitlines() if l.strip()]
accounts = [l['account'] for l in lines if 'account' in l]
findings = [l for l in lines if 'rule' in l]
check('status json exit 1 with --fail-on high', rc == 1, f'rc={rc}')
check('status json: 10 accounts', len(accounts) == 10, len(accounts))
check('status json: summary last', 'summary' in lines[-1] and lines[-1]['summary']['accounts'] == 10)
check('status json: findings of the shared shape',
      findings and all(f['practice'] == 'credentials' and f['rule'].startswith('creds.') and
                       f['severity'] and f['title'] for f in findings))
check('status json: kinds', {a['kind'] for a in accounts} == {'sip', 'trunk', 'voicemail', 'ami'},
      {a['kind'] for a in accounts})
check('status json: due date under seed', all(a['due'] and not a['overdue'] for a in accounts))
rc, _, _ = run(['creds', 'status', '--db', db, '--fail-on', 'critical'])
check('status exit 0 below --fail-on', rc == 0, f'rc={rc}')
rc, out, _ = run(['creds', 'status', '--db', db, '--format', 'json', '--preset', 'nist'])
accounts = [json.loads(l)['account'] for l in out.splitlines() if '"account"' in l]
check('status under nist: no due date', rc == 0 and len(accounts) == 10 and
      all(a['due'] is None and not a['overdue'] for a in accounts))

# ---- check
rc, out, _ = run(['creds', 'generate', '--kind', 'sip'])
fresh = out.strip()
check('generate sip', rc == 0 and len(fresh) == 20 and '\n' not in fresh, out)
rc, out, _ = run(['creds', 'check', '--db', db, '6003'], (fresh + '\n').encode())
check('check allowed', rc == 0 and out.startswith('6003: allowed'), f'rc={rc} {out}')
check('check never prints the secret', fresh not in out)
rc, out, _ = run(['creds', 'check', '--db', db, '6003'], b'welcome1\n')
check('check refused (weak)', rc == 1 and 'refused' in out, f'rc={rc} {out}')
rc, out, _ = run(['creds', 'check', '--db', db, '6003'], b'Harbour-Lantern-58\n')
check('check refused (reuse or history)', rc == 1 and 'refused' in out, f'rc={rc} {out}')
rc, _, err = run(['creds', 'check', '--db', db, 'nosuch'], b'x\n')
check('check unknown account', rc == 2 and "no account 'nosuch'" in err, f'rc={rc} {err}')

# ---- on a terminal the secret is not echoed
def check_on_tty(account, secret):
    import pty, select, time
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(binary, [binary, 'creds', 'check', '--db', db, account], env)
    seen = b''
    deadline = time.time() + 60
    sent = False
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not sent and b'New secret for' in seen:
            os.write(fd, secret.encode() + b'\n')
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode('utf-8', 'replace')


rc, seen = check_on_tty('6003', fresh)
outputs.append(seen)
check('tty: prompt, verdict, no echo', rc == 0 and 'New secret for 6003' in seen and
      'allowed' in seen and fresh not in seen, f'rc={rc} {seen!r}')

# ---- generate every kind
for kind, pattern in (('sip', r'^\S{20}$'), ('ami', r'^\S{20}$'), ('portal', r'^\S{20}$'),
                      ('voicemail', r'^[0-9]{6}$')):
    rc, out, _ = run(['creds', 'generate', '--kind', kind])
    check(f'generate {kind}', rc == 0 and re.match(pattern, out.strip()), out)
rc, _, _ = run(['creds', 'generate', '--kind', 'sip', '--db', db])
check('generate takes no store', rc == 2)

# ---- rotate, on a copy of the example
import shutil
conf = os.path.join(tmp, 'asterisk')
shutil.copytree(example, conf)
os.chmod(os.path.join(conf, 'pjsip.conf'), 0o640)
rdb = os.path.join(tmp, 'rotate.db')
for args, why in ((['creds', 'rotate', '--db', rdb, '6001'], 'no --config'),
                  (['creds', 'rotate', '--db', rdb, '--config', conf], 'no ACCOUNT'),
                  (['creds', 'check', '--db', rdb, '--config', conf, '6001'], '--config on check')):
    rc, _, err = run(args)
    check(f'rotate usage error ({why})', rc == 2 and err.strip(), f'rc={rc} {err!r}')
rc, _, err = run(['creds', 'rotate', '--db', rdb, '6001', '--config', conf])
check('rotate without a store', rc == 2 and 'import' in err and not os.path.exists(rdb), err)
rc, out, err = run(['creds', 'import', '--db', rdb, conf])
check('rotate: import the copy', rc == 0, f'rc={rc} {err}')


def snapshot():
    return {n: open(os.path.join(conf, n), 'rb').read() for n in sorted(os.listdir(conf))}


before = snapshot()
rc, out, err = run(['creds', 'rotate', '--db', rdb, '6001', '--config', conf])
new = out.strip()
check('rotate 6001', rc == 0 and len(out.splitlines()) == 1 and len(new) >= 20, f'rc={rc} {out!r} {err}')
check('rotate: the secret only on stdout', new and new not in err, err)
after = snapshot()
pj_old, pj_new = before['pjsip.conf'], after['pjsip.conf']
check('rotate: only the secret changed', pj_new == pj_old.replace(b'password=6001\n',
      b'password=' + new.encode() + b'\n', 1) and pj_new != pj_old)
check('rotate: other files untouched', all(after[n] == before[n] for n in before if n != 'pjsip.conf'))
check('rotate: backup with the old content', after.get('pjsip.conf.voipsec-bak') == pj_old)
check('rotate: mode kept', (os.stat(os.path.join(conf, 'pjsip.conf')).st_mode & 0o777) == 0o640 and
      (os.stat(os.path.join(conf, 'pjsip.conf.voipsec-bak')).st_mode & 0o777) == 0o640)
rc, out, _ = run(['creds', 'check', '--db', rdb, '6001'], (new + '\n').encode())
check('rotate: the new secret is the current one (check refuses it)', rc == 1 and 'FAIL (used recently' in out, out)
rc, out, _ = run(['creds', 'import', '--db', rdb, conf])
check('rotate: a re-import sees nothing changed', rc == 0 and ' 0 changed' in out, out)
rc, _, err = run(['creds', 'rotate', '--db', rdb, 'nosuch', '--config', conf])
check('rotate unknown account', rc == 2 and "no account 'nosuch'" in err, f'rc={rc} {err}')

# a weak secret on stdin: refused, exit 1, nothing written
before = snapshot()
rc, out, err = run(['creds', 'rotate', '--db', rdb, '6002', '--config', conf, '--secret-stdin'],
                   b'welcome1\n')
check('rotate --secret-stdin weak: refused', rc == 1 and 'refused' in err and not out.strip(), f'rc={rc} {out!r} {err}')
check('rotate refused: nothing written', snapshot() == before)
# a good one: used, not printed back
rc, out, _ = run(['creds', 'generate', '--kind', 'sip'])
given = out.strip()
rc, out, err = run(['creds', 'rotate', '--db', rdb, '6002', '--config', conf, '--secret-stdin'],
                   (given + '\n').encode())
check('rotate --secret-stdin', rc == 0 and given not in out + err and
      (b'password=' + given.encode() + b'\n') in open(os.path.join(conf, 'pjsip.conf'), 'rb').read(),
      f'rc={rc} {out!r} {err}')

# edited by hand since the import: refused, exit 2, nothing written
mgr = os.path.join(conf, 'manager.conf')
text = open(mgr, 'rb').read()
open(mgr, 'wb').write(text.replace(b'secret=amp111', b'secret=amp112'))
before = snapshot()
rc, out, err = run(['creds', 'rotate', '--db', rdb, 'admin', '--config', conf])
check('rotate after a hand edit: refused', rc == 2 and 'changed since the last import' in err and
      not out.strip(), f'rc={rc} {err}')
check('rotate after a hand edit: nothing written', snapshot() == before and
      'manager.conf.voipsec-bak' not in before)
rc, _, _ = run(['creds', 'import', '--db', rdb, conf])
rc, out, err = run(['creds', 'rotate', '--db', rdb, 'admin', '--config', conf])
check('rotate after a re-import', rc == 0 and out.strip(), f'rc={rc} {err}')
rotated = [new, out.strip(), given]
blob_all = '\n'.join(outputs)
check('rotate: a generated secret printed exactly once', blob_all.count(new) == 1, blob_all.count(new))
for path in (rdb, rdb + '-wal'):
    if os.path.exists(path):
        data = open(path, 'rb').read()
        for s in rotated:
            check(f'rotated secret not in {os.path.basename(path)}', s.encode() not in data)

# ---- a corrupted store: clear message, nothing written
bad = os.path.join(tmp, 'bad.db')
junk = b'SQLite format 3\x00' + bytes((i * 37) & 0xff for i in range(4080))
with open(bad, 'wb') as f:
    f.write(junk)
for args in (['creds', 'import', '--db', bad, example], ['creds', 'status', '--db', bad]):
    rc, _, err = run(args)
    check(f'corrupted store ({args[1]})', rc == 2 and bad in err, f'rc={rc} {err}')
with open(bad, 'rb') as f:
    check('corrupted store untouched', f.read() == junk)

# ---- no planted secret anywhere
blob = '\n'.join(outputs)
for s in SECRETS:
    check(f'secret {s[:2]}... not in any output', s not in blob)
for suffix in ('', '-wal'):
    path = db + suffix
    if os.path.exists(path):
        data = open(path, 'rb').read()
        for s in SECRETS:
            check(f'secret {s[:2]}... not in {os.path.basename(path)}', s.encode() not in data)

subprocess.run(['rm', '-rf', tmp])
for f in failures:
    print('FAIL', f)
print(f'{passed} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
