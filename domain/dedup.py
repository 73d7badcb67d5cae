"""Text signatures for deduplication, and the exact comparison that decides what two texts are.

Candidates come from two indexes kept in the archive database (storage/dedup_index.py):
- MinHash LSH bands over character 5-grams of the fingerprint form (datasketch MinHash): finds noisy
  full copies;
- winnowing fingerprints of 12-grams: finds excerpts, which whole-document MinHash misses because
  their Jaccard similarity with the full text is low.
Every candidate is then verified exactly: coverage of each text by the 13-grams (long shared
substrings) of the other, and the 5-gram Jaccard similarity of a near duplicate."""
from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from domain.textclean import fingerprint_form
from domain.vocabulary import VerdictKind


@dataclass(frozen=True)
class Scheme:
    """Everything that makes two signatures comparable; stored in the dedup_scheme table."""
    name: str = "gwr-1"
    shingle: int = 5  # characters per MinHash shingle
    num_perm: int = 128
    seed: int = 20231  # datasketch MinHash seed
    minhash_scheme: str = "affine32"  # datasketch's permutations (its default since 2.0; "legacy" before)
    shingle_hash: str = "poly31-fmix64-low32"  # how a shingle becomes the 32-bit input of MinHash
    bands: int = 32  # LSH: 32 bands x 4 rows, threshold about (1/32)^(1/4) = 0.42
    rows: int = 4
    winnow_k: int = 12  # characters per winnowed k-gram
    winnow_w: int = 40  # window: any shared substring of k + w - 1 = 51 characters shares a fingerprint
    cover_k: int = 13  # characters per k-gram in the exact coverage measure
    stop_documents: int = 25  # a fingerprint in more documents than this is boilerplate, not evidence


SCHEME = Scheme()
_MASK63 = np.uint64(0x7FFFFFFFFFFFFFFF)
_BASE = np.uint64(1_000_003)

# Thresholds of the exact verification (docs/deduplication.md).
SAME_REPORT_COVERAGE = 0.6  # the shorter text's share found in the longer one
NEAR_DUPLICATE_LENGTH = 0.8  # length ratio above which two same-report texts are copies, not excerpt/whole
RELATED_COVERAGE = 0.3  # below SAME_REPORT_COVERAGE, above this: related documents (draft/final, reuse)
MIN_EXCERPT_CHARS = 80  # shorter than this, a text is too small to be attached by containment
# A candidate sharing fewer winnowed fingerprints than this share of the smaller text's cannot reach
# RELATED_COVERAGE; it is not worth an exact comparison.
MIN_SHARED_FINGERPRINTS = 0.15
# A candidate only the LSH bands propose (it shares too few fingerprints to be an excerpt or related)
# can only be a near duplicate, which needs >= SAME_REPORT_COVERAGE of the 13-grams both ways, hence a
# 5-gram Jaccard of at least about 0.6 / (2 - 0.6) = 0.43. Below this estimate from the stored
# MinHash (standard error about 0.04 at 128 permutations) it is not worth an exact comparison. Reports
# built from the same stock phrases (other regions' reports, other years) score 0.2-0.3.
MIN_BAND_JACCARD = 0.35


# MurmurHash3's finalizers (its published constants): shifts and multipliers at 64 and 32 bits.
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def _fmix(values: np.ndarray, constants: tuple) -> np.ndarray:
    """MurmurHash3's finalizer at the width of `constants` (_FMIX64, _FMIX32), wrapping as unsigned
    arithmetic of that width does; `values` must have the constants' dtype."""
    shift1, multiplier1, shift2, multiplier2, shift3 = constants
    values = values ^ (values >> shift1)
    values = values * multiplier1
    values = values ^ (values >> shift2)
    values = values * multiplier2
    return values ^ (values >> shift3)


def _powers(base: np.uint64, count: int) -> np.ndarray:
    """base**0 … base**(count-1), wrapping at 2**64."""
    powers = np.empty(count, dtype=np.uint64)
    powers[:1] = 1
    with np.errstate(over="ignore"):
        np.cumprod(np.full(count - 1, base, dtype=np.uint64), out=powers[1:])
    return powers


# The inverse of _BASE modulo 2**64 (it is odd, so it has one): Newton's iteration doubles the correct
# low bits each step, 1 → 64 in six.
_inverse = 1
for _ in range(6):
    _inverse = _inverse * (2 - int(_BASE) * _inverse) % 2**64
_BASE_INVERSE = np.uint64(_inverse)


