/*
 * A log-linear histogram in the manner of HdrHistogram: 2048 linear sub-buckets
 * per power of two, so every recorded value keeps about 3 significant digits
 * (relative error below 0.1 %) from 1 ns up to 2^40 ns (~18 minutes).
 */
#ifndef LOADGEN_HIST_H
#define LOADGEN_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 11
#define HIST_HALF (1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS 30
#define HIST_SLOTS ((HIST_BUCKETS + 1) * HIST_HALF)

typedef struct {
  uint64_t counts[HIST_SLOTS];
  uint64_t total;
  uint64_t max;
  double sum;
} Hist;

void histRecord(Hist *h, uint64_t value);
/* Highest value equivalent to the one at percentile p (0 < p <= 100); 0 if empty. */
uint64_t histPercentile(const Hist *h, double p);
double histMean(const Hist *h);

#endif
