#!/usr/bin/env python3
"""Independent replay oracle for the CemCore points ledger (issue 9, docs/loyalty.md).

Generates a postings CSV (seeded) in the `cemcore loyalty replay` format and replays it with the documented rules, written here
from the documentation only (not from the C# code):

- idempotency: the same key with the same content -> "duplicate"; with different content -> "key_conflict"; a rejected posting
  stores nothing (its key may be retried);
- per account the clock never goes backwards ("clock_went_backwards");
- earn (> 0, one per order_id: "order_already_earned") makes a lot, pending for P days then available, expiring X days after it
  was earned (X = 0: never); a due lot is expired by an automatic posting at its expiry instant, before the next posting of the
  account and at the as-of date;
- redeem / negative adjust / expire take matured lots soonest to expire first (ties: oldest lot first) and never more than the
  available balance ("insufficient_balance"); on an account that never posted: "unknown_account";
- adjust: non-zero, with a reason ("reason_required"); positive makes a lot like an earn;
- reverse (> 0) cancels part of the earn with the same customer and order_id ("unknown_earn", "exceeds_earn"): the earn's own lot
  first (pending points need no balance), the rest from the available balance;
- points <= 0 where a positive amount is required: "invalid_points".

Writes, next to this script: replay_postings.csv, and replay_expected_<P>_<X>.csv (customer_id,balance,pending) plus
replay_rejected_<P>_<X>.csv (key,reason in file order) for the policies (P, X) = (0, 0) and (3, 30); as-of 2025-03-01.
Run: /usr/bin/python3 replay_oracle.py
"""
import csv
import os
import random
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DAY = 86400
AS_OF = int(datetime(2025, 3, 1, tzinfo=timezone.utc).timestamp())
T0 = int(datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp())


def iso(t):
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(seed=20250101, accounts=25, rows=900):
    rng = random.Random(seed)
    clock = {f"m{i:02d}": T0 + rng.randrange(0, 5 * DAY) for i in range(accounts)}
    orders = {a: [] for a in clock}
    out, n = [], 0
    while len(out) < rows:
        a = rng.choice(sorted(clock))
        r = rng.random()
        if out and r < 0.06:                       # a retry of an earlier row (duplicate, or a retry of a rejection)
            out.append(list(rng.choice(out)))
            continue
        if out and r < 0.09:                       # an earlier key with other content: conflict
            row = list(rng.choice(out))
            row[4] = str(int(row[4] or "0") + 1)
            out.append(row)
            continue
        step = rng.randrange(0, 3 * DAY)
        if rng.random() < 0.03:
            step = -rng.randrange(1, 2 * DAY)      # clock going backwards
        clock[a] += step
        t = clock[a]
        n += 1
        key = f"k{n:04d}"
        k = rng.random()
        if k < 0.40:
            if orders[a] and rng.random() < 0.05:
                order = rng.choice(orders[a])      # second earn on one order
            else:
                order = f"o{n:04d}"
                orders[a].append(order)
            pts = rng.randrange(1, 400) if rng.random() > 0.03 else rng.choice([0, -5])
            out.append([key, a, iso(t), "earn", str(pts), order, ""])
        elif k < 0.65:
            out.append([key, a, iso(t), "redeem", str(rng.randrange(1, 500) if rng.random() > 0.02 else 0), "", ""])
        elif k < 0.75:
            pts = rng.choice([-1, 1]) * rng.randrange(1, 150)
            reason = "" if rng.random() < 0.1 else "service"
            out.append([key, a, iso(t), "adjust", str(pts), "", reason])
        elif k < 0.95:
            order = rng.choice(orders[a]) if orders[a] and rng.random() > 0.1 else f"zz{n}"
            out.append([key, a, iso(t), "reverse", str(rng.randrange(1, 300)), order, "return"])
        else:
            out.append([key, a, iso(t), "expire", str(rng.randrange(1, 100)), "", "manual"])
    return out


