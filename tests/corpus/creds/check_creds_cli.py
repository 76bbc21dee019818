#!/usr/bin/env python3
"""The `voipsec creds` contract (docs/cli/creds.md) as a user meets it: help and usage errors,
import of an example Asterisk directory into a fresh store, status as text and JSON lines with
--fail-on, check (allowed, refused, unknown account), generate for every kind, rotate on a copy
of the example (the secret printed once, mode and backup kept, refusals after a hand edit, for an
unknown account and for a weak --secret-stdin), a corrupted store and a missing one (a clear
message, exit 2, nothing written), and no planted secret in any output or in the store file.
FreeSWITCH (tests/fixtures/creds/freeswitch): import, rotate of a $${default_password} user (the
note on stderr, vars.xml untouched, xmllint still accepts the file) and of a secret with XML
characters given on stdin, a hand edit refused, and kill -9 of real rotates at moments spread
over their run: the file is always the old or the new one, and after an import the store's
current secret is the file's. On a terminal, Ctrl-C while the secret is read with echo off
restores echo and exits 130.

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

# ---- FreeSWITCH directory XML
import signal, time
fs_fixture = os.path.join(root, 'tests', 'fixtures', 'creds', 'freeswitch')
fs = os.path.join(tmp, 'freeswitch')
shutil.copytree(fs_fixture, fs)
FS_FILES = ['vars.xml', 'directory/default.xml'] + [f'directory/default/{u}.xml' for u in
                                                    (1000, 1001, 1002, 1003)]
for n in FS_FILES:
    os.chmod(os.path.join(fs, n), 0o640)
FS_DEFAULT = 'Qz7#Lw4!Tp9@Rk2%'
FS_SECRETS = [FS_DEFAULT, 'Hn4&bZs8<cYe3"uJ', 'Hn4&amp;bZs8']
fdb = os.path.join(tmp, 'fs.db')
D = 'pbx.example.test'


def fs_snapshot():
    out = {}
    for dirpath, _, names in os.walk(fs):
        for n in names:
            full = os.path.join(dirpath, n)
            out[os.path.relpath(full, fs)] = open(full, 'rb').read()
    return out


def value_of(text, marker):
    """(start, end) of the raw text between the quotes of the attribute after marker."""
    i = text.index(marker) + len(marker)
    q = text[i - 1:i]
    return i, text.index(q, i)


def well_formed(path):
    if not shutil.which('xmllint'):
        return True  # libxml2 itself checks in the unit tests
    return subprocess.run(['xmllint', '--noout', '--nonet', path], capture_output=True).returncode == 0


rc, out, err = run(['creds', 'import', '--db', fdb, fs])
check('freeswitch import', rc == 0 and out.startswith('5 accounts: 5 new, 0 changed, 0 unchanged')
      and '2 sharing a secret' in out, f'rc={rc} {out} {err}')
rc, out, _ = run(['creds', 'status', '--db', fdb, '--format', 'json'])
names = sorted((json.loads(l)['account']['kind'], json.loads(l)['account']['name'])
               for l in out.splitlines() if '"account"' in l)
check('freeswitch accounts and names', names == [('sip', f'1000@{D}'), ('sip', f'1001@{D}'),
      ('sip', f'1003@{D}'), ('voicemail', f'1000@{D}'), ('voicemail', f'1002@{D}')], names)

u1000 = 'directory/default/1000.xml'
before = fs_snapshot()
rc, out, err = run(['creds', 'rotate', '--db', fdb, f'1000@{D}', '--config', fs])
new_fs = out.strip()
check('freeswitch rotate of a $${var} user', rc == 0 and len(out.splitlines()) == 1 and
      len(new_fs) >= 20, f'rc={rc} {out!r} {err}')
check('freeswitch rotate says the reference was replaced',
      '$${default_password}' in err and 'unchanged' in err and new_fs not in err, err)
after = fs_snapshot()
o, n = before[u1000], after[u1000]
a, b = value_of(o, b'name="password" value="')
check('freeswitch rotate: only the value changed',
      n == o[:a] + new_fs.encode() + o[b:] and o[a:b] == b'$${default_password}', n)
check('freeswitch rotate: other files untouched',
      all(after[k] == before[k] for k in before if k != u1000), sorted(after))
check('freeswitch rotate: backup and mode', after.get(u1000 + '.voipsec-bak') == o and
      (os.stat(os.path.join(fs, u1000)).st_mode & 0o777) == 0o640)
check('freeswitch rotate: xmllint accepts the file', well_formed(os.path.join(fs, u1000)))
rc, out, _ = run(['creds', 'import', '--db', fdb, fs])
check('freeswitch re-import: nothing changed', rc == 0 and ' 0 changed, 5 unchanged' in out, out)

# a secret with XML characters on stdin: escaped in the file, not printed back
given_fs = 'Kp3&<x>"q\'Z9#w!Lm'
u1001 = 'directory/default/1001.xml'
before = fs_snapshot()
rc, out, err = run(['creds', 'rotate', '--db', fdb, f'1001@{D}', '--config', fs, '--secret-stdin'],
                   (given_fs + '\n').encode())
after = fs_snapshot()
o, n = before[u1001], after[u1001]
a, b = value_of(o, b"value = '")
check('freeswitch rotate --secret-stdin with & < > " \'', rc == 0 and given_fs not in out + err and
      n == o[:a] + b'Kp3&amp;&lt;x&gt;&quot;q&apos;Z9#w!Lm' + o[b:], f'rc={rc} {out!r} {err} {n!r}')
check('freeswitch rotate --secret-stdin: xmllint accepts the file', well_formed(os.path.join(fs, u1001)))
rc, out, _ = run(['creds', 'check', '--db', fdb, f'1001@{D}'], (given_fs + '\n').encode())
check('freeswitch: the given secret is the current one', rc == 1 and 'FAIL (used recently' in out, out)
rc, out, err = run(['creds', 'rotate', '--db', fdb, f'1001@{D}', '--config', fs, '--secret-stdin'],
                   b'Kp3#new$${x}secret\n')
check('freeswitch rotate: a $ refused', rc == 2 and 'cannot hold' in err and fs_snapshot() == after, err)

# edited by hand since the import: refused, nothing written
v = os.path.join(fs, 'directory/default/1003.xml')
edited = open(v, 'rb').read().replace(b'$${default_password}', b'Wq8#Zr5!Mk2@Tn7%')
with open(v, 'wb') as f:
    f.write(edited)
before = fs_snapshot()
rc, out, err = run(['creds', 'rotate', '--db', fdb, f'1003@{D}', '--config', fs])
check('freeswitch rotate after a hand edit: refused', rc == 2 and 'changed since the last import'
      in err and not out.strip() and fs_snapshot() == before, f'rc={rc} {err}')
rc, out, _ = run(['creds', 'import', '--db', fdb, fs])
check('freeswitch import after the hand edit', rc == 0 and ' 1 changed' in out, out)
FS_SECRETS.append('Wq8#Zr5!Mk2@Tn7%')


# kill -9 of real rotates: at moments spread over a rotate's run (measured first), which mostly
# land before the file is touched, and as soon as each write step is seen from outside (the
# temporary file, the backup's temporary file, the renamed file). Whatever the step reached, the
# file is the old or the new one (well-formed, only the value changed), and after an import the
# store's current secret is the one in the file and the old one is in the history.
def current_1003():
    text = open(v, 'rb').read()
    a, b = value_of(text, b'name="password" value="')
    return text, text[a:b].decode()


def seen_step(trigger, ino):
    if trigger == 'renamed':
        return os.stat(v).st_ino != ino
    prefix = '1003.xml.voipsec-tmp.' if trigger == 'temp' else '1003.xml.voipsec-bak.voipsec-tmp.'
    return any(n.startswith(prefix) for n in os.listdir(os.path.dirname(v)))


t0 = time.monotonic()
rc, out, err = run(['creds', 'rotate', '--db', fdb, f'1003@{D}', '--config', fs])
full = time.monotonic() - t0
check('freeswitch rotate (timed)', rc == 0, err)
kills = {'killed': 0, 'old': 0, 'new': 0}
for i, trigger in enumerate((0.5, 0.8, 0.95, 'temp', 'backup', 'renamed', 'renamed', 'renamed')):
    old_text, old_secret = current_1003()
    for n in os.listdir(os.path.dirname(v)):
        if '.voipsec-tmp.' in n:
            os.unlink(os.path.join(os.path.dirname(v), n))  # what an earlier kill left
    ino = os.stat(v).st_ino
    p = subprocess.Popen([binary, 'creds', 'rotate', '--db', fdb, f'1003@{D}', '--config', fs],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if isinstance(trigger, float):
        time.sleep(full * trigger)
    else:
        deadline = time.monotonic() + 10 * full + 5
        while p.poll() is None and time.monotonic() < deadline and not seen_step(trigger, ino):
            time.sleep(0.0002)
    p.send_signal(signal.SIGKILL)
    pout, perr = p.communicate()
    if p.returncode == -signal.SIGKILL:
        kills['killed'] += 1
    text, secret = current_1003()
    a, b = value_of(old_text, b'name="password" value="')
    torn = not (text == old_text or (text[:a] == old_text[:a] and text.endswith(old_text[b:]) and
                                     len(secret) >= 20))
    check(f'kill -9 #{i} ({trigger}): the file is the old or the new one',
          not torn and well_formed(v), text)
    kills['old' if text == old_text else 'new'] += 1
    rc, out, err = run(['creds', 'import', '--db', fdb, fs])
    check(f'kill -9 #{i}: import reconciles', rc == 0, err)
    rc, out, _ = run(['creds', 'check', '--db', fdb, f'1003@{D}'], (secret + '\n').encode())
    check(f'kill -9 #{i}: the store\'s current secret is the file\'s',
          rc == 1 and 'FAIL (used recently' in out, out)
    if text != old_text:
        rc, out, _ = run(['creds', 'check', '--db', fdb, f'1003@{D}'], (old_secret + '\n').encode())
        check(f'kill -9 #{i}: the old secret is in the history', rc == 1 and 'FAIL (used recently' in out, out)
    if p.returncode == 0:
        check(f'kill -9 #{i}: a finished rotate printed its secret', pout.decode().strip() == secret)
    else:
        check(f'kill -9 #{i}: a killed rotate printed nothing', not pout.strip(), pout)
    FS_SECRETS.append(secret)
check('kill -9: some rotates were stopped after the file was replaced', kills['new'] >= 1, kills)
print(f'kill -9 of rotate: {kills}')
for path in (fdb, fdb + '-wal'):
    if os.path.exists(path):
        data = open(path, 'rb').read()
        for s in FS_SECRETS + [new_fs, given_fs]:
            check(f'freeswitch secret not in {os.path.basename(path)}', s.encode() not in data)
blob_all = '\n'.join(outputs)
check('freeswitch: the generated secret printed exactly once', blob_all.count(new_fs) == 1)
for s in FS_SECRETS[:3]:
    check(f'freeswitch secret {s[:2]}... not in any output', s not in blob_all)

# ---- Ctrl-C while the secret is read with echo off: the terminal is restored, exit 130
def ctrl_c_on_tty():
    import pty, select
    pid, fd = pty.fork()
    if pid == 0:
        # the shell survives the Ctrl-C (a trap, reset to the default in the command it runs)
        os.execve('/bin/sh', ['sh', '-c', 'trap : INT; "$0" creds check --db "$1" 6003; '
                              'echo "rc=$?"; stty -a',
                              binary, db], env)
    seen, sent = b'', False
    deadline = time.time() + 60
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
            time.sleep(0.2)
            os.write(fd, b'\x03')
            sent = True
    os.waitpid(pid, 0)
    os.close(fd)
    return seen.decode('utf-8', 'replace')


seen = ctrl_c_on_tty()
check('tty: Ctrl-C exits 130', 'rc=130' in seen, repr(seen))
check('tty: Ctrl-C restores echo', re.search(r'(?<![-\w])echo(?![\w-])', seen.split('rc=')[-1])
      is not None and '-echo ' not in seen.split('rc=')[-1], repr(seen))

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
