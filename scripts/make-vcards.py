#!/usr/bin/env python3
"""Writes a vCard file of N cards for the import benchmarks: the same people as
scripts/make-contacts.py writes for the same N (name, e-mail, mobile phone, company, notes,
job title), so the two imports can be compared.

As there, about 1 card in 100 repeats an earlier person's e-mail address and phone number,
so the import finds duplicates and lists them as left out. Every tenth card is vCard 2.1
with a quoted-printable note and a soft line break; the others are 3.0 with a folded note.
CRLF line ends, as phones and Outlook write them. The same N gives the same file.

    python3 scripts/make-vcards.py 1000000 contacts-1m.vcf
"""
import random
import sys

cards, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
with open(out, "w", newline="", encoding="utf-8") as f:
    for i in range(cards):
        j = i if random.random() > 0.01 else random.randrange(max(i, 1))
        fair = i % 12
        if i % 10 == 0:
            f.write(
                "BEGIN:VCARD\r\nVERSION:2.1\r\n"
                f"N:Berg{i};Anna{j};;;\r\nFN:Anna{j} Berg{i}\r\n"
                f"EMAIL;INTERNET;PREF:anna.berg{j}@example{j % 97}.com\r\n"
                f"TEL;CELL:+49 30 {j:08d}\r\nORG:Firm {j % 5000}\r\nTITLE:Buyer\r\n"
                f"NOTE;ENCODING=QUOTED-PRINTABLE:Met at f=\r\nair {fair}\r\n"
                "END:VCARD\r\n"
            )
        else:
            f.write(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"N:Berg{i};Anna{j};;;\r\nFN:Anna{j} Berg{i}\r\n"
                f"EMAIL;TYPE=INTERNET,PREF:anna.berg{j}@example{j % 97}.com\r\n"
                f"TEL;TYPE=CELL:+49 30 {j:08d}\r\nORG:Firm {j % 5000}\r\nTITLE:Buyer\r\n"
                f"NOTE:Met at\r\n  fair {fair}\r\n"
                "END:VCARD\r\n"
            )
