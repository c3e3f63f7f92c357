#!/usr/bin/env python3
"""Writes a synthetic MovieLens-100K-shaped ratings file in u.data format (tab-separated
user, item, rating, timestamp), for trying `strata train recommender` without MovieLens
(whose licence forbids redistributing it).

943 users, 1,682 items, 100,000 ratings of 1-5 stars from a biased rank-8 model:
3.5 + b_u + b_i + p_u.q_i + noise, b_u ~ N(0, 0.4^2), b_i ~ N(0, 0.5^2), p_u.q_i with
standard deviation 0.6, Gaussian noise 0.8, rounded and clipped to 1..5. Every user rates at
least 20 items; activity is log-normal and item popularity Zipf-like (1 / (rank + 10)), as in
MovieLens. The same recipe as StrataRecommend's SyntheticRatings.lowRank (other random streams).

    python3 Scripts/make_synthetic_movielens.py synthetic-u.data [--seed 1]
"""

import argparse
import bisect
import math
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=943)
    parser.add_argument("--items", type=int, default=1682)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    users, items, count, rank, minimum = args.users, args.items, args.count, 8, 20
    scale = math.sqrt(0.6 / math.sqrt(rank))
    p = [[scale * rng.gauss(0, 1) for _ in range(rank)] for _ in range(users)]
    q = [[scale * rng.gauss(0, 1) for _ in range(rank)] for _ in range(items)]
    bu = [0.4 * rng.gauss(0, 1) for _ in range(users)]
    bi = [0.5 * rng.gauss(0, 1) for _ in range(items)]

    activity = [math.exp(rng.gauss(0, 1)) for _ in range(users)]
    spare = count - minimum * users
    per_user = [min(items, minimum + int(spare * a / sum(activity))) for a in activity]
    while sum(per_user) < count:
        k = rng.randrange(users)
        if per_user[k] < items:
            per_user[k] += 1
    popularity = [1 / (k + 10) for k in range(items)]
    rng.shuffle(popularity)
    cumulative, running = [], 0.0
    for w in popularity:
        running += w
        cumulative.append(running)

    rows, oracle = [], 0.0
    for u in range(users):
        chosen = set()
        while len(chosen) < per_user[u]:
            i = bisect.bisect_left(cumulative, rng.random() * running) if len(chosen) < items // 2 else rng.randrange(items)
            i = min(i, items - 1)
            if i not in chosen:
                chosen.add(i)
                clean = 3.5 + bu[u] + bi[i] + sum(a * b for a, b in zip(p[u], q[i]))
                v = min(5, max(1, round(clean + 0.8 * rng.gauss(0, 1))))
                rows.append((u, i, v))
                oracle += (min(5.0, max(1.0, clean)) - v) ** 2
    rng.shuffle(rows)
    print(f"{len(rows)} ratings; RMSE of the noiseless model (clipped to 1-5): {math.sqrt(oracle / len(rows)):.4f}")
    with open(args.path, "w") as f:
        for n, (u, i, v) in enumerate(rows):
            f.write(f"{u + 1}\t{i + 1}\t{v}\t{880000000 + n}\n")


if __name__ == "__main__":
    main()
