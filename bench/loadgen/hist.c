#include "hist.h"

static unsigned slotOf(uint64_t v) {
  if (v < (1u << HIST_SUB_BITS)) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - (HIST_SUB_BITS - 1);
  if (shift >= HIST_BUCKETS) return HIST_SLOTS - 1; /* clamp: beyond 2^40 ns */
  return shift * HIST_HALF + (unsigned)(v >> shift);
}

static uint64_t highestInSlot(unsigned slot) {
  if (slot < (1u << HIST_SUB_BITS)) return slot;
  unsigned shift = slot / HIST_HALF - 1;
  uint64_t sub = slot - shift * HIST_HALF;
  return ((sub + 1) << shift) - 1;
}

void histRecord(Hist *h, uint64_t value) {
  h->counts[slotOf(value)]++;
  h->total++;
  h->sum += (double)value;
  if (value > h->max) h->max = value;
}

uint64_t histPercentile(const Hist *h, double p) {
  if (h->total == 0) return 0;
  /* rank of the sample at p, rounded up, as HdrHistogram does */
  uint64_t rank = (uint64_t)((p / 100.0) * (double)h->total + 0.999999);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_SLOTS; i++) {
    seen += h->counts[i];
    if (seen >= rank) {
      uint64_t v = highestInSlot(i);
      return v < h->max ? v : h->max;
    }
  }
  return h->max;
}

double histMean(const Hist *h) {
  return h->total ? h->sum / (double)h->total : 0.0;
}