class Account:
    def __init__(self, pending_days, expiry_days):
        self.p, self.x = pending_days, expiry_days
        self.lots = []        # dicts: key, order, remaining, matures, expires, seq
        self.earns = {}       # order -> [points, reversed, lot]
        self.version = 0
        self.last = None

    def exists(self):
        return self.version > 0

    def available(self, t):
        return sum(l["remaining"] for l in self.lots if l["matures"] <= t)

    def pending(self, t):
        return sum(l["remaining"] for l in self.lots if l["matures"] > t)

    def expire_due(self, t):
        while True:
            due = [l for l in self.lots if l["remaining"] > 0 and l["expires"] is not None and l["expires"] <= t]
            if not due:
                return
            lot = min(due, key=lambda l: (l["expires"], l["seq"]))
            lot["remaining"] = 0
            self.version += 1
            self.last = max(lot["expires"], self.last)

    def take(self, points, t):
        live = sorted((l for l in self.lots if l["remaining"] > 0 and l["matures"] <= t),
                      key=lambda l: (l["expires"] if l["expires"] is not None else float("inf"), l["seq"]))
        for l in live:
            n = min(points, l["remaining"])
            l["remaining"] -= n
            points -= n
            if points == 0:
                return
        raise AssertionError("not enough")

    def add_lot(self, key, order, points, t, seq):
        lot = {"key": key, "order": order, "remaining": points, "matures": t + self.p * DAY,
               "expires": t + self.x * DAY if self.x > 0 else None, "seq": seq}
        self.lots.append(lot)
        return lot

    def apply(self, row, t, seq):
        key, _, _, kind, pts, order, reason = row
        pts = int(pts)
        if self.exists() and t < self.last:
            return "clock_went_backwards"
        self.expire_due(t)
        avail = self.available(t)
        if kind == "earn":
            if pts <= 0:
                return "invalid_points"
            if order and order in self.earns:
                return "order_already_earned"
            lot = self.add_lot(key, order, pts, t, seq)
            if order:
                self.earns[order] = [pts, 0, lot]
        elif kind == "adjust":
            if pts == 0:
                return "invalid_points"
            if not reason.strip():
                return "reason_required"
            if pts > 0:
                self.add_lot(key, order, pts, t, seq)
            else:
                if not self.exists():
                    return "unknown_account"
                if avail < -pts:
                    return "insufficient_balance"
                self.take(-pts, t)
        elif kind in ("redeem", "expire"):
            if pts <= 0:
                return "invalid_points"
            if not self.exists():
                return "unknown_account"
            if avail < pts:
                return "insufficient_balance"
            self.take(pts, t)
        elif kind == "reverse":
            if pts <= 0:
                return "invalid_points"
            if not self.exists():
                return "unknown_account"
            if not order or order not in self.earns:
                return "unknown_earn"
            e = self.earns[order]
            if pts > e[0] - e[1]:
                return "exceeds_earn"
            own = e[2]
            from_pending = min(own["remaining"], pts) if own["matures"] > t else 0
            if pts - from_pending > avail:
                return "insufficient_balance"
            n = min(own["remaining"], pts)
            own["remaining"] -= n
            if pts - n > 0:
                self.take(pts - n, t)
            e[1] += pts
        self.version += 1
        self.last = t
        return None


def parse(ts):
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def replay(rows, pending_days, expiry_days):
    accounts, stored, rejected = {}, {}, []
    for seq, row in enumerate(rows):
        t = parse(row[2])
        if t >= AS_OF:
            continue
        key = row[0]
        if key in stored:
            rejected.append((key, "duplicate" if stored[key] == row else "key_conflict"))
            continue
        acc = accounts.setdefault(row[1], Account(pending_days, expiry_days))
        reason = acc.apply(row, t, seq)
        if reason is None:
            stored[key] = row
        else:
            rejected.append((key, reason))
    balances = {}
    for cid in sorted(accounts):
        acc = accounts[cid]
        if not acc.exists():
            continue
        acc.expire_due(AS_OF)
        balances[cid] = (acc.available(AS_OF), acc.pending(AS_OF))
    return balances, rejected


def main():
    rows = generate()
    with open(os.path.join(HERE, "replay_postings.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["key", "customer_id", "timestamp", "kind", "points", "order_id", "reason"])
        w.writerows(rows)
    for p, x in [(0, 0), (3, 30)]:
        balances, rejected = replay(rows, p, x)
        with open(os.path.join(HERE, f"replay_expected_{p}_{x}.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["customer_id", "balance", "pending"])
            for cid, (b, pe) in balances.items():
                w.writerow([cid, b, pe])
        with open(os.path.join(HERE, f"replay_rejected_{p}_{x}.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["key", "reason"])
            w.writerows(rejected)
        reasons = {}
        for _, r in rejected:
            reasons[r] = reasons.get(r, 0) + 1
        print(p, x, len(balances), "accounts;", sorted(reasons.items()))


if __name__ == "__main__":
    main()
