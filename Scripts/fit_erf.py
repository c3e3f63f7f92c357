#!/usr/bin/env python3
"""Fits the polynomials of Strata's vectorisable float32 erf (Float.erf in Sources/StrataCore/DType.swift).

    |x| < 0.921875:          erf(x) = x · P(x²),                 P of degree 5
    0.921875 <= |x| < 3.9375: erf(x) = 1 - e^(-x²) · Q(1/(1 + |x|)), Q of degree 8
    |x| >= 3.9375:           erf(x) = ±1 (erfc(3.9375) < half an ulp of 1 in float32)

P minimises the relative error of erf(x)/x, Q the relative error of erfc(x)·e^(x²), by weighted
least squares in float64 on dense grids (math.erf and math.erfc as the truth). The script prints
the float32 coefficients (highest degree first, as Horner's rule uses them) and the largest error
in ulp of the float32 evaluation, with numpy's float32 exp standing in for Float.exp.

    python3 Scripts/fit_erf.py
"""

import math

import numpy as np

BOUNDARY, TOP = 0.921875, 3.9375
erf = np.frompyfunc(math.erf, 1, 1)
erfc = np.frompyfunc(math.erfc, 1, 1)


def fit(variable, target, degree):
    """Least-squares coefficients (lowest degree first) of a polynomial in `variable` with small relative error."""
    v = np.vander(variable, degree + 1, increasing=True)
    coefficients, *_ = np.linalg.lstsq(v / target[:, None], np.ones_like(target), rcond=None)
    return coefficients.astype(np.float32)


def horner(coefficients, x):
    result = np.full_like(x, coefficients[-1])
    for c in coefficients[-2::-1]:
        result = result * x + c
    return result


def main():
    x = np.concatenate([np.cos(np.linspace(0.001, np.pi - 0.001, 4000)) * BOUNDARY / 2 + BOUNDARY / 2,
                        np.linspace(1e-6, BOUNDARY, 4000)])
    p = fit(x * x, erf(x).astype(float) / x, 5)
    x = np.linspace(BOUNDARY, TOP, 20000)
    q = fit(1 / (1 + x), erfc(x).astype(float) * np.exp(x * x), 8)

    test = np.linspace(0, TOP, 400001).astype(np.float32)
    t = np.float32(1) / (np.float32(1) + test)
    approx = np.where(test < BOUNDARY, test * horner(p, test * test),
                      np.float32(1) - np.exp(-(test * test)) * horner(q, t))
    exact = erf(test.astype(float)).astype(float)
    ulp = np.spacing(exact.astype(np.float32)).astype(float)
    ulp[ulp == 0] = np.spacing(np.float32(0))
    print("P (x², highest first):", ", ".join(f"{c:.8g}" for c in p[::-1]))
    print("Q (t, highest first): ", ", ".join(f"{c:.8g}" for c in q[::-1]))
    print(f"largest error {np.max(np.abs(approx - exact) / ulp):.2f} ulp")


if __name__ == "__main__":
    main()
