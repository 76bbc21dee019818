#!/usr/bin/env python3
"""The `voipsec sip parse` contract (docs/cli/sip-parse.md) as a user meets it: help and version,
exit codes, one JSON object per file with the documented fields, stdin, masking of passwords,
and clear errors for unreadable files and bad options. Uses the project's examples/sip."""
import json, os, subprocess, sys, tempfile

binary, root = sys.argv[1], sys.argv[2]
ex = os.path.join(root, 'examples', 'sip')
failures = []
passed = 0

def run(args, stdin=None):
    p = subprocess.run([binary] + args, input=stdin, capture_output=True, timeout=30)
    return p.returncode, p.stdout.decode('utf-8'), p.stderr.decode('utf-8')

def check(name, cond, detail=''):
    global passed
    if cond:
        passed += 1
    else:
        failures.append(f'{name}: {detail}')

rc, out, _ = run(['--help'])
check('--help', rc == 0 and 'sip' in out and 'usage' in out, f'rc={rc}')
rc, out, _ = run(['--version'])
check('--version', rc == 0 and out.startswith('voipsec '), f'rc={rc} out={out!r}')
rc, out, _ = run(['sip', 'parse', '--help'])
check('sip parse --help', rc == 0 and '--format' in out and '--strict' in out, f'rc={rc}')
rc, _, err = run(['nonsense'])
check('unknown command', rc == 2 and 'unknown command' in err, f'rc={rc}')
rc, _, err = run(['sip', 'parse'])
check('no file', rc == 2 and 'no FILE' in err, f'rc={rc} err={err!r}')
rc, _, err = run(['sip', 'parse', '--format', 'xml', os.path.join(ex, 'register-auth.sip')])
check('bad format', rc == 2 and 'xml' in err, f'rc={rc}')
rc, out, err = run(['sip', 'parse', '/nonexistent/file.sip', os.path.join(ex, 'register-auth.sip')])
check('unreadable file', rc == 2 and '/nonexistent/file.sip' in err and 'register-auth' in out,
      f'rc={rc} err={err!r}')

good = ['register-auth.sip', 'invite-plain-rtp.sip', 'invite-srtp.sip', 'password-in-uri.sip']
rc, out, _ = run(['sip', 'parse', '--format', 'json'] + [os.path.join(ex, g) for g in good])
objs = [json.loads(l) for l in out.splitlines()]
check('valid examples exit 0', rc == 0, f'rc={rc} out={out[:500]}')
check('one object per file', len(objs) == len(good), f'{len(objs)} objects')
for o in objs:
    for field in ('file', 'valid', 'kind', 'call_id', 'from', 'to', 'errors'):
        check(f'{o.get("file")} has {field}', field in o)
by = {os.path.basename(o['file']): o for o in objs}
reg = by.get('register-auth.sip', {})
check('register fields', reg.get('kind') == 'request' and reg.get('method') == 'REGISTER'
      and reg.get('user_agent', '').startswith('Yealink'), str(reg)[:300])
plain = by.get('invite-plain-rtp.sip', {})
check('plain media not encrypted', [m['encrypted'] for m in plain.get('media', [])] == [False],
      str(plain.get('media')))
srtp = by.get('invite-srtp.sip', {})
check('srtp media encrypted', [m['encrypted'] for m in srtp.get('media', [])] == [True],
      str(srtp.get('media')))
check('no key material printed', 'WVNfX19zZW1jdGwg' not in out)
check('passwords masked', 's3cretPass' not in out and 'hunter2' not in out and '****' in out)
rc, out, _ = run(['sip', 'parse', os.path.join(ex, 'password-in-uri.sip')])
check('passwords masked in text', 's3cretPass' not in out and 'hunter2' not in out and rc == 0)

rc, out, _ = run(['sip', 'parse', '--format', 'json', os.path.join(ex, 'options-scanner-mismatch.sip')])
o = json.loads(out.splitlines()[0]) if out else {}
check('invalid exits 1', rc == 1 and o.get('valid') is False, f'rc={rc}')
check('cseq-method error with offset', any(e['code'] == 'cseq-method' and e['offset'] > 0
                                           for e in o.get('errors', [])), str(o.get('errors')))

data = open(os.path.join(ex, 'register-auth.sip'), 'rb').read()
rc, out, _ = run(['sip', 'parse', '--format', 'json', '-'], stdin=data)
check('stdin', rc == 0 and json.loads(out)['file'] == '-', f'rc={rc}')

# A bare-LF copy: accepted as a text file by default, strict mode enforces Content-Length.
lf = open(os.path.join(ex, 'invite-plain-rtp.sip'), 'rb').read().replace(b'\r\n', b'\n')
with tempfile.NamedTemporaryFile(suffix='.sip') as t:
    t.write(lf)
    t.flush()
    rc, out, _ = run(['sip', 'parse', '--format', 'json', t.name])
    o = json.loads(out)
    check('bare LF text file valid', rc == 0 and any(a['code'] == 'bare-lf' for a in o['anomalies']), out[:300])
    rc, out, _ = run(['sip', 'parse', '--strict', '--format', 'json', t.name])
    check('bare LF strict invalid', rc == 1 and any(e['code'] == 'body-truncated'
                                                    for e in json.loads(out)['errors']), out[:300])

# Binary garbage and an empty file: a verdict, never a crash.
with tempfile.NamedTemporaryFile(suffix='.bin') as t:
    t.write(bytes(range(256)) * 4)
    t.flush()
    rc, out, _ = run(['sip', 'parse', '--format', 'json', t.name])
    check('garbage invalid', rc == 1 and json.loads(out)['valid'] is False, f'rc={rc}')
with tempfile.NamedTemporaryFile(suffix='.sip') as t:
    rc, out, _ = run(['sip', 'parse', '--format', 'json', t.name])
    check('empty file invalid', rc == 1 and any(e['code'] == 'empty' for e in json.loads(out)['errors']), out)

for f in failures:
    print('FAIL', f)
print(f'{passed} passed, {len(failures)} failed')
sys.exit(1 if failures else 0)
