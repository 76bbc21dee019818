#!/usr/bin/env python3
"""Writes data/weak-passwords.txt: the weak-password list of the `weak-credential` detector.

The list is made here, from rules, so that it can be rebuilt and reviewed; it is not a copy of any
published password file. Sections, in order (an entry keeps the rank of its first appearance, and
the detector reports that rank, so the most likely guesses come first):

  1. very common passwords, written from general knowledge (the usual "123456, password,
     qwerty ..." that every breach analysis reports; these are facts, not a copied list);
  2. VoIP and PBX defaults (product names, "admin", "voip", "sip" ...);
  3. numeric PINs that people and installers pick: repeated digits, ascending and descending
     runs, pairs, every 3-digit number, years 1950-2030, day-month and month-day dates;
  4. keyboard walks;
  5. common words with digits or a symbol appended, in lower case and capitalised.

Deterministic: same script, same file. Usage: scripts/gen-weak-passwords.py [OUTPUT]
(default: data/weak-passwords.txt next to this script's parent directory).
"""
import os
import sys

COMMON = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890
michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan
jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou
2000 charlie robert thomas hockey ranger daniel starwars klaster 112233 george computer
michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753
aaaaaa ginger princess joshua cheese amanda summer love ashley nicole chelsea matthew
access yankees 987654321 dallas austin thunder taylor matrix minecraft william corvette hello
martin heather secret merlin diamond 1234qwer gfhjkm hammer silver 222222 88888888 anthony
justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer cookie richard
samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro
peanut morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes
dakota arsenal eagles melissa boomer booboo spider nascar monster tigers yellow xxxxxx
123123123 gateway marina diablo bulldog qwer1234 compaq purple banana junior hannah
123654 porsche lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee scooby
0000 miller boston q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333 oliver
redsox player nikita knight fender barney midnight please brandy chicago badboy slayer rangers
charles angel flower bigdaddy rabbit wizard jasper enter rachel chris steven winner adidas
victoria natasha 1q2w3e4r jasmine winter prince marine ghbdtn fishing cocacola casper
james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321 golf 8675309
passw0rd password1 password123 p@ssw0rd p@ssword pa55word qwerty123 qwerty1 1qaz2wsx3edc
abcd1234 abcdef abc12345 aa123456 a123456 123abc 1q2w3e 1q2w3e4r5t zaq12wsx qweasdzxc
iloveyou1 princess1 admin123 admin1 welcome1 welcome123 letmein1 monkey1 dragon1 sunshine1
football1 baseball1 master1 shadow1 superman1 michael1 charlie1 trustno1 loveme lovely
babygirl 654321a 123456a 1234abcd qwertyui 123qweasd 1234qwerty test123 test1 changeme
default guest user root toor administrator login pass123 pass1234 secret1 secret123 hello123
"""

VOIP = """
admin voip sip asterisk freepbx pbx phone telephone voicemail voice pabx ippbx ipphone
elastix trixbox issabel vitalpbx fusionpbx freeswitch kamailio opensips yate 3cx
yealink polycom grandstream cisco avaya snom gigaset fanvil panasonic mitel aastra
siemens alcatel linksys sipura obihai htek innovaphone digium sangoma xorcom
ClueCon cluecon 1234 0000 1111 12345 123456 password secret changeme default
admin1234 admin12345 adminadmin root123 sip123 sip1234 voip123 voip1234 pbx123 pbx1234
asterisk123 asterisk1 freepbx123 phone123 phone1234 trunk trunk123 provider sipuser
sippass sipuser1 sippassword voippass voippassword extension ext123 user123 guest123
support support123 service operator reception office office123 sales sales123
"""

WORDS = """
password admin welcome letmein monkey dragon sunshine iloveyou master hello secret voip sip
phone asterisk pbx test guest user root support office company summer winter spring autumn
football love qwerty abc pass login system server manager sales service reception
"""

SUFFIXES = ["1", "12", "123", "1234", "12345", "!", "1!", "01", "@123", "#1", "007", "99",
            "2020", "2021", "2022", "2023", "2024", "2025", "2026"]

KEYBOARD = """
qwerty qwertyuiop qwertyu qwert asdf asdfg asdfgh asdfghjkl asdfjkl zxcv zxcvb zxcvbn zxcvbnm
qazwsx qazwsxedc 1qaz2wsx 1qaz2wsx3edc zaq12wsx zaq1zaq1 !qaz2wsx 1q2w3e 1q2w3e4r 1q2w3e4r5t
q1w2e3r4 q1w2e3r4t5 qweasd qweasdzxc qwe123 qweqwe asdasd zxczxc poiuytrewq lkjhgfdsa
mnbvcxz azerty azertyuiop qwertz qwertzuiop 1qazxsw2 2wsx3edc 3edc4rfv qwer1234 1234qwer
asdf1234 zxcv1234 qwerasdf 147258 147258369 741852963 963852741 159357 753951 258456
2580 1470 3690 0147 7410 8520 9630 1379 7913 2468 1357 13579 24680 159 357 147 369
"""


def common_pins():
    out = []
    digits = "0123456789"
    # repeated digits, 3 to 10 long
    for n in range(3, 11):
        for d in digits:
            out.append(d * n)
    # ascending and descending runs starting anywhere, 3 to 10 long
    for n in range(3, 11):
        for s in range(10):
            out.append("".join(digits[(s + i) % 10] for i in range(n)))
            out.append("".join(digits[(s - i) % 10] for i in range(n)))
    # two-digit pairs repeated: 1212, 121212, 12121212
    for a in digits:
        for b in digits:
            if a != b:
                for n in (2, 3, 4):
                    out.append((a + b) * n)
    # aabb and aabbcc
    for a in digits:
        for b in digits:
            if a != b:
                out.append(a + a + b + b)
    for s in range(8):
        out.append("".join(digits[s + i] * 2 for i in range(3)))
    # 123123 style: a 3-digit run twice
    for s in range(8):
        run = digits[s:s + 3]
        out.append(run * 2)
    # every 3-digit number (short extensions and PINs)
    for i in range(1000):
        out.append("%03d" % i)
    # years
    for y in range(1950, 2031):
        out.append(str(y))
    # dates: MMDD and DDMM
    days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    for m in range(1, 13):
        for d in range(1, days[m - 1] + 1):
            out.append("%02d%02d" % (m, d))
            out.append("%02d%02d" % (d, m))
    return out


def words_with_digits():
    out = []
    for w in WORDS.split():
        for form in (w, w.capitalize()):
            out.append(form)
            for s in SUFFIXES:
                out.append(form + s)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data",
                                                                 "weak-passwords.txt")
    seen = set()
    entries = []
    for section in (COMMON.split(), VOIP.split(), common_pins(), KEYBOARD.split(),
                    words_with_digits()):
        for e in section:
            if e and e not in seen and "\t" not in e and not e.startswith("#"):
                seen.add(e)
                entries.append(e)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("# voipsec weak-password list: passwords an attacker tries first.\n")
        f.write("# Generated by scripts/gen-weak-passwords.py -- edit the script, not this file.\n")
        f.write("# Made from rules, not copied from a published list: common passwords written\n")
        f.write("# from general knowledge, VoIP/PBX defaults, numeric PINs (repeats, runs, pairs,\n")
        f.write("# 3-digit numbers, years 1950-2030, dates), keyboard walks, and common words\n")
        f.write("# with digits appended. One password per line, most likely first; the rank of\n")
        f.write("# an entry is its position among the non-comment lines (1-based).\n")
        f.write("# %d entries.\n" % len(entries))
        for e in entries:
            f.write(e + "\n")


if __name__ == "__main__":
    main()