def kgram_hashes(form: str, k: int) -> np.ndarray:
    """A 64-bit hash of every k-character window of `form`, in order (uint64; wrap-around arithmetic):
    fmix64 of the polynomial sum(code[i + j] * BASE**(k-1-j)). Computed from prefix sums of
    code[j] * BASE**-j, one pass whatever k (window i is BASE**(i+k-1) times a difference of two), which
    gives the same values as summing each window (tests/test_dedup.py) at a third of the cost."""
    codes = np.frombuffer(form.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * _powers(_BASE_INVERSE, len(codes)), out=prefix[1:])
        return _fmix((prefix[k:] - prefix[:-k]) * _powers(_BASE, len(codes))[k - 1:], _FMIX64)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array: np.unique's result, by a sort and a mask (np.unique
    took 0.13 ms for a report's 2,000 k-grams, this 0.015)."""
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def window_minima(hashes: np.ndarray, window: int) -> np.ndarray:
    """The minimum of every run of `window` consecutive values (len(hashes) >= window), in O(n) whatever
    the window (van Herk 1992, Gil & Werman 1993): split into blocks of `window`; a run spans at most
    two blocks, and its minimum is that of the first block's suffix and the next block's prefix. Four
    times faster than the minimum of each sliding window at window 40."""
    count = len(hashes)
    padded = np.concatenate([hashes, np.full(-count % window, np.iinfo(hashes.dtype).max, dtype=hashes.dtype)])
    blocks = padded.reshape(-1, window)
    prefix_minima = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix_minima = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix_minima[:count - window + 1], prefix_minima[window - 1:count])


def winnow(hashes: np.ndarray, window: int) -> np.ndarray:
    """The minimum of every window of `window` consecutive hashes (Schleimer et al., 2003), as a sorted
    array of distinct values; positive int64 so SQL integer columns hold them."""
    if len(hashes) == 0:
        return np.empty(0, dtype=np.int64)
    if len(hashes) <= window:
        chosen = np.array([hashes.min()], dtype=np.uint64)
    else:
        chosen = window_minima(hashes, window)
    return distinct(chosen & _MASK63).astype(np.int64)


