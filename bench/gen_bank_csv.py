#!/usr/bin/env python3
"""A bank-like CSV of N rows for seg-mpi's CSV benchmark (bench/README-mpi.md):
the UCI bank marketing columns with random values (fixed seed), and a quoted
note holding a comma and a line end in every 50th row.

    gen_bank_csv.py N OUT.csv
"""
import random, sys
r = random.Random(7)
n = int(sys.argv[1])
jobs = ['admin.','blue-collar','entrepreneur','housemaid','management','retired','self-employed','services','student','technician','unemployed','unknown']
mar = ['married','single','divorced']; edu = ['primary','secondary','tertiary','unknown']
months = ['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec']
pout = ['unknown','failure','other','success']; con = ['cellular','telephone','unknown']
yn = ['yes','no']
with open(sys.argv[2], 'w') as f:
    f.write('age,job,marital,education,default,balance,housing,loan,contact,day,month,duration,campaign,pdays,previous,poutcome,note,y\n')
    w = f.write
    for i in range(n):
        note = '"called, no answer\nretry"' if i % 50 == 0 else 'none'
        w('%d,%s,%s,%s,%s,%d,%s,%s,%s,%d,%s,%d,%d,%d,%d,%s,%s,%s\n' % (
            r.randint(18, 95), r.choice(jobs), r.choice(mar), r.choice(edu), r.choice(yn),
            int(r.gauss(1400, 3000)), r.choice(yn), r.choice(yn), r.choice(con), r.randint(1, 31),
            r.choice(months), int(r.expovariate(1 / 260)), r.randint(1, 20), r.choice([-1, -1, -1, r.randint(1, 400)]),
            r.randint(0, 5), r.choice(pout), note, r.choice(yn)))
