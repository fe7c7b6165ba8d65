#!/usr/bin/env python3
"""Writes a contacts CSV (Outlook-style headers) of N rows for the import benchmarks.

About 1 row in 100 repeats an earlier person's e-mail address and phone number, so the
import finds duplicates and lists them as left out. The same N gives the same file.

    python3 scripts/make-contacts.py 1000000 contacts-1m.csv
"""
import random
import sys

rows, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
with open(out, "w", newline="") as f:
    f.write("First Name,Last Name,E-mail Address,Mobile Phone,Company,Notes,Job Title\r\n")
    for i in range(rows):
        j = i if random.random() > 0.01 else random.randrange(max(i, 1))
        f.write(
            f"Anna{j},Berg{i},anna.berg{j}@example{j % 97}.com,+49 30 {j:08d},"
            f'Firm {j % 5000},"Met at fair {i % 12}",Buyer\r\n'
        )