@functools.cache
def _permutations(scheme: Scheme) -> np.ndarray:
    """The scheme's MinHash permutations (rows a, b), drawn once: datasketch draws them from the seed
    for every MinHash it makes (0.12 ms of a report's 0.4). `affine32` is drawn here as datasketch 2.0
    defines it (numpy's RandomState of the seed: num_perm odd 32-bit multipliers, then num_perm 32-bit
    offsets; tests/test_dedup.py checks they are the library's), so an archive writer never imports
    datasketch, whose package pulls in scipy.integrate: 0.4 s of each writer process's start."""
    if scheme.minhash_scheme == "affine32":
        draw = np.random.RandomState(scheme.seed)
        a = draw.randint(0, 1 << 31, scheme.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = draw.randint(0, 1 << 32, scheme.num_perm, dtype=np.uint32)
        return np.array([a, b])
    from datasketch import MinHash

    return MinHash(num_perm=scheme.num_perm, seed=scheme.seed, hashfunc=int, scheme=scheme.minhash_scheme).permutations


def affine32_minhash(hashes: np.ndarray, permutations: np.ndarray) -> np.ndarray:
    """The MinHash datasketch's `affine32` scheme gives 32-bit `hashes` under `permutations` (rows a, b):
    per permutation, the least fmix32(h) * a + b modulo 2^32, as its update_batch computes it
    (tests/test_dedup.py checks they agree). Here in one matrix written in place; datasketch takes the
    values as a Python list and builds three temporary matrices: 1.4 ms a report of 10,000 characters,
    against 0.17. The archive stores these values (the scheme is named, never the library's default)."""
    a, b = permutations
    if len(hashes) == 0:
        return np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
    mixed = _fmix(hashes.astype(np.uint32), _FMIX32)
    products = np.empty((len(a), len(mixed)), dtype=np.uint32)
    np.multiply(a[:, None], mixed, out=products)
    np.add(products, b[:, None], out=products)
    return products.min(axis=1)


@dataclass
class Signature:
    """The matching view of one text: its fingerprint form and what the indexes store of it."""
    form: str
    scheme: Scheme = SCHEME

    @cached_property
    def shingles(self) -> np.ndarray:
        return distinct(kgram_hashes(self.form, self.scheme.shingle))

    @cached_property
    def cover_grams(self) -> np.ndarray:
        return distinct(kgram_hashes(self.form, self.scheme.cover_k))

    @cached_property
    def minhash(self) -> np.ndarray:
        hashes = self.shingles & np.uint64(0xFFFFFFFF)
        if self.scheme.minhash_scheme == "affine32":
            return affine32_minhash(hashes, _permutations(self.scheme))
        from datasketch import MinHash

        minhash = MinHash(num_perm=self.scheme.num_perm, seed=self.scheme.seed, hashfunc=int,  # another scheme
                          scheme=self.scheme.minhash_scheme, permutations=_permutations(self.scheme))
        minhash.update_batch(hashes.tolist())
        return minhash.hashvalues

    @cached_property
    def band_hashes(self) -> list[int]:
        """One hash per LSH band; the band number is hashed in, so one indexed column finds a band."""
        rows, values = self.scheme.rows, self.minhash
        return [int.from_bytes(hashlib.blake2b(values[b * rows:(b + 1) * rows].tobytes(), digest_size=8,
                                               salt=b.to_bytes(16, "big")).digest(), "big") & 0x7FFFFFFFFFFFFFFF
                for b in range(self.scheme.bands)]

    @cached_property
    def fingerprints(self) -> list[int]:
        return winnow(kgram_hashes(self.form, self.scheme.winnow_k), self.scheme.winnow_w).tolist()


def estimated_jaccard(minhash: np.ndarray, other_minhash: bytes) -> float:
    """The 5-gram Jaccard similarity two MinHash signatures estimate (one as stored in the archive)."""
    other = np.frombuffer(other_minhash, dtype=minhash.dtype)
    return float(np.count_nonzero(minhash == other)) / len(minhash) if len(other) == len(minhash) else 0.0


def prepare(text: str) -> Signature:
    """The signature of a text with everything the archive will ask of it computed now: an archive
    writer calls this before it takes the write lock, so placement (which holds the lock) only looks up."""
    sig = signature(text)
    for part in ("shingles", "cover_grams", "minhash", "band_hashes", "fingerprints"):
        getattr(sig, part)
    return sig


# Not cachetools: its LRUCache sizes an entry by its value, and this cache is bounded by its keys'
# length (the texts); the lock is needed either way.
# Signatures of the texts seen last, up to this many characters of text in all (about 20 bytes of
# signature each: some 40 MB). Bounded by length, not by count: 70 reports of 30,000 characters, or 800
# short ones, whose candidates come up again and again while a crawl or an import runs.
SIGNATURE_CACHE_CHARACTERS = 2_000_000
_signatures: OrderedDict[str, Signature] = OrderedDict()
_cached_characters = 0
_cache_lock = threading.Lock()  # an archive writer thread and the reactor thread may both ask


def signature(text: str) -> Signature:
    """The signature of a text, from the cache of the most recent when it is there."""
    global _cached_characters
    with _cache_lock:
        sig = _signatures.get(text)
        if sig is not None:
            _signatures.move_to_end(text)
            return sig
    sig = Signature(fingerprint_form(text))
    with _cache_lock:
        if text not in _signatures:
            _signatures[text] = sig
            _cached_characters += len(text)
        while _cached_characters > SIGNATURE_CACHE_CHARACTERS and len(_signatures) > 1:
            oldest, _ = _signatures.popitem(last=False)
            _cached_characters -= len(oldest)
    return sig


def _shared(x: np.ndarray, y: np.ndarray) -> int:
    """How many values two sorted arrays of distinct values share (binary search of the smaller in the
    larger: no concatenation, no sort)."""
    if len(x) > len(y):
        x, y = y, x
    if not len(x):
        return 0
    found = np.searchsorted(y, x)
    found[found == len(y)] = 0
    return int(np.count_nonzero(y[found] == x))


def jaccard(a: Signature, b: Signature) -> float:
    """The 5-gram Jaccard similarity of two texts."""
    inter = _shared(a.shingles, b.shingles)
    union = len(a.shingles) + len(b.shingles) - inter
    return inter / union if union else 0.0


@dataclass(frozen=True)
class Verdict:
    """What text `a` is to text `b`: near_duplicate, excerpt (a is part of b), whole (b is part of a),
    related, or None (distinct)."""
    kind: VerdictKind | None
    similarity: float


def judge(a: Signature, b: Signature) -> Verdict:
    """Decided on 13-gram coverage. The 5-gram Jaccard is computed only for a near duplicate, whose
    similarity it is: most candidates a placement verifies turn out distinct, and their 5-grams cost as
    much again as the coverage (bench/dedup_scaling.py)."""
    if a.form == b.form:
        return Verdict("duplicate", 1.0)
    covered = _shared(a.cover_grams, b.cover_grams)
    a_in_b = covered / len(a.cover_grams) if len(a.cover_grams) else 0.0
    b_in_a = covered / len(b.cover_grams) if len(b.cover_grams) else 0.0
    a_shorter = len(a.form) <= len(b.form)
    short_cover, long_cover = (a_in_b, b_in_a) if a_shorter else (b_in_a, a_in_b)
    shorter, longer = sorted((len(a.form), len(b.form)))
    if short_cover >= SAME_REPORT_COVERAGE and shorter >= MIN_EXCERPT_CHARS:
        if shorter / max(longer, 1) >= NEAR_DUPLICATE_LENGTH and long_cover >= SAME_REPORT_COVERAGE:
            return Verdict("near_duplicate", round(jaccard(a, b), 4))
        return Verdict("excerpt" if a_shorter else "whole", round(short_cover, 4))
    if short_cover >= RELATED_COVERAGE and shorter >= MIN_EXCERPT_CHARS:
        return Verdict("related", round(short_cover, 4))
    return Verdict(None, round(short_cover, 4))
